"""A transfer study's tables and figures, from made-up run results whose aggregates are known."""

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from jettransfer.config import validate_config
from jettransfer.data.npz import write_npz
from jettransfer.stages.study_report import (auc_vs_size_figure, training_time_table, transfer_auc_table,
                                             transfer_roc_figure, validation_accuracy_figure)
from jettransfer.transfer_study import find_run, study_runs
from tests.conftest import REPO

MODE_AUC = {"scratch": 0.90, "finetune": 0.93, "frozen": 0.92}
MODE_MS = {"scratch": 3.0, "finetune": 3.0, "frozen": 1.0}


@pytest.fixture(scope="module")
def study():
    return validate_config(yaml.safe_load((REPO / "tests" / "config" / "tiny_study.yaml").read_text()))


@pytest.fixture(scope="module")
def results(study, tmp_path_factory):
    """Per run: AUC = the mode's + fraction/100 + repeat/1000; ms/sample/epoch = the mode's + repeat;
    Rej@50% quoted for frozen runs only (100 + 10 x repeat, error 5 + repeat)."""
    root = tmp_path_factory.mktemp("study")
    paths = {kind: {} for kind in ("metrics", "summaries", "histories", "scores")}
    rng = np.random.default_rng(0)
    for run in study_runs(study, "seed000"):
        auc = MODE_AUC[run.mode] + run.fraction / 100 + run.repeat / 1000
        n_train = int(1000 * run.fraction)
        for kind, name, content in (
                ("metrics", f"{run.name}.json", {
                    "auc": auc, "rejection_at_50": 100.0 + 10 * run.repeat if run.mode == "frozen" else None,
                    "rejection_at_50_error": 5.0 + run.repeat if run.mode == "frozen" else None}),
                ("summaries", f"{run.name}.summary.json", {
                    "n_train": n_train, "epochs": 3, "ms_per_sample_epoch": MODE_MS[run.mode] + run.repeat,
                    "total_train_seconds": 10.0 * (run.repeat + 1), "device": "CPU (1 threads)",
                    "mixed_precision": run.mode != "frozen"})):
            (root / name).write_text(json.dumps(content))
            paths[kind][run.name] = root / name
        history = root / f"{run.name}.history.csv"
        pd.DataFrame({"epoch": [1, 2, 3], "val_accuracy": [0.6, 0.7, 0.75 + run.repeat / 100]}).to_csv(history, index=False)
        paths["histories"][run.name] = history
        labels = np.repeat([1, 0], 200)
        scores = rng.normal(labels * 1.5, 1.0)
        write_npz(root / f"{run.name}.npz", {"scores": scores, "labels": labels})
        paths["scores"][run.name] = root / f"{run.name}.npz"
    return root, paths


def test_auc_table_gives_mean_spread_and_published_value(study, results):
    root, paths = results
    frame = transfer_auc_table(study, "seed000", paths["metrics"], paths["summaries"], root / "auc.csv", root / "auc.md")
    row = frame[(frame["source"] == "ln5_w") & (frame["mode"] == "frozen") & (frame["train_fraction"] == 1.0)].iloc[0]
    assert row["auc_mean"] == pytest.approx(0.92 + 0.01 + 0.0005)
    assert row["auc_std"] == pytest.approx(np.std([0.93, 0.931], ddof=1))
    assert row["published_auc"] == 0.9858 and row["repeats"] == 2 and row["n_train"] == 1000
    assert row["rej50_mean"] == pytest.approx(105.0) and row["rej50_bootstrap_error"] == pytest.approx(5.5)
    assert frame[frame["mode"] == "scratch"]["rej50_mean"].isna().all()  # not quoted by its runs
    assert pd.isna(frame[(frame["source"] == "ln5_w") & (frame["mode"] == "scratch")]["published_auc"]).all()
    # Rows: each source x mode x the table's fractions (the sweep's 25% is not a table column).
    assert len(frame) == 2 * 3 * 2 and set(frame["train_fraction"]) == {1.0, 0.5}
    assert pd.read_csv(root / "auc.csv").shape == frame.shape
    markdown = (root / "auc.md").read_text()
    assert "| LundNet5, W 500 GeV | lundnet5 | 0.9105 ± 0.0007 [-] | 0.9405 ± 0.0007 [0.9863] | 0.9305 ± 0.0007 [0.9858] |" in markdown
    assert "fine-tuned 50%" in markdown and "2 trainings" in markdown


