"""Shared mechanics of our ROOT files: one classic TTree plus a JSON provenance string.

uproot's `file[name] = {...}` writes an RNTuple; `mktree` + `extend` writes the classic
TTree that ROOT users' tools read, so that is what we use.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import types
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import awkward as ak
import numpy as np
import uproot

from jettransfer.data.atomic import atomic_path
from jettransfer.data.errors import InputFileError

PROVENANCE_KEY = "provenance"
# ZSTD level 1: the size of ROOT's default zlib at about 8x its speed; ROOT reads it since 6.20.
COMPRESSION = uproot.ZSTD(1)


def write_tree(
    path: str | os.PathLike,
    tree_name: str,
    flat: Mapping[str, np.ndarray],
    jagged: Mapping[str, Mapping[str, ak.Array]],
    provenance: Mapping[str, Any],
) -> None:
    """Write flat branches and jagged groups (group `part` -> npart, part_px, ...) atomically."""
    columns: dict[str, Any] = {k: np.ascontiguousarray(v) for k, v in flat.items()}
    for group, fields in jagged.items():
        columns[group] = ak.zip(dict(fields))
    file_uuid = uuid.UUID(bytes=hashlib.sha256(json.dumps(provenance, sort_keys=True).encode()).digest()[:16])
    with atomic_path(path) as tmp, _fixed_header_clock():
        with uproot.recreate(tmp, uuid_function=lambda: file_uuid, compression=COMPRESSION) as out:
            out[PROVENANCE_KEY] = json.dumps(provenance, sort_keys=True)
            types = {k: (v.dtype if isinstance(v, np.ndarray) else v.type.content) for k, v in columns.items()}
            tree = out.mktree(tree_name, types)
            n = len(next(iter(flat.values()))) if flat else 0
            if n:
                tree.extend(columns)


class _FixedDatetime(datetime.datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: ARG003
        return cls(2000, 1, 1)


@contextlib.contextmanager
def _fixed_header_clock() -> Iterator[None]:
    """ROOT headers record when they were written; uproot stamps datetime.now() into them.

    While we write, uproot's writer modules see a clock fixed at 2000-01-01, so that the same
    inputs give the same bytes (provenance, not the header, says what made a file).
    """
    from uproot.writing import _cascade, _cascadetree

    shim = types.ModuleType("datetime")
    shim.__dict__.update(datetime.__dict__)
    shim.datetime = _FixedDatetime
    modules = (_cascade, _cascadetree)
    saved = [m.datetime for m in modules]
    for module in modules:
        module.datetime = shim
    try:
        yield
    finally:
        for module, original in zip(modules, saved):
            module.datetime = original


def read_tree(
    path: str | os.PathLike,
    tree_name: str,
    expected: Mapping[str, str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read the branches named in `expected` (branch -> numpy dtype kind, 'f', 'i' or 'u').

    Returns (arrays, provenance). Missing file, tree or branch, or a wrong dtype raises
    InputFileError naming the file and the field.
    """
    if not os.path.exists(path):
        raise InputFileError(path, None, "file does not exist")
    if os.path.getsize(path) == 0:
        raise InputFileError(path, None, "file is empty")
    try:
        handle = uproot.open(path)
    except Exception as err:  # uproot raises several types for a truncated or foreign file
        raise InputFileError(path, None, f"not a readable ROOT file ({err})") from err
    with handle:
        if tree_name not in handle:
            raise InputFileError(path, tree_name, f"no TTree named {tree_name!r}")
        tree = handle[tree_name]
        for branch, kind in expected.items():
            if branch not in tree:
                raise InputFileError(path, branch, "branch is missing")
        try:
            arrays = tree.arrays(list(expected), library="ak", how=dict)
        except Exception as err:
            raise InputFileError(path, None, f"cannot read the tree ({err})") from err
        for branch, kind in expected.items():
            dtype = _leaf_dtype(arrays[branch])
            if dtype.kind not in kind:
                raise InputFileError(path, branch, f"dtype {dtype} where kind {kind!r} was expected")
        provenance = json.loads(str(handle[PROVENANCE_KEY])) if PROVENANCE_KEY in handle else {}
    return arrays, provenance


def expected_kinds(fields: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Branch -> accepted numpy dtype kinds for `read_tree`: floats must be floats, integers
    may be of any width or signedness."""
    return {f"{prefix}{name}": "f" if np.dtype(t).kind == "f" else "iu" for name, t in fields.items()}


def _leaf_dtype(array: ak.Array) -> np.dtype:
    return np.asarray(ak.flatten(array, axis=None)).dtype
