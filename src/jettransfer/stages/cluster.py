"""Stage: cluster one generated shard into selected, labelled jets."""

from __future__ import annotations

import logging
import os
from typing import Any

from jettransfer.config import jet_selection
from jettransfer.data.event_file import read_events
from jettransfer.data.jet_file import write_jets
from jettransfer.physics.clustering import cluster_jets
from jettransfer.physics.processes import get_process

log = logging.getLogger(__name__)


def cluster_shard(config: dict[str, Any], sample: str, events_path: str | os.PathLike, output: str | os.PathLike) -> None:
    record = read_events(events_path)
    table = cluster_jets(record, get_process(config["samples"][sample]["process"]), jet_selection(config, sample),
                         config["clustering"]["jet_radius"])
    expected = record.provenance.get("jets_selected")
    if expected is not None and expected != len(table):
        # SlowJet (fjcore) in generation and FastJet here run the same algorithm on the same
        # particles; a difference means a selection changed between the two stages.
        log.warning("%s: generation counted %s jets, clustering selected %d", events_path, expected, len(table))
    log.info("%s: %d jets", output, len(table))
    write_jets(output, table)
