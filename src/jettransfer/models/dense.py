"""Dense products of per-node and per-edge features with a weight matrix, through oneDNN on the CPU.

The taggers' matrix products are tall and skinny: tens of thousands of rows (nodes or edges) by
32-448 columns. For those, on the CPU in float32, torch.mm's BLAS (MKL) reaches well under
the oneDNN kernels torch itself uses for compiled graphs (`torch.ops.mkldnn._linear_pointwise`):
benchmarks/dense_products.py measures the two side by side. `linear` runs the forward product
and the input gradient through oneDNN where it is there and the tensors are CPU float32;
everywhere else (CUDA, bf16 autocast, a torch without oneDNN) it is torch's own linear. The
weight gradient, a reduction over all rows, stays with torch.mm: through oneDNN it would need
transposed copies of both row-major operands, and that has not been measured.
"""

from __future__ import annotations

import torch
from torch.nn import functional


def _onednn_available() -> bool:
    return torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_linear_pointwise")


ONEDNN = _onednn_available()


def uses_onednn(x: torch.Tensor, weight: torch.Tensor) -> bool:
    """Whether `linear(x, weight)` goes through oneDNN: CPU float32 outside autocast."""
    return (ONEDNN and x.device.type == "cpu" and x.dtype == torch.float32 and weight.dtype == torch.float32
            and not _cpu_autocast_enabled())


def _cpu_autocast_enabled() -> bool:
    try:
        return torch.is_autocast_enabled("cpu")
    except TypeError:  # torch before 2.4 takes no device
        return torch.is_autocast_cpu_enabled()


def _onednn_product(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """x @ weight.T (+ bias) by oneDNN; weight is [out, in]."""
    return torch.ops.mkldnn._linear_pointwise(x.contiguous(), weight.contiguous(), bias, "none", [], "")


class _OneDNNLinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        return _onednn_product(x, weight, bias)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        x, weight = ctx.saved_tensors
        grad = grad.contiguous()
        grad_x = _onednn_product(grad, weight.t(), None) if ctx.needs_input_grad[0] else None
        grad_weight = grad.t().mm(x) if ctx.needs_input_grad[1] else None
        grad_bias = grad.sum(0) if ctx.has_bias and ctx.needs_input_grad[2] else None
        return grad_x, grad_weight, grad_bias


def linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """x @ weight.T + bias for 2-d x, as torch.nn.functional.linear."""
    if x.dim() == 2 and uses_onednn(x, weight):
        return _OneDNNLinear.apply(x, weight, bias)
    return functional.linear(x, weight, bias)


class Linear(torch.nn.Linear):
    """torch.nn.Linear (same parameters, same state_dict keys) whose product is `linear`'s."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return linear(x, self.weight, self.bias)
