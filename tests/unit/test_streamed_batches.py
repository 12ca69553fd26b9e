"""Splits larger than memory: packed files read a range of jets at a time, batches streamed a
buffer at a time with a reproducible shuffle and an exact resume, and a frozen backbone's
cache kept on disk beyond its memory budget."""

import json

import numpy as np
import pytest
import torch

from jettransfer.data.errors import InputFileError
from jettransfer.data.packed_file import PackedFileView, read_packed, write_packed
from jettransfer.inputs.graphs import GraphBatches
from jettransfer.inputs.streamed import StreamedBatches
from jettransfer.models.registry import build_preset, get_preset
from jettransfer.objectives import CrossEntropy
from jettransfer.train.engine import train_tagger
from jettransfer.train.frozen_features import _table, with_frozen_features
from jettransfer.train.modes import freeze_backbone
from jettransfer.train.settings import TrainingSettings
from tests.toy_jets import one_run_config, random_graphs, write_run_splits

FEATURES = get_preset("LundNet5").features
CPU = torch.device("cpu")


@pytest.fixture
def graph_file(tmp_path):
    jets = random_graphs(203, seed=3)
    jets.targets = {"weight": np.arange(len(jets), dtype=np.float32)[:, None] * np.ones((1, 2), np.float32)}
    jets.four_momenta = np.random.default_rng(0).normal(size=(len(jets.node_features), 4)).astype(np.float32)
    write_packed(tmp_path / "train.npz", jets)
    return tmp_path / "train.npz"


def make_graph_batches(jets, shuffle, seed):
    return GraphBatches(jets, FEATURES, 16, shuffle=shuffle, seed=seed)


def test_a_range_of_jets_read_in_place_equals_the_same_jets_of_the_whole_file(graph_file):
    whole, view = read_packed(graph_file), PackedFileView(graph_file)
    assert len(view) == len(whole) == 203
    for start, stop in [(0, 1), (17, 90), (150, 203), (200, 400)]:
        part, expected = view.jets(start, stop), whole.take(np.arange(start, min(stop, 203)))
        for key in ("node_features", "node_offsets", "parent", "labels", "ids", "jet_pt", "four_momenta"):
            np.testing.assert_array_equal(getattr(part, key), getattr(expected, key), err_msg=key)
        np.testing.assert_array_equal(part.targets["weight"], expected.targets["weight"])
        assert part.feature_names == whole.feature_names
    np.testing.assert_array_equal(view.per_jet("ids"), whole.ids)


