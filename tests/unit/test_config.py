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
    (("models", "lundnet5", "preset"), "LundNet7", r"models\.lundnet5\.preset: unknown preset 'LundNet7'; known: \['LundNet3'"),
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