def test_training_time_table_lists_a_shared_scratch_run_once(study, results):
    root, paths = results
    frame = training_time_table(study, "seed000", paths["summaries"], root / "time.csv", root / "time.md")
    assert list(zip(frame["mode"], frame["source"])) == [
        ("scratch", "-"), ("finetune", "ln5_top"), ("frozen", "ln5_top"), ("finetune", "ln5_w"), ("frozen", "ln5_w")]
    frozen = frame.iloc[2]
    assert frozen["ms_per_sample_epoch"] == pytest.approx(1.5)
    assert frozen["speed_vs_scratch"] == pytest.approx(3.5 / 1.5)
    assert frozen["published_ms_per_sample_epoch"] == 0.15 and frozen["total_seconds"] == pytest.approx(15.0)
    assert "| lundnet5 | frozen | LundNet5, top 2 TeV | 1.500 ± 0.707 [0.150] | 2.33 |" in (root / "time.md").read_text()
    assert list(frame["device"]) == ["CPU (1 threads), bf16 mixed precision"] * 2 + ["CPU (1 threads)"] + [
        "CPU (1 threads), bf16 mixed precision", "CPU (1 threads)"]


def test_figures_are_written_as_png_and_pdf(study, results):
    root, paths = results
    validation_accuracy_figure(study, "seed000", paths["histories"], root / "acc.png", root / "acc.pdf")
    auc_vs_size_figure(study, "seed000", paths["metrics"], paths["summaries"], root / "size.png", root / "size.pdf")
    transfer_roc_figure(study, "seed000", paths["scores"], root / "roc.png", root / "roc.pdf")
    for name in ("acc", "size", "roc"):
        assert (root / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (root / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"


def test_a_missing_run_result_names_the_run(study, results):
    root, paths = results
    metrics = dict(paths["metrics"])
    del metrics[find_run(study, "seed000", "ln5_top", "frozen", 0.5, 1)]
    with pytest.raises(KeyError, match="seed000_ln5_top_frozen_f50_r1"):
        transfer_auc_table(study, "seed000", metrics, paths["summaries"], root / "x.csv", root / "x.md")
    assert not (root / "x.csv").exists()


def test_claims_are_checked_on_the_numbers(study, results):
    import copy

    from jettransfer.stages.study_report import seed000_claims

    root, paths = results
    auc = transfer_auc_table(study, "seed000", paths["metrics"], paths["summaries"], root / "a.csv", root / "a.md")
    times = training_time_table(study, "seed000", paths["summaries"], root / "t.csv", root / "t.md")
    lines = seed000_claims(study, "seed000", auc, times, root / "claims.md")
    assert "   - LundNet5, top 2 TeV: 0.9355 vs 0.9055: holds" in lines
    assert "   - LundNet5, top 2 TeV: 2.33 times faster: holds" in lines
    assert not any(line.startswith("3.") for line in lines)  # no ParticleNet source to compare with
    # As if the W source were a ParticleNet: its freezing loss (scratch 0.9105 - frozen 0.9305 < 0) is
    # smaller than LundNet's (the same), so the claim fails and says so.
    mixed = copy.deepcopy(study)
    mixed["models"]["pn"] = {"architecture": "particlenet"}
    mixed["transfer_studies"]["seed000"]["sources"]["ln5_w"]["model"] = "pn"
    lines = seed000_claims(mixed, "seed000", auc, times, root / "claims.md")
    assert lines[-3].endswith("vs smallest ParticleNet loss -0.0200: does NOT hold"), lines
    assert (root / "claims.md").read_text().splitlines()[0].startswith("# Toy seed 000: seed 000's conclusions")
