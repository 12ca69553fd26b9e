import numpy as np
import pytest
import torch

from jettransfer.data.errors import InputFileError
from jettransfer.data.packed_file import concatenate_packed, graphs_from_trees
from jettransfer.inputs.graphs import GraphBatches
from jettransfer.models.edgeconv import EdgeConvBlock
from jettransfer.inputs.graphs import GraphBatch
from jettransfer.models.registry import build_model, build_preset, count_parameters, get_preset
from jettransfer.train.checkpoint import save_checkpoint
from jettransfer.objectives import CrossEntropy
from jettransfer.train.engine import train_tagger
from jettransfer.train.modes import prepare_model
from jettransfer.train.settings import TrainingSettings
from tests.toy_jets import random_clouds, random_graphs

LN5 = {"architecture": "lundnet", "features": ["ln_z", "ln_delta", "psi", "ln_m", "ln_kt"], "params": {}}


@pytest.mark.parametrize("preset, expected", [
    # LundNet: the published state dicts (fusion Linear with bias); seed 000 quotes about 392K for LundNet
    # and 366K for ParticleNet; the ParticleNet paper 26K for Lite.
    ("LundNet5", 391_724), ("LundNet3", 391_528), ("ParticleNet", 366_160), ("ParticleNet-Lite", 26_416)])
def test_preset_parameter_counts(preset, expected):
    assert count_parameters(build_preset(preset)) == expected


def test_unknown_architecture_is_refused():
    with pytest.raises(KeyError, match="unknown architecture 'nope'"):
        build_model("nope", 5)


def test_edgeconv_equals_the_textbook_per_edge_formula():
    torch.manual_seed(0)
    block = EdgeConvBlock(5, (8, 8)).eval()
    batch, _ = GraphBatches(random_graphs(6), LN5["features"], batch_size=6).batch(np.arange(6))
    x = batch.x
    edges = batch.fixed_edges
    h = torch.cat([x[batch.dst], x[batch.src] - x[batch.dst]], dim=1)
    for linear, norm in zip(block.linears, block.norms):
        h = torch.relu(norm(linear(h)))
    mean = torch.zeros(len(x), 8).index_add_(0, batch.dst, h)
    mean = mean / torch.bincount(batch.dst, minlength=len(x)).clamp(min=1)[:, None]
    expected = torch.relu(block.shortcut(x) + mean)
    torch.testing.assert_close(block(x, edges), expected, rtol=1e-5, atol=1e-6)


def test_output_does_not_depend_on_node_order_or_batch_composition():
    torch.manual_seed(0)
    model = build_model("lundnet", 5).eval()
    graphs = random_graphs(8)
    loader = GraphBatches(graphs, LN5["features"], batch_size=8)
    full, _ = loader.batch(np.arange(8))
    alone, _ = loader.batch(np.array([3]))
    with torch.no_grad():
        out_full = model(full)
        torch.testing.assert_close(model(alone)[0], out_full[3], rtol=1e-5, atol=1e-6)
        # Reverse the node numbering inside the batch: same graphs, same outputs.
        perm = torch.arange(full.x.shape[0] - 1, -1, -1)
        inverse = torch.argsort(perm)
        permuted = GraphBatch(full.x[perm], full.graph_index[perm], full.n_graphs, inverse[full.src], inverse[full.dst])
        torch.testing.assert_close(model(permuted), out_full, rtol=1e-5, atol=1e-6)


def transferred(tmp_path, mode, seed, preset="LundNet5"):
    """(source model, a fresh model prepared from the source's checkpoint in `mode`)."""
    spec = {"architecture": get_preset(preset).architecture, "features": list(get_preset(preset).features),
            "params": get_preset(preset).params}
    torch.manual_seed(seed)
    source = build_preset(preset)
    save_checkpoint(tmp_path / "source.pt", source, spec)
    model = build_preset(preset)
    prepare_model(model, mode, spec, tmp_path / "source.pt")
    return source, model


