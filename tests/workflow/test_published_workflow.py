"""The validation study against the published LundNet taggers at toy size
(tests/config/tiny_published.yaml): Pythia settings of the public data, no truth matching,
published weights scored untrained and fine-tuned from, the comparison table and claims."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import torch

from jettransfer.data.event_file import read_events
from jettransfer.data.jet_file import read_jets
from tests.conftest import REPO
from tests.unit.test_published_lundnet import REFERENCE, needs_reference
from tests.workflow.conftest import snakemake

pytestmark = [pytest.mark.workflow, needs_reference]
CONFIG = REPO / "tests" / "config" / "tiny_published.yaml"


@pytest.fixture(scope="module")
def published_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("published")
    result = snakemake(workdir, "--configfile", str(CONFIG), "--cores", "2", "--config", f"published_weights_dir={REFERENCE}")
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir


def test_table_and_claims_for_every_published_tagger(published_run):
    folder = published_run / "results" / "studies" / "lundnet_public"
    assert sorted(p.name for p in folder.iterdir()) == ["auc.csv", "auc.md", "claims.md"]
    table = pd.read_csv(folder / "auc.csv")
    assert list(table["tagger"]) == ["LundNet5-top", "LundNet3-top", "LundNet5-W", "LundNet3-W"]
    assert table["published AUC"].round(5).tolist() == [0.98679, 0.98214, 0.93850, 0.93470]
    # Untrained, the published weights tag: far from a coin toss even on a few hundred jets.
    assert (table["AUC"] > 0.85).all() and (table["AUC error"] > 0).all()
    claims = (folder / "claims.md").read_text().splitlines()
    verdicts = [line for line in claims if line.startswith("- ")]
    assert len(verdicts) == 4
    assert all(("**holds**" in v) or ("**does NOT hold**" in v) or ("**cannot be checked**" in v) for v in verdicts)


def test_generation_used_the_public_data_settings_and_no_truth_matching(published_run):
    results = published_run / "results"
    record = read_events(results / "events" / "top" / "shard0.root")
    assert "Tune:pp = 5" in record.provenance["settings"] and "5122:mayDecay = off" in record.provenance["settings"]
    # Our lines come first, the user's last (so they win).
    assert record.provenance["settings"].index("Tune:pp = 5") > record.provenance["settings"].index("Print:quiet = on")
    jets = read_jets(results / "jets" / "top" / "shard0.root")
    assert (jets.jets["label"] == 1).all()
    assert pd.isna(jets.jets["truth_pt"]).all()  # nothing matched: no truth particle recorded


def test_published_weights_are_a_transfer_source(published_run):
    models = published_run / "results" / "models"
    summary = json.loads((models / "lundnet5_top" / "summary.json").read_text())
    assert summary["mode"] == "published" and summary["parameters"] == 391_724 and summary["epochs"] == 0
    source = torch.load(models / "lundnet5_top" / "checkpoint.pt", weights_only=True)["state"]
    tuned = torch.load(models / "lundnet5_top_finetuned" / "checkpoint.pt", weights_only=True)["state"]
    assert source.keys() == tuned.keys()
    moved = [k for k in source if source[k].dtype.is_floating_point and not torch.equal(source[k], tuned[k])]
    assert moved and "head.fusion.0.bias" in source
    table = pd.read_csv(published_run / "results" / "tables" / "published_and_tuned.csv")
    assert list(table["mode"]) == ["published", "finetune"] and table["epochs"].tolist() == [0, 1]
