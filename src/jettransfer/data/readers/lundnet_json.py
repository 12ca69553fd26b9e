"""LundNet data (Dreyer & Qu): json.gz, one jet per line, [jet, p1, p2, ...], each [px, py, pz, E].

A file holds one class; its label comes from the config. The lines hold only numbers and
brackets, so they are not parsed as JSON: one compiled pass over the bytes counts each line's
brackets and commas (its shape is checked from them) and rewrites the text as CSV with one
four-vector per line, which pandas' C parser reads. Inflating uses ISA-L (`isal`) where
installed, 2-3x zlib's speed.
"""

from __future__ import annotations

import io
import os
import zlib

import numba
import numpy as np
import pandas as pd

from jettransfer.data.errors import InputFileError
from jettransfer.data.jet_file import JetTable
from jettransfer.data.ranges import offsets_from_counts
from jettransfer.data.readers.common import table_from_flat

try:
    from isal.igzip import decompress as gunzip
except ImportError:  # the same bytes, more slowly
    from gzip import decompress as gunzip


def read_lundnet_json(path: str | os.PathLike, label: int, max_jets: int | None = None) -> JetTable:
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        raise InputFileError(path, None, "file does not exist or is empty")
    try:
        with open(path, "rb") as handle:
            data = gunzip(handle.read())
    except (OSError, EOFError, zlib.error) as err:
        raise InputFileError(path, None, f"not a readable json.gz file ({err}); truncated?") from err
    text, vectors = _csv_of_four_vectors(path, data, max_jets)
    try:
        rows = pd.read_csv(io.BytesIO(text), header=None, names=range(4), dtype=np.float64, engine="c",
                           skipinitialspace=True, skip_blank_lines=True).to_numpy()
    except (ValueError, pd.errors.ParserError) as err:
        raise InputFileError(path, None, f"expected numbers in [px, py, pz, E] ({err})") from err
    if len(rows) != vectors.sum():
        raise InputFileError(path, None, f"{len(rows)} four-vectors read where the brackets hold {vectors.sum()}")
    if np.isnan(rows).any():
        raise InputFileError(path, None, "expected numbers in [px, py, pz, E], found a null or NaN")
    is_jet_row = np.zeros(len(rows), dtype=bool)
    is_jet_row[offsets_from_counts(vectors)[:-1]] = True
    return table_from_flat(path, rows[~is_jet_row], vectors - 1, np.full(len(vectors), label))


def _csv_of_four_vectors(path: str | os.PathLike, data: bytes, max_jets: int | None) -> tuple[bytes, np.ndarray]:
    """The first `max_jets` jets as CSV of four-vectors, and the four-vectors on each jet's line."""
    codes = np.frombuffer(data, dtype=np.uint8)
    n_lines = int(np.count_nonzero(codes == ord("\n"))) + 1
    csv = np.empty_like(codes)
    opening, closing, commas, line_ends = _scan_lines(codes, csv, n_lines)
    jet_lines = np.flatnonzero(opening > 0)  # blank lines hold no bracket
    if not len(jet_lines):
        raise InputFileError(path, None, "holds no jets")
    jet_lines = jet_lines[:max_jets]
    vectors = opening[jet_lines] - 1  # the jet and its particles
    # v four-vectors: 3 commas inside each, v - 1 between them.
    bad = (opening[jet_lines] != closing[jet_lines]) | (vectors < 2) | (commas[jet_lines] != 4 * vectors - 1)
    if bad.any():
        number = int(jet_lines[np.flatnonzero(bad)[0]]) + 1
        raise InputFileError(path, f"line {number}", "expected [jet, p1, p2, ...] of [px, py, pz, E]")
    return csv[: line_ends[jet_lines[-1]]].tobytes(), vectors


@numba.njit(cache=True)
def _scan_lines(codes, csv, n_lines):
    """Per line: '[', ']' and ',' counts and where it ends. Into `csv`, the same text with
    brackets blanked and each comma that follows a ']' (between four-vectors) made a newline."""
    opening = np.zeros(n_lines, np.int64)
    closing = np.zeros(n_lines, np.int64)
    commas = np.zeros(n_lines, np.int64)
    line_ends = np.full(n_lines, len(codes), np.int64)
    line = 0
    after_closing = False
    for i in range(len(codes)):
        c = codes[i]
        out = c
        if c == 91:  # [
            opening[line] += 1
            out = 32
            after_closing = False
        elif c == 93:  # ]
            closing[line] += 1
            out = 32
            after_closing = True
        elif c == 44:  # ,
            commas[line] += 1
            if after_closing:
                out = 10
            after_closing = False
        elif c == 10:  # newline
            line_ends[line] = i
            line += 1
            after_closing = False
        elif c != 32 and c != 9 and c != 13:
            after_closing = False
        csv[i] = out
    return opening, closing, commas, line_ends
