"""Transforms of jet constituents, reproducible through the numpy Generator passed in.

Degradations (seed 001) and boosts (seed 003) are applied once, when a representation is
built. Every transform returns new Constituents. (Seed 004's SimCLR augmentations, drawn afresh
per training step, act on batches: jettransfer.inputs.augmentations.)
"""

from __future__ import annotations

import numpy as np

from jettransfer.physics.constituents import Constituents


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
