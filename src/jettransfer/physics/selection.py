"""Jet selection and truth matching, shared by generation (to count jets) and clustering."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jettransfer.physics.kinematics import azimuth, delta_r, rapidity


@dataclass(frozen=True)
class JetSelection:
    pt_min: float
    pt_max: float | None = None
    rapidity_max: float = 2.5
    max_jets_per_event: int = 2
    match_radius: float = 0.8


def leading_in_window(pt: np.ndarray, y: np.ndarray, selection: JetSelection) -> np.ndarray:
    """Indices of the event's leading jets (by pT) that pass the pT window and |y| cut."""
    leading = np.argsort(-np.asarray(pt), kind="stable")[: selection.max_jets_per_event]
    keep = (pt[leading] > selection.pt_min) & (np.abs(y[leading]) < selection.rapidity_max)
    if selection.pt_max is not None:
        keep &= pt[leading] < selection.pt_max
    return leading[keep]


def truth_match(
    jet_y: np.ndarray,
    jet_phi: np.ndarray,
    truth_px: np.ndarray,
    truth_py: np.ndarray,
    truth_pz: np.ndarray,
    truth_energy: np.ndarray,
    truth_mother: np.ndarray,
    radius: float,
) -> np.ndarray:
    """For each jet, the truth index of a resonance that it contains with ALL its decay quarks.

    A resonance is a truth entry with mother -1; its decay quarks have mother = its index.
    Returns -1 for unmatched jets.
    """
    matched = np.full(len(jet_y), -1, dtype=np.int64)
    if len(truth_px) == 0 or len(jet_y) == 0:
        return matched
    ty = rapidity(truth_px, truth_py, truth_pz, truth_energy)
    tphi = azimuth(truth_px, truth_py)
    dr = delta_r(jet_y[:, None], jet_phi[:, None], ty[None, :], tphi[None, :])  # [jets, truth]
    within = dr < radius
    for resonance in np.flatnonzero(truth_mother == -1):
        products = np.flatnonzero(truth_mother == resonance)
        contains = within[:, resonance] & within[:, products].all(axis=1)
        matched[(matched < 0) & contains] = resonance
    return matched
