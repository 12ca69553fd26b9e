import copy

import pytest
import yaml

from jettransfer.config import ConfigError, load_config, training_settings, validate_config
from tests.conftest import REPO


@pytest.fixture(scope="module")
def tiny_config():
    """A study written as explicit runs, tables and figures."""
    with open(REPO / "tests" / "config" / "tiny.yaml") as f:
        return yaml.safe_load(f)


@pytest.mark.parametrize("path", ["config/config.yaml", "config/paper.yaml", "tests/config/tiny.yaml",
                                  "tests/config/tiny_study.yaml"])
def test_shipped_configs_are_valid(path):
    config = load_config(REPO / path)
    assert config["clustering"]["jet_radius"] == 0.8


def test_defaults_are_filled_in(tiny_config):
    config = copy.deepcopy(tiny_config)
    config.pop("clustering", None)
    assert validate_config(config)["clustering"]["rapidity_max"] == 2.5


def broken(config, path, value):
    config = copy.deepcopy(config)
    *parents, last = path
    target = config
    for key in parents:
        target = target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return config


@pytest.mark.parametrize("path, value, message", [
    (("samples", "top_2tev", "n_jet"), 5, r"samples\.top_2tev: Additional properties are not allowed \('n_jet'"),
    (("training", "epochs"), "ten", r"training\.epochs: 'ten' is not of type 'integer'"),
    (("samples", "top_2tev", "n_jets"), 0, r"samples\.top_2tev\.n_jets: 0 is less than the minimum of 1"),
    (("samples", "top_2tev", "process"), "zz", r"samples\.top_2tev\.process: unknown process 'zz'; known: \['h_4q'"),
    (("runs", "top500_frozen", "init_from"), "nope", r"runs\.top500_frozen\.init_from: mode 'frozen' needs init_from"),
    (("tasks", "top_500gev", "signal"), "qcd_500gev", r"tasks\.top_500gev\.signal: sample 'qcd_500gev' holds background jets"),
    (("splits", "test"), 0.3, r"splits: fractions must sum to 1"),
    (("figures", "roc_transfer_top500", "reference"), "top2tev_scratch", r"reference: must be one of the figure's runs"),
    (("runs", "top500_scratch", "model"), "lundnet9", r"runs\.top500_scratch\.model: unknown model 'lundnet9'"),
    (("models", "lundnet5", "representation"), "clouds", r"models\.lundnet5\.representation: unknown representation 'clouds'"),
    (("models", "lundnet5", "features"), ["ln_z", "d_eta"], r"models\.lundnet5\.features: \['d_eta'\] not in representation 'lund'"),
    (("representations", "lund"), {"kind": "lund_graph", "frame": "atlas"}, r"representations\.lund\.frame: does not apply"),
    (("representations", "lund"), {"kind": "particle_cloud"}, r"models\.lundnet5\.representation: lundnet reads lund_graph, 'lund' is a particle_cloud"),
    (("representations", "lund"), {"kind": "lund_graph", "degrade": {"keep": 0}}, r"representations\.lund\.degrade\.keep: 0 is less than the minimum"),
    (("models", "lundnet5", "preset"), "LundNet7", r"models\.lundnet5\.preset: unknown preset 'LundNet7'; known: \[.*'LundNet3'"),
    (("models", "lundnet5", "architecture"), "particlenet", r"models\.lundnet5\.architecture: preset LundNet5 is a lundnet, not a particlenet"),
    (("models", "lundnet5", "preset"), KeyError, r"models\.lundnet5: .* is not valid under any of the given schemas"),
    (("training", "graph_backend"), "pyg", r"training\.graph_backend: 'pyg' is not one of \['native', 'dgl'\]"),
])
def test_config_errors_name_the_field(tiny_config, path, value, message):
    with pytest.raises(ConfigError, match=message):
        validate_config(broken(tiny_config, path, value), source="study.yaml")


def test_cyclic_transfers_are_refused(tiny_config):
    config = broken(tiny_config, ("runs", "top2tev_scratch"),
                    {"task": "top_2tev", "model": "lundnet5", "mode": "finetune", "init_from": "top500_finetune"})
    with pytest.raises(ConfigError, match="cycle"):
        validate_config(config)


