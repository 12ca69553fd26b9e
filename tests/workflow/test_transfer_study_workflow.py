"""Seed 000's study at toy size through Snakemake: its five items, then `snakemake --report`."""

from __future__ import annotations

import json
import statistics

import pandas as pd
import pytest

from jettransfer.config import load_config
from jettransfer.transfer_study import find_run
from tests.conftest import REPO
from tests.workflow.conftest import run_locally, snakemake

pytestmark = pytest.mark.workflow

TINY_STUDY = REPO / "tests" / "config" / "tiny_study.yaml"
ITEMS = ("auc.csv", "auc.md", "training_time.csv", "training_time.md", "claims.md", "validation_accuracy.png",
         "validation_accuracy.pdf", "auc_vs_training_size.png", "auc_vs_training_size.pdf", "roc.png", "roc.pdf")


@pytest.fixture(scope="module")
def study_run(tmp_path_factory):
    return run_locally(tmp_path_factory, TINY_STUDY, "tiny_study")


def test_the_default_target_builds_all_five_items(study_run):
    for item in ITEMS:
        assert (study_run / "results" / "studies" / "seed000" / item).stat().st_size > 0, item


def test_auc_table_is_the_mean_of_the_repeated_trainings(study_run):
    config = load_config(TINY_STUDY)
    table = pd.read_csv(study_run / "results" / "studies" / "seed000" / "auc.csv")
    for _, row in table.iterrows():
        runs = [find_run(config, "seed000", row["source"], row["mode"], row["train_fraction"], k) for k in range(2)]
        aucs = [json.loads((study_run / "results" / "metrics" / f"{r}.json").read_text())["auc"] for r in runs]
        assert row["auc_mean"] == pytest.approx(statistics.fmean(aucs))
        assert row["auc_std"] == pytest.approx(statistics.stdev(aucs))
    assert set(table["published_auc"].dropna()) <= {0.9866, 0.9865, 0.9863, 0.9858}
    time_table = pd.read_csv(study_run / "results" / "studies" / "seed000" / "training_time.csv")
    assert set(time_table["mode"]) == {"scratch", "finetune", "frozen"}
    assert (time_table["ms_per_sample_epoch"] > 0).all()


def test_report_holds_every_item_with_its_caption(study_run, tmp_path):
    report = tmp_path / "report.html"
    result = snakemake(study_run, "--configfile", str(TINY_STUDY), "--report", str(report))
    assert result.returncode == 0, result.stderr[-4000:]
    html = report.read_text()
    for caption in ("Seed 000, Table 2: test AUC on the target task (top_500gev)", "Seed 000, Table 1: training time",
                    "Seed 000, Figure 3: validation accuracy", "Seed 000, Figure 4: test AUC against the number",
                    "Seed 000, Figure 5: background rejection", "three conclusions, each checked"):
        assert caption in html, caption
