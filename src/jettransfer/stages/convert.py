"""Stage: a user's downloaded data set (Top Tagging, JetClass, ATLAS open data, LundNet json)
-> our jet file, so everything downstream is the same as for generated jets."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from jettransfer.config import config_hash
from jettransfer.data.jet_file import write_jets
from jettransfer.data.readers import read_dataset

log = logging.getLogger(__name__)


def convert_sample(config: dict[str, Any], sample: str, output: str | os.PathLike) -> None:
    spec = config["samples"][sample]
    start = time.monotonic()
    table = read_dataset(spec["read"], max_jets=spec.get("n_jets"))
    table.provenance |= {"sample": sample, "read": spec["read"], "config_hash": config_hash(spec)}
    write_jets(output, table)
    seconds = time.monotonic() - start
    log.info("%s: %d jets from %s in %.1f s (%.0f jets/s)", sample, len(table), spec["read"]["path"], seconds,
             len(table) / max(seconds, 1e-9))
