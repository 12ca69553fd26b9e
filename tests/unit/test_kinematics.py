import math

import numpy as np
import pytest

from jettransfer.physics.kinematics import azimuth, delta_phi, delta_r, invariant_mass, pseudorapidity, rapidity


def test_rapidity_matches_definition():
    px, py, pz, e = 30.0, 40.0, 120.0, 150.0
    assert rapidity(px, py, pz, e) == pytest.approx(0.5 * math.log((e + pz) / (e - pz)))
    assert rapidity(px, py, -pz, e) == pytest.approx(-0.5 * math.log((e + pz) / (e - pz)))


def test_rapidity_of_massless_particle_is_pseudorapidity():
    px, py, pz = 3.0, 4.0, 12.0
    e = math.sqrt(px * px + py * py + pz * pz)
    assert rapidity(px, py, pz, e) == pytest.approx(pseudorapidity(px, py, pz))
    assert pseudorapidity(px, py, pz) == pytest.approx(math.asinh(12.0 / 5.0))


def test_azimuth_range_and_wrapped_difference():
    assert azimuth(-1.0, -1e-9) == pytest.approx(math.pi, abs=1e-6)
    assert azimuth(1.0, -1.0) == pytest.approx(7 * math.pi / 4)
    # 0.1 and 2 pi - 0.1 are 0.2 apart across the seam, not 2 pi - 0.2.
    assert delta_phi(0.1, 2 * math.pi - 0.1) == pytest.approx(-0.2)
    assert delta_r(0.0, 0.1, 0.3, 2 * math.pi - 0.3) == pytest.approx(math.hypot(0.3, 0.4))


def test_invariant_mass_of_two_photons():
    # Two massless 50 GeV photons back to back: m = 100 GeV.
    p = np.array([[50.0, 0, 0, 50.0], [-50.0, 0, 0, 50.0]]).sum(axis=0)
    assert invariant_mass(*p) == pytest.approx(100.0)


def test_one_vector_forms_agree_with_the_array_forms():
    from jettransfer.physics.kinematics import one_azimuth, one_delta_r, one_rapidity

    rng = np.random.default_rng(5)
    p = rng.normal(0.0, 50.0, (500, 3))
    mass = np.where(rng.random(500) < 0.3, 0.0, rng.uniform(0.1, 20.0, 500))  # massless ones too
    e = np.sqrt((p**2).sum(axis=1) + mass**2)
    y, phi = rapidity(*p.T, e), azimuth(p[:, 0], p[:, 1])
    assert [one_rapidity(*row, energy) for row, energy in zip(p.tolist(), e.tolist())] == pytest.approx(y, rel=1e-13, abs=1e-13)
    assert [one_azimuth(px, py) for px, py in p[:, :2].tolist()] == pytest.approx(phi, rel=1e-13)
    pairs = rng.integers(0, 500, (500, 2))
    expected = delta_r(y[pairs[:, 0]], phi[pairs[:, 0]], y[pairs[:, 1]], phi[pairs[:, 1]])
    got = [one_delta_r(y[a], phi[a], y[b], phi[b]) for a, b in pairs]
    assert got == pytest.approx(expected, rel=1e-13, abs=1e-13)
    assert one_delta_r(0.0, 0.1, 0.3, 2 * math.pi - 0.3) == pytest.approx(math.hypot(0.3, 0.4))
