"""What every reader shares: the check that each particle read is a physical four-momentum, and
constituent arrays -> a JetTable (jet kinematics from the E-scheme sum of the constituents,
constituents ordered by decreasing pT, padding removed)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

import awkward as ak
import numpy as np

from jettransfer.data.errors import InputFileError
from jettransfer.data.jet_file import JetTable
from jettransfer.data.ranges import offsets_from_counts
from jettransfer.physics.kinematics import (
    azimuth,
    invariant_mass,
    pseudorapidity,
    rapidity,
    transverse_momentum,
)

# E may fall below |p| by rounding only. The public sets store each component in float32 (a
# relative error of up to 2**-24 ~ 6e-8 each) and many of their particles are massless, so a
# good particle's E and |p| can differ by a few 1e-7 of E. A relative 1e-4 is ~1000 times
# that, and still only an imaginary mass of 1.4% of |p| (E^2 - p^2 ~ -2e-4 p^2): anything lower
# is not rounding. The absolute 1e-6 GeV is for sub-keV particles, where a text file's last
# written decimal is the rounding.
RELATIVE_ROUNDING = 1e-4
ABSOLUTE_ROUNDING_GEV = 1e-6
# Our jet file stores constituents in float32: a larger finite value would be written as inf.
LARGEST = float(np.finfo(np.float32).max)
_BLOCK_VALUES = 1 << 22  # values of each field checked at a time: bounds the temporaries

# |p| of particles from the file's own fields (name -> values), in the file's unit; in float64,
# whatever the file's precision, so that no square overflows.
Momentum = Callable[[Mapping[str, np.ndarray]], np.ndarray]


def cartesian(px: str, py: str, pz: str) -> Momentum:
    return lambda f: np.sqrt(sum(np.square(f[k], dtype=np.float64) for k in (px, py, pz)))


def from_pt_eta(pt: str, eta: str) -> Momentum:
    return lambda f: np.abs(f[pt], dtype=np.float64) * np.cosh(f[eta], dtype=np.float64)


def file_rows(rows: np.ndarray) -> Callable[[int], str]:
    """Names the k-th jet read by its row in the file (for readers that pick rows by class)."""
    return lambda k: f"jet {int(rows[k])}"


def check_particles(path: str | os.PathLike, fields: Mapping[str, np.ndarray], energy: str, momentum: Momentum, *,
                    counts: np.ndarray | None = None, padding: Sequence[str] = (), non_negative: Sequence[str] = (),
                    unit_gev: float = 1.0, jet_name: Callable[[int], str] | None = None) -> np.ndarray:
    """Refuse the first particle read that is not a physical four-momentum: a NaN or infinite
    value (or one beyond float32's range, see LARGEST) in any of `fields`, a negative energy, or
    an energy below |p| beyond rounding (see RELATIVE_ROUNDING). The InputFileError names the file, the field and the particle's jet (and
    its constituent, where a jet has several).

    fields: the file's own fields as read (name -> values, all of one shape): [J] one vector per
    jet, [J, n] zero-padded constituents, or [N] all jets' constituents one after another with
    `counts` [J]. In a name, "{i}" stands for the constituent's index (Top Tagging's PX_{i}).
    `energy` names the energy field; `momentum` gives |p| from the fields; both in the file's
    unit, which is `unit_gev` GeV (1e-3 for MeV). Rows whose `padding` fields are all exactly
    zero are padding, not particles, and are not checked. `non_negative` names fields besides
    the energy that may not be negative (ATLAS's pT). `jet_name(k)` names the k-th jet read
    ("jet k" by default). Returns the mask of the particles (not padding), of the fields' shape.
    """
    arrays = {name: np.asarray(values) for name, values in fields.items()}
    shape = arrays[energy].shape
    if any(a.shape != shape for a in arrays.values()):
        raise ValueError(f"fields of different shapes: {[a.shape for a in arrays.values()]}")
    present = np.ones(shape, bool) if not padding else np.zeros(shape, bool)
    for name in padding:
        present |= arrays[name] != 0  # NaN != 0: a row holding a NaN is never padding
    per_row = int(np.prod(shape[1:], dtype=np.int64))
    step = max(1, _BLOCK_VALUES // max(per_row, 1))
    absolute = ABSOLUTE_ROUNDING_GEV / unit_gev
    for lo in range(0, shape[0], step):
        block = {name: a[lo : lo + step] for name, a in arrays.items()}
        e = block[energy]
        with np.errstate(invalid="ignore", over="ignore"):  # the NaNs and infinities are what we look for
            bad = (e < 0) | (e < momentum(block) * (1 - RELATIVE_ROUNDING) - absolute)
            for name in non_negative:
                bad |= block[name] < 0
            for values in block.values():
                bad |= ~(np.abs(values) <= LARGEST)  # NaN fails every comparison
        bad &= present[lo : lo + step]
        if bad.any():
            first = np.unravel_index(int(np.argmax(bad)), bad.shape)  # C order: jet, then constituent
            index = (lo + int(first[0]), *(int(i) for i in first[1:]))
            raise _fault(path, arrays, energy, non_negative, momentum, index, counts, jet_name)
    return present


def require_finite(path: str | os.PathLike, field: str, values: np.ndarray,
                   jet_name: Callable[[int], str] | None = None) -> np.ndarray:
    """values [J], one per jet (a label): refuse the first NaN or infinity, naming its jet."""
    values = np.asarray(values)
    bad = ~np.isfinite(values)
    if bad.any():
        k = int(np.argmax(bad))
        raise InputFileError(path, field, f"{(jet_name or _jet_k)(k)}: {values[k]} is not a finite number")
    return values


def _jet_k(k: int) -> str:
    return f"jet {k}"


def _fault(path, arrays, energy, non_negative, momentum, index, counts, jet_name) -> InputFileError:
    """The error for the particle at `index` in `arrays`, which failed the check."""
    if counts is not None:  # flat: the particle's jet and its place in it
        offsets = offsets_from_counts(counts)
        jet = int(np.searchsorted(offsets, index[0], side="right")) - 1
        constituent: int | None = index[0] - int(offsets[jet])
    else:
        jet, constituent = index[0], (index[1] if len(index) > 1 else None)
    where = (jet_name or _jet_k)(jet) + (f", constituent {constituent}" if constituent is not None else "")

    def named(field: str) -> str:
        return field.replace("{i}", str(constituent))

    for name, values in arrays.items():
        if not np.isfinite(values[index]):
            return InputFileError(path, named(name), f"{where}: {values[index]} is not a finite number")
        if not abs(values[index]) <= LARGEST:
            return InputFileError(path, named(name), f"{where}: {float(values[index]):.9g} is beyond float32's range, "
                                  "in which the jet file stores it")
    e = float(arrays[energy][index])
    if e < 0:
        return InputFileError(path, named(energy), f"{where}: negative energy {e:.9g}")
    for name in non_negative:
        if arrays[name][index] < 0:
            return InputFileError(path, named(name), f"{where}: negative value {float(arrays[name][index]):.9g}")
    p = float(momentum({name: values[index] for name, values in arrays.items()}))
    return InputFileError(path, named(energy), f"{where}: energy {e:.9g} below |p| = {p:.9g}, beyond rounding "
                          f"(E < |p| (1 - {RELATIVE_ROUNDING:g}) - {ABSOLUTE_ROUNDING_GEV:g} GeV)")


def require_numeric(path: str | os.PathLike, field: str, values: np.ndarray, ndim: int | None = None) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype.kind not in "fiub":
        raise InputFileError(path, field, f"dtype {values.dtype} where numbers were expected")
    if ndim is not None and values.ndim != ndim:
        raise InputFileError(path, field, f"{values.ndim} dimensions where {ndim} were expected")
    return values


def table_from_padded(path: str | os.PathLike, momenta: np.ndarray, labels: np.ndarray, truth: np.ndarray | None,
                      present: np.ndarray) -> JetTable:
    """momenta [J, n, 4] (px, py, pz, E), present [J, n] the rows that are particles (from
    check_particles), truth [J, 4] or None."""
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
