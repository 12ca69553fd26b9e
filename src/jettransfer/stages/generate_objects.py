"""Stage: generate one shard of whole events with Pythia 8 and reconstruct them into objects."""

from __future__ import annotations

import os
from typing import Any

from jettransfer.config import config_hash, generation_settings, jets_in_shard
from jettransfer.data.object_file import write_objects
from jettransfer.physics.event_generation import generate_object_events
from jettransfer.physics.event_processes import get_event_process
from jettransfer.physics.generation import shard_seed
from jettransfer.physics.reconstruction import ReconstructionSettings


def generate_object_shard(config: dict[str, Any], sample: str, shard: int, output: str | os.PathLike) -> None:
    """Generate shard `shard` of the whole-event sample `sample` and write its object file."""
    spec = config["samples"][sample]
    seed = shard_seed(config["seed"], sample, shard)
    record = generate_object_events(
        process=get_event_process(spec["process"]),
        # For a sample of whole events jets_in_shard counts events.
        n_events=jets_in_shard(config, sample, shard),
        seed=seed,
        # The study's generation options with the sample's own Pythia lines last; the jet
        # samples' pTHatMin fraction and event budget do not apply to whole events.
        settings=generation_settings(config, sample),
        reconstruction=ReconstructionSettings.from_config(config["reconstruction"]),
        particle_eta_max=config["clustering"]["particle_eta_max"],
    )
    record.provenance |= {
        "sample": sample, "shard": shard,
        "config_hash": config_hash(config["seed"], spec, config["generation"], config["reconstruction"]),
    }
    write_objects(output, record)
