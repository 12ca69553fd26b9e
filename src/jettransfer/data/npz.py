"""Deterministic .npz writing: np.savez stamps the current time into each zip entry, so the
same arrays would give different bytes. Here every entry has a fixed date; np.load reads it.
The entries are stored uncompressed, so rows of an array can also be read in place
(stored_arrays, read_rows) without loading the whole file."""

from __future__ import annotations

import os
import struct
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from jettransfer.data.atomic import atomic_path

_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # a zip local file header's 30 fixed bytes


def write_npz(path: str | os.PathLike, arrays: Mapping[str, np.ndarray]) -> None:
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, value in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_STORED
            with archive.open(info, "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.asanyarray(value), allow_pickle=False)


@dataclass(frozen=True)
class StoredArray:
    """Where an uncompressed .npz member's array lies in the file, to read rows of it in place."""

    offset: int  # of the first element, from the start of the file
    dtype: np.dtype
    shape: tuple[int, ...]

    @property
    def row_bytes(self) -> int:
        return int(np.prod(self.shape[1:], dtype=np.int64)) * self.dtype.itemsize


def stored_arrays(path: str | os.PathLike) -> dict[str, StoredArray]:
    """Every array of an .npz written uncompressed (as write_npz does), by name, located from the
    zip's local headers and the .npy headers alone: nothing is read but headers.

    np.load of an .npz reads a whole member on access; the packed format's members are stored
    uncompressed, so a range of rows is one contiguous read at a known offset (read_rows)."""
    located = {}
    with open(path, "rb") as handle, zipfile.ZipFile(handle) as archive:
        for info in archive.infolist():
            if info.compress_type != zipfile.ZIP_STORED:
                raise ValueError(f"{info.filename} is compressed; only uncompressed members can be read in place")
            handle.seek(info.header_offset)
            local = handle.read(_LOCAL_HEADER.size)
            signature, *_, name_length, extra_length = _LOCAL_HEADER.unpack(local)
            if signature != b"PK\x03\x04":
                raise ValueError(f"{info.filename}: no zip local header at offset {info.header_offset}")
            handle.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
            version = np.lib.format.read_magic(handle)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran_order, dtype = read_header(handle)
            if fortran_order and len(shape) > 1:
                raise ValueError(f"{info.filename}: Fortran-ordered arrays have no contiguous rows")
            located[info.filename.removesuffix(".npy")] = StoredArray(handle.tell(), np.dtype(dtype), tuple(shape))
    return located


def read_rows(path: str | os.PathLike, array: StoredArray, start: int, stop: int) -> np.ndarray:
    """Rows start:stop of a stored array, read from disk in one piece (a fresh array, not a map:
    what was read is not kept resident once the caller lets it go)."""
    start, stop = max(0, start), min(stop, array.shape[0] if array.shape else 1)
    count = max(0, stop - start)
    values = np.fromfile(path, dtype=array.dtype, count=count * (array.row_bytes // array.dtype.itemsize),
                         offset=array.offset + start * array.row_bytes)
    return values.reshape((count, *array.shape[1:]))
