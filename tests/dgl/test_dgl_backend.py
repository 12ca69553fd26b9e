"""The DGL backend gives the native engine's outputs for the same weights (DGL environment only).

Run by `make test` inside the DGL environment (torch 2.2.1, dgl 2.1.0, numpy<2); in the main
environment DGL cannot be imported and these tests are skipped with that reason.
"""

import numpy as np
import pytest
import torch

dgl = pytest.importorskip("dgl", reason="DGL is installed only in the DGL environment (make dgl-env)")

from jettransfer.inputs.graphs import GraphBatches  # noqa: E402
from jettransfer.models.dgl_backend import DGLGraphBatches  # noqa: E402
from jettransfer.inputs.graphs import GraphBatch  # noqa: E402
from jettransfer.models.registry import build_preset, get_preset  # noqa: E402
from jettransfer.objectives import CrossEntropy
from jettransfer.train.engine import predict_scores, train_tagger  # noqa: E402
from jettransfer.train.precision import autocast_context, cpu_computes_bf16  # noqa: E402
from jettransfer.train.settings import TrainingSettings  # noqa: E402
from tests.toy_jets import random_clouds, random_graphs  # noqa: E402

CASES = {
    "LundNet5": lambda: random_graphs(40, seed=7),
    "LundNet3": lambda: random_graphs(40, n_features=5, seed=8),
    "ParticleNet": lambda: random_clouds(24, seed=9, max_particles=40),
    "ParticleNet-Lite": lambda: random_clouds(24, seed=10, max_particles=40),
}


def both_backends(preset):
    jets = CASES[preset]()
    features = get_preset(preset).features
    return (GraphBatches(jets, features, batch_size=len(jets)).batch(np.arange(len(jets)))[0],
            next(iter(DGLGraphBatches(jets, features, batch_size=len(jets))))[0])


@pytest.mark.parametrize("preset", sorted(CASES))
@pytest.mark.parametrize("mode", ["eval", "train"])
def test_same_weights_give_the_same_outputs_in_both_backends(preset, mode):
    torch.manual_seed(0)
    model = build_preset(preset)
    model.train(mode == "train")
    if mode == "train":
        model.head["dense"][2].p = 0.0  # dropout draws differ between call orders; BatchNorm in batch mode stays
    native, through_dgl = both_backends(preset)
    torch.testing.assert_close(model(through_dgl), model(native), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("preset", sorted(CASES))
def test_both_backends_give_the_same_gradients(preset):
    """In float64: in float32, batch-mode BatchNorm on a few dozen toy jets amplifies the
    rounding of differently ordered sums to ~1e-3 relative, in either backend alike."""
    torch.manual_seed(0)
    model = build_preset(preset).double().train()
    model.head["dense"][2].p = 0.0
    native, through_dgl = both_backends(preset)
    native = GraphBatch(native.x.double(), native.graph_index, native.n_graphs, native.src, native.dst)
    through_dgl.graph.ndata["x"] = through_dgl.graph.ndata["x"].double()
    parameters = list(model.parameters())
    grad_native = torch.autograd.grad(model(native).sum(), parameters)
    grad_dgl = torch.autograd.grad(model(through_dgl).sum(), parameters)
    for a, b in zip(grad_native, grad_dgl):
        torch.testing.assert_close(b, a, rtol=1e-7, atol=1e-10)


def test_a_short_training_through_dgl_matches_the_native_one():
    jets, validation = random_graphs(64, seed=1), random_graphs(32, seed=2)
    features = get_preset("LundNet5").features
    settings = TrainingSettings.with_defaults(epochs=2, batch_size=64, lr_milestones=(), seed=0)
    scores = []
    for loader in (GraphBatches, DGLGraphBatches):
        torch.manual_seed(0)
        model = build_preset("LundNet5")
        model.head["dense"][2].p = 0.0
        # One batch per epoch: the shuffles of the two loaders then feed the same jets.
        train_tagger(model, loader(jets, features, 64, shuffle=True), loader(validation, features, 64), settings,
                     "scratch", torch.device("cpu"), CrossEntropy(2))
        scores.append(predict_scores(model, loader(validation, features, 64), CrossEntropy(2), torch.device("cpu"))[0])
    np.testing.assert_allclose(scores[1], scores[0], rtol=1e-4, atol=1e-5)


@pytest.mark.skipif(not cpu_computes_bf16(), reason="this CPU has no native bf16")
@pytest.mark.parametrize("preset", ["LundNet5", "ParticleNet-Lite"])
def test_dgl_backend_runs_in_bf16_mixed_precision(preset):
    """DGL's CPU reductions have no bf16 kernels: the backend hands them float32 values."""
    torch.manual_seed(0)
    model = build_preset(preset).train()
    model.head["dense"][2].p = 0.0
    _, through_dgl = both_backends(preset)
    exact = model(through_dgl)
    with autocast_context(torch.device("cpu"), True):
        mixed = model(through_dgl)
    assert mixed.dtype == torch.bfloat16
    torch.testing.assert_close(mixed.float(), exact, rtol=0.1, atol=0.1 * exact.abs().max().item())
