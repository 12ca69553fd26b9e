"""LundNet data (Dreyer & Qu): json.gz, one jet per line, [jet, p1, p2, ...], each [px, py, pz, E].

A file holds one class; its label comes from the config. The lines hold only numbers and
brackets, so they are not parsed as general JSON: one compiled pass over the bytes checks each
line's grammar and converts its numbers straight to doubles (`decimal_float`, the same doubles
as Python's `float()`). It reads the file as it is inflated, a piece at a time (`gzip_pieces`).
"""

from __future__ import annotations

import itertools
import os

import numba
import numpy as np

from jettransfer.data.errors import InputFileError
from jettransfer.data.jet_file import JetTable
from jettransfer.data.readers.common import table_from_flat
from jettransfer.data.readers.decimal_float import NOT_A_NUMBER as NO_DIGITS
from jettransfer.data.readers.decimal_float import UNDECIDED, parse_number
from jettransfer.data.readers.gzip_pieces import inflated_pieces

# What the compiled pass reports, and the message each gets.
PARSED, BAD_SHAPE, NOT_A_NUMBER, TOO_FEW_VECTORS = 0, 1, 2, 3
PROBLEMS = {
    BAD_SHAPE: "expected [jet, p1, p2, ...] of [px, py, pz, E]",
    NOT_A_NUMBER: "expected numbers in [px, py, pz, E]",
    TOO_FEW_VECTORS: "expected [jet, p1, p2, ...] with at least one particle",
}


def read_lundnet_json(path: str | os.PathLike, label: int, max_jets: int | None = None) -> JetTable:
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        raise InputFileError(path, None, "file does not exist or is empty")
    limit = np.iinfo(np.int64).max if max_jets is None else max_jets
    values = np.empty(1 << 18, np.float64)  # the particles' px, py, pz, E, jet after jet
    counts = np.empty(1 << 12, np.int64)  # particles per jet
    n_values = n_jets = 0
    line = 1
    tail = b""  # the unfinished last line of the piece before
    # None marks the end of the file, where the last line may lack its newline.
    for piece in itertools.chain(inflated_pieces(path), [None]):
        text = tail + piece if piece is not None else tail
        end = text.rfind(b"\n") + 1 if piece is not None else len(text)
        tail = text[end:]
        status, line, n_jets, n_values, values, counts, undecided = _parse_lines(
            np.frombuffer(text, np.uint8, count=end), limit, values, n_values, counts, n_jets, line)
        if status != PARSED:
            raise InputFileError(path, f"line {line}", PROBLEMS[status])
        for index, start, stop, number_line in undecided.reshape(-1, 4):  # the rare numbers left to Python
            values[index] = value = float(text[start:stop])
            if not np.isfinite(value):  # only these can overflow
                raise InputFileError(path, f"line {number_line}", f"expected finite numbers, found {value}")
        if n_jets >= limit:
            break
    if n_jets == 0:
        raise InputFileError(path, None, "holds no jets")
    particles = values[:n_values].reshape(-1, 4)
    return table_from_flat(path, particles, counts[:n_jets], np.full(n_jets, label))


@numba.njit(cache=True)
def _skip_blanks(codes, i):
    while i < len(codes) and (codes[i] == 32 or codes[i] == 9 or codes[i] == 13):
        i += 1
    return i


@numba.njit(cache=True)
def _grown(array, needed):
    if needed <= len(array):
        return array
    larger = np.empty(max(needed, 2 * len(array)), array.dtype)
    larger[: len(array)] = array
    return larger


@numba.njit(cache=True)
def _parse_lines(codes, max_jets, values, n_values, counts, n_jets, line):
    """Whole lines [[px, py, pz, E], ...]: each particle's doubles appended to values[n_values:]
    and its line's particle count to counts[n_jets:] (each line's first four-vector, the jet's
    own, is dropped: it is recomputed from the particles); `line` numbers codes' first line.
    Returns (status, line number reached, jets, values used, values, counts, the undecided
    numbers as flat rows of (index in values, start, end, line) for Python to parse); values and
    counts are grown copies where they ran out of room."""
    n = len(codes)
    undecided = np.empty(64, np.int64)  # flat rows of 4
    n_undecided = 0
    i = 0
    while i < n and n_jets < max_jets:
        i = _skip_blanks(codes, i)
        if i < n and codes[i] == 10:  # a blank line
            line += 1
            i += 1
            continue
        if i >= n:
            break
        if codes[i] != 91:  # [
            return BAD_SHAPE, line, n_jets, n_values, values, counts, undecided
        i += 1
        vectors = 0
        while True:
            i = _skip_blanks(codes, i)
            if i >= n or codes[i] != 91:
                return BAD_SHAPE, line, n_jets, n_values, values, counts, undecided
            i += 1
            if vectors > 0 and n_values + 4 > len(values):  # checked here: this runs for every vector
                values = _grown(values, n_values + 4)
            for k in range(4):
                i = _skip_blanks(codes, i)
                start = i
                value, i, status = parse_number(codes, i)
                if status == NO_DIGITS:
                    if i < n and (codes[i] == 93 or codes[i] == 44):  # ] or , : a vector too short
                        return BAD_SHAPE, line, n_jets, n_values, values, counts, undecided
                    return NOT_A_NUMBER, line, n_jets, n_values, values, counts, undecided
                if vectors > 0:  # a particle (the jet's own four-vector is not kept)
                    values[n_values + k] = value
                    if status == UNDECIDED:
                        undecided = _grown(undecided, n_undecided + 4)
                        undecided[n_undecided] = n_values + k
                        undecided[n_undecided + 1] = start
                        undecided[n_undecided + 2] = i
                        undecided[n_undecided + 3] = line
                        n_undecided += 4
                expected = 93 if k == 3 else 44  # ] after E, , between
                if i >= n or codes[i] != expected:
                    i = _skip_blanks(codes, i)
                    if i >= n or codes[i] != expected:
                        return BAD_SHAPE, line, n_jets, n_values, values, counts, undecided
                i += 1
            if vectors > 0:
                n_values += 4
            vectors += 1
            i = _skip_blanks(codes, i)
            if i < n and codes[i] == 44:
                i += 1
            elif i < n and codes[i] == 93:
                i += 1
                break
            else:
                return BAD_SHAPE, line, n_jets, n_values, values, counts, undecided
        i = _skip_blanks(codes, i)
        if i < n:
            if codes[i] != 10:
                return BAD_SHAPE, line, n_jets, n_values, values, counts, undecided
            i += 1
        if vectors < 2:
            return TOO_FEW_VECTORS, line, n_jets, n_values, values, counts, undecided
        counts = _grown(counts, n_jets + 1)
        counts[n_jets] = vectors - 1
        n_jets += 1
        line += 1
    return PARSED, line, n_jets, n_values, values, counts, undecided[:n_undecided]
