"""FLOPs of one forward pass of a tagger, per jet, counted by torch.utils.flop_counter.

Conventions, since papers disagree by a factor of two:
  flops  FlopCounterMode's count: one multiply-add = 2 FLOPs (a [m, k] x [k, n] product is
         2 m k n).
  macs   the papers' convention (fvcore's, as quoted for ParticleNet, ParT, LorentzNet...):
         one multiply-add = 1 "FLOP", i.e. flops / 2.
Only operators FlopCounterMode has formulas for are counted: matrix products and convolutions
(mm, addmm, bmm, baddbmm, convolution, scaled_dot_product_attention, ...). Elementwise work
(activations, normalisations, additions, gathers and scatters of message passing, cdist and
top-k of a kNN search) counts zero, which is also fvcore's convention for the papers' numbers.
The count is of what this implementation runs in eval mode: e.g. EdgeConv's first edge layer is
computed per node and BatchNorms are folded into the linear maps (models/edgeconv.py), so it
can be below a count of the paper's per-edge formulation.

Two gaps of FlopCounterMode are closed while counting: nn.TransformerEncoderLayer and
nn.MultiheadAttention take a fused "fast path" in eval mode whose kernels have no formula (a
transformer would count almost nothing), so the fast path is off for the counted pass (the
same products, unfused); and the CPU's flash-attention kernel of scaled_dot_product_attention
gets the formula of the GPU's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode, sdpa_flop_count


@dataclass(frozen=True)
class FlopCount:
    n_jets: int
    total_flops: int  # the whole batch, 2 FLOPs per multiply-add
    by_operator: dict[str, int]  # aten operator -> FLOPs of the whole batch

    @property
    def flops_per_jet(self) -> float:
        """2 FLOPs per multiply-add (FlopCounterMode's convention)."""
        return self.total_flops / self.n_jets

    @property
    def macs_per_jet(self) -> float:
        """Multiply-adds per jet: the papers' (fvcore's) "FLOPs"."""
        return self.total_flops / 2 / self.n_jets


@contextlib.contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """The model as it is measured: eval mode, no autograd graph, float32 weights. Its training
    flag is restored afterwards, so measuring does not change the caller's model."""
    wrong = sorted({str(p.dtype) for p in model.parameters() if p.is_floating_point() and p.dtype != torch.float32})
    if wrong:
        # A cast would change the caller's model in place; the figures are for float32 anyway.
        raise ValueError(f"measure a float32 model; this one has {', '.join(wrong)} parameters")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        model.train(was_training)


def flops_per_jet(model: nn.Module, batch: Any, n_jets: int) -> FlopCount:
    """FLOPs of `model(batch)` for a batch of `n_jets` jets (or events)."""
    if n_jets <= 0:
        raise ValueError(f"n_jets must be positive, got {n_jets}")
    counter = FlopCounterMode(display=False, custom_mapping=_MISSING_FORMULAS)
    with evaluating(model), _attention_fast_path(False), counter:
        model(batch)
    by_operator = {str(op): int(n) for op, n in counter.get_flop_counts().get("Global", {}).items()}
    return FlopCount(n_jets, int(counter.get_total_flops()), by_operator)


def _cpu_flash_attention_flops(query: Any, key: Any, value: Any, *args: Any, out_shape: Any = None,
                               **kwargs: Any) -> int:
    # FlopCounterMode passes shapes here; the same count as its CUDA flash-attention formula.
    return sdpa_flop_count(query, key, value)


_MISSING_FORMULAS = {torch.ops.aten._scaled_dot_product_flash_attention_for_cpu: _cpu_flash_attention_flops}


@contextlib.contextmanager
def _attention_fast_path(enabled: bool) -> Iterator[None]:
    """torch's fused multi-head-attention fast path on or off for the block, restored afterwards."""
    before = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(enabled)
    try:
        yield
    finally:
        torch.backends.mha.set_fastpath_enabled(before)
