"""A simple detector: Gaussian smearing of each particle's energy and direction.

sigma_E / E = stochastic / sqrt(E / GeV) (+) constant, added in quadrature; y and phi each move
by a Gaussian of width `angle`. The four-vector is scaled with the energy, so particles keep
their direction up to the angular smearing.
"""

from __future__ import annotations

from collections.abc import Mapping

import awkward as ak
import numpy as np

from jettransfer.data.event_file import EventRecord
from jettransfer.physics.constituents import FOUR_VECTOR, Constituents
from jettransfer.physics.kinematics import momenta_from_pt_y_phi_m, pt_y_phi_m


def smear_constituents(c: Constituents, stochastic: float, constant: float, angle: float,
                       rng: np.random.Generator) -> Constituents:
    pt, y, phi, m = pt_y_phi_m(c.momenta)
    energy = c.momenta[:, 3]
    resolution = np.sqrt(stochastic**2 / np.maximum(energy, 1e-9) + constant**2)
    scale = np.maximum(1.0 + resolution * rng.standard_normal(len(energy)), 0.0)
    y = y + angle * rng.standard_normal(len(y))
    phi = phi + angle * rng.standard_normal(len(phi))
    return Constituents(momenta_from_pt_y_phi_m(pt * scale, y, phi, m * scale), c.offsets.copy())


def smear_event_particles(record: EventRecord, spec: Mapping[str, float], rng: np.random.Generator) -> EventRecord:
    """The record with every stored particle smeared (spec: stochastic, constant, angle)."""
    smeared = smear_constituents(Constituents.from_jagged(record.particles), spec["stochastic"], spec["constant"],
                                 spec["angle"], rng)
    particles = dict(record.particles)
    for i, key in enumerate(FOUR_VECTOR):
        particles[key] = ak.unflatten(smeared.momenta[:, i].astype(np.float32), smeared.counts)
    return EventRecord(record.event_number, particles, record.truth, dict(record.provenance))
