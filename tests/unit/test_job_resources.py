"""Scheduler requests scale with a job's number of jets, and grow on a retry."""

from __future__ import annotations

import copy

import pytest
import yaml

from jettransfer.config import validate_config
from jettransfer.job_resources import JobSize, job_resources, sample_size, shard_size, task_size, training_size
from tests.conftest import REPO


@pytest.fixture(scope="module")
def raw_config():
    return yaml.safe_load((REPO / "tests" / "config" / "tiny.yaml").read_text())


def test_family_defaults_come_from_the_schema_and_survive_a_partial_override(raw_config):
    config = copy.deepcopy(raw_config)
    config["resources"] = {"train": {"threads": 4}}
    resources = validate_config(config)["resources"]
    assert resources["train"]["threads"] == 4
    # The other train defaults are the train family's own, not a generic default.
    assert resources["train"]["gpu"] == 1 and resources["generate"]["gpu"] == 0
    assert resources["train"]["mem_mb"] == validate_config(copy.deepcopy(raw_config))["resources"]["train"]["mem_mb"]


def test_a_bad_resource_value_names_the_field(raw_config):
    from jettransfer.config import ConfigError

    config = copy.deepcopy(raw_config)
    config["resources"] = {"train": {"runtime_per_kjet": -1}}
    with pytest.raises(ConfigError, match=r"resources\.train\.runtime_per_kjet"):
        validate_config(config)


def test_requests_are_base_plus_per_kjet_times_size(raw_config):
    config = copy.deepcopy(raw_config)
    config["resources"] = {"generate": {"mem_mb": 1000, "mem_mb_per_kjet": 10, "runtime": 10,
                                        "runtime_per_kjet": 0.5, "threads": 2}}
    config = validate_config(config)
    request = job_resources(config, "generate", JobSize(held_kjets=3.0, processed_kjets=4.0))
    assert request == {"threads": 2, "mem_mb": 1030, "runtime": 12, "gpu": 0}
    retry = job_resources(config, "generate", JobSize(3.0, 4.0), attempt=2)
    assert retry["mem_mb"] == 2060 and retry["runtime"] == 24 and retry["threads"] == 2


def test_job_sizes_follow_the_config_scale(raw_config):
    config = validate_config(copy.deepcopy(raw_config))
    sample = config["samples"]["top_2tev"]
    assert shard_size(config, "top_2tev", 0).held_kjets == sample["n_jets"] / sample["shards"] / 1000
    assert sample_size(config, "top_2tev") == JobSize.of(sample["n_jets"] / 1000)
    all_jets = (config["samples"]["top_500gev"]["n_jets"] + config["samples"]["qcd_500gev"]["n_jets"]) / 1000
    assert task_size(config, "top_500gev") == JobSize.of(all_jets)
    assert task_size(config, "top_500gev", "test").held_kjets == pytest.approx(all_jets * config["splits"]["test"])
    training = training_size(config, "top500_scratch")
    held = all_jets * (config["splits"]["train"] + config["splits"]["validation"])
    assert training.held_kjets == pytest.approx(held)
    assert training.processed_kjets == pytest.approx(held * config["training"]["epochs"])

    bigger = copy.deepcopy(raw_config)
    for name in ("top_500gev", "qcd_500gev"):
        bigger["samples"][name]["n_jets"] *= 10
    bigger["runs"]["top500_scratch"]["training"] = {"epochs": 30, "train_fraction": 0.1}
    bigger = validate_config(bigger)
    big = training_size(bigger, "top500_scratch")
    assert big.held_kjets == pytest.approx(10 * all_jets * (0.1 * bigger["splits"]["train"] + bigger["splits"]["validation"]))
    assert big.processed_kjets == pytest.approx(30 * big.held_kjets)
    assert job_resources(bigger, "train", big)["runtime"] > job_resources(config, "train", training)["runtime"]


def test_a_downloaded_sample_without_n_jets_is_sized_by_its_file(tmp_path, raw_config):
    from jettransfer.job_resources import sample_kjets

    data = tmp_path / "train.h5"
    data.write_bytes(b"\0" * 3 * 2**20)
    config = copy.deepcopy(raw_config)
    config["samples"]["top_500gev"] = {"read": {"format": "top_tagging", "path": str(data), "keep_label": 1}}
    config = validate_config(config)
    assert sample_kjets(config, "top_500gev") == pytest.approx(3.0)


def test_a_streamed_training_asks_for_its_buffers_not_its_split(raw_config):
    config = copy.deepcopy(raw_config)
    config["training"]["stream_buffer_mb"] = 500
    config["resources"] = {"train": {"mem_mb": 1000, "mem_mb_per_kjet": 100}}
    config = validate_config(config)
    size = training_size(config, "top500_scratch")
    assert size.held_kjets == 0 and size.buffer_mb == 1500
    assert job_resources(config, "train", size)["mem_mb"] == 2500
    in_memory = validate_config(copy.deepcopy(raw_config) | {"resources": {"train": {"mem_mb": 1000}}})
    assert training_size(in_memory, "top500_scratch").buffer_mb == 0
