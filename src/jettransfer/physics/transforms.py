"""Transforms of jet constituents, reproducible through the numpy Generator passed in.

Degradations (seed 001) and boosts (seed 003) are applied once, when a representation is
built; the SimCLR augmentations (seed 004, after Dillon et al. 2108.04253) are meant to be
drawn afresh per training step. Every transform returns new Constituents.
"""

from __future__ import annotations

import numpy as np

from jettransfer.data.ranges import offsets_from_counts
from jettransfer.physics.constituents import Constituents
from jettransfer.physics.kinematics import azimuth, delta_phi, momenta_from_pt_y_phi_m, pt_y_phi_m, rapidity


def smear_energy_and_pt(c: Constituents, energy_resolution: float, pt_resolution: float,
                        rng: np.random.Generator) -> Constituents:
    """Gaussian relative smearing: pT -> pT (1 + s_pT g1), E -> E (1 + s_E g2); direction kept.

    Negative results are clipped to zero; E is kept at least |p| so every particle stays physical.
    """
    n = len(c.momenta)
    # Scaling the whole three-momentum scales pT and keeps eta and phi.
    p = c.momenta * np.maximum(1.0 + pt_resolution * rng.standard_normal(n), 0.0)[:, None]
    energy = c.momenta[:, 3] * np.maximum(1.0 + energy_resolution * rng.standard_normal(n), 0.0)
    p[:, 3] = np.maximum(energy, np.sqrt((p[:, :3] ** 2).sum(axis=1)))
    return Constituents(p, c.offsets.copy())


def _random_rank_in_jet(c: Constituents, rng: np.random.Generator) -> np.ndarray:
    """A random permutation of 0..n-1 over each jet's n rows."""
    order = np.lexsort((rng.random(len(c.momenta)), c.jet_of_row))  # rows in random order within each jet
    rank = np.empty(len(c.momenta), dtype=np.int64)
    rank[order] = c.position_in_jet
    return rank


def keep_random(c: Constituents, n: int, rng: np.random.Generator) -> Constituents:
    """n constituents of each jet chosen at random (all of them if it has n or fewer), order kept."""
    return c.keep_rows(_random_rank_in_jet(c, rng) < n)


def boost_along_x(c: Constituents, beta_max: float, rng: np.random.Generator) -> Constituents:
    """Lorentz boost of each jet along x with its own beta ~ U(0, beta_max) (seed 003's training sets)."""
    if not 0.0 <= beta_max < 1.0:
        raise ValueError(f"beta_max must be in [0, 1), got {beta_max}")
    return boost_jets_along_x(c, rng.uniform(0.0, beta_max, size=len(c)))


def boost_jets_along_x(c: Constituents, beta: float | np.ndarray) -> Constituents:
    """Lorentz boost along x by `beta` (one value, or one per jet): E' = gamma (E - beta px),
    px' = gamma (px - beta E) (seed 003's boosted test sets)."""
    beta = np.broadcast_to(np.asarray(beta, dtype=np.float64), (len(c),))
    if np.any((beta < 0) | (beta >= 1)):
        raise ValueError(f"boosts need 0 <= beta < 1, got {beta.min()}..{beta.max()}")
    beta = beta[c.jet_of_row]
    gamma = 1.0 / np.sqrt(1.0 - beta**2)
    p = c.momenta.copy()
    p[:, 0], p[:, 3] = gamma * (c.momenta[:, 0] - beta * c.momenta[:, 3]), gamma * (c.momenta[:, 3] - beta * c.momenta[:, 0])
    return Constituents(p, c.offsets.copy())


_MAX_ANGULAR_WIDTH = 1.0  # about a jet radius in (y, phi)

# The angular augmentations act in the (y, phi) plane the jets were clustered in: a soft
# massive hadron can sit far from the axis in eta while close in y, and rotating such an eta
# offset into phi would wrap it around the detector.

def jet_axes(c: Constituents) -> tuple[np.ndarray, np.ndarray]:
    """(y, phi) of each jet's summed four-momentum."""
    jet_p = c.jet_momenta()
    return rapidity(*jet_p.T), azimuth(jet_p[:, 0], jet_p[:, 1])


def rotate_about_axis(c: Constituents, rng: np.random.Generator) -> Constituents:
    """Rotate each jet in the (y, phi) plane about its axis by a random angle."""
    pt, y, phi, m = pt_y_phi_m(c.momenta)
    axis_y, axis_phi = (a[c.jet_of_row] for a in jet_axes(c))
    d_y, d_phi = y - axis_y, delta_phi(axis_phi, phi)
    angle = rng.uniform(0.0, 2 * np.pi, size=len(c))[c.jet_of_row]
    cos, sin = np.cos(angle), np.sin(angle)
    return Constituents(momenta_from_pt_y_phi_m(pt, axis_y + cos * d_y - sin * d_phi, axis_phi + sin * d_y + cos * d_phi, m),
                        c.offsets.copy())


def translate(c: Constituents, width: float, rng: np.random.Generator) -> Constituents:
    """Shift each jet in y and phi by Gaussian amounts of the given width."""
    pt, y, phi, m = pt_y_phi_m(c.momenta)
    shift = rng.normal(0.0, width, size=(len(c), 2))[c.jet_of_row]
    return Constituents(momenta_from_pt_y_phi_m(pt, y + shift[:, 0], phi + shift[:, 1], m), c.offsets.copy())


def smear_angles(c: Constituents, scale_gev: float, rng: np.random.Generator) -> Constituents:
    """Move each particle in y and phi by Gaussians of width scale / pT: soft particles move most.

    The width is capped at _MAX_ANGULAR_WIDTH: a particle of pT ~ 1e-4 GeV would otherwise be
    thrown to any rapidity at all."""
    pt, y, phi, m = pt_y_phi_m(c.momenta)
    width = np.minimum(scale_gev / np.maximum(pt, 1e-9), _MAX_ANGULAR_WIDTH)
    return Constituents(momenta_from_pt_y_phi_m(pt, y + width * rng.standard_normal(len(pt)),
                                         phi + width * rng.standard_normal(len(pt)), m), c.offsets.copy())


def collinear_split(c: Constituents, max_splits: int, rng: np.random.Generator) -> Constituents:
    """Split up to `max_splits` random particles per jet into two exactly collinear ones sharing its
    four-momentum as z, 1 - z with z ~ U(0, 1). The jet's total four-momentum is unchanged."""
    jet = c.jet_of_row
    split = _random_rank_in_jet(c, rng) < max_splits
    z = rng.uniform(0.0, 1.0, size=len(jet))
    first = np.where(split[:, None], z[:, None] * c.momenta, c.momenta)
    second = (1.0 - z[split])[:, None] * c.momenta[split]
    # Each split particle's second half goes right after it, in the same jet.
    rows = np.concatenate([first, second])
    owner = np.concatenate([np.arange(len(jet)), np.flatnonzero(split)])
    within = np.concatenate([np.zeros(len(jet)), np.ones(int(split.sum()))])
    ordering = np.lexsort((within, owner))
    counts = np.bincount(jet[owner], minlength=len(c))
    return Constituents(rows[ordering], offsets_from_counts(counts))
