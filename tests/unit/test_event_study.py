"""Seed 002's event study: samples of whole events in the config, and the study's expansion
into pretrainings, baselines and fine-tunings."""

from __future__ import annotations

import copy

import pytest
import yaml

from jettransfer.config import ConfigError, validate_config
from jettransfer.event_study import cka_runs, event_run_names, scored_run_names, task_runs
from tests.conftest import REPO

TINY = REPO / "tests" / "config" / "tiny_seed002.yaml"


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(TINY.read_text())


@pytest.fixture(scope="module")
def config(raw):
    return validate_config(copy.deepcopy(raw))


def test_pretrainings_and_task_runs(config):
    runs = config["runs"]
    multilabel = runs["seed002_pretrain_multilabel"]
    assert multilabel["task"] == "pretraining" and multilabel["objective"]["name"] == "multilabel"
    assert multilabel["objective"]["n_objects"] == 3 and multilabel["objective"]["n_kinematics"] == 3
    assert "objective" not in runs["seed002_pretrain_multiclass"]  # cross-entropy over the processes
    tuned = runs["seed002_wh_zh_multiclass_f10_r1"]
    assert tuned["mode"] == "finetune" and tuned["init_from"] == "seed002_pretrain_multiclass"
    assert tuned["training"]["reinit_head"] and tuned["training"]["backbone_lr_scale"] == 0.1
    assert tuned["training"]["train_fraction"] == 0.1 and tuned["training"]["seed"] == config["seed"] + 1000
    baseline = runs["seed002_wh_zh_baseline_f10_r1"]
    assert baseline["mode"] == "scratch" and baseline["training"]["seed"] == tuned["training"]["seed"]
    assert "backbone_lr_scale" not in baseline["training"] and baseline["training"]["select_best"] == "val_auc"


def test_every_run_once_and_groups(config):
    names = event_run_names(config, "seed002")
    assert len(names) == len(set(names)) == 2 + 3 * 2 * 2
    assert set(names) <= set(config["runs"])
    assert set(names) - set(scored_run_names(config, "seed002")) == {"seed002_pretrain_multiclass",
                                                                       "seed002_pretrain_multilabel"}
    assert task_runs(config, "seed002", "wh_zh")["multilabel"][1.0] == ("seed002_wh_zh_multilabel_f100_r0",
                                                                       "seed002_wh_zh_multilabel_f100_r1")
    assert cka_runs(config, "seed002", "wh_zh") == {k: f"seed002_wh_zh_{k}_f100_r0"
                                                    for k in ("baseline", "multiclass", "multilabel")}


def _problems(raw, change) -> str:
    broken = copy.deepcopy(raw)
    change(broken)
    with pytest.raises(ConfigError) as caught:
        validate_config(broken)
    return str(caught.value)


def test_event_samples_are_checked(raw):
    message = _problems(raw, lambda c: c["samples"]["wh"].update(process="ttw"))
    assert "samples.wh.process" in message and "ttw" in message
    message = _problems(raw, lambda c: c["samples"]["wh"].update(process="qcd_dijet_events"))
    assert "samples.wh.process" in message
    message = _problems(raw, lambda c: c["samples"]["wh"].update(jet_pt_min=500))
    assert "samples.wh.jet_pt_min" in message and "whole events" in message
    message = _problems(raw, lambda c: c["samples"]["zh"].update(shards=200))
    assert "samples.zh.shards" in message


def test_events_and_jets_do_not_mix(raw):
    def jets_in_events_task(c):
        c["samples"]["qcd"] = {"process": "qcd_dijet", "jet_pt_min": 500, "n_jets": 50}
        c["tasks"]["wh_zh"]["background"] = "qcd"
    assert "tasks.wh_zh" in _problems(raw, jets_in_events_task)

    def jet_model(c):
        c["representations"]["lund"] = {"kind": "lund_graph"}
        c["models"]["gnn"]["representation"] = "lund"
    message = _problems(raw, jet_model)
    assert "models.gnn.representation" in message


def test_study_references_are_checked(raw):
    message = _problems(raw, lambda c: c["event_studies"]["seed002"].update(pretrain_task="wh_zh"))
    assert "event_studies.seed002.pretrain_task" in message and "classes" in message
    message = _problems(raw, lambda c: c["event_studies"]["seed002"].update(tasks=["pretraining"]))
    assert "event_studies.seed002.tasks[0]" in message and "binary" in message
    message = _problems(raw, lambda c: c["event_studies"]["seed002"].update(model="nope"))
    assert "event_studies.seed002.model" in message
    message = _problems(raw, lambda c: c["event_studies"]["seed002"].update(train_fractions=[0.0]))
    assert "train_fractions" in message
