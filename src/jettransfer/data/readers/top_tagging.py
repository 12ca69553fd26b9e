"""Top Tagging reference data set (Kasieczka et al.): HDF5 written by pandas, key `table`.

Columns: E_i, PX_i, PY_i, PZ_i for i = 0..199 (zero-padded constituents, GeV), truthE,
truthPX, truthPY, truthPZ (the top, zeros for QCD), ttv, is_signal_new (1 top, 0 QCD).
"""

from __future__ import annotations

import os

import numpy as np

from jettransfer.data.errors import InputFileError
from jettransfer.data.jet_file import JetTable
from jettransfer.data.readers.common import require_numeric, table_from_padded

N_CONSTITUENTS = 200
KEY = "table"


def read_top_tagging(path: str | os.PathLike, keep_label: int | None = None, max_jets: int | None = None) -> JetTable:
    import pandas as pd

    if not os.path.exists(path) or os.path.getsize(path) == 0:
        raise InputFileError(path, None, "file does not exist or is empty")
    try:
        frame = pd.read_hdf(path, key=KEY, stop=None)
    except KeyError as err:
        raise InputFileError(path, KEY, f"no pandas object under key {KEY!r}") from err
    except Exception as err:  # PyTables and h5py raise many kinds for a truncated or foreign file
        raise InputFileError(path, None, f"not a readable pandas HDF5 file ({err})") from err
    columns = [f"{c}_{i}" for i in range(N_CONSTITUENTS) for c in ("PX", "PY", "PZ", "E")]
    needed = [*columns, "truthE", "truthPX", "truthPY", "truthPZ", "is_signal_new"]
    for field in needed:
        if field not in frame.columns:
            raise InputFileError(path, field, "column is missing")
    labels = require_numeric(path, "is_signal_new", frame["is_signal_new"].to_numpy())
    select = np.ones(len(frame), dtype=bool) if keep_label is None else labels == keep_label
    index = np.flatnonzero(select)[:max_jets]
    values = require_numeric(path, "E_0..PZ_199", frame[columns].to_numpy()[index], ndim=2)
    momenta = values.reshape(len(index), N_CONSTITUENTS, 4).astype(np.float64)
    truth = frame[["truthPX", "truthPY", "truthPZ", "truthE"]].to_numpy()[index].astype(np.float64)
    return table_from_padded(path, momenta, labels[index], truth)
