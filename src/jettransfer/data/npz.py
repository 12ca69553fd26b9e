"""Deterministic .npz writing: np.savez stamps the current time into each zip entry, so the
same arrays would give different bytes. Here every entry has a fixed date; np.load reads it."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping

import numpy as np

from jettransfer.data.atomic import atomic_path

_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold


def write_npz(path: str | os.PathLike, arrays: Mapping[str, np.ndarray]) -> None:
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, value in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_STORED
            with archive.open(info, "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.asanyarray(value), allow_pickle=False)
