"""A transfer study expands into ordinary runs, named by what they are, each once."""

import copy

import pytest
import yaml

from jettransfer.config import ConfigError, training_settings, validate_config
from jettransfer.transfer_study import fraction_tag, find_run, source_run_name, study_runs
from tests.conftest import REPO


@pytest.fixture(scope="module")
def raw_study():
    return yaml.safe_load((REPO / "tests" / "config" / "tiny_study.yaml").read_text())


@pytest.fixture(scope="module")
def study(raw_study):
    return validate_config(raw_study)


@pytest.mark.parametrize("fraction, tag", [(1.0, "f100"), (0.1, "f10"), (0.025, "f2p5"), (0.5, "f50")])
def test_fraction_tag(fraction, tag):
    assert fraction_tag(fraction) == tag


def test_every_setting_is_one_run(study):
    spec = study["transfer_studies"]["seed000"]
    runs = list(study_runs(study, "seed000"))
    names = [r.name for r in runs]
    assert len(names) == len(set(names))
    # ln5_top: 3 fractions (table's two and the sweep's one) x 3 modes; ln5_w: the table's two fractions
    # x its 2 transfer modes, its scratch runs being ln5_top's (same model); all twice.
    assert len(runs) == spec["repeats"] * (3 * 3 + 2 * 2)
    assert {r.mode for r in runs} == {"scratch", "finetune", "frozen"}
    assert find_run(study, "seed000", "ln5_w", "scratch", 1.0, 1) == find_run(study, "seed000", "ln5_top", "scratch", 1.0, 1)
    assert set(names) | {source_run_name("seed000", s) for s in spec["sources"]} <= set(study["runs"])


def test_expanded_runs_carry_fraction_seed_source_and_transfer_settings(study):
    frozen = study["runs"][find_run(study, "seed000", "ln5_w", "frozen", 0.5, 1)]
    assert frozen["mode"] == "frozen" and frozen["init_from"] == "seed000_ln5_w_source"
    assert frozen["task"] == "top_500gev" and frozen["model"] == "lundnet5"
    settings = training_settings(study, find_run(study, "seed000", "ln5_w", "finetune", 0.5, 1))
    assert settings.train_fraction == 0.5 and settings.finetune_lr_divisor == 3
    first = training_settings(study, find_run(study, "seed000", "ln5_top", "finetune", 0.5, 0))
    assert first.finetune_lr_divisor == 10 and first.seed == study["seed"]
    assert settings.seed != first.seed  # each repeat its own seed
    source = study["runs"][source_run_name("seed000", "ln5_w")]
    assert source == {"task": "w_500gev", "model": "lundnet5", "mode": "scratch", "label": "LundNet5, W 500 GeV"}


def _broken(raw, path, value):
    config = copy.deepcopy(raw)
    target = config
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return config


@pytest.mark.parametrize("path, value, message", [
    (("transfer_studies", "seed000", "target"), "top_5tev", r"transfer_studies\.seed000\.target: unknown task 'top_5tev'"),
    (("transfer_studies", "seed000", "sources", "ln5_top", "task"), "top_500gev",
     r"sources\.ln5_top\.task: a source is trained on another task than the target"),
    (("transfer_studies", "seed000", "sources", "ln5_top", "model"), "ln9", r"sources\.ln5_top\.model: unknown model 'ln9'"),
    (("transfer_studies", "seed000", "size_sweep", "sources"), ["pn"], r"size_sweep\.sources: unknown source 'pn'"),
    (("transfer_studies", "seed000", "sources", "ln5_top", "published"), "LundNet9",
     r"sources\.ln5_top\.published: unknown row 'LundNet9'; seed 000's rows: \['LundNet3 top 2 TeV'"),
    (("transfer_studies", "seed000", "train_fractions"), [0.0], r"train_fractions\.0: 0\.0 is less than or equal to the minimum"),
    (("transfer_studies", "seed000", "modes"), ["scratch"], r"modes\.0: 'scratch' is not one of \['finetune', 'frozen'\]"),
    (("runs",), {"seed000_ln5_top_source": {"task": "top_2tev", "model": "lundnet5", "mode": "scratch"}},
     r"transfer_studies\.seed000: its run 'seed000_ln5_top_source' is also given under runs"),
])
def test_study_errors_name_the_field(raw_study, path, value, message):
    with pytest.raises(ConfigError, match=message):
        validate_config(_broken(raw_study, path, value), source="study.yaml")


def test_a_config_without_runs_or_studies_is_refused(raw_study):
    config = copy.deepcopy(raw_study)
    del config["transfer_studies"]
    with pytest.raises(ConfigError, match="runs: no runs: give runs, transfer_studies, distillation_studies, contrastive_studies or event_studies"):
        validate_config(config)
