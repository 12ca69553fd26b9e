"""Top Tagging reference data set (Kasieczka et al.): HDF5 written by pandas, key `table`.

Columns: E_i, PX_i, PY_i, PZ_i for i = 0..199 (zero-padded constituents, GeV), truthE,
truthPX, truthPY, truthPZ (the top, zeros for QCD), ttv, is_signal_new (1 top, 0 QCD).

The published files use pandas' "fixed" layout (blocks of columns as 2-D datasets), which is
read here directly with h5py: only the columns needed, only the rows of the class kept, a
chunk of rows at a time (the training file is about 4 GB). Other layouts go through pandas.
Every constituent and truth four-vector read is checked (finite, E >= 0, E >= |p| up to
rounding; all-zero ones are padding), and the label column is checked for NaNs.
"""

from __future__ import annotations

import os

import numpy as np

from jettransfer.data.errors import InputFileError
from jettransfer.data.jet_file import JetTable
from jettransfer.data.readers.common import (
    cartesian,
    check_particles,
    file_rows,
    require_finite,
    require_numeric,
    table_from_padded,
)

N_CONSTITUENTS = 200
KEY = "table"
CONSTITUENT_COLUMNS = [f"{c}_{i}" for i in range(N_CONSTITUENTS) for c in ("PX", "PY", "PZ", "E")]
TRUTH_COLUMNS = ["truthPX", "truthPY", "truthPZ", "truthE"]
LABEL_COLUMN = "is_signal_new"
_ROWS_PER_CHUNK = 50_000


def read_top_tagging(path: str | os.PathLike, keep_label: int | None = None, max_jets: int | None = None) -> JetTable:
    import h5py

    if not os.path.exists(path) or os.path.getsize(path) == 0:
        raise InputFileError(path, None, "file does not exist or is empty")
    try:
        with h5py.File(path, "r") as handle:
            if KEY not in handle:
                raise InputFileError(path, KEY, f"no pandas object under key {KEY!r}")
            group = handle[KEY]
            if "nblocks" in group.attrs:
                columns = _read_fixed_frame(path, group, keep_label, max_jets)
            else:
                columns = None
    except OSError as err:
        raise InputFileError(path, None, f"not a readable HDF5 file ({err}); truncated?") from err
    if columns is None:
        columns = _read_with_pandas(path, keep_label, max_jets)
    n = len(columns[LABEL_COLUMN])
    momenta = np.asarray(columns["constituents"], dtype=np.float64).reshape(n, N_CONSTITUENTS, 4)
    truth = np.asarray(columns["truth"], dtype=np.float64)
    jet_name = file_rows(columns["rows"])
    # Zero-padded to 200: an all-zero four-vector is padding, as is a QCD jet's zero truth.
    present = check_particles(path, {f"{c}_{{i}}": momenta[..., k] for k, c in enumerate(("PX", "PY", "PZ", "E"))},
                              "E_{i}", cartesian("PX_{i}", "PY_{i}", "PZ_{i}"),
                              padding=("PX_{i}", "PY_{i}", "PZ_{i}", "E_{i}"), jet_name=jet_name)
    check_particles(path, dict(zip(TRUTH_COLUMNS, truth.T)), "truthE", cartesian(*TRUTH_COLUMNS[:3]),
                    padding=TRUTH_COLUMNS, jet_name=jet_name)
    return table_from_padded(path, momenta, columns[LABEL_COLUMN], truth, present)


def _read_fixed_frame(path, group, keep_label, max_jets) -> dict[str, np.ndarray]:
    where: dict[str, tuple[int, int]] = {}
    for block in range(int(group.attrs["nblocks"])):
        for position, name in enumerate(group[f"block{block}_items"][:]):
            where[name.decode() if isinstance(name, bytes) else str(name)] = (block, position)
    for field in (*CONSTITUENT_COLUMNS, *TRUTH_COLUMNS, LABEL_COLUMN):
        if field not in where:
            raise InputFileError(path, field, "column is missing")
    block, position = where[LABEL_COLUMN]
    labels = require_numeric(path, LABEL_COLUMN, group[f"block{block}_values"][:, position], ndim=1)
    rows = _rows_of_class(path, labels, keep_label, max_jets)
    out = {LABEL_COLUMN: labels[rows], "rows": rows, "truth": _gather(path, group, where, TRUTH_COLUMNS, rows)}
    out["constituents"] = _constituent_slab(group, where, rows)
    if out["constituents"] is None:
        out["constituents"] = _gather(path, group, where, CONSTITUENT_COLUMNS, rows)
    return out