@pytest.mark.parametrize("preset, jets", [("LundNet5", random_graphs), ("ParticleNet-Lite", random_clouds)])
def test_frozen_mode_keeps_backbone_weights_and_batchnorm_statistics(tmp_path, preset, jets):
    source, model = transferred(tmp_path, "frozen", seed=0, preset=preset)
    backbone_before = {k: v.clone() for k, v in model.state_dict().items() if not k.startswith("head.")}
    head_before = {k: v.clone() for k, v in model.state_dict().items() if k.startswith("head.")}
    # The head was re-initialised: it no longer equals the source's head.
    assert any(not torch.equal(v, source.state_dict()[k]) for k, v in head_before.items() if k.endswith("weight"))
    data, features = jets(64), get_preset(preset).features
    settings = TrainingSettings.with_defaults(epochs=1, batch_size=16, lr_milestones=())
    train_tagger(model, GraphBatches(data, features, 16, shuffle=True), GraphBatches(data, features, 16),
                 settings, "frozen", torch.device("cpu"), CrossEntropy(2))
    after = model.state_dict()
    assert any("running_mean" in k for k in backbone_before)
    for key, value in backbone_before.items():
        assert torch.equal(after[key], value), f"{key} changed in frozen mode"
    assert any(not torch.equal(after[k], v) for k, v in head_before.items()), "the head must train"


def test_finetune_loads_all_source_weights(tmp_path):
    source, model = transferred(tmp_path, "finetune", seed=1)
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value)
    assert all(p.requires_grad for p in model.parameters())


def test_checkpoint_of_another_architecture_is_refused(tmp_path):
    pn = get_preset("ParticleNet-Lite")
    save_checkpoint(tmp_path / "pn.pt", build_preset("ParticleNet-Lite"),
                    {"architecture": pn.architecture, "features": list(pn.features), "params": pn.params})
    with pytest.raises(InputFileError, match=r"pn\.pt, field 'spec.architecture': checkpoint has 'particlenet', this model needs 'lundnet'"):
        prepare_model(build_model("lundnet", 5), "frozen", LN5, tmp_path / "pn.pt")


def test_checkpoint_of_another_feature_set_is_refused(tmp_path):
    save_checkpoint(tmp_path / "ln3.pt", build_model("lundnet", 3), {**LN5, "features": ["ln_z", "ln_delta", "ln_kt"]})
    with pytest.raises(InputFileError, match=r"ln3\.pt, field 'spec.features'"):
        prepare_model(build_model("lundnet", 5), "finetune", LN5, tmp_path / "ln3.pt")


def test_training_learns_a_separable_toy_and_is_reproducible():
    graphs = concatenate_packed([random_graphs(128, seed=1)])
    validation = random_graphs(64, seed=2)
    results = []
    for _ in range(2):
        torch.manual_seed(3)
        model = build_model("lundnet", 5)
        settings = TrainingSettings.with_defaults(epochs=3, batch_size=32, lr_milestones=(2,), seed=3)
        result = train_tagger(model, GraphBatches(graphs, LN5["features"], 32, shuffle=True, seed=3),
                              GraphBatches(validation, LN5["features"], 32), settings, "scratch", torch.device("cpu"), CrossEntropy(2))
        results.append(result)
    assert results[0].history[-1].val_metrics["accuracy"] > 0.8
    assert [r.val_loss for r in results[0].history] == [r.val_loss for r in results[1].history]
    assert results[0].history[1].learning_rate == pytest.approx(1e-3)
    assert results[0].history[2].learning_rate == pytest.approx(1e-4)
    assert results[0].ms_per_sample_epoch > 0


def test_a_jet_with_an_empty_lund_tree_still_gets_a_score():
    """A one-constituent jet has no declustering; in a batch it is a graph with no node."""
    graphs = graphs_from_trees([np.array([-1, 0], np.int16), np.zeros(0, np.int16)],
                               [np.ones((2, 5), np.float32), np.zeros((0, 5), np.float32)],
                               np.array([1, 0]), np.ones(2), LN5["features"])
    batch, _ = GraphBatches(graphs, LN5["features"], batch_size=2).batch(np.arange(2))
    with torch.no_grad():
        out = build_model("lundnet", 5).eval()(batch)
    assert out.shape == (2, 2) and torch.isfinite(out).all()
