"""The engine with every seam: optimisers and schedules, parameter groups, other input families,
teacher logits by id, multi-class splits."""

import numpy as np
import pytest
import torch

from jettransfer.data.errors import InputFileError
from jettransfer.data.logits_file import aligned_logits, write_logits
from jettransfer.data.packed_file import make_packed
from jettransfer.data.ranges import offsets_from_counts
from jettransfer.inputs.graphs import GraphBatches
from jettransfer.inputs.particle_sets import ParticleSetBatches
from jettransfer.models.registry import build_preset, get_preset
from jettransfer.objectives import CrossEntropy, Distillation
from jettransfer.physics.constituents import SET_FEATURES
from jettransfer.stages.preprocess import split_balanced
from jettransfer.train.engine import train_tagger
from jettransfer.train.optimisation import build_optimiser
from jettransfer.train.schedule import LearningRateSchedule
from jettransfer.train.settings import TrainingSettings
from tests.toy_jets import random_graphs

CPU = torch.device("cpu")


def particle_sets(n_jets, seed=0, n_classes=2):
    rng = np.random.default_rng(seed)
    counts = rng.integers(3, 12, n_jets)
    labels = np.arange(n_jets) % n_classes
    values = rng.normal(size=(int(counts.sum()), 4)).astype(np.float32)
    values[:, 0] = np.abs(values[:, 0]) + np.repeat(labels, counts)  # learnable, and a positive pT weight
    return make_packed(values, offsets_from_counts(counts), labels, np.ones(n_jets), SET_FEATURES, "constituents",
                       ids=1000 + np.arange(n_jets))


def test_multistep_schedule_gives_torch_multisteplrs_floats():
    settings = TrainingSettings.with_defaults(epochs=6, lr_milestones=(2, 4, 4), lr_decay=0.1)
    schedule = LearningRateSchedule(settings, steps_per_epoch=3)
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimiser = torch.optim.Adam([parameter], lr=3e-4)
    reference = torch.optim.lr_scheduler.MultiStepLR(optimiser, [2, 4, 4], 0.1)
    for epoch in range(1, 7):
        for step in range(3):
            assert schedule.learning_rate(3e-4, epoch, step) == optimiser.param_groups[0]["lr"]
        optimiser.step()
        reference.step()


def test_cosine_schedule_with_linear_warmup():
    settings = TrainingSettings.with_defaults(epochs=2, schedule="cosine", warmup_steps=4)
    schedule = LearningRateSchedule(settings, steps_per_epoch=10)
    assert [schedule.learning_rate(1.0, 1, s) for s in range(4)] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert schedule.learning_rate(1.0, 1, 4) == pytest.approx(1.0)
    # Half-way through the 16 steps after the warm-up: half the LR; at the last step almost 0.
    assert schedule.learning_rate(1.0, 2, 2) == pytest.approx(0.5)
    assert schedule.learning_rate(1.0, 2, 9) == pytest.approx(0.5 * (1 + np.cos(np.pi * 15 / 16)))


def test_adamw_with_a_backbone_at_a_fraction_of_the_heads_rate():
    model = build_preset("DeepSet")
    settings = TrainingSettings.with_defaults(optimizer="adamw", weight_decay=0.01, amsgrad=True, learning_rate=1e-3,
                                              backbone_lr_scale=0.01)
    optimiser = build_optimiser(model, settings, "finetune")
    assert isinstance(optimiser, torch.optim.AdamW)
    head, backbone = optimiser.param_groups
    assert head["lr"] == pytest.approx(1e-4) and backbone["lr"] == pytest.approx(1e-6)  # finetune: LR / 10 first
    assert head["amsgrad"] and head["weight_decay"] == 0.01
    assert {id(p) for p in head["params"]} == {id(p) for p in model.head.parameters()}
    assert len(head["params"]) + len(backbone["params"]) == len(list(model.parameters()))