def _rows_of_class(path, labels: np.ndarray, keep_label: int | None, max_jets: int | None) -> np.ndarray:
    """The file's rows of the class kept (all where None), the first max_jets of them. A NaN
    label would silently drop its jet from either class, so the whole column is checked."""
    require_finite(path, LABEL_COLUMN, labels)
    return np.flatnonzero(labels == keep_label if keep_label is not None else np.ones(len(labels), bool))[:max_jets]


def _constituent_slab(group, where, rows) -> np.ndarray | None:
    """Fast path: when the 800 constituent columns sit in one block as 200 adjacent groups of
    four (the published files: E_i, PX_i, PY_i, PZ_i), read them as one slice and reorder
    only within each group. None when the layout is different."""
    blocks = {where[name][0] for name in CONSTITUENT_COLUMNS}
    if len(blocks) != 1:
        return None
    block = blocks.pop()
    positions = np.array([where[name][1] for name in CONSTITUENT_COLUMNS]).reshape(N_CONSTITUENTS, 4)
    start = int(positions.min())
    within = positions[0] - start  # where PX, PY, PZ, E sit inside a group
    if sorted(within) != [0, 1, 2, 3] or not np.array_equal(positions, start + 4 * np.arange(N_CONSTITUENTS)[:, None] + within):
        return None
    dataset = group[f"block{block}_values"]
    if dataset.dtype.kind not in "fiu":
        return None  # the general path names the offending column
    result = np.empty((len(rows), N_CONSTITUENTS, 4), dtype=np.float64)
    for lo in range(0, len(rows), _ROWS_PER_CHUNK):
        chunk_rows = rows[lo : lo + _ROWS_PER_CHUNK]
        first, last = int(chunk_rows[0]), int(chunk_rows[-1]) + 1
        slab = dataset[first:last, start : start + 4 * N_CONSTITUENTS][chunk_rows - first]
        result[lo : lo + len(chunk_rows)] = slab.reshape(len(chunk_rows), N_CONSTITUENTS, 4)[:, :, within]
    return result.reshape(len(rows), -1)


def _gather(path, group, where, names, rows) -> np.ndarray:
    """Columns `names` (in that order) of the given rows, reading chunks of rows per block."""
    result = np.empty((len(rows), len(names)), dtype=np.float64)
    by_block: dict[int, list[tuple[int, int]]] = {}
    for out_column, name in enumerate(names):
        block, position = where[name]
        by_block.setdefault(block, []).append((out_column, position))
    for block, pairs in by_block.items():
        dataset = group[f"block{block}_values"]
        if dataset.dtype.kind not in "fiu":
            raise InputFileError(path, names[pairs[0][0]], f"dtype {dataset.dtype} where numbers were expected")
        out_columns, positions = (np.array(x) for x in zip(*pairs))
        for lo in range(0, len(rows), _ROWS_PER_CHUNK):
            chunk_rows = rows[lo : lo + _ROWS_PER_CHUNK]
            first, last = int(chunk_rows[0]), int(chunk_rows[-1]) + 1
            values = dataset[first:last]  # one contiguous read, then pick rows and columns in memory
            result[lo : lo + len(chunk_rows), out_columns] = values[chunk_rows - first][:, positions]
    return result


def _read_with_pandas(path, keep_label, max_jets) -> dict[str, np.ndarray]:
    import pandas as pd

    try:
        frame = pd.read_hdf(path, key=KEY)
    except Exception as err:  # PyTables raises many kinds for a truncated or foreign file
        raise InputFileError(path, None, f"not a readable pandas HDF5 file ({err})") from err
    for field in (*CONSTITUENT_COLUMNS, *TRUTH_COLUMNS, LABEL_COLUMN):
        if field not in frame.columns:
            raise InputFileError(path, field, "column is missing")
    labels = require_numeric(path, LABEL_COLUMN, frame[LABEL_COLUMN].to_numpy())
    rows = _rows_of_class(path, labels, keep_label, max_jets)
    return {LABEL_COLUMN: labels[rows], "rows": rows,
            "constituents": require_numeric(path, "E_0..PZ_199", frame[CONSTITUENT_COLUMNS].to_numpy()[rows], ndim=2),
            "truth": require_numeric(path, "truthE", frame[TRUTH_COLUMNS].to_numpy()[rows], ndim=2)}
