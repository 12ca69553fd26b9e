"""Seed 003's study through the whole DAG on tests/config/tiny_distillation.yaml: every declared
output written, the boosted test sets holding the same jets, the claims checked."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from jettransfer.config import load_config
from jettransfer.data.logits_file import read_logits
from jettransfer.data.packed_file import read_packed
from tests.conftest import REPO
from tests.workflow.conftest import run_locally

pytestmark = pytest.mark.workflow
CONFIG = REPO / "tests" / "config" / "tiny_distillation.yaml"
OUTPUTS = ["table1.csv", "table1.md", "claims.md", "roc.png", "roc.pdf", "validation_loss.png", "validation_loss.pdf",
           "accuracy_vs_boost.png", "accuracy_vs_boost.pdf"]


@pytest.fixture(scope="module")
def distillation_run(tmp_path_factory):
    return run_locally(tmp_path_factory, CONFIG, "distillation")


def test_every_declared_output_is_written(distillation_run):
    study = distillation_run / "results" / "studies" / "seed003"
    assert sorted(p.name for p in study.iterdir()) == sorted(OUTPUTS)
    for name in OUTPUTS:
        header = (study / name).read_bytes()[:4]
        if name.endswith(".png"):
            assert header == b"\x89PNG"
        elif name.endswith(".pdf"):
            assert header == b"%PDF"


def test_table_has_every_student_setting_and_the_teacher_beside_the_published_rows(distillation_run):
    table = pd.read_csv(distillation_run / "results" / "studies" / "seed003" / "table1.csv")
    assert list(table["row"]) == ["DeepSet from scratch", "DeepSet KD T=3", "MLP from scratch", "MLP KD T=3",
                                  "LorentzNet (teacher)"]
    assert table["auc_mean"].between(0, 1).all() and table["accuracy_mean"].between(0, 1).all()
    assert list(table["published_auc"]) == [0.9808, 0.9819, 0.9663, 0.9751, 0.9868]
    # Parameters and FLOPs measured on each model: the teacher costs the most per jet.
    assert (table["parameters"] > 0).all()
    assert table.set_index("row")["MMACs/jet"].idxmax() == "LorentzNet (teacher)"
    assert table["MFLOPs/jet"].to_numpy() == pytest.approx(2 * table["MMACs/jet"].to_numpy())


def test_boosted_test_sets_hold_the_same_jets_boosted(distillation_run):
    datasets = distillation_run / "results" / "datasets" / "top"
    plain = read_packed(datasets / "set" / "test.npz")
    for beta in ("0p5", "0p9"):
        boosted = read_packed(datasets / f"seed003_boost{beta}" / "test.npz")
        np.testing.assert_array_equal(boosted.ids, plain.ids)
        np.testing.assert_array_equal(boosted.labels, plain.labels)
        # Boosting along x keeps p_y, p_z and each particle's mass.
        np.testing.assert_allclose(boosted.four_momenta[:, 1:3], plain.four_momenta[:, 1:3], rtol=1e-5, atol=1e-4)
        assert not np.allclose(boosted.four_momenta[:, 0], plain.four_momenta[:, 0])


def test_boosted_runs_are_scored_on_every_boost_and_their_teacher_read_their_jets(distillation_run):
    results = distillation_run / "results"
    config = load_config(CONFIG)
    for run in ("seed003_teacher", "seed003_deepset_kd_T3_r0", "seed003_deepset_bmax0p3_scratch_r0"):
        shifted = json.loads((results / "shifted_metrics" / f"{run}.json").read_text())["test_on"]
        assert list(shifted) == config["runs"][run]["test_on"]
        assert all(0 <= m["accuracy"] <= 1 for m in shifted.values())
    # The teacher's scores on its own test split are those of its first test_on entry.
    own = json.loads((results / "metrics" / "seed003_teacher.json").read_text())
    shifted = json.loads((results / "shifted_metrics" / "seed003_teacher.json").read_text())["test_on"]["set"]
    assert shifted["auc"] == pytest.approx(own["auc"])
    ids, logits = read_logits(results / "teacher_logits" / "seed003_teacher" / "top" / "seed003_bmax0p3" / "train.npz")
    boosted_train = read_packed(results / "datasets" / "top" / "seed003_bmax0p3" / "train.npz")
    assert set(ids.tolist()) == set(boosted_train.ids.tolist()) and np.isfinite(logits).all()


def test_claims_check_every_conclusion(distillation_run):
    claims = (distillation_run / "results" / "studies" / "seed003" / "claims.md").read_text()
    for number in ("1.", "2.", "3.", "4."):
        assert f"\n{number} " in claims
    verdicts = [line for line in claims.splitlines() if line.rstrip().endswith(("holds", "does NOT hold"))
                or "cannot be checked" in line]
    # Two students in claims 1 and 4, one line in 2, one per beta_max in 3.
    assert len(verdicts) == 2 + 1 + 2 + 2