def test_a_view_refuses_what_read_packed_refuses(graph_file, tmp_path):
    with pytest.raises(InputFileError, match="field 'representation'"):
        PackedFileView(graph_file, representation="particle_cloud")
    cut = tmp_path / "cut.npz"
    cut.write_bytes(graph_file.read_bytes()[: graph_file.stat().st_size // 2])
    with pytest.raises(InputFileError, match="cut.npz"):
        PackedFileView(cut)
    with pytest.raises(InputFileError, match="does not exist"):
        PackedFileView(tmp_path / "none.npz")


def epoch_ids(batches, epoch):
    batches.set_epoch(epoch)
    return [targets["id"].tolist() for _, targets in batches]


def test_every_jet_once_per_epoch_the_same_order_for_the_same_seed_and_epoch(graph_file):
    view = PackedFileView(graph_file)
    streamed = StreamedBatches(view, make_graph_batches, batch_size=16, buffer_jets=64, shuffle=True, seed=4)
    assert streamed.buffer_jets == 64 and len(streamed) == 13
    first = epoch_ids(streamed, 1)
    assert len(first) == 13 and sorted(sum(first, [])) == list(range(203))
    assert sorted(len(b) for b in first)[1:] == [16] * 12  # one short batch: the file's last chunk
    again = StreamedBatches(PackedFileView(graph_file), make_graph_batches, 16, 64, shuffle=True, seed=4)
    assert epoch_ids(again, 1) == first
    assert epoch_ids(streamed, 2) != first
    # A batch mixes jets from several places of the buffer, not one run of the file.
    assert any(max(b) - min(b) > 16 for b in first)


def test_in_file_order_the_stream_gives_the_in_memory_batches(graph_file):
    streamed = StreamedBatches(PackedFileView(graph_file), make_graph_batches, 16, 48)
    in_memory = GraphBatches(read_packed(graph_file), FEATURES, 16)
    pairs = list(zip(streamed, in_memory, strict=True))
    for (batch, targets), (expected, expected_targets) in pairs:
        assert torch.equal(batch.x, expected.x) and torch.equal(batch.src, expected.src)
        assert torch.equal(targets["id"], expected_targets["id"])


def test_extra_targets_follow_their_jets_through_the_shuffle(graph_file):
    view = PackedFileView(graph_file)
    extra = torch.from_numpy(view.per_jet("ids").astype(np.float32) * 10)
    streamed = StreamedBatches(view, make_graph_batches, 16, 64, shuffle=True, seed=1).with_targets({"x10": extra})
    assert "x10" in streamed.target_names and "weight" in streamed.target_names
    for _, targets in streamed:
        assert torch.equal(targets["x10"], targets["id"].float() * 10)
        assert torch.equal(targets["weight"][:, 0], targets["id"].float())


class Interrupted(Exception):
    pass


def streamed_training(graph_file, resume_path, stop_after=None):
    torch.manual_seed(5)
    model = build_preset("LundNet5", conv_channels=[[8, 8], [8, 8]], fusion_dim=16, fc_dim=16)

    def stop(record):
        if record.epoch == stop_after:
            raise Interrupted

    train = StreamedBatches(PackedFileView(graph_file), make_graph_batches, 16, 64, shuffle=True, seed=5)
    validation = StreamedBatches(PackedFileView(graph_file, n_jets=48), make_graph_batches, 16, 64)
    settings = TrainingSettings.with_defaults(epochs=3, batch_size=16, lr_milestones=(), seed=5)
    return train_tagger(model, train, validation, settings, "scratch", CPU, CrossEntropy(2),
                        resume_path=resume_path, fingerprint="streamed", on_epoch_end=stop)


def test_an_interrupted_streamed_training_resumes_exactly(graph_file, tmp_path):
    uninterrupted = streamed_training(graph_file, tmp_path / "a.pt")
    with pytest.raises(Interrupted):
        streamed_training(graph_file, tmp_path / "b.pt", stop_after=1)
    resumed = streamed_training(graph_file, tmp_path / "b.pt")
    assert resumed.resumed_from_epoch == 1
    assert [r.val_loss for r in resumed.history] == [r.val_loss for r in uninterrupted.history]
    for key, value in uninterrupted.last_state.items():
        assert torch.equal(resumed.last_state[key], value), key


def test_a_frozen_cache_beyond_its_budget_lives_on_disk_and_holds_the_same_values(caplog):
    torch.manual_seed(0)
    model = build_preset("LundNet5", conv_channels=[[8, 8], [8, 8]], fusion_dim=16, fc_dim=16)
    freeze_backbone(model)
    loader = GraphBatches(random_graphs(40, seed=2), FEATURES, 16)
    in_memory = with_frozen_features(model, loader, CPU)
    assert "kept on disk" not in caplog.text
    with caplog.at_level("INFO"):
        on_disk = with_frozen_features(model, loader, CPU, budget_mb=1e-3)
    assert "exceed the 0 MB budget; kept on disk" in caplog.text
    assert on_disk.node_features.dtype == torch.float32
    assert torch.equal(on_disk.node_features, in_memory.node_features)
    batch, _ = next(iter(on_disk))
    assert batch.backbone_done and torch.equal(batch.x, in_memory.node_features[: batch.x.shape[0]])


def test_a_bf16_table_on_disk_keeps_its_values_bit_for_bit():
    # Under bf16 autocast the cache is bf16, which numpy lacks: the file holds the bits.
    values = torch.randn(300, 7).to(torch.bfloat16)
    table = _table(300, 7, torch.bfloat16, budget_mb=0.0)
    assert table.dtype == torch.bfloat16
    table[10:300].copy_(values[10:])
    table[:10].copy_(values[:10])
    assert torch.equal(table, values)


def test_a_run_with_a_stream_buffer_trains_from_disk(tmp_path, caplog):
    from jettransfer.stages.train import train_run

    config = one_run_config(stream_buffer_mb=0.01, train_fraction=0.5)
    train, validation = write_run_splits(tmp_path)
    out = tmp_path / "run"
    with caplog.at_level("INFO"):
        train_run(config, "r", train, validation, None, out / "model.pt", out / "history.csv", out / "summary.json")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_train"] == 80 and summary["epochs"] == 2
    assert (out / "model.pt").exists() and not (out / "resume.pt").exists()
    assert "streamed from disk" in caplog.text
