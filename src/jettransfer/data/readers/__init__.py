"""Readers that convert a user's downloaded jet data set into our jet files (registry by format name)."""

from __future__ import annotations

import os
from typing import Any

from jettransfer.data.jet_file import JetTable
from jettransfer.data.readers.atlas_top_tagging import read_atlas_top_tagging
from jettransfer.data.readers.jetclass import read_jetclass
from jettransfer.data.readers.lundnet_json import read_lundnet_json
from jettransfer.data.readers.top_tagging import read_top_tagging

READERS = {
    "top_tagging": read_top_tagging,
    "atlas_top_tagging": read_atlas_top_tagging,
    "jetclass": read_jetclass,
    "lundnet_json": read_lundnet_json,
}


def read_dataset(spec: dict[str, Any], max_jets: int | None = None) -> JetTable:
    """spec: a sample's `read` block: format, path and the format's label option."""
    options = {k: v for k, v in spec.items() if k not in ("format", "path")}
    return READERS[spec["format"]](os.fspath(spec["path"]), max_jets=max_jets, **options)
