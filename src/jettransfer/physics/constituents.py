"""Jet constituents of many jets packed as flat four-momenta, and their per-particle features.

Particle features (seed 000's ParticleNet inputs; seed 001's ATLAS-style inputs):
  d_eta, d_phi   position relative to the jet axis (phi difference wrapped)
  ln_pt, ln_e    logarithms of the particle's pT and energy [GeV]
  ln_pt_rel, ln_e_rel  ln(pT / pT_jet), ln(E / E_jet)
  delta_r        sqrt(d_eta^2 + d_phi^2)
In the "atlas" frame the (d_eta, d_phi) plane is also rotated so that the pT-weighted
principal axis lies along d_phi, then flipped so that the pT-weighted means of d_eta and d_phi
are not negative: jets differ only by what is not a symmetry of the detector.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import awkward as ak
import numpy as np

from jettransfer.data.jet_file import JetTable
from jettransfer.data.ranges import offsets_from_counts
from jettransfer.physics.kinematics import azimuth, delta_phi, pseudorapidity, transverse_momentum

PARTICLE_FEATURES = ("d_eta", "d_phi", "ln_pt", "ln_e", "ln_pt_rel", "ln_e_rel", "delta_r")
FOUR_VECTOR = ("px", "py", "pz", "energy")
# Seed 003's students: the seed's (pT, eta, phi, m) per particle made translation-free.
SET_FEATURES = ("pt_rel", "d_eta", "d_phi", "mass")
FRAMES = ("jet_axis", "atlas")
_LOG_FLOOR = 1e-8


@dataclass
class Constituents:
    """momenta [N, 4] as (px, py, pz, E) in GeV; jet j owns rows offsets[j]:offsets[j+1]."""

    momenta: np.ndarray
    offsets: np.ndarray

    @classmethod
    def from_jagged(cls, columns: Mapping[str, ak.Array]) -> "Constituents":
        """From jagged px, py, pz, energy columns (a jet table's constituents, an event's particles)."""
        momenta = np.stack([ak.to_numpy(ak.flatten(columns[k])).astype(np.float64) for k in FOUR_VECTOR], axis=1)
        return cls(momenta, offsets_from_counts(ak.to_numpy(ak.num(columns["px"]))))

    @classmethod
    def from_table(cls, table: JetTable) -> "Constituents":
        return cls.from_jagged(table.constituents)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.offsets)

    @property
    def jet_of_row(self) -> np.ndarray:
        return np.repeat(np.arange(len(self)), self.counts)

    @property
    def position_in_jet(self) -> np.ndarray:
        """0 for each jet's first row, 1 for its second, ..."""
        return np.arange(len(self.momenta)) - np.repeat(self.offsets[:-1], self.counts)

    def jet_momenta(self) -> np.ndarray:
        """[J, 4] summed four-momentum of each jet (E-scheme)."""
        jet = self.jet_of_row
        return np.stack([np.bincount(jet, self.momenta[:, k], minlength=len(self)) for k in range(4)], axis=1)

    def keep_rows(self, keep: np.ndarray) -> "Constituents":
        """The rows where `keep` is true, in their order."""
        return Constituents(self.momenta[keep], offsets_from_counts(np.bincount(self.jet_of_row[keep], minlength=len(self))))


def leading(constituents: Constituents, n: int) -> Constituents:
    """The first n rows of each jet: the n hardest, since jet files order constituents by pT."""
    return constituents.keep_rows(constituents.position_in_jet < n)


def particle_features(constituents: Constituents, frame: str = "jet_axis") -> np.ndarray:
    """[N, 7] features in the order of PARTICLE_FEATURES."""
    if frame not in FRAMES:
        raise ValueError(f"unknown frame {frame!r}; known: {FRAMES}")
    p, jet_p = constituents.momenta, constituents.jet_momenta()
    jet = constituents.jet_of_row
    pt = transverse_momentum(p[:, 0], p[:, 1])
    jet_pt = transverse_momentum(jet_p[:, 0], jet_p[:, 1])
    d_eta = pseudorapidity(p[:, 0], p[:, 1], p[:, 2]) - pseudorapidity(jet_p[:, 0], jet_p[:, 1], jet_p[:, 2])[jet]
    d_phi = delta_phi(azimuth(jet_p[:, 0], jet_p[:, 1])[jet], azimuth(p[:, 0], p[:, 1]))
    if frame == "atlas":
        d_eta, d_phi = _rotate_and_flip(d_eta, d_phi, pt, jet, len(constituents))
    log = lambda x: np.log(np.maximum(x, _LOG_FLOOR))  # noqa: E731
    return np.stack([d_eta, d_phi, log(pt), log(p[:, 3]), log(pt / jet_pt[jet]), log(p[:, 3] / jet_p[jet, 3]),
                     np.hypot(d_eta, d_phi)], axis=1).astype(np.float32)


def set_features(constituents: Constituents) -> np.ndarray:
    """[N, 4] features in the order of SET_FEATURES: pT / pT_jet, d_eta and d_phi to the jet axis,
    and the particle's mass sqrt(max(E^2 - |p|^2, 0)) in GeV."""
    p, jet_p = constituents.momenta, constituents.jet_momenta()
    jet = constituents.jet_of_row
    pt = transverse_momentum(p[:, 0], p[:, 1])
    d_eta = pseudorapidity(p[:, 0], p[:, 1], p[:, 2]) - pseudorapidity(jet_p[:, 0], jet_p[:, 1], jet_p[:, 2])[jet]
    d_phi = delta_phi(azimuth(jet_p[:, 0], jet_p[:, 1])[jet], azimuth(p[:, 0], p[:, 1]))
    mass = np.sqrt(np.maximum(p[:, 3] ** 2 - (p[:, :3] ** 2).sum(axis=1), 0.0))
    return np.stack([pt / transverse_momentum(jet_p[:, 0], jet_p[:, 1])[jet], d_eta, d_phi, mass], axis=1).astype(np.float32)


def _rotate_and_flip(x: np.ndarray, y: np.ndarray, weight: np.ndarray, jet: np.ndarray, n_jets: int):
    def per_jet(values):
        return np.bincount(jet, weight * values, minlength=n_jets)

    sxx, syy, sxy = per_jet(x * x), per_jet(y * y), per_jet(x * y)
    # Angle of the principal axis of the pT-weighted second moments, then rotate it onto +y.
    theta = 0.5 * np.arctan2(2 * sxy, sxx - syy)
    angle = (np.pi / 2 - theta)[jet]
    cos, sin = np.cos(angle), np.sin(angle)
    x, y = cos * x - sin * y, sin * x + cos * y
    x = np.where(per_jet(x)[jet] < 0, -x, x)
    y = np.where(per_jet(y)[jet] < 0, -y, y)
    return x, y
