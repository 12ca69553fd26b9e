import math

import awkward as ak
import fastjet
import numpy as np
import pytest

from jettransfer.data.ranges import offsets_from_counts
from jettransfer.physics.cambridge import cambridge_histories
from jettransfer.physics.lund import LUND_FEATURES, fastjet_cambridge_history, forest_from_histories, lund_forest, lund_tree


def massless(pt, y, phi):
    return [pt * math.cos(phi), pt * math.sin(phi), pt * math.sinh(y), pt * math.cosh(y)]


def test_three_particle_jet_matches_hand_computation():
    # C/A merges the closest pair first: b and c (dR 0.1) then (bc) with a (dR ~0.4).
    a, b, c = massless(100.0, 0.0, 0.0), massless(30.0, 0.4, 0.05), massless(10.0, 0.4, 0.15)
    tree = lund_tree(*np.array([a, b, c]).T)
    assert tree.features.shape == (2, len(LUND_FEATURES))
    root = int(np.flatnonzero(tree.parent == -1)[0])
    other = 1 - root
    assert tree.parent[other] == root

    # Secondary node (b, c): pT_b = 30 > pT_c = 10.
    delta = math.hypot(0.0, 0.1)
    expected_bc = [math.log(10 / 40), math.log(delta), math.atan2(0.0, 0.1), None, math.log(10 * delta)]
    m2 = 2 * 30 * 10 * (math.cosh(0.0) - math.cos(0.1))
    expected_bc[3] = 0.5 * math.log(m2)
    np.testing.assert_allclose(tree.features[other], expected_bc, rtol=1e-5, atol=1e-6)

    # Root node (a, bc): bc is the softer branch.
    bc = np.add(b, c)
    pt_bc = math.hypot(bc[0], bc[1])
    y_bc = 0.5 * math.log((bc[3] + bc[2]) / (bc[3] - bc[2]))
    phi_bc = math.atan2(bc[1], bc[0])
    delta = math.hypot(y_bc, phi_bc)
    total = np.add(a, bc)
    mass = math.sqrt(total[3] ** 2 - total[0] ** 2 - total[1] ** 2 - total[2] ** 2)
    expected_root = [math.log(pt_bc / (100 + pt_bc)), math.log(delta), math.atan(y_bc / phi_bc), math.log(mass),
                     math.log(pt_bc * delta)]
    np.testing.assert_allclose(tree.features[root], expected_root, rtol=1e-5)
    np.testing.assert_array_equal(tree.primary_chain(), [root])


def test_psi_uses_the_wrapped_phi_difference():
    # Across the phi = 0 seam: dphi is +0.2 (not -2 pi + 0.2), dy = 0.1, psi = atan(0.1 / 0.2).
    a, b = massless(100.0, 0.0, 2 * math.pi - 0.1), massless(20.0, 0.1, 0.1)
    tree = lund_tree(*np.array([a, b]).T)
    assert tree.features[0, LUND_FEATURES.index("psi")] == pytest.approx(math.atan(0.1 / 0.2), rel=1e-5)
    assert tree.features[0, LUND_FEATURES.index("ln_delta")] == pytest.approx(math.log(math.hypot(0.1, 0.2)), rel=1e-5)


def test_node_count_and_tree_shape_on_pythia_jets(top_sample):
    _, jets = top_sample
    c = jets.constituents
    for i in range(10):
        n = len(c["px"][i])
        tree = lund_tree(*(ak.to_numpy(c[k][i]).astype(float) for k in ("px", "py", "pz", "energy")))
        assert len(tree.parent) == n - 1
        assert np.sum(tree.parent == -1) == 1
        assert np.all(np.isfinite(tree.features))
        # Every node has at most two children (the two branches of its declustering).
        assert np.bincount(tree.parent[tree.parent >= 0], minlength=n - 1).max() <= 2


def test_single_constituent_jet_gives_an_empty_tree():
    tree = lund_tree(*np.array([massless(600.0, 0.2, 1.0)]).T)
    assert tree.features.shape == (0, len(LUND_FEATURES)) and len(tree.parent) == 0


def test_primary_chain_equals_fastjet_lund_declusterings(top_sample, qcd_sample):
    """FastJet's own exclusive_jets_lund_declusterings is an independent oracle for the primary plane."""
    ca = fastjet.JetDefinition(fastjet.cambridge_algorithm, 1000.0)
    for _, jets in (top_sample, qcd_sample):
        c = jets.constituents
        events = ak.zip({"px": c["px"][:15], "py": c["py"][:15], "pz": c["pz"][:15], "E": c["energy"][:15]})
        events = ak.with_name(ak.values_astype(events, np.float64), "Momentum4D")
        oracle = fastjet.ClusterSequence(events, ca).exclusive_jets_lund_declusterings(1)
        for i in range(15):
            tree = lund_tree(*(ak.to_numpy(c[k][i]).astype(float) for k in ("px", "py", "pz", "energy")))
            chain = tree.primary_chain()
            ref = oracle[i][0]  # [event][exclusive jet][declustering]
            assert len(chain) == len(ref)
            np.testing.assert_allclose(np.exp(tree.features[chain, LUND_FEATURES.index("ln_delta")]),
                                       ak.to_numpy(ref["Delta"]), rtol=1e-5)
            np.testing.assert_allclose(np.exp(tree.features[chain, LUND_FEATURES.index("ln_kt")]),
                                       ak.to_numpy(ref["kt"]), rtol=1e-4)


def jet_momenta(jets, i):
    return np.stack([ak.to_numpy(jets.constituents[k][i]).astype(float) for k in ("px", "py", "pz", "energy")], axis=1)


def test_compiled_cambridge_history_equals_fastjet(top_sample, qcd_sample):
    """Same merges in the same order, same recombined momenta, on real Pythia jets."""
    for _, jets in (top_sample, qcd_sample):
        for i in range(20):
            momenta = jet_momenta(jets, i)
            parents, history = cambridge_histories(momenta, np.array([0, len(momenta)]))
            ref_parents, ref_history = fastjet_cambridge_history(momenta)
            np.testing.assert_array_equal(parents, ref_parents)
            np.testing.assert_allclose(history, ref_history, rtol=1e-12, atol=1e-9)


def test_forest_of_many_jets_equals_trees_one_by_one(top_sample):
    _, jets = top_sample
    momenta = [jet_momenta(jets, i) for i in range(12)]
    # Include a one-constituent jet in the middle of the batch.
    momenta.insert(5, momenta[0][:1])
    forest = lund_forest(np.concatenate(momenta), offsets_from_counts([len(m) for m in momenta]))
    assert len(forest) == 13
    for i, m in enumerate(momenta):
        parents, history = fastjet_cambridge_history(m)
        reference = forest_from_histories(parents, history, np.array([len(m)])).tree(0)
        tree = forest.tree(i)
        np.testing.assert_allclose(tree.features, reference.features, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(tree.parent, reference.parent)
        np.testing.assert_array_equal(tree.primary_chain(), reference.primary_chain())


def test_jet_without_constituents_is_refused():
    with pytest.raises(ValueError, match="at least one constituent"):
        lund_forest(np.zeros((2, 4)), np.array([0, 2, 2]))
