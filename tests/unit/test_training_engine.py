"""The training engine: resume after an interruption, best and last states, progress output."""

import io

import pytest
import torch

from jettransfer.inputs.graphs import GraphBatches
from jettransfer.models.registry import build_preset, get_preset
from jettransfer.objectives import CrossEntropy
from jettransfer.train.engine import train_tagger
from jettransfer.train.progress import EpochProgress
from jettransfer.train.settings import TrainingSettings
from tests.toy_jets import random_clouds, random_graphs

FEATURES = get_preset("LundNet5").features
SETTINGS = TrainingSettings.with_defaults(epochs=4, batch_size=16, lr_milestones=(2,), seed=5)


class Interrupted(Exception):
    pass


def fresh_training(resume_path, fingerprint="setup-a", stop_after=None):
    torch.manual_seed(5)
    model = build_preset("LundNet5")

    def stop(record):
        if record.epoch == stop_after:
            raise Interrupted

    train = GraphBatches(random_graphs(96, seed=1), FEATURES, 16, shuffle=True, seed=5)
    validation = GraphBatches(random_graphs(48, seed=2), FEATURES, 16)
    return train_tagger(model, train, validation, SETTINGS, "scratch", torch.device("cpu"), CrossEntropy(2),
                        resume_path=resume_path, fingerprint=fingerprint, on_epoch_end=stop)


def test_an_interrupted_training_resumes_to_the_same_result(tmp_path):
    uninterrupted = fresh_training(tmp_path / "a.pt")
    with pytest.raises(Interrupted):
        fresh_training(tmp_path / "b.pt", stop_after=2)
    resumed = fresh_training(tmp_path / "b.pt")
    assert resumed.resumed_from_epoch == 2
    assert [r.epoch for r in resumed.history] == [1, 2, 3, 4]
    assert [r.val_loss for r in resumed.history] == [r.val_loss for r in uninterrupted.history]
    assert resumed.best_epoch == uninterrupted.best_epoch
    for key, value in uninterrupted.last_state.items():
        assert torch.equal(resumed.last_state[key], value), key
    for key, value in uninterrupted.best_state.items():
        assert torch.equal(resumed.best_state[key], value), key


def test_a_state_of_another_setup_is_not_resumed(tmp_path):
    with pytest.raises(Interrupted):
        fresh_training(tmp_path / "s.pt", fingerprint="setup-a", stop_after=1)
    other = fresh_training(tmp_path / "s.pt", fingerprint="setup-b")
    assert other.resumed_from_epoch == 0 and len(other.history) == 4


def test_best_state_is_the_epoch_of_lowest_validation_loss(tmp_path):
    result = fresh_training(None)
    losses = [r.val_loss for r in result.history]
    assert result.best_epoch == 1 + losses.index(min(losses))
    assert all(r.train_metrics["accuracy"] >= 0 and r.samples_per_second > 0 for r in result.history)


def test_progress_line_on_a_terminal_and_nothing_in_a_log(capsys):
    stream = io.StringIO()
    progress = EpochProgress(epochs=3, steps_per_epoch=10, stream=stream, interval=0.0)
    progress.start_epoch(2)
    assert progress.due()
    progress.update(step=5, seen=80, loss=0.5, metrics={"accuracy": 0.75})
    line = stream.getvalue()
    progress.finish_epoch()
    assert "epoch 2/3" in line and "50%" in line and "accuracy 0.7500" in line and "samples/s" in line and "ETA" in line
    # Under pytest stderr is not a terminal: training draws no progress line there.
    fresh_training(None)
    assert "\r" not in capsys.readouterr().err


@pytest.mark.parametrize("preset, jets", [("LundNet5", random_graphs), ("ParticleNet-Lite", random_clouds)])
def test_frozen_backbone_outputs_computed_once_train_the_same_head(tmp_path, preset, jets):
    from tests.unit.test_models import transferred

    results = {}
    for budget in (0.0, 1e6):
        _, model = transferred(tmp_path, "frozen", seed=0, preset=preset)
        features = get_preset(preset).features
        settings = TrainingSettings.with_defaults(epochs=3, batch_size=16, lr_milestones=(), seed=1, frozen_feature_cache_mb=budget)
        torch.manual_seed(1)
        results[budget] = train_tagger(model, GraphBatches(jets(64, seed=3), features, 16, shuffle=True, seed=1),
                                       GraphBatches(jets(32, seed=4), features, 16), settings, "frozen", torch.device("cpu"), CrossEntropy(2))
    recomputed, cached = results[0.0], results[1e6]
    for a, b in zip(recomputed.history, cached.history):
        assert b.val_loss == pytest.approx(a.val_loss, rel=1e-4)
    for key, value in recomputed.last_state.items():
        torch.testing.assert_close(cached.last_state[key], value, rtol=1e-4, atol=1e-5)
