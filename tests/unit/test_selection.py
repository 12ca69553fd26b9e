"""Jet selection and truth matching on hand-made events."""

from __future__ import annotations

import math

import numpy as np

from jettransfer.physics.selection import JetSelection, leading_in_window, truth_match


def test_leading_jets_in_the_window():
    selection = JetSelection(pt_min=500.0, pt_max=1000.0, rapidity_max=2.5, max_jets_per_event=2)
    pt, y = [600.0, 1200.0, 700.0, 800.0], [0.0, 0.0, 3.0, 1.0]
    # The two leading are 1200 (above pt_max) and 800: only 800 passes; 700 is third.
    assert leading_in_window(pt, y, selection).tolist() == [3]
    assert leading_in_window(np.array(pt), np.array(y), JetSelection(pt_min=500.0, max_jets_per_event=3)).tolist() == [1, 3]
    # Equal pTs keep their order; nothing passes: an empty integer array.
    assert leading_in_window([700.0, 700.0], [0.0, 0.0], selection).tolist() == [0, 1]
    empty = leading_in_window([100.0], [0.0], selection)
    assert empty.dtype == np.int64 and len(empty) == 0


def _truth(entries):
    """Massless truth entries given as (y, phi, mother), as px, py, pz, E, mother lists."""
    px, py, pz, energy, mother = [], [], [], [], []
    for y, phi, m in entries:
        pt = 100.0
        px.append(pt * math.cos(phi)); py.append(pt * math.sin(phi))
        pz.append(pt * math.sinh(y)); energy.append(pt * math.cosh(y)); mother.append(m)
    return px, py, pz, energy, mother


def test_truth_match_needs_the_resonance_and_all_its_quarks():
    truth = _truth([(0.0, 1.0, -1), (0.3, 1.2, 0), (-0.3, 0.8, 0), (0.1, 0.9, 0),  # a top and its three quarks
                    (0.0, 4.0, -1), (0.2, 4.1, 4), (1.5, 4.0, 4)])  # a W with one quark outside R
    jets_y, jets_phi = [0.0, 0.0, 2.0], [1.0, 4.0, 1.0]
    assert truth_match(jets_y, jets_phi, *truth, radius=0.8).tolist() == [0, -1, -1]
    # Near phi = 0 the seam is crossed: a jet at phi = 2 pi - 0.1 contains partons at phi = 0.2.
    seam = _truth([(0.0, 0.1, -1), (0.0, 0.2, 0), (0.2, 2 * math.pi - 0.2, 0)])
    assert truth_match([0.0], [2 * math.pi - 0.1], *seam, radius=0.8).tolist() == [0]


def test_truth_match_takes_the_first_resonance_and_handles_no_truth():
    truth = _truth([(0.0, 1.0, -1), (0.1, 1.0, 0), (0.0, 1.1, -1), (0.1, 1.1, 2)])
    assert truth_match([0.0], [1.05], *truth, radius=0.8).tolist() == [0]
    assert truth_match([0.0, 1.0], [1.0, 2.0], [], [], [], [], [], radius=0.8).tolist() == [-1, -1]
