"""Config checks of published models and runs, Pythia lines and truth matching: each mistake is
named before any job starts."""

from __future__ import annotations

import copy

import pytest
import yaml

from jettransfer.config import ConfigError, generation_settings, jet_selection, validate_config
from tests.conftest import REPO
from tests.unit.test_published_lundnet import REFERENCE, needs_reference

VALIDATION = REPO / "config" / "validation" / "lundnet_public.yaml"


@pytest.fixture()
def validation_config():
    config = yaml.safe_load(VALIDATION.read_text())
    config["published_weights_dir"] = str(REFERENCE)
    return config


@needs_reference
def test_the_validation_study_is_valid_and_implies_the_presets(validation_config):
    config = validate_config(validation_config)
    assert config["models"]["lundnet3_w"]["preset"] == "LundNet3"
    assert config["models"]["lundnet3_w"]["features"] == ["ln_z", "ln_delta", "ln_kt"]
    assert jet_selection(config, "top").match_radius is None
    assert generation_settings(config, "top").extra_lines[0] == "Tune:pp = 5"


def test_missing_weights_are_named_with_where_to_get_them(validation_config, tmp_path):
    validation_config["published_weights_dir"] = str(tmp_path)
    with pytest.raises(ConfigError, match=r"models.lundnet5_top.published: the published weights are not at "
                                          rf"{tmp_path}/Top_QCD_500GeV_LundNet5_state.pt .*fdreyer/LundNet"):
        validate_config(validation_config)


@needs_reference
@pytest.mark.parametrize("change, message", [
    (lambda c: c["models"]["lundnet5_top"].update(preset="LundNet3"), r"models.lundnet5_top.preset: LundNet5-top is a LundNet5"),
    (lambda c: c["models"]["lundnet5_top"].update(features=["ln_kt", "ln_z", "ln_delta", "psi", "ln_m"]),
     r"models.lundnet5_top.features: LundNet5-top reads \['ln_z', 'ln_delta', 'psi', 'ln_m', 'ln_kt'\], in this order"),
    (lambda c: c["models"]["lundnet5_top"].update(published="nowhere.pt"), r"models.lundnet5_top.published: .*needs a preset"),
    (lambda c: c["runs"]["lundnet5_top"].update(training={"epochs": 3}), r"runs.lundnet5_top.training: a published run is not trained"),
    (lambda c: c["models"].update(plain={"preset": "LundNet5", "representation": "lund"})
     or c["runs"]["lundnet5_top"].update(model="plain"), r"runs.lundnet5_top.mode: model 'plain' has no published weights"),
    (lambda c: c["published_comparisons"]["lundnet_public"]["runs"].append("lundnet5_tuned")
     or c["runs"].update(lundnet5_tuned={"task": "top", "model": "lundnet5_top", "mode": "finetune", "init_from": "lundnet5_top"}),
     r"published_comparisons.lundnet_public.runs: run 'lundnet5_tuned' is not a published tagger's"),
    (lambda c: c["generation"]["pythia_settings"].append("Tune:pp = banana"),
     r"generation.pythia_settings: Pythia rejects the line 'Tune:pp = banana'"),
    (lambda c: c["samples"]["qcd"].update(pythia_settings=["NoSuch:thing = on"]),
     r"samples.qcd.pythia_settings: Pythia rejects the line 'NoSuch:thing = on'"),
])
def test_mistakes_are_named(validation_config, change, message):
    config = copy.deepcopy(validation_config)
    change(config)
    with pytest.raises(ConfigError, match=message):
        validate_config(config)


@needs_reference
def test_a_finetune_may_start_from_a_published_run(validation_config):
    validation_config["runs"]["tuned"] = {"task": "top", "model": "lundnet5_top", "mode": "finetune", "init_from": "lundnet5_top"}
    assert validate_config(validation_config)["runs"]["tuned"]["init_from"] == "lundnet5_top"


def test_sample_lines_follow_the_study_lines_and_absent_lines_leave_the_hash_alone():
    raw = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config = validate_config(copy.deepcopy(raw))
    assert "pythia_settings" not in config["generation"]  # no default: the default study's files are unchanged
    assert generation_settings(config, "top_500gev").extra_lines == ()
    config = raw
    config["generation"]["pythia_settings"] = ["Tune:pp = 5"]
    config["samples"]["top_500gev"]["pythia_settings"] = ["Tune:pp = 14"]
    assert generation_settings(validate_config(config), "top_500gev").extra_lines == ("Tune:pp = 5", "Tune:pp = 14")
