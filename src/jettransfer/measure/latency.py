"""Inference latency: repeated timed forward passes after a warm-up, their median and spread.

The inputs are moved to the device before timing: what is timed is the model's forward pass,
not the loader's batching nor the host-to-device copy. On CUDA the device is synchronised
before the clock starts and before it stops, since kernels run asynchronously. The median and
the interquartile range, rather than the mean, because shared machines give long-tailed times.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from jettransfer.measure.example_inputs import jets_in
from jettransfer.measure.flops import evaluating


@dataclass(frozen=True)
class Latency:
    device: str  # torch device, e.g. "cpu", "cuda:0"
    n_jets: int  # jets per timed forward pass
    repeats: int
    warmup: int
    median_s: float  # per forward pass (per batch)
    q25_s: float
    q75_s: float

    @property
    def iqr_s(self) -> float:
        return self.q75_s - self.q25_s

    @property
    def median_per_jet_s(self) -> float:
        return self.median_s / self.n_jets

    @property
    def iqr_per_jet_s(self) -> float:
        return self.iqr_s / self.n_jets

    def as_dict(self) -> dict[str, Any]:
        """Milliseconds, for JSON and tables."""
        return {"device": self.device, "jets_per_forward": self.n_jets, "repeats": self.repeats, "warmup": self.warmup,
                "median_ms_per_batch": 1e3 * self.median_s, "iqr_ms_per_batch": 1e3 * self.iqr_s,
                "median_ms_per_jet": 1e3 * self.median_per_jet_s, "iqr_ms_per_jet": 1e3 * self.iqr_per_jet_s}


def inference_latency(model: nn.Module, batch: Any | Sequence[Any], device: torch.device | str, repeats: int = 20,
                      warmup: int = 3) -> Latency:
    """Wall time of `model(batch)` on `device`: `warmup` untimed passes, then `repeats` timed ones.

    `batch` is one batch, timed again and again, or a list of batches of the same number of jets
    (e.g. single jets), timed one after the other (cycled when `repeats` is longer). The model is
    moved to `device` for the measurement and back to where it was afterwards."""
    device = torch.device(device)
    batches = list(batch) if isinstance(batch, (list, tuple)) else [batch]
    sizes = {jets_in(b) for b in batches}
    if len(sizes) != 1:
        raise ValueError(f"batches of different sizes {sorted(sizes)}: per-jet times would mix them")
    if repeats < 1 or warmup < 0:
        raise ValueError(f"need repeats >= 1 and warmup >= 0, got {repeats}, {warmup}")
    on_device = [b.to(device) for b in batches]
    times = []
    with _placed(model, device), evaluating(model):
        for i in range(warmup):
            model(on_device[i % len(on_device)])
        for i in range(repeats):
            _synchronize(device)
            start = time.perf_counter()
            model(on_device[i % len(on_device)])
            _synchronize(device)
            times.append(time.perf_counter() - start)
    q25, median, q75 = np.percentile(times, [25, 50, 75])
    return Latency(str(device), sizes.pop(), repeats, warmup, float(median), float(q25), float(q75))


@contextlib.contextmanager
def cpu_threads(n: int) -> Iterator[None]:
    """torch's intra-op CPU threads set to `n` for the block, restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def _placed(model: nn.Module, device: torch.device) -> Iterator[None]:
    tensors = [*model.parameters(), *model.buffers()]
    home = tensors[0].device if tensors else torch.device("cpu")
    model.to(device)
    try:
        yield
    finally:
        model.to(home)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
