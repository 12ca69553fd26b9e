"""What every reader shares: constituent arrays -> a JetTable (jet kinematics from the E-scheme
sum of the constituents, constituents ordered by decreasing pT, padding removed)."""

from __future__ import annotations

import os

import awkward as ak
import numpy as np

from jettransfer.data.errors import InputFileError
from jettransfer.data.jet_file import JetTable
from jettransfer.data.ranges import offsets_from_counts
from jettransfer.physics.kinematics import azimuth, invariant_mass, pseudorapidity, rapidity, transverse_momentum


def require_numeric(path: str | os.PathLike, field: str, values: np.ndarray, ndim: int | None = None) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype.kind not in "fiub":
        raise InputFileError(path, field, f"dtype {values.dtype} where numbers were expected")
    if ndim is not None and values.ndim != ndim:
        raise InputFileError(path, field, f"{values.ndim} dimensions where {ndim} were expected")
    return values


def table_from_padded(path: str | os.PathLike, momenta: np.ndarray, labels: np.ndarray,
                      truth: np.ndarray | None = None) -> JetTable:
    """momenta [J, n, 4] (px, py, pz, E) with rows of E <= 0 as padding; truth [J, 4] or None."""
    present = momenta[..., 3] > 0
    return table_from_flat(path, momenta[present], present.sum(axis=1), labels, truth)


def table_from_flat(path: str | os.PathLike, momenta: np.ndarray, counts: np.ndarray, labels: np.ndarray,
                    truth: np.ndarray | None = None, charge: np.ndarray | None = None) -> JetTable:
    """momenta [N, 4] of all jets' constituents, jet by jet (counts [J]); charge [N] or None."""
    counts = np.asarray(counts, dtype=np.int64)
    if len(counts) == 0:
        raise InputFileError(path, None, "holds no jets")
    if np.any(counts == 0):
        raise InputFileError(path, None, f"jet {int(np.flatnonzero(counts == 0)[0])} has no constituents")
    momenta = np.asarray(momenta, dtype=np.float64)
    pt = transverse_momentum(momenta[:, 0], momenta[:, 1])
    starts = offsets_from_counts(counts)[:-1]
    rising = np.diff(pt) > 1e-6 * pt[1:]  # float32 inputs: near-equal pTs may round either way
    rising[starts[1:] - 1] = False  # a new jet may start higher
    if rising.any():  # the public data sets are usually ordered already; sort only if not
        jet_of = np.repeat(np.arange(len(counts)), counts)
        order = np.lexsort((-pt, jet_of))  # by jet, then decreasing pT
        momenta = momenta[order]
        charge = None if charge is None else np.asarray(charge)[order]
    constituents = {k: ak.unflatten(momenta[:, i], counts) for i, k in enumerate(("px", "py", "pz", "energy"))}
    constituents["pid"] = ak.unflatten(np.zeros(len(momenta), np.int32), counts)
    charge = np.zeros(len(momenta), np.int8) if charge is None else np.asarray(charge).astype(np.int8)
    constituents["charge"] = ak.unflatten(charge, counts)
    jet = np.add.reduceat(momenta, starts, axis=0)
    return _table(path, jet, labels, truth, constituents, counts)


def _table(path, jet: np.ndarray, labels, truth, constituents, counts) -> JetTable:
    px, py, pz, e = (jet[:, i] for i in range(4))
    t = np.full((len(counts), 4), np.nan) if truth is None else np.asarray(truth, dtype=np.float64)
    has_truth = np.isfinite(t).all(axis=1) & (t[:, 3] > 0)
    tpx, tpy, tpz, te = (np.where(has_truth, t[:, i], np.nan) for i in range(4))
    jets = {
        "jet_pt": transverse_momentum(px, py), "jet_eta": pseudorapidity(px, py, pz), "jet_phi": azimuth(px, py),
        "jet_mass": invariant_mass(px, py, pz, e), "jet_rapidity": rapidity(px, py, pz, e),
        "label": np.asarray(labels, dtype=np.int32), "truth_pt": transverse_momentum(tpx, tpy),
        "truth_eta": pseudorapidity(tpx, tpy, tpz), "truth_phi": np.where(has_truth, azimuth(tpx, tpy), np.nan),
        "truth_mass": np.where(has_truth, invariant_mass(tpx, tpy, tpz, te), np.nan),
        "event_number": np.arange(len(counts), dtype=np.int64),
    }
    return JetTable(jets, constituents, {"source": os.fspath(path)})
