"""Mixed precision: bf16 autocast where the hardware computes in bf16 natively.

The matrix products that dominate the taggers' training (LundNet's per-node fusion layer is
the largest) run faster in bf16 on a GPU and on a CPU with AVX512-BF16 or AMX. Parameters,
optimiser state, BatchNorm statistics and the loss stay in float32, and every aggregation over
a node's edges or a jet's nodes is summed in float32 (models/graph.py); activations between
layers are bf16, as the next matrix product would round them anyway. Where a CPU would only
emulate bf16, it would be slower than float32, so float32 is used there.
benchmarks/mixed_precision_auc.py measures the AUC with and without it.
"""

from __future__ import annotations

import functools
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import torch

# /proc/cpuinfo flags of CPUs with bf16 arithmetic instructions that oneDNN uses.
CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_flags(cpuinfo: str) -> set[str]:
    """The feature flags named in the text of /proc/cpuinfo."""
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "flags":
            flags.update(value.split())
    return flags


@functools.cache
def cpu_computes_bf16() -> bool:
    """True on a CPU with bf16 instructions (Linux; elsewhere we cannot tell, and say no)."""
    try:
        flags = cpu_flags(Path("/proc/cpuinfo").read_text())
    except OSError:
        return False
    return any(flag in flags for flag in CPU_BF16_FLAGS)


def autocast_dtype(device: torch.device, mixed_precision: bool) -> torch.dtype | None:
    """bf16 when mixed precision is asked for and `device` computes it natively, else None."""
    if not mixed_precision:
        return None
    if device.type == "cuda" or (device.type == "cpu" and cpu_computes_bf16()):
        return torch.bfloat16
    return None


def autocast_context(device: torch.device, mixed_precision: bool) -> AbstractContextManager:
    """bf16 autocast on `device` where autocast_dtype allows it; full precision otherwise."""
    dtype = autocast_dtype(device, mixed_precision)
    return nullcontext() if dtype is None else torch.autocast(device_type=device.type, dtype=dtype)


def describe_precision(device: torch.device, mixed_precision: bool) -> str:
    """For the training log: what precision the matrix products run in, and why."""
    if autocast_dtype(device, mixed_precision) is not None:
        return "bf16 autocast"
    if mixed_precision:
        return f"float32 (mixed_precision asked for, but this {device.type} has no native bf16)"
    return "float32"
