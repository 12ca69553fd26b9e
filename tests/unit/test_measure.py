"""measure/: FLOPs against hand counts, latency figures, synthetic inputs, the measure stage."""

import json
import math

import numpy as np
import pytest
import torch
from torch import nn

from jettransfer.data.packed_file import write_packed
from jettransfer.measure.example_inputs import first_jets, jets_in, preset_spec, single_jets, synthetic_jets
from jettransfer.measure.flops import flops_per_jet
from jettransfer.measure.latency import cpu_threads, inference_latency
from jettransfer.models.registry import ARCHITECTURES, build_preset
from jettransfer.stages.measure import measure_run
from jettransfer.train.checkpoint import save_checkpoint

LUNDNET = preset_spec("LundNet5")


@pytest.fixture
def lundnet():
    torch.manual_seed(0)
    return build_preset("LundNet5")


@pytest.fixture
def lund_jets():
    return synthetic_jets("lundnet", LUNDNET["features"], 12, seed=3)


@pytest.fixture
def torch_threads():
    """The stage sets torch's thread count for its job, as every stage does; put it back."""
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_linear_flops_equal_the_hand_count():
    layer = nn.Linear(13, 7)
    count = flops_per_jet(layer, torch.randn(5, 13), n_jets=5)
    assert count.total_flops == 2 * 13 * 7 * 5  # one multiply-add = 2 FLOPs, the bias add not counted
    assert count.flops_per_jet == 2 * 13 * 7
    assert count.macs_per_jet == 13 * 7  # the papers' convention
    assert layer.training  # measuring left the caller's training flag as it was


def test_lundnet_flops_scale_with_the_number_of_nodes(lundnet, lund_jets):
    one = lund_jets.take(np.zeros(3, dtype=np.int64))  # three copies of jet 0
    two = lund_jets.take(np.zeros(6, dtype=np.int64))
    single, double = (flops_per_jet(lundnet, first_jets(j, LUNDNET, lundnet), len(j)) for j in (one, two))
    assert single.total_flops > 0
    assert double.total_flops == 2 * single.total_flops
    assert double.flops_per_jet == single.flops_per_jet
    # Different jets: the batch costs the sum of its jets, so about twice for twice the nodes.
    per_jet = [flops_per_jet(lundnet, first_jets(lund_jets.take(np.array([j])), LUNDNET, lundnet), 1).total_flops
               for j in range(4)]
    together = flops_per_jet(lundnet, first_jets(lund_jets.take(np.arange(4)), LUNDNET, lundnet), 4).total_flops
    assert together == pytest.approx(sum(per_jet), rel=1e-9)
    nodes = lund_jets.nodes_per_graph
    assert per_jet[int(np.argmax(nodes[:4]))] > per_jet[int(np.argmin(nodes[:4]))]


def test_transformer_attention_is_counted():
    """The fused attention fast path and the CPU flash-attention kernel have no formula of their
    own: both are covered, so an encoder layer counts its products."""
    layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, batch_first=True)
    tokens, length = 3, 10
    count = flops_per_jet(layer, torch.randn(tokens, length, 16), tokens)
    projections = 2 * length * (4 * 16 * 16 + 2 * 16 * 32)  # q, k, v, out; feed-forward up and down
    attention = 2 * 2 * length * length * 16  # q k^T and weights x v
    assert count.flops_per_jet == projections + attention
    assert torch.backends.mha.get_fastpath_enabled()  # restored


def test_latency_is_positive_and_per_jet_is_per_batch_over_jets(lundnet, lund_jets):
    batch = first_jets(lund_jets, LUNDNET, lundnet, 5)
    latency = inference_latency(lundnet, batch, "cpu", repeats=3, warmup=1)
    assert latency.n_jets == 5 and latency.repeats == 3
    for value in (latency.median_s, latency.median_per_jet_s):
        assert math.isfinite(value) and value > 0
    assert latency.q25_s <= latency.median_s <= latency.q75_s
    assert latency.median_per_jet_s == pytest.approx(latency.median_s / 5)
    assert latency.as_dict()["median_ms_per_jet"] == pytest.approx(1e3 * latency.median_s / 5)
    assert lundnet.training


