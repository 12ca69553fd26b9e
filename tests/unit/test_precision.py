"""Mixed precision: where bf16 autocast is used, and that the taggers train and score under it."""

import numpy as np
import pytest
import torch

from jettransfer.inputs.graphs import GraphBatches
from jettransfer.models.registry import build_preset, get_preset
from jettransfer.train import precision
from jettransfer.objectives import CrossEntropy
from jettransfer.train.engine import predict_scores, train_tagger
from jettransfer.train.frozen_features import cache_size_mb, with_frozen_features
from jettransfer.train.modes import freeze_backbone
from jettransfer.train.precision import autocast_context, autocast_dtype, cpu_flags, describe_precision
from jettransfer.train.settings import TrainingSettings
from tests.toy_jets import random_clouds, random_graphs

CPU = torch.device("cpu")
needs_cpu_bf16 = pytest.mark.skipif(not precision.cpu_computes_bf16(), reason="this CPU has no native bf16")
TOY_JETS = {"LundNet5": lambda: random_graphs(48, seed=3), "ParticleNet-Lite": lambda: random_clouds(48, seed=4)}

CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni
bogomips\t: 4800.00

processor\t: 1
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni
"""


def test_cpu_flags_are_read_from_cpuinfo():
    flags = cpu_flags(CPUINFO)
    assert {"avx512_bf16", "avx512f", "fpu"} <= flags
    assert "AuthenticAMD" not in flags and "4800.00" not in flags
    assert cpu_flags("processor\t: 0\n") == set()


@pytest.mark.parametrize("native_bf16", [True, False])
def test_bf16_only_when_asked_for_and_native(monkeypatch, native_bf16):
    monkeypatch.setattr(precision, "cpu_computes_bf16", lambda: native_bf16)
    assert autocast_dtype(CPU, False) is None
    assert autocast_dtype(CPU, True) == (torch.bfloat16 if native_bf16 else None)
    assert autocast_dtype(torch.device("cuda"), True) == torch.bfloat16
    assert autocast_dtype(torch.device("cuda"), False) is None
    assert describe_precision(CPU, True) == ("bf16 autocast" if native_bf16 else
                                             "float32 (mixed_precision asked for, but this cpu has no native bf16)")
    with autocast_context(CPU, True):
        product = torch.ones(4, 4) @ torch.ones(4, 4)
    assert product.dtype == (torch.bfloat16 if native_bf16 else torch.float32)


def toy_batch(preset):
    jets = TOY_JETS[preset]()
    return jets, GraphBatches(jets, get_preset(preset).features, batch_size=len(jets)).batch(np.arange(len(jets)))[0]


@needs_cpu_bf16
@pytest.mark.parametrize("preset", sorted(TOY_JETS))
def test_bf16_forward_is_close_to_float32_and_pools_in_float32(preset):
    torch.manual_seed(0)
    model = build_preset(preset).eval()
    _, batch = toy_batch(preset)
    exact = model(batch)
    with autocast_context(CPU, True):
        mixed = model(batch)
        pooled = batch.mean_over_graph(torch.ones(batch.x.shape[0], 3, dtype=torch.bfloat16))
    assert mixed.dtype == torch.bfloat16 and pooled.dtype == torch.float32
    # bf16 keeps 8 bits of mantissa: ~0.4% per rounding, a few percent through the network.
    torch.testing.assert_close(mixed.float(), exact, rtol=0.1, atol=0.1 * exact.abs().max().item())
    assert not torch.equal(mixed.float(), exact)  # it did compute in bf16


@needs_cpu_bf16
@pytest.mark.parametrize("preset", sorted(TOY_JETS))
def test_training_in_bf16_keeps_float32_weights_and_learns(preset):
    torch.manual_seed(0)
    model = build_preset(preset)
    jets, _ = toy_batch(preset)
    features = get_preset(preset).features
    loader = GraphBatches(jets, features, batch_size=16, shuffle=True)
    settings = TrainingSettings.with_defaults(epochs=4, batch_size=16, lr_milestones=(), mixed_precision=True)
    result = train_tagger(model, loader, GraphBatches(jets, features, batch_size=16), settings, "scratch", CPU, CrossEntropy(2))
    assert all(p.dtype == torch.float32 for p in model.parameters())
    losses = [r.train_loss for r in result.history]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]
    scores, _ = predict_scores(model, GraphBatches(jets, features, batch_size=16), CrossEntropy(2), CPU)
    # Scored in float32: distinct jets get distinct scores, not bf16's coarse steps.
    assert scores.dtype == np.float64 and len(np.unique(scores)) == len(jets)


@needs_cpu_bf16
@pytest.mark.parametrize("preset", sorted(TOY_JETS))
def test_frozen_backbone_cache_keeps_the_bf16_outputs_bit_for_bit(preset):
    torch.manual_seed(0)
    model = build_preset(preset)
    freeze_backbone(model)
    jets, _ = toy_batch(preset)
    loader = GraphBatches(jets, get_preset(preset).features, batch_size=16, shuffle=True)
    cached = with_frozen_features(model, loader, CPU, mixed_precision=True)
    assert cached.node_features.dtype == torch.bfloat16
    assert cached.node_features.shape == (len(loader.node_features), model.backbone_width)
    with torch.no_grad(), autocast_context(CPU, True):
        direct = torch.cat([model.eval().backbone_features(batch) for batch, _ in loader.in_file_order()])
    assert torch.equal(cached.node_features, direct)
    batch, _ = next(iter(cached))
    assert batch.backbone_done and batch.graph_size.dtype == torch.float32  # counts stay exact
    assert cache_size_mb(model, loader, torch.bfloat16) == cache_size_mb(model, loader) / 2
