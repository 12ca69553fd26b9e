"""The whole DAG on tests/config/tiny_objectives.yaml: every input family and objective."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from jettransfer.data.logits_file import read_logits
from jettransfer.data.packed_file import read_packed
from tests.conftest import REPO
from tests.workflow.conftest import run_locally, snakemake

pytestmark = pytest.mark.workflow
CONFIG = REPO / "tests" / "config" / "tiny_objectives.yaml"
EXTRA = ["results/models/pretrain/history.csv"]


@pytest.fixture(scope="module")
def objectives_run(tmp_path_factory):
    workdir = run_locally(tmp_path_factory, CONFIG, "objectives")
    result = snakemake(workdir, "--configfile", str(CONFIG), "--cores", "2", *EXTRA)
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir


def test_teacher_logits_are_computed_once_per_split_and_match_the_students_jets_by_id(objectives_run):
    results = objectives_run / "results"
    for split in ("train", "validation"):
        ids, logits = read_logits(results / "teacher_logits" / "teacher" / "top_500gev" / "set" / f"{split}.npz")
        assert logits.shape == (len(ids), 2) and np.isfinite(logits).all()
        # The degraded student's jets are the clean ones' (the same ids), five particles each.
        degraded = read_packed(results / "datasets" / "top_500gev" / "set_keep5" / f"{split}.npz")
        assert set(degraded.ids.tolist()) == set(ids.tolist())
        assert degraded.nodes_per_graph.max() <= 5
    # One teacher-logit file serves both students: no second copy for the degraded one.
    assert sorted(p.name for p in (results / "teacher_logits" / "teacher" / "top_500gev").iterdir()) == ["set"]
    history = pd.read_csv(results / "models" / "student_kd" / "history.csv")
    assert {"val_hard_loss", "val_accuracy", "train_hard_loss"} <= set(history.columns)
    assert json.loads((results / "models" / "student_kd" / "summary.json").read_text())["objective"] == "distillation"


def test_distillation_table_and_figure(objectives_run):
    table = pd.read_csv(objectives_run / "results" / "tables" / "distillation.csv")
    assert list(table["run"]) == ["teacher", "student", "student_kd", "student_keep5_kd", "finetune", "probe", "three_mlp"]
    # The multi-class run: its mean one-vs-rest AUC, no background rejection.
    assert np.isnan(table.set_index("run").loc["three_mlp", "Rej@50%"])
    assert table["AUC"].between(0.0, 1.0).all()
    # The models' costs, from their measurements.
    costs = table.set_index("run")
    assert (costs["parameters"] > 0).all() and (costs["ms/jet batch 1"] > 0).all()
    assert costs.loc["teacher", "MFLOPs/jet"] == pytest.approx(2 * costs.loc["teacher", "MMACs/jet"])
    assert (objectives_run / "results" / "figures" / "roc_distillation.png").read_bytes()[:4] == b"\x89PNG"


def test_multiclass_metrics_are_one_vs_rest(objectives_run):
    metrics = json.loads((objectives_run / "results" / "metrics" / "three_mlp.json").read_text())
    assert len(metrics["auc_per_class"]) == 3 and metrics["auc"] == pytest.approx(np.mean(metrics["auc_per_class"]))
    assert metrics["n_per_class"][0] == metrics["n_per_class"][1] == metrics["n_per_class"][2]
    scores = np.load(objectives_run / "results" / "scores" / "three_mlp.npz")
    assert scores["scores"].shape == (len(scores["labels"]), 3)
    np.testing.assert_allclose(scores["scores"].sum(axis=1), 1.0, rtol=1e-5)


def test_contrastive_pretraining_then_a_new_head_fine_tuned_and_probed(objectives_run):
    models = objectives_run / "results" / "models"
    pretrain = pd.read_csv(models / "pretrain" / "history.csv")
    assert "val_accuracy" in pretrain.columns and np.isfinite(pretrain["val_loss"]).all()
    for run in ("finetune", "probe"):
        summary = json.loads((models / run / "summary.json").read_text())
        assert summary["task"] == "top_500gev" and summary["objective"] == "cross_entropy"
    assert json.loads((models / "probe" / "summary.json").read_text())["trainable_parameters"] < \
        json.loads((models / "finetune" / "summary.json").read_text())["trainable_parameters"]


def test_measurements_of_the_teacher_and_a_student(objectives_run):
    for run in ("teacher", "student"):
        measured = json.loads((objectives_run / "results" / "measurements" / f"{run}.json").read_text())
        assert measured["parameters"] > 0 and measured["flops_per_jet"] > 0
