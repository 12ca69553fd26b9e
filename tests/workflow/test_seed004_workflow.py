"""Seed 004's contrastive study through the whole DAG on tests/config/tiny_seed004.yaml: every
declared output written, pretrainings at each size feeding the fine-tunings, JetCLR's views."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from tests.conftest import REPO
from tests.workflow.conftest import run_locally

pytestmark = pytest.mark.workflow
CONFIG = REPO / "tests" / "config" / "tiny_seed004.yaml"
OUTPUTS = ["table.csv", "table.md", "claims.md", "embedding.npz", "embedding.png", "embedding.pdf"] + [
    f"{name}.{ext}" for name in ("labels", "validation_accuracy", "pretraining_size", "heads") for ext in ("png", "pdf")]


@pytest.fixture(scope="module")
def seed004_run(tmp_path_factory):
    return run_locally(tmp_path_factory, CONFIG, "seed004")


def test_every_declared_output_is_written(seed004_run):
    folder = seed004_run / "results" / "studies" / "seed004"
    assert sorted(p.name for p in folder.iterdir()) == sorted(OUTPUTS)
    for name in OUTPUTS:
        if name.endswith(".png"):
            assert (folder / name).read_bytes()[:4] == b"\x89PNG"
        if name.endswith(".pdf"):
            assert (folder / name).read_bytes()[:4] == b"%PDF"


def test_table_rows_and_claims(seed004_run):
    folder = seed004_run / "results" / "studies" / "seed004"
    table = pd.read_csv(folder / "table.csv")
    assert len(table) == 12 and set(table["kind"]) == {"scratch", "pretrained", "probe", "size_sweep"}
    # The label sweep's two points are 10% and 100% of the training split.
    scratch = table[(table["kind"] == "scratch") & (table["head"] == "linear")]
    assert scratch["n_train_mean"].tolist()[1] == pytest.approx(10 * scratch["n_train_mean"].tolist()[0], rel=0.1)
    claims = (folder / "claims.md").read_text().splitlines()
    verdicts = [line for line in claims if line.startswith("- ")]
    assert len(verdicts) == 8
    assert all(line.rstrip().endswith(("holds", "does NOT hold")) or "cannot be checked" in line for line in verdicts)


def test_pretraining_sizes_feed_their_fine_tunings(seed004_run):
    models = seed004_run / "results" / "models"
    small = json.loads((models / "seed004_pretrain_p50" / "summary.json").read_text())
    large = json.loads((models / "seed004_pretrain_p100" / "summary.json").read_text())
    assert small["objective"] == "contrastive" and 2 * small["n_train"] == pytest.approx(large["n_train"], abs=2)
    source = torch.load(models / "seed004_pretrain_p50" / "checkpoint.pt", weights_only=True)["state"]
    assert source["head.1.weight"].shape[0] == 16  # the projection the NT-Xent loss compared
    history = pd.read_csv(models / "seed004_pretrain_p100" / "history.csv")
    # The views differ (JetCLR's augmentations): telling each jet's pair apart is not trivial at the start.
    assert history["val_accuracy"].iloc[0] < 1.0


def test_embedding_of_both_encoders(seed004_run):
    data = np.load(seed004_run / "results" / "studies" / "seed004" / "embedding.npz")
    assert data["scratch_tsne"].shape == data["pretrained_tsne"].shape == (40, 2)
    assert set(data["labels"].tolist()) == {0, 1, 2, 3}
    assert data["pretrained_features"].shape == (40, 16)