def test_run_training_block_overrides_the_global_one(tiny_config):
    config = broken(tiny_config, ("runs", "top500_finetune", "training"), {"train_fraction": 0.1, "epochs": 3})
    settings = training_settings(validate_config(config), "top500_finetune")
    assert settings.train_fraction == 0.1 and settings.epochs == 3 and settings.batch_size == tiny_config["training"]["batch_size"]


def test_a_preset_fills_architecture_features_and_params_and_own_params_win(tiny_config):
    config = copy.deepcopy(tiny_config)
    config["representations"]["cloud"] = {"kind": "particle_cloud"}
    config["models"]["pnlite"] = {"preset": "ParticleNet-Lite", "representation": "cloud", "params": {"k": 5}}
    model = validate_config(config)["models"]["pnlite"]
    assert model["architecture"] == "particlenet"
    assert model["features"] == ["d_eta", "d_phi", "ln_pt", "ln_e", "ln_pt_rel", "ln_e_rel", "delta_r"]
    assert model["params"] == {"k": 5, "conv_channels": [[32, 32, 32], [64, 64, 64]], "fc_dim": 128}


@pytest.mark.parametrize("change, message", [
    ({"objective": {"name": "distillation", "temperature": 3}},
     r"runs\.top500_scratch\.objective\.teacher: distillation needs a teacher run"),
    ({"objective": {"name": "distillation", "teacher": "nobody"}},
     r"runs\.top500_scratch\.objective\.teacher: unknown teacher run 'nobody'"),
    ({"objective": {"name": "distillation", "teacher": "top2tev_scratch", "teacher_representation": "nope"}},
     r"runs\.top500_scratch\.objective\.teacher_representation: unknown representation 'nope'"),
    ({"objective": {"name": "contrastive"}, "training": {"select_best": "val_auc"}},
     r"runs\.top500_scratch\.training\.select_best: a contrastive run reads no labels"),
    ({"objective": {"name": "contrastive", "temperature": 0.1, "alpha": 0.5}},
     r"runs\.top500_scratch\.objective: Additional properties are not allowed \('alpha'"),
    ({"objective": {"name": "contrastive"}}, r"tables\.transfer_top500\.runs: run 'top500_scratch' \(contrastive\) has no test scores"),
])
def test_an_objective_that_does_not_fit_its_run_is_refused(tiny_config, change, message):
    config = copy.deepcopy(tiny_config)
    config["runs"]["top500_scratch"] |= change
    with pytest.raises(ConfigError, match=message):
        validate_config(config, source="study.yaml")


def test_a_multiclass_task_and_a_distillation_run_validate_with_defaults(tiny_config):
    config = copy.deepcopy(tiny_config)
    config["tasks"]["three"] = {"classes": ["top_500gev", "qcd_500gev", "top_2tev"]}
    config["runs"]["three_teacher"] = {"task": "three", "model": "lundnet5", "mode": "scratch"}
    config["runs"]["three_student"] = {"task": "three", "model": "particlenet_lite", "mode": "scratch",
                                       "objective": {"name": "distillation", "teacher": "three_teacher"}}
    config["figures"]["roc_transfer_top500"]["runs"].append("three_student")
    with pytest.raises(ConfigError, match=r"figures\.roc_transfer_top500\.runs: run 'three_student' has 3 classes"):
        validate_config(config)
    config["figures"]["roc_transfer_top500"]["runs"].remove("three_student")
    config = validate_config(config)
    assert config["runs"]["three_student"]["objective"] == {"name": "distillation", "teacher": "three_teacher",
                                                           "temperature": 1.0, "alpha": 0.5}
    config["runs"]["three_student"]["task"] = "top_500gev"
    with pytest.raises(ConfigError, match=r"teacher run 'three_teacher' has 3 classes, this run 2"):
        validate_config(config)


def test_training_defaults_live_in_the_schema_only(tiny_config):
    from jettransfer.config import training_defaults
    from jettransfer.train.settings import TrainingSettings

    defaults = training_defaults()
    assert defaults["epochs"] == 30 and defaults["optimizer"] == "adam" and defaults["select_best"] == "val_loss"
    assert TrainingSettings.with_defaults().lr_milestones == (10, 20)
    config = copy.deepcopy(tiny_config)
    config["runs"]["top500_finetune"]["training"] = {"epochs": 3}  # a run's block gets no defaults of its own
    validated = validate_config(config)
    assert validated["runs"]["top500_finetune"]["training"] == {"epochs": 3}
    assert training_settings(validated, "top500_finetune").learning_rate == tiny_config["training"]["learning_rate"]