def training(tmp_path, stop_after=None):
    """A DeepSet (particle sets) with AdamW, cosine warm-up, clipping and a scaled backbone."""
    torch.manual_seed(2)
    model = build_preset("DeepSet")
    settings = TrainingSettings.with_defaults(epochs=4, batch_size=16, optimizer="adamw", weight_decay=0.01,
                                              schedule="cosine", warmup_steps=5, grad_clip_norm=0.5,
                                              backbone_lr_scale=0.5, seed=3, select_best="val_accuracy")

    class Interrupted(Exception):
        pass

    def stop(record):
        if record.epoch == stop_after:
            raise Interrupted

    train = ParticleSetBatches(particle_sets(96, seed=1), SET_FEATURES, 16, shuffle=True, seed=3)
    validation = ParticleSetBatches(particle_sets(32, seed=2), SET_FEATURES, 16)
    try:
        return train_tagger(model, train, validation, settings, "scratch", CPU, CrossEntropy(2),
                            resume_path=tmp_path / "resume.pt", fingerprint="x", on_epoch_end=stop)
    except Interrupted:
        return None


def test_resume_is_exact_with_adamw_cosine_warmup_and_clipping(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    uninterrupted = training(tmp_path / "a")
    assert training(tmp_path / "b", stop_after=2) is None
    resumed = training(tmp_path / "b")
    assert resumed.resumed_from_epoch == 2
    assert [r.row() for r in resumed.history[2:]] != []
    assert [r.val_loss for r in resumed.history] == [r.val_loss for r in uninterrupted.history]
    assert [r.learning_rate for r in resumed.history] == [r.learning_rate for r in uninterrupted.history]
    for key, value in uninterrupted.last_state.items():
        assert torch.equal(resumed.last_state[key], value), key
    accuracies = [r.val_metrics["accuracy"] for r in uninterrupted.history]
    assert uninterrupted.best_epoch == 1 + accuracies.index(max(accuracies))  # selected by accuracy, highest
    assert "val_accuracy" in uninterrupted.history[0].row() and "train_accuracy" in uninterrupted.history[0].row()


def test_best_epoch_by_validation_auc():
    torch.manual_seed(0)
    settings = TrainingSettings.with_defaults(epochs=3, batch_size=16, select_best="val_auc", lr_milestones=())
    result = train_tagger(build_preset("LundNet5"), GraphBatches(random_graphs(64, seed=1), get_preset("LundNet5").features,
                                                                 16, shuffle=True),
                          GraphBatches(random_graphs(48, seed=2), get_preset("LundNet5").features, 16), settings,
                          "scratch", CPU, CrossEntropy(2))
    aucs = [r.val_metrics["auc"] for r in result.history]
    assert all(0 <= a <= 1 for a in aucs) and result.best_epoch == 1 + aucs.index(max(aucs))


def test_teacher_logits_are_aligned_by_id_when_the_students_file_is_shuffled(tmp_path):
    jets = particle_sets(20)
    logits = np.stack([np.arange(20.0), -np.arange(20.0)], axis=1).astype(np.float32)
    write_logits(tmp_path / "t.npz", jets.ids, logits, {})
    shuffled = jets.take(np.random.default_rng(0).permutation(20))
    aligned = aligned_logits(tmp_path / "t.npz", shuffled.ids)
    np.testing.assert_array_equal(aligned[:, 0], shuffled.ids - 1000)
    # Batches carry them as targets, sliced with the jets.
    loader = ParticleSetBatches(shuffled, SET_FEATURES, 5).with_targets({"teacher_logits": torch.from_numpy(aligned)})
    for _, targets in loader:
        assert torch.equal(targets["teacher_logits"][:, 0], (targets["id"] - 1000).float())


def test_teacher_logits_missing_some_jets_stop_naming_how_many_and_the_first(tmp_path):
    jets = particle_sets(10)
    write_logits(tmp_path / "t.npz", jets.ids[:7], np.zeros((7, 2), np.float32), {})
    with pytest.raises(InputFileError, match=r"t\.npz, field 'ids': 3 of the student's 10 jets have no teacher logits "
                                             r"\(first missing id 1007\)"):
        aligned_logits(tmp_path / "t.npz", jets.ids)


def test_distillation_trains_a_student_on_read_teacher_logits():
    jets = particle_sets(64, seed=4)
    teacher = torch.from_numpy(np.stack([-5.0 * jets.labels, 5.0 * jets.labels], axis=1).astype(np.float32))
    train = ParticleSetBatches(jets, SET_FEATURES, 16, shuffle=True).with_targets({"teacher_logits": teacher})
    validation = ParticleSetBatches(jets, SET_FEATURES, 32).with_targets({"teacher_logits": teacher})
    torch.manual_seed(0)
    settings = TrainingSettings.with_defaults(epochs=2, batch_size=16, lr_milestones=())
    result = train_tagger(build_preset("DeepSet"), train, validation, settings, "scratch", CPU,
                          Distillation(2, temperature=3.0, alpha=0.0))
    row = result.history[-1].row()
    assert {"val_hard_loss", "val_accuracy", "train_hard_loss"} <= set(row) and np.isfinite(row["val_loss"])


def test_multiclass_splits_are_balanced_disjoint_and_labelled_by_class():
    parts = [(particle_sets(30 + 10 * c, seed=c), c) for c in range(3)]
    for jets, c in parts:
        jets.ids = jets.ids + 100 * c
    splits = split_balanced(parts, {"train": 0.6, "validation": 0.2, "test": 0.2}, seed=1)
    ids = [set(s.ids.tolist()) for s in splits.values()]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])
    for split in splits.values():
        assert np.bincount(split.labels, minlength=3).tolist() == [len(split) // 3] * 3
        assert split.labels[:6].tolist() == [0, 1, 2, 0, 1, 2]  # interleaved: every prefix balanced
    assert sum(len(s) for s in splits.values()) == 90  # 30 of each class: the smallest class's size


def test_the_train_stage_reads_teacher_logits_by_id_and_refuses_a_student_without_them(tmp_path):
    import json

    from jettransfer.config import load_config
    from jettransfer.data.packed_file import write_packed
    from jettransfer.stages.train import train_run
    from tests.conftest import REPO

    config = load_config(REPO / "tests" / "config" / "tiny_objectives.yaml")
    config["training"]["epochs"] = 1
    paths = {}
    for split, seed in (("train", 1), ("validation", 2)):
        jets = particle_sets(32, seed=seed)
        jets.ids = jets.ids + 100 * seed
        paths[split] = tmp_path / f"{split}.npz"
        write_packed(paths[split], jets)
        # The teacher's file holds the jets in another order.
        order = np.random.default_rng(seed).permutation(len(jets))
        write_logits(tmp_path / f"teacher_{split}.npz", jets.ids[order], np.zeros((len(jets), 2), np.float32), {})
    outputs = {name: tmp_path / "out" / name for name in ("checkpoint.pt", "history.csv", "summary.json")}
    (tmp_path / "out").mkdir()
    with pytest.raises(InputFileError, match=r"train\.npz, field 'target_teacher_logits': run 'student_kd' "
                                             r"\(distillation\) needs per-jet targets \['teacher_logits'\]"):
        train_run(config, "student_kd", paths["train"], paths["validation"], None, *outputs.values(), gpus=0)
    assert not outputs["checkpoint.pt"].exists()
    train_run(config, "student_kd", paths["train"], paths["validation"], None, *outputs.values(), gpus=0,
              teacher_logits={split: tmp_path / f"teacher_{split}.npz" for split in ("train", "validation")})
    summary = json.loads(outputs["summary.json"].read_text())
    assert summary["objective"] == "distillation" and summary["n_train"] == 32
