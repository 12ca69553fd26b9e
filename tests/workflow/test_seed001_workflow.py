"""Seed 001's two studies through the whole DAG on tests/config/tiny_seed001.yaml: every declared
output written, soft targets from the teacher on either version of the student set's jets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jettransfer.data.logits_file import read_logits
from jettransfer.data.packed_file import read_packed
from tests.conftest import REPO
from tests.workflow.conftest import run_locally

pytestmark = pytest.mark.workflow
CONFIG = REPO / "tests" / "config" / "tiny_seed001.yaml"
OUTPUTS = ["table1.csv", "table1.md", "claims.md", "roc.png", "roc.pdf", "validation_loss.png", "validation_loss.pdf"]


@pytest.fixture(scope="module")
def seed001_run(tmp_path_factory):
    return run_locally(tmp_path_factory, CONFIG, "seed001")


@pytest.mark.parametrize("study", ["seed001_fcnn", "seed001_gnn"])
def test_every_declared_output_is_written(seed001_run, study):
    folder = seed001_run / "results" / "studies" / study
    assert sorted(p.name for p in folder.iterdir()) == sorted(OUTPUTS)
    assert (folder / "roc.png").read_bytes()[:4] == b"\x89PNG" and (folder / "roc.pdf").read_bytes()[:4] == b"%PDF"


def test_table_rows_and_costs(seed001_run):
    table = pd.read_csv(seed001_run / "results" / "studies" / "seed001_gnn" / "table1.csv")
    assert list(table["row"]) == ["GNN on 5 constituents from scratch",
                                  "GNN on 5 constituents KD T=3, teacher on the student's jets",
                                  "GNN, 1 block from scratch", "GNN, 1 block KD T=3", "GNN teacher (teacher)"]
    costs = table.set_index("row")
    assert costs.loc["GNN, 1 block from scratch", "parameters"] < costs.loc["GNN teacher (teacher)", "parameters"]
    assert (table["ms/jet batch 1"] > 0).all() and table["auc_mean"].between(0, 1).all()


def test_soft_targets_from_the_teacher_on_the_degraded_and_on_the_clean_student_jets(seed001_run):
    results = seed001_run / "results"
    logits = results / "teacher_logits" / "seed001_fcnn_teacher" / "student_set"
    assert sorted(p.name for p in logits.iterdir()) == ["atlas", "keep5", "smeared"]
    clean_ids, clean = read_logits(logits / "atlas" / "train.npz")
    smeared_ids, smeared = read_logits(logits / "smeared" / "train.npz")
    # The same student-set jets, by id, seen clean and smeared: different soft targets.
    assert set(clean_ids.tolist()) == set(smeared_ids.tolist())
    order = np.argsort(clean_ids), np.argsort(smeared_ids)
    assert not np.allclose(clean[order[0]], smeared[order[1]])
    student_set = read_packed(results / "datasets" / "student_set" / "smeared" / "train.npz")
    teacher_set = read_packed(results / "datasets" / "teacher_set" / "atlas" / "train.npz")
    assert set(student_set.ids.tolist()).isdisjoint(teacher_set.ids.tolist())


def test_claims_check_every_conclusion(seed001_run):
    claims = (seed001_run / "results" / "studies" / "seed001_fcnn" / "claims.md").read_text()
    verdicts = [line for line in claims.splitlines() if line.rstrip().endswith(("holds", "does NOT hold"))]
    # Claims 1 and 2 for each of the two degraded students, 3 and 4 for the compressed one.
    assert len(verdicts) == 2 + 2 + 1 + 1
    assert "which helps FCNN on smeared jets more" in claims
