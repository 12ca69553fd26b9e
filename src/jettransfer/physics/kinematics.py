"""Four-vector kinematics on numpy arrays (E-scheme, rapidity-azimuth plane), and the same
formulas for one four-vector at a time in plain Python (`one_*`), for per-event code, where
numpy's cost per call would outweigh the arithmetic on a handful of jets."""

from __future__ import annotations

import math

import numpy as np

ArrayLike = np.ndarray | float


def transverse_momentum(px: ArrayLike, py: ArrayLike) -> np.ndarray:
    return np.hypot(px, py)


def rapidity(px: ArrayLike, py: ArrayLike, pz: ArrayLike, energy: ArrayLike) -> np.ndarray:
    """y = 1/2 ln((E+pz)/(E-pz)), computed as FastJet does for massless-limit safety."""
    px, py, pz, energy = (np.asarray(a, dtype=np.float64) for a in (px, py, pz, energy))
    pt2 = px * px + py * py
    # m_T^2 = pt^2 + max(m^2, 0) and E + |pz| avoid the cancellation in E - pz at large |y|.
    mt2 = pt2 + np.maximum(energy * energy - pz * pz - pt2, 0.0)
    y = 0.5 * np.log((energy + np.abs(pz)) ** 2 / np.maximum(mt2, 1e-300))
    return np.where(pz >= 0, y, -y)


def azimuth(px: ArrayLike, py: ArrayLike) -> np.ndarray:
    """phi in [0, 2 pi), FastJet's convention."""
    phi = np.arctan2(py, px)
    return np.where(phi < 0, phi + 2 * np.pi, phi)


def invariant_mass(px: ArrayLike, py: ArrayLike, pz: ArrayLike, energy: ArrayLike) -> np.ndarray:
    m2 = np.asarray(energy) ** 2 - np.asarray(px) ** 2 - np.asarray(py) ** 2 - np.asarray(pz) ** 2
    return np.sqrt(np.maximum(m2, 0.0))


def pseudorapidity(px: ArrayLike, py: ArrayLike, pz: ArrayLike) -> np.ndarray:
    return np.arcsinh(np.asarray(pz) / np.maximum(np.hypot(px, py), 1e-300))


def delta_phi(phi_a: ArrayLike, phi_b: ArrayLike) -> np.ndarray:
    """phi_b - phi_a wrapped into [-pi, pi)."""
    return (np.asarray(phi_b) - np.asarray(phi_a) + np.pi) % (2 * np.pi) - np.pi


def delta_r(y_a: ArrayLike, phi_a: ArrayLike, y_b: ArrayLike, phi_b: ArrayLike) -> np.ndarray:
    return np.hypot(np.asarray(y_b) - np.asarray(y_a), delta_phi(phi_a, phi_b))


def one_rapidity(px: float, py: float, pz: float, energy: float) -> float:
    """rapidity() of one four-vector."""
    pt2 = px * px + py * py
    mt2 = pt2 + max(energy * energy - pz * pz - pt2, 0.0)
    y = 0.5 * math.log((energy + abs(pz)) ** 2 / max(mt2, 1e-300))
    return y if pz >= 0 else -y


def one_azimuth(px: float, py: float) -> float:
    """azimuth() of one four-vector."""
    phi = math.atan2(py, px)
    return phi + 2 * math.pi if phi < 0 else phi


def one_delta_r(y_a: float, phi_a: float, y_b: float, phi_b: float) -> float:
    """delta_r() of one pair."""
    return math.hypot(y_b - y_a, (phi_b - phi_a + math.pi) % (2 * math.pi) - math.pi)


def pt_y_phi_m(momenta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(pT, y, phi, m) of rows [px, py, pz, E]."""
    px, py, pz, energy = momenta.T
    return transverse_momentum(px, py), rapidity(px, py, pz, energy), azimuth(px, py), invariant_mass(px, py, pz, energy)


def momenta_from_pt_y_phi_m(pt: np.ndarray, y: np.ndarray, phi: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Rows [px, py, pz, E] from pT, rapidity, azimuth and mass (exact: pz = mT sinh y, E = mT cosh y)."""
    mt = np.sqrt(pt**2 + m**2)
    return np.stack([pt * np.cos(phi), pt * np.sin(phi), mt * np.sinh(y), mt * np.cosh(y)], axis=1)
