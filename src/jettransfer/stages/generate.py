"""Stage: generate one shard of a sample with Pythia 8."""

from __future__ import annotations

import os
from typing import Any

from jettransfer.config import config_hash, generation_settings, jet_selection, jets_in_shard
from jettransfer.data.event_file import write_events
from jettransfer.physics.generation import generate_events, shard_seed
from jettransfer.physics.processes import get_process


def generate_shard(config: dict[str, Any], sample: str, shard: int, output: str | os.PathLike) -> None:
    spec = config["samples"][sample]
    seed = shard_seed(config["seed"], sample, shard)
    record = generate_events(
        process=get_process(spec["process"]),
        n_jets=jets_in_shard(config, sample, shard),
        selection=jet_selection(config, sample),
        jet_radius=config["clustering"]["jet_radius"],
        seed=seed,
        settings=generation_settings(config, sample),
        particle_eta_max=config["clustering"]["particle_eta_max"],
    )
    record.provenance |= {
        "sample": sample, "shard": shard,
        "config_hash": config_hash(config["seed"], spec, config["generation"], config["clustering"]),
    }
    write_events(output, record)
