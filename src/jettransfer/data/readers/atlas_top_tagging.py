"""ATLAS Top Tagging Open Data: HDF5 with constituent and jet arrays in MeV.

Datasets: fjet_clus_pt, fjet_clus_eta, fjet_clus_phi, fjet_clus_E [N, 200] (zero-padded),
labels [N] (1 top, 0 QCD), training_weights [N], fjet_pt, fjet_eta, fjet_phi, fjet_m [N].
Converted to GeV; jet kinematics are recomputed from the constituents. Every constituent read
is checked (finite, pT >= 0, E >= 0, E >= |p| = pT cosh(eta) up to rounding) before any is kept.
"""

from __future__ import annotations

import os

import numpy as np

from jettransfer.data.errors import InputFileError
from jettransfer.data.jet_file import JetTable
from jettransfer.data.readers.common import (
    check_particles,
    file_rows,
    from_pt_eta,
    require_finite,
    require_numeric,
    table_from_flat,
)

MEV = 1e-3
CONSTITUENT_FIELDS = ("fjet_clus_pt", "fjet_clus_eta", "fjet_clus_phi", "fjet_clus_E")


def read_atlas_top_tagging(path: str | os.PathLike, keep_label: int | None = None, max_jets: int | None = None) -> JetTable:
    import h5py

    if not os.path.exists(path) or os.path.getsize(path) == 0:
        raise InputFileError(path, None, "file does not exist or is empty")
    try:
        handle = h5py.File(path, "r")
    except OSError as err:
        raise InputFileError(path, None, f"not a readable HDF5 file ({err})") from err
    with handle:
        for field in (*CONSTITUENT_FIELDS, "labels"):
            if field not in handle:
                raise InputFileError(path, field, "dataset is missing")
        labels = require_finite(path, "labels", require_numeric(path, "labels", handle["labels"][:], ndim=1))
        select = np.ones(len(labels), dtype=bool) if keep_label is None else labels == keep_label
        index = np.flatnonzero(select)[:max_jets]
        try:
            columns = {f: require_numeric(path, f, handle[f][:][index], ndim=2).astype(np.float64) for f in CONSTITUENT_FIELDS}
        except OSError as err:
            raise InputFileError(path, None, f"cannot read the constituent arrays ({err}); truncated file?") from err
    if len({c.shape for c in columns.values()}) != 1:
        raise InputFileError(path, "fjet_clus_pt", "constituent arrays differ in shape")
    # Zero pT and E mark padding (whatever its angles hold); the rest must be physical.
    present = check_particles(path, columns, "fjet_clus_E", from_pt_eta("fjet_clus_pt", "fjet_clus_eta"),
                              padding=("fjet_clus_pt", "fjet_clus_E"), non_negative=("fjet_clus_pt",), unit_gev=MEV,
                              jet_name=file_rows(index))
    pt, energy = columns["fjet_clus_pt"][present] * MEV, columns["fjet_clus_E"][present] * MEV
    eta, phi = columns["fjet_clus_eta"][present], columns["fjet_clus_phi"][present]
    momenta = np.stack([pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta), energy], axis=1)
    return table_from_flat(path, momenta, present.sum(axis=1), labels[index])
