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
