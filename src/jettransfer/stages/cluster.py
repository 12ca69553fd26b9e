"""Stage: cluster one generated shard into selected, labelled jets."""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np

from jettransfer.config import config_hash, jet_selection
from jettransfer.data.event_file import read_events
from jettransfer.data.jet_file import write_jets
from jettransfer.physics.clustering import cluster_jets
from jettransfer.physics.detector import smear_event_particles
from jettransfer.physics.processes import get_process

log = logging.getLogger(__name__)


def cluster_shard(config: dict[str, Any], sample: str, events_path: str | os.PathLike, output: str | os.PathLike) -> None:
    record = read_events(events_path)
    smearing = config["clustering"].get("smearing")
    if smearing is not None:
        # Its own random stream per shard, derived from the shard's generation seed.
        seed = int(config_hash("detector", record.provenance.get("seed"), smearing), 16) % 2**63
        record = smear_event_particles(record, smearing, np.random.default_rng(seed))
    table = cluster_jets(record, get_process(config["samples"][sample]["process"]), jet_selection(config, sample),
                         config["clustering"]["jet_radius"])
    table.provenance |= {"smearing": smearing}
    expected = record.provenance.get("jets_selected")
    if smearing is None and expected is not None and expected != len(table):
        # SlowJet (fjcore) in generation and FastJet here run the same algorithm on the same
        # particles; a difference means a selection changed between the two stages.
        log.warning("%s: generation counted %s jets, clustering selected %d", events_path, expected, len(table))
    log.info("%s: %d jets", output, len(table))
    write_jets(output, table)
