"""models/dense.py: the oneDNN product is torch's linear, values and gradients, and steps aside
where it does not apply."""

import pytest
import torch
from torch.nn import functional

from jettransfer.models import dense

needs_onednn = pytest.mark.skipif(not dense.ONEDNN, reason="this torch has no oneDNN")


@needs_onednn
@pytest.mark.parametrize("bias", [False, True])
def test_onednn_linear_matches_torch_in_values_and_gradients(bias):
    torch.manual_seed(1)
    x = torch.randn(517, 40, requires_grad=True)
    weight = torch.randn(24, 40, requires_grad=True)
    shift = torch.randn(24, requires_grad=True) if bias else None
    grad = torch.randn(517, 24)
    ours = dense.linear(x, weight, shift)
    assert ours.grad_fn is not None and "OneDNN" in type(ours.grad_fn).__name__
    inputs = [x, weight] + ([shift] if bias else [])
    ours_grads = torch.autograd.grad(ours, inputs, grad)
    reference = functional.linear(x, weight, shift)
    reference_grads = torch.autograd.grad(reference, inputs, grad)
    torch.testing.assert_close(ours, reference, rtol=1e-5, atol=1e-5)
    for mine, theirs in zip(ours_grads, reference_grads):
        torch.testing.assert_close(mine, theirs, rtol=1e-5, atol=1e-4)


@needs_onednn
def test_onednn_linear_takes_a_transposed_weight_and_is_deterministic():
    torch.manual_seed(2)
    x, weight = torch.randn(300, 16), torch.randn(16, 8)
    once = dense.linear(x, weight.t())
    torch.testing.assert_close(once, x @ weight, rtol=1e-5, atol=1e-5)
    assert torch.equal(once, dense.linear(x, weight.t()))


def test_bf16_autocast_and_other_dtypes_use_torch_linear():
    x, weight = torch.randn(10, 4, dtype=torch.float64), torch.randn(3, 4, dtype=torch.float64)
    assert not dense.uses_onednn(x, weight)
    assert torch.equal(dense.linear(x, weight), functional.linear(x, weight))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        x32 = torch.randn(10, 4)
        assert not dense.uses_onednn(x32, weight.float())
        assert dense.linear(x32, weight.float()).dtype == torch.bfloat16


def test_linear_module_keeps_nn_linear_parameters():
    layer = dense.Linear(6, 5)
    assert isinstance(layer, torch.nn.Linear)
    assert set(layer.state_dict()) == {"weight", "bias"}
    x = torch.randn(7, 6)
    torch.testing.assert_close(layer(x), functional.linear(x, layer.weight, layer.bias), rtol=1e-5, atol=1e-6)
