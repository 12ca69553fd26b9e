"""Seed 004's contrastive study: its expansion into runs, its convergence measure and its claims
on hand-made results."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from jettransfer.config import ConfigError, validate_config
from jettransfer.contrastive_study import (contrastive_run_names, embedding_runs, finetune_run_name, label_series,
                                           pretrain_run_name, scored_run_names, size_sweep)
from jettransfer.stages.contrastive_claims import seed004_claims
from jettransfer.stages.contrastive_report import RunResults, epochs_to_converge, table_rows
from tests.conftest import REPO

TINY = REPO / "tests" / "config" / "tiny_seed004.yaml"


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(TINY.read_text())


@pytest.fixture(scope="module")
def config(raw):
    return validate_config(copy.deepcopy(raw))


def test_runs_are_named_by_what_they_are(config):
    runs = config["runs"]
    pretrain = runs["seed004_pretrain_p100"]
    assert pretrain["objective"]["name"] == "contrastive" and pretrain["training"]["train_fraction"] == 1.0
    assert pretrain["model"] == "seed004_encoder_projection" and pretrain["task"] == "jetclass"
    assert config["models"]["seed004_encoder_projection"]["params"]["head"] == "projection"
    tuned = runs["seed004_pretrained_mlp_f10_r1"]
    assert tuned["mode"] == "finetune" and tuned["init_from"] == "seed004_pretrain_p100"
    assert tuned["training"]["reinit_head"] and tuned["training"]["backbone_lr_scale"] == 0.1
    assert tuned["training"]["train_fraction"] == 0.1 and tuned["training"]["seed"] == config["seed"] + 1000
    assert config["models"][tuned["model"]]["params"]["head"] == "mlp"
    scratch = runs["seed004_scratch_mlp_f10_r1"]
    assert scratch["mode"] == "scratch" and "init_from" not in scratch and "backbone_lr_scale" not in scratch["training"]
    assert scratch["model"] == tuned["model"] and scratch["training"]["seed"] == tuned["training"]["seed"]
    probe = runs["seed004_probe_f100_r0"]
    assert probe["mode"] == "frozen" and config["models"][probe["model"]]["params"]["head"] == "linear"
    # The smaller pretraining is fine-tuned at the size sweep's number of labels, with the first head.
    assert runs["seed004_pretrained_p50_linear_f10_r0"]["init_from"] == "seed004_pretrain_p50"


def test_every_run_once_and_groups(config):
    names = contrastive_run_names(config, "seed004")
    assert len(names) == len(set(names)) == 24
    assert set(names) <= set(config["runs"])
    assert [n for n in names if n not in scored_run_names(config, "seed004")] == ["seed004_pretrain_p50", "seed004_pretrain_p100"]
    assert [s.label for s in label_series(config, "seed004")] == [
        "from scratch, linear head", "pretrained, linear head", "from scratch, mlp head", "pretrained, mlp head",
        "pretrained, frozen (linear probe)"]
    assert size_sweep(config, "seed004")[1.0][0] == finetune_run_name("seed004", "pretrained", "linear", 0.1, 0)
    assert embedding_runs(config, "seed004") == {"scratch": "seed004_scratch_linear_f100_r0",
                                                  "pretrained": pretrain_run_name("seed004", 1.0)}


@pytest.mark.parametrize("change, message", [
    (lambda s: s.update(encoder="nope"), r"contrastive_studies.seed004.encoder: unknown model 'nope'"),
    (lambda s: s.update(task="jetclass"), r"contrastive_studies.seed004.task: fine-tuning needs a binary task"),
    (lambda s: s.update(size_sweep_label_fraction=0.5), r"size_sweep_label_fraction: must be one of label_fractions"),
    (lambda s: s.update(pretrain_task="nope"), r"contrastive_studies.seed004.pretrain_task: unknown task 'nope'"),
])
def test_mistakes_are_named(raw, change, message):
    broken = copy.deepcopy(raw)
    change(broken["contrastive_studies"]["seed004"])
    with pytest.raises(ConfigError, match=message):
        validate_config(broken)


def test_an_encoder_without_a_head_choice_is_refused(raw):
    broken = copy.deepcopy(raw)
    broken["models"]["deepset"] = {"preset": "DeepSet", "representation": "set"}
    broken["representations"]["set"] = {"kind": "constituents", "features": "set"}
    broken["contrastive_studies"]["seed004"]["encoder"] = "deepset"
    with pytest.raises(ConfigError, match=r"encoder: model 'deepset' is a deepset; the encoder must be one of"):
        validate_config(broken)


def test_epochs_to_converge_by_hand():
    assert epochs_to_converge([0.5, 0.7, 0.795, 0.8]) == 3  # 0.795 >= 0.99 * 0.8 = 0.792
    assert epochs_to_converge([0.5, 0.7, 0.78, 0.8]) == 4
    assert epochs_to_converge([0.9, 0.8]) == 1


def _results(config, accuracy, epochs):
    """Hand-made results: accuracy(kind, head, label_fraction) and epochs(kind, head) to converge."""
    metrics, summaries, histories = {}, {}, {}
    for name in contrastive_run_names(config, "seed004"):
        run = config["runs"][name]
        head = config["models"][run["model"]]["params"]["head"]
        kind = "pretrain" if run["task"] == "jetclass" else {"scratch": "scratch", "finetune": "pretrained",
                                                               "frozen": "probe"}[run["mode"]]
        fraction = run["training"]["train_fraction"]
        summaries[name] = {"n_train": int(1000 * fraction)}
        small_pretraining = name.startswith("seed004_pretrained_p50")  # fine-tuned from the smaller pretraining
        n = epochs(kind, head) + (1 if small_pretraining else 0)
        histories[name] = pd.DataFrame({"epoch": [1, 2, 3, 4], "val_accuracy": [0.5] * (n - 1) + [0.8] * (5 - n)})
        if kind != "pretrain":
            a = accuracy(kind, head, fraction) - (0.02 if small_pretraining else 0.0)
            metrics[name] = {"accuracy": a, "auc": a, "rejection_at_50": 100 * a}
    return RunResults(metrics, summaries, histories)


def test_claims_hold_where_the_numbers_say_so(config):
    results = _results(config, lambda kind, head, f: 0.8 + (0.05 if kind != "scratch" and f < 0.5 else 0.0),
                       lambda kind, head: {"scratch": 4, "pretrained": 2 if head == "mlp" else 3, "probe": 3}.get(kind, 4))
    claims = seed004_claims(config, "seed004", results)
    assert len(claims) == 8 and all(line.endswith("holds") and "NOT" not in line for line in claims), claims


def test_claims_that_do_not_hold_say_so(config):
    results = _results(config, lambda kind, head, f: 0.8 - (0.05 if kind != "scratch" else 0.0),
                       lambda kind, head: {"scratch": 2, "pretrained": 3 if head == "mlp" else 2}.get(kind, 4))
    claims = seed004_claims(config, "seed004", results)
    assert claims[0].endswith("does NOT hold") and claims[1].endswith("does NOT hold")
    assert next(c for c in claims if c.startswith("2.")).endswith("does NOT hold")
    assert next(c for c in claims if c.startswith("4.")).endswith("does NOT hold")


def test_table_has_every_curve_point(config):
    results = _results(config, lambda kind, head, f: 0.8, lambda kind, head: 2)
    rows = table_rows(config, "seed004", results)
    assert len(rows) == 5 * 2 + 2  # five series at two label fractions, two pretraining sizes
    assert rows[0]["n_train_mean"] == 100 and rows[0]["accuracy_std"] == 0.0


def test_the_particle_transformer_is_a_second_encoder(raw):
    """Seed 004's next step: the same study on ParT (pair features need four-momenta)."""
    study = copy.deepcopy(raw)
    study["models"]["part"] = {"preset": "ParT-JetCLR", "representation": "cloud", "params": {"n_particles": 30}}
    study["contrastive_studies"]["seed004"]["encoder"] = "part"
    config = validate_config(study)
    assert config["models"]["seed004_encoder_projection"]["architecture"] == "particle_transformer"
    assert config["models"]["seed004_encoder_mlp"]["params"]["head"] == "mlp"