def test_latency_over_single_jets_and_refusing_mixed_sizes(lundnet, lund_jets):
    singles = single_jets(lund_jets, LUNDNET, lundnet, 4)
    latency = inference_latency(lundnet, singles, "cpu", repeats=4, warmup=1)
    assert latency.n_jets == 1 and latency.median_s > 0
    with pytest.raises(ValueError, match="different sizes"):
        inference_latency(lundnet, [singles[0], first_jets(lund_jets, LUNDNET, lundnet, 2)], "cpu", repeats=2)


def test_cpu_threads_are_restored():
    before = torch.get_num_threads()
    with cpu_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_measure_run_writes_the_costs(tmp_path, lundnet, lund_jets, torch_threads):
    checkpoint, test, output = tmp_path / "checkpoint.pt", tmp_path / "test.npz", tmp_path / "out" / "run.json"
    save_checkpoint(checkpoint, lundnet, {"architecture": "lundnet", "features": list(LUNDNET["features"]),
                                          "params": {}})
    write_packed(test, lund_jets)
    measure_run(checkpoint, test, output)
    report = json.loads(output.read_text())
    assert report["parameters"] == report["trainable_parameters"] == sum(p.numel() for p in lundnet.parameters())
    assert report["flops_per_jet"] > 0 and report["flops_per_jet"] == pytest.approx(2 * report["macs_per_jet"])
    assert report["n_jets"] == 12 and report["architecture"] == "lundnet"
    assert {"flops_per_jet", "macs_per_jet", "latency"} <= set(report["convention"])
    cpu = report["latency"][0]
    assert cpu["device"] == "cpu" and "1 thread" in cpu["device_name"]
    assert cpu["batch_1"]["jets_per_forward"] == 1 and cpu["batch_1"]["repeats"] == 12
    assert cpu["batch_1024"]["jets_per_forward"] == 12
    for figure in (cpu["batch_1"], cpu["batch_1024"]):
        assert math.isfinite(figure["median_ms_per_jet"]) and figure["median_ms_per_jet"] > 0
    assert len(report["latency"]) == 1  # no GPU slot given (gpus=0): the CPU only
    assert [p.name for p in output.parent.iterdir()] == ["run.json"]  # written atomically, nothing left over


def test_synthetic_lund_trees_are_binary_trees(lund_jets):
    counts = lund_jets.nodes_per_graph
    assert counts.min() >= 30 and counts.max() <= 80
    for start, stop in zip(lund_jets.node_offsets[:-1], lund_jets.node_offsets[1:]):
        parent = lund_jets.parent[start:stop].astype(np.int64)
        assert parent[0] == -1 and np.all(parent[1:] >= 0)
        assert np.all(parent[1:] < np.arange(1, len(parent)))  # a parent precedes its children
        assert np.bincount(parent[1:], minlength=len(parent)).max() <= 2


def test_synthetic_particles_have_timelike_four_momenta():
    spec = preset_spec("ParticleNet-Lite")
    jets = synthetic_jets(spec["architecture"], spec["features"], 20, seed=1)
    p = jets.four_momenta.astype(np.float64)
    assert np.all(p[:, 3] > np.linalg.norm(p[:, :3], axis=1))
    assert np.all(np.isfinite(jets.node_features))
    delta_r = jets.node_features[:, spec["features"].index("delta_r")]
    assert delta_r.max() < 0.8  # within the jet's radius


def _measurable(preset: str, n_jets: int = 3, rows: tuple[int, int] | None = None):
    spec = preset_spec(preset)
    torch.manual_seed(0)
    model = build_preset(preset)
    jets = synthetic_jets(spec["architecture"], spec["features"], n_jets, rows=rows)
    batch = first_jets(jets, spec, model)
    with torch.no_grad():
        scores = model.eval()(batch)
    assert jets_in(batch) == n_jets and scores.shape[0] == n_jets and torch.isfinite(scores).all()
    assert flops_per_jet(model, batch, n_jets).flops_per_jet > 0


@pytest.mark.parametrize("preset", ["LundNet5", "ParticleNet-Lite"])
def test_synthetic_jets_feed_the_working_models(preset):
    _measurable(preset)


@pytest.mark.parametrize("preset", ["FCNN-student", "DeepSet", "MLP", "LorentzNet", "JetCLR", "EventGNN"])
def test_synthetic_jets_feed_every_family(preset):
    module = ARCHITECTURES[preset_spec(preset)["architecture"]].constructor.split(":")[0]
    pytest.importorskip(module, reason=f"{module} is not written yet")
    _measurable(preset, n_jets=2, rows=(5, 12) if preset != "EventGNN" else None)
