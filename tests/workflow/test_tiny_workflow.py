"""Run the whole DAG through Snakemake on tests/config/tiny.yaml and check what a user gets."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import REPO
from tests.workflow.conftest import TINY, downloaded_study, snakemake, write_top_tagging_sample

pytestmark = pytest.mark.workflow


def test_every_declared_output_exists_and_nothing_is_left_to_do(tiny_run):
    dry = snakemake(tiny_run, "--configfile", str(TINY), "--cores", "1", "-n")
    assert dry.returncode == 0 and "Nothing to be done" in dry.stdout + dry.stderr


def test_table_parses_with_sane_metrics(tiny_run):
    config = yaml.safe_load(TINY.read_text())
    table = pd.read_csv(tiny_run / "results" / "tables" / "transfer_top500.csv")
    assert list(table["run"]) == config["tables"]["transfer_top500"]["runs"]
    assert table["AUC"].between(0.5, 1.0, inclusive="right").all(), table
    # Quoted where at least 10 background jets pass the cut, with a bootstrap error; empty elsewhere.
    for _, row in table.iterrows():
        metrics = json.loads((tiny_run / "results" / "metrics" / f"{row['run']}.json").read_text())
        for percent in (30, 50):
            value = row[f"Rej@{percent}%"]
            quoted = metrics[f"background_past_cut_{percent}"] >= 10
            assert quoted == (not np.isnan(value)), (row, metrics)
            if quoted:
                assert value >= 1.0 and row[f"Rej@{percent}% error"] > 0
    assert (table["ms/sample/epoch"] > 0).all()
    frozen = table.set_index("mode").loc["frozen"]
    assert frozen["source"] == "top2tev_scratch"
    markdown = (tiny_run / "results" / "tables" / "transfer_top500.md").read_text()
    assert markdown.startswith("# ") and "| top500_finetune |" in markdown


def test_figures_are_valid_png_and_pdf(tiny_run):
    figure = tiny_run / "results" / "figures" / "roc_transfer_top500"
    assert figure.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = figure.with_suffix(".pdf").read_bytes()
    assert pdf[:5] == b"%PDF-" and b"%%EOF" in pdf[-64:]
    assert figure.with_suffix(".png").stat().st_size > 20_000


def test_every_job_wrote_a_log_and_a_benchmark(tiny_run):
    logs = list((tiny_run / "logs").rglob("*.log"))
    benchmarks = list((tiny_run / "results" / "benchmarks").rglob("*.tsv"))
    # 4 samples x 2 shards x (generate + cluster) + 4 Lund graph files + 2 particle-cloud files
    # + 3 task splits + 5 trainings + 5 evaluations + 1 table + 1 figure.
    assert len(logs) == len(benchmarks) == 16 + 4 + 2 + 3 + 5 + 5 + 2
    train_log = (tiny_run / "logs" / "transfer" / "top500_frozen.log").read_text()
    assert "mode frozen" in train_log and "epoch 2/2" in train_log
    summary = json.loads((tiny_run / "results" / "models" / "top500_frozen" / "summary.json").read_text())
    assert summary["trainable_parameters"] < summary["parameters"]
    pnlite = json.loads((tiny_run / "results" / "models" / "top500_pnlite" / "summary.json").read_text())
    assert pnlite["parameters"] == 26_416 and pnlite["model"] == "particlenet_lite"
    # The per-epoch resume state becomes the last checkpoint; none is left behind.
    assert not list((tiny_run / "results" / "models").rglob("resume.pt"))
    assert len(list((tiny_run / "results" / "models").rglob("last.pt"))) == 5


def test_generation_and_preprocessing_are_byte_reproducible(tiny_run, tmp_path):
    targets = ["results/datasets/top_500gev/lund/train.npz", "results/datasets/top_500gev/lund/test.npz"]
    result = snakemake(tmp_path, "--configfile", str(TINY), "--cores", "2", *targets)
    assert result.returncode == 0, result.stderr[-4000:]
    produced = sorted(p.relative_to(tmp_path) for p in (tmp_path / "results").rglob("*")
                      if p.is_file() and p.suffix in (".root", ".npz") and "benchmarks" not in p.parts)
    assert len(produced) == 4 + 4 + 2 + 3  # events, jets, Lund graphs, dataset splits of the 500 GeV task
    for path in produced:
        assert (tmp_path / path).read_bytes() == (tiny_run / path).read_bytes(), f"{path} differs between runs"


def test_every_representation_kind_builds_through_the_workflow(tiny_run):
    """Representations no run reads are built on request, from the jets already there."""
    from jettransfer.data.packed_file import read_packed

    targets = [f"results/datasets/top_500gev/{name}/{split}.npz" for name in ("cloud", "atlas5", "lund_cut")
               for split in ("train", "test")]
    result = snakemake(tiny_run, "--configfile", str(TINY), "--cores", "2", *targets)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "rule generate_events" not in result.stdout + result.stderr
    atlas_train = read_packed(tiny_run / "results/datasets/top_500gev/atlas5/train.npz", "constituents")
    atlas_test = read_packed(tiny_run / "results/datasets/top_500gev/atlas5/test.npz", "constituents")
    assert atlas_train.nodes_per_graph.max() == 5  # undersampled to 5 constituents
    # Standardised with the training split's constants, stored with every split.
    assert abs(atlas_train.node_features.mean(axis=0)).max() < 1e-4
    assert (atlas_test.feature_mean == atlas_train.feature_mean).all()
    cloud = read_packed(tiny_run / "results/datasets/top_500gev/cloud/train.npz", "particle_cloud")
    assert cloud.parent is None and cloud.feature_mean is None and len(cloud.feature_names) == 7
    full = read_packed(tiny_run / "results/datasets/top_500gev/lund/train.npz", "lund_graph")
    cut = read_packed(tiny_run / "results/datasets/top_500gev/lund_cut/train.npz", "lund_graph")
    assert len(cut) == len(full) and len(cut.node_features) < len(full.node_features)
    assert cut.node_features[:, full.feature_names.index("ln_kt")].min() >= 0.0


def test_config_error_stops_before_any_job(tmp_path):
    config = yaml.safe_load(TINY.read_text())
    config["samples"]["top_2tev"]["n_jets"] = -3
    config["runs"]["top500_frozen"]["mode"] = "freeze"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "--configfile", str(bad), "--cores", "1")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "bad.yaml" in output
    assert "samples.top_2tev.n_jets: -3 is less than the minimum of 1" in output
    assert "runs.top500_frozen.mode: 'freeze' is not one of" in output
    assert not (tmp_path / "results").exists()


def test_lint_is_clean(tmp_path):
    shutil.copytree(REPO / "config", tmp_path / "config")
    result = snakemake(tmp_path, "--lint", timeout=300)
    assert "Congratulations, your workflow is in a good condition" in result.stdout + result.stderr, result.stdout[-3000:]


def test_a_study_on_a_downloaded_data_set(tmp_path, top_sample, qcd_sample):
    """Samples read from Top Tagging reference files run through the same DAG to a table."""
    write_top_tagging_sample(tmp_path / "train.h5", top_sample, qcd_sample)
    config = downloaded_study(tmp_path / "train.h5", tmp_path / "train.h5")
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "--configfile", str(path), "--cores", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    assert "rule convert_sample" in result.stdout + result.stderr
    assert "rule generate_events" not in result.stdout + result.stderr
    row = pd.read_csv(tmp_path / "results" / "tables" / "toptag.csv").iloc[0]
    assert row["n_test"] == 2 * 15 and 0.0 <= row["AUC"] <= 1.0
