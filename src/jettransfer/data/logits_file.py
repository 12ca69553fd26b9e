"""Teacher-logit files: a model's raw outputs per jet, keyed by jet id (one .npz, uncompressed).

  ids         int64   [J]     the jets' stable ids (jettransfer.data.jet_ids)
  logits      float32 [J, C]  outputs in float32, the model in eval mode
  schema_version int  SCHEMA_VERSION
  provenance  str     JSON (teacher checkpoint, data file)

A student reads them with `aligned_logits`, by id: its own file may hold the same jets in
another order, or another representation of them."""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

import numpy as np

from jettransfer.data.errors import InputFileError
from jettransfer.data.npz import write_npz

SCHEMA_VERSION = 1


def write_logits(path: str | os.PathLike, ids: np.ndarray, logits: np.ndarray, provenance: dict[str, Any]) -> None:
    if len(ids) != len(logits) or np.ndim(logits) != 2:
        raise ValueError(f"{len(ids)} ids for logits of shape {np.shape(logits)}")
    write_npz(path, {"schema_version": np.int64(SCHEMA_VERSION), "ids": np.asarray(ids, np.int64),
                     "logits": np.asarray(logits, np.float32), "provenance": np.asarray(json.dumps(provenance, sort_keys=True))})


def read_logits(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """(ids, logits) of a teacher-logit file, checked."""
    if not os.path.exists(path):
        raise InputFileError(path, None, "file does not exist")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise InputFileError(path, None, f"not a readable teacher-logit file ({err})") from err
    with archive:
        for key in ("schema_version", "ids", "logits"):
            if key not in archive.files:
                raise InputFileError(path, key, "array is missing (not a teacher-logit file?)")
        if int(archive["schema_version"]) != SCHEMA_VERSION:
            raise InputFileError(path, "schema_version", f"version {int(archive['schema_version'])}, expected {SCHEMA_VERSION}")
        ids, logits = archive["ids"], archive["logits"]
    if ids.dtype.kind not in "iu" or ids.ndim != 1:
        raise InputFileError(path, "ids", f"dtype {ids.dtype} ndim {ids.ndim}, expected integers, ndim 1")
    if logits.dtype.kind != "f" or logits.ndim != 2 or len(logits) != len(ids):
        raise InputFileError(path, "logits", f"shape {logits.shape} dtype {logits.dtype}, expected float [{len(ids)}, C]")
    return ids.astype(np.int64), logits.astype(np.float32)


def aligned_logits(path: str | os.PathLike, student_ids: np.ndarray) -> np.ndarray:
    """The file's logits row for row with `student_ids`; every student jet must be there."""
    ids, logits = read_logits(path)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    where = np.minimum(np.searchsorted(sorted_ids, student_ids), max(len(ids) - 1, 0))
    found = (sorted_ids[where] == student_ids) if len(ids) else np.zeros(len(student_ids), bool)
    if not found.all():
        missing = np.asarray(student_ids)[~found]
        raise InputFileError(path, "ids", f"{len(missing)} of the student's {len(student_ids)} jets have no teacher "
                                          f"logits (first missing id {int(missing[0])}): rebuild them for this split")
    return logits[order[where]]
