"""Jet selection and truth matching, shared by generation (to count jets) and clustering."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jettransfer.physics.kinematics import one_azimuth, one_delta_r, one_rapidity


@dataclass(frozen=True)
class JetSelection:
    pt_min: float
    pt_max: float | None = None
    rapidity_max: float = 2.5
    max_jets_per_event: int = 2
    # A signal jet must contain its resonance and decay partons within this distance of its
    # axis; None: every selected jet of a signal event is signal (as in data sets made without
    # truth matching, such as the public LundNet files).
    match_radius: float | None = 0.8


def leading_in_window(pt: Sequence[float], y: Sequence[float], selection: JetSelection) -> np.ndarray:
    """Indices of the event's leading jets (by pT; equal pTs keep their order) that pass the pT
    window and |y| cut. An event holds a handful of jets, for which plain Python is several
    times faster than numpy's cost per call; generation asks this of every event."""
    leading = sorted(range(len(pt)), key=lambda i: -pt[i])[: selection.max_jets_per_event]
    keep = [i for i in leading if pt[i] > selection.pt_min and abs(y[i]) < selection.rapidity_max
            and (selection.pt_max is None or pt[i] < selection.pt_max)]
    return np.array(keep, dtype=np.int64)


def truth_match(
    jet_y: Sequence[float],
    jet_phi: Sequence[float],
    truth_px: Sequence[float],
    truth_py: Sequence[float],
    truth_pz: Sequence[float],
    truth_energy: Sequence[float],
    truth_mother: Sequence[int],
    radius: float,
) -> np.ndarray:
    """For each jet, the truth index of a resonance that it contains with ALL its decay quarks.

    A resonance is a truth entry with mother -1; its decay quarks have mother = its index. Where
    a jet contains several, the first resonance wins. Returns -1 for unmatched jets. Plain
    Python: an event has one or two jets and a dozen truth partons.
    """
    truth = range(len(truth_px))
    truth_y = [one_rapidity(truth_px[t], truth_py[t], truth_pz[t], truth_energy[t]) for t in truth]
    truth_phi = [one_azimuth(truth_px[t], truth_py[t]) for t in truth]
    mothers = [int(m) for m in truth_mother]
    matched = []
    for y, phi in zip(jet_y, jet_phi):
        inside = [one_delta_r(y, phi, truth_y[t], truth_phi[t]) < radius for t in truth]
        contained = (r for r in truth if mothers[r] == -1 and inside[r]
                     and all(inside[t] for t in truth if mothers[t] == r))
        matched.append(next(contained, -1))
    return np.array(matched, dtype=np.int64)
