"""Stage: what a trained run's model costs: parameters, FLOPs per jet, latency per jet.

Latencies are taken on the CPU with one thread (the figure that compares across machines and
with the papers' single-core numbers) and, when the job has a GPU, on it too: at batch 1 (one
forward per jet over the first jets, the trigger-like case) and at batch 1024 (throughput).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import platform
from typing import Any

import numpy as np
import torch
from torch import nn

from jettransfer.data.atomic import atomic_path
from jettransfer.data.errors import InputFileError
from jettransfer.data.packed_file import PackedJets, read_packed
from jettransfer.measure.example_inputs import first_jets, jets_in, single_jets
from jettransfer.measure.flops import flops_per_jet
from jettransfer.measure.latency import cpu_threads, inference_latency
from jettransfer.models.registry import count_parameters
from jettransfer.train.checkpoint import load_model
from jettransfer.train.device import device_name, job_device

log = logging.getLogger(__name__)

MAX_JETS = 1024  # test jets read, and the large batch
SINGLE_JETS = 100  # jets timed one at a time for the batch-1 latency

CONVENTION = {
    "flops_per_jet": "torch.utils.flop_counter.FlopCounterMode, one multiply-add = 2 FLOPs, averaged over the "
                     "large batch's jets as it runs (particle sets padded to its longest jet, or to the "
                     "model's n_particles); only matrix products / convolutions / attention are counted, not "
                     "elementwise ops, gathers, scatters or kNN searches",
    "macs_per_jet": "the papers' (fvcore's) FLOPs: one multiply-add = 1, i.e. flops_per_jet / 2",
    "latency": "wall time of model(batch) in eval mode, no_grad, float32, inputs already on the device, after "
               "warm-up: median and interquartile range; batch_1 = one forward per jet over the first jets, "
               "batch_1024 = the same batch of 1024 jets (all, if fewer: jets_per_forward) again and again; "
               "the CPU with 1 thread, and the job's GPU when it has one",
}


def measure_run(checkpoint: str | os.PathLike, test_path: str | os.PathLike, output: str | os.PathLike,
                threads: int = 1, gpus: int = 0) -> None:
    """Costs of a checkpoint's model on up to 1024 of its test jets, written as JSON; a GPU is
    measured too when the job was given a GPU slot (`gpus` >= 1) and one is there."""
    model, spec = load_model(checkpoint)
    jets = read_packed(test_path)
    if len(jets) == 0:
        raise InputFileError(test_path, "labels", "holds no jets to measure the model on")
    jets = jets.take(np.arange(min(len(jets), MAX_JETS)))
    with job_device(threads, gpus) as device:
        devices = [torch.device("cpu")] + ([device] if device.type == "cuda" else [])
        log.info("%s on %d test jets; latency on %s", spec["architecture"], len(jets),
                 ", ".join(map(str, devices)))
        costs = model_costs(model, spec, jets, devices)
    log.info("%d parameters, %.4g MFLOPs (%.4g MMACs) per jet", costs["parameters"], costs["flops_per_jet"] / 1e6,
             costs["macs_per_jet"] / 1e6)
    report = {"checkpoint": str(checkpoint), "test": str(test_path), "architecture": spec["architecture"],
              "features": list(spec["features"]), "params": spec.get("params") or {}, **costs,
              "convention": CONVENTION, "torch": torch.__version__}
    with atomic_path(output) as tmp:
        tmp.write_text(json.dumps(report, indent=2))


def model_costs(model: nn.Module, spec: dict[str, Any], jets: PackedJets, devices: list[torch.device],
                single_jets_timed: int = SINGLE_JETS, large_repeats: int = 5, warmup: int = 2) -> dict[str, Any]:
    """Parameters, FLOPs per jet (both conventions) on all of `jets`, and latencies per device.

    The CPU is measured with one thread, restored afterwards; the large batch is all of `jets`.
    Shared with benchmarks/model_costs.py."""
    large, singles = first_jets(jets, spec, model), single_jets(jets, spec, model, single_jets_timed)
    flops = flops_per_jet(model, large, jets_in(large))
    latency = []
    for device in devices:
        with cpu_threads(1) if device.type == "cpu" else contextlib.nullcontext():
            name = f"{cpu_name()}, 1 thread" if device.type == "cpu" else device_name(device)
            latency.append({"device": str(device), "device_name": name,
                            "batch_1": inference_latency(model, singles, device, repeats=len(singles),
                                                         warmup=min(10, len(singles))).as_dict(),
                            "batch_1024": inference_latency(model, large, device, repeats=large_repeats,
                                                             warmup=warmup).as_dict()})
    return {"parameters": count_parameters(model),
            "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
            "n_jets": len(jets), "rows_per_jet": float(np.mean(jets.nodes_per_graph)) if len(jets) else 0.0,
            "flops_per_jet": flops.flops_per_jet, "macs_per_jet": flops.macs_per_jet,
            "flops_by_operator": flops.by_operator, "latency": latency}


def cpu_name() -> str:
    """The processor's model name where Linux says it, else the platform's word for it."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
