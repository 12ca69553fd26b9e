"""LundNet data (Dreyer & Qu): json.gz, one jet per line, [jet, p1, p2, ...], each [px, py, pz, E].

A file holds one class; its label comes from the config. The lines hold only numbers and
brackets, so the whole text is parsed as one run of numbers (numpy, in C) instead of line by
line (json), after checking each line's shape from its bracket and comma counts.
"""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

from jettransfer.data.errors import InputFileError
from jettransfer.data.jet_file import JetTable
from jettransfer.data.ranges import offsets_from_counts
from jettransfer.data.readers.common import table_from_flat



def read_lundnet_json(path: str | os.PathLike, label: int, max_jets: int | None = None) -> JetTable:
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        raise InputFileError(path, None, "file does not exist or is empty")
    try:
        with gzip.open(path, "rt") as handle:
            lines = [line for line in handle.read().splitlines() if line.strip()][:max_jets]
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as err:
        raise InputFileError(path, None, f"not a readable json.gz file ({err}); truncated?") from err
    if not lines:
        raise InputFileError(path, None, "holds no jets")
    opening = np.array([line.count("[") for line in lines])
    closing = np.array([line.count("]") for line in lines])
    commas = np.array([line.count(",") for line in lines])
    vectors = opening - 1  # the jet and its particles
    # v four-vectors: 3 commas inside each, v - 1 between them.
    bad = (opening != closing) | (vectors < 2) | (commas != 4 * vectors - 1)
    if bad.any():
        number = int(np.flatnonzero(bad)[0]) + 1
        raise InputFileError(path, f"line {number}", "expected [jet, p1, p2, ...] of [px, py, pz, E]")
    text = ",".join(lines).replace("[", " ").replace("]", " ")
    values = np.fromstring(text, dtype=np.float64, sep=",")  # text mode: parsed in C
    if len(values) != 4 * vectors.sum():
        raise InputFileError(path, None, f"{len(values)} numbers for {vectors.sum()} four-vectors")
    rows = values.reshape(-1, 4)
    is_jet_row = np.zeros(len(rows), dtype=bool)
    is_jet_row[offsets_from_counts(vectors)[:-1]] = True
    return table_from_flat(path, rows[~is_jet_row], vectors - 1, np.full(len(lines), label))
