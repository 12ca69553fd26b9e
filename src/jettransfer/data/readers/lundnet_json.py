"""LundNet data (Dreyer & Qu): json.gz, one jet per line, as the public files hold them.

Each line is a JSON array: the jet's own four-vector, then its constituents', each an object

    [{"E": 713.8, "px": 647.5, "py": 7.3, "pz": 31.0}, {"E": 65.9, "px": 58.1, ...}, ...]

(the files were written by nlohmann::json, which orders keys alphabetically and writes float32
values as doubles; fdreyer/LundNet's read_data.py reads p['px'], p['py'], p['pz'], p['E'] of
event[1:]). Lines whose particles are lists [px, py, pz, E] are read too. The jet's own vector
is not kept: the jet is recomputed from its constituents. A line holding a JSON string is a
header and is skipped, as read_data.py skips it; so are blank lines. Lines count from 1,
constituents from 0 (the first after the jet's own vector).

A file holds one class; its label comes from the config. orjson parses each line. A line it
refuses is read again by the standard library's json, which also takes the NaN and Infinity
that Python's json.dumps writes and numbers beyond a double's range (as infinities), so that
those, like null (which nlohmann::json writes for NaN and infinities, and is read as NaN), are
refused by the particle check that every reader shares, which names the field, jet and line.
"""

from __future__ import annotations

import array
import gzip
import itertools
import json
import math
import operator
import os
import zlib

import numpy as np
import orjson

from jettransfer.data.errors import InputFileError
from jettransfer.data.jet_file import JetTable
from jettransfer.data.readers.common import cartesian, check_particles, table_from_flat

FIELDS = ("px", "py", "pz", "E")
_BY_KEY = operator.itemgetter(*FIELDS)
_BY_POSITION = operator.itemgetter(0, 1, 2, 3)


class _Irregular(Exception):
    """A line the quick path cannot take as it is: read it particle by particle."""


def read_lundnet_json(path: str | os.PathLike, label: int, max_jets: int | None = None) -> JetTable:
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        raise InputFileError(path, None, "file does not exist or is empty")
    limit = math.inf if max_jets is None else max_jets
    # Growable C arrays: extended from orjson's floats without a Python object per value kept.
    values = array.array("d")  # the constituents' px, py, pz, E, jet after jet
    counts = array.array("q")  # constituents per jet
    lines = array.array("q")  # the line of each jet
    try:
        with gzip.open(path, "rb") as handle:
            for number, text in enumerate(handle, start=1):
                if len(counts) >= limit:
                    break
                event = _parsed(path, number, text)
                if event is None:
                    continue
                before = len(values)
                _append_particles(path, number, event, text, values)
                counts.append((len(values) - before) // 4)
                lines.append(number)
    except (OSError, EOFError, zlib.error) as err:
        raise InputFileError(path, None, f"not a readable gzip file ({err}); truncated?") from err
    if not counts:
        raise InputFileError(path, None, "holds no jets")
    particles = np.frombuffer(values, dtype=np.float64).reshape(-1, 4)
    per_jet = np.frombuffer(counts, dtype=np.int64)
    check_particles(path, {k: particles[:, i] for i, k in enumerate(FIELDS)}, "E", cartesian("px", "py", "pz"),
                    counts=per_jet, jet_name=lambda k: f"jet {k} (line {lines[k]})")
    return table_from_flat(path, particles, per_jet, np.full(len(per_jet), label))


def _parsed(path, number: int, text: bytes) -> list | None:
    """The line's [jet, p1, p2, ...], or None for a blank line or a header."""
    try:
        event = orjson.loads(text)
    except orjson.JSONDecodeError as err:
        if text.isspace():
            return None
        try:
            event = json.loads(text)
        except (ValueError, RecursionError):
            raise InputFileError(path, f"line {number}", f"not valid JSON: {err.msg} at column {err.colno}") from None
    if type(event) is str:
        return None
    if type(event) is not list or len(event) < 2:
        raise InputFileError(path, f"line {number}", "expected [jet, p1, p2, ...] with at least one particle")
    return event


def _append_particles(path, number: int, event: list, text: bytes, values: array.array) -> None:
    """Append the line's constituents' px, py, pz, E to `values`. The quick path takes a line of
    all objects, or all lists of four, of numbers; any other line is read one particle at a time
    (which names what is wrong with it)."""
    before = len(values)
    try:
        if b"true" in text or b"false" in text:  # the quick path would take a JSON true as 1.0
            raise _Irregular
        if type(event[1]) is dict:
            pick = _BY_KEY  # extra keys are ignored, as read_data.py ignores them
        else:
            pick = _BY_POSITION
            if set(map(len, itertools.islice(event, 1, None))) != {4}:  # itemgetter takes a longer list's first four
                raise _Irregular
        values.extend(itertools.chain.from_iterable(map(pick, itertools.islice(event, 1, None))))
    except (_Irregular, KeyError, IndexError, TypeError, OverflowError):
        del values[before:]
        values.extend(_particles_one_by_one(path, number, event))


def _particles_one_by_one(path, number: int, event: list) -> list[float]:
    out: list[float] = []
    for k, particle in enumerate(event[1:]):
        if type(particle) is dict:
            missing = [key for key in FIELDS if key not in particle]
            if missing:
                raise InputFileError(path, f"line {number}", f"constituent {k} has no key {missing[0]!r}")
            four = [particle[key] for key in FIELDS]
        elif type(particle) is list and len(particle) == 4:
            four = particle
        else:
            raise InputFileError(path, f"line {number}", f"constituent {k}: expected an object with keys px, py, pz, E "
                                 f"or a list [px, py, pz, E], found {_shown(particle)}")
        for key, value in zip(FIELDS, four):
            if value is None:  # nlohmann::json's NaN or infinity: the particle check refuses it by name
                out.append(math.nan)
            elif type(value) is float:
                out.append(value)
            elif type(value) is int:  # not bool, a subclass of int
                out.append(float(value) if abs(value) < 2**1024 else math.copysign(math.inf, value))  # as 1e400 reads
            else:
                raise InputFileError(path, f"line {number}", f"constituent {k}, {key}: expected a number, "
                                     f"found {_shown(value)}")
    return out


def _shown(value: object) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
