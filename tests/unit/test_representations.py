import math

import numpy as np
import pytest

from jettransfer.data.ranges import offsets_from_counts
from jettransfer.physics.constituents import PARTICLE_FEATURES, Constituents, leading, particle_features
from jettransfer.physics.kinematics import invariant_mass
from jettransfer.physics.lund import LUND_FEATURES, lund_forest, with_ln_kt_cut
from jettransfer.physics.transforms import boost_along_x, boost_jets_along_x, keep_random, smear_energy_and_pt
from jettransfer.stages.preprocess import represent, split_balanced, standardise_splits


def massless(pt, eta, phi):
    return [pt * math.cos(phi), pt * math.sin(phi), pt * math.sinh(eta), pt * math.cosh(eta)]


def packed(jets):
    return Constituents(np.array([p for jet in jets for p in jet], dtype=float), offsets_from_counts([len(j) for j in jets]))


@pytest.fixture(scope="module")
def pythia_constituents(top_sample, qcd_sample):
    from jettransfer.data.jet_file import concatenate_jets

    return Constituents.from_table(concatenate_jets([top_sample[1], qcd_sample[1]]))


def test_particle_features_by_hand():
    # Two massless particles; the jet axis is their sum.
    a, b = massless(300.0, 0.1, 0.2), massless(100.0, -0.2, 6.2)  # b sits across the phi = 0 seam
    c = packed([[a, b]])
    features = particle_features(c)
    jet = np.add(a, b)
    jet_pt, jet_e = math.hypot(jet[0], jet[1]), jet[3]
    jet_eta, jet_phi = math.asinh(jet[2] / jet_pt), math.atan2(jet[1], jet[0])
    d_phi_b = (6.2 - jet_phi + math.pi) % (2 * math.pi) - math.pi
    expected_b = [-0.2 - jet_eta, d_phi_b, math.log(100.0), math.log(b[3]), math.log(100.0 / jet_pt),
                  math.log(b[3] / jet_e), math.hypot(-0.2 - jet_eta, d_phi_b)]
    np.testing.assert_allclose(features[1], expected_b, rtol=1e-5, atol=1e-6)
    assert abs(d_phi_b) < 0.5, "phi difference is wrapped"
    assert features.shape == (2, len(PARTICLE_FEATURES))


def test_atlas_frame_is_centred_rotated_and_flipped(pythia_constituents):
    c = leading(pythia_constituents, 200)
    f = particle_features(c, frame="atlas")
    x, y, pt = f[:, 0].astype(float), f[:, 1].astype(float), np.exp(f[:, 2].astype(float))
    jet = c.jet_of_row
    per_jet = lambda v: np.bincount(jet, pt * v, minlength=len(c))  # noqa: E731
    # Flipped: pT-weighted means are not negative. Rotated: the principal axis lies along d_phi.
    assert (per_jet(x) >= -1e-6).all() and (per_jet(y) >= -1e-6).all()
    assert np.allclose(per_jet(x * y), 0.0, atol=1e-3 * per_jet(x * x + y * y).max())
    assert (per_jet(y * y) >= per_jet(x * x) - 1e-9).all()
    # Rotation and flips keep each particle's distance to the axis.
    np.testing.assert_allclose(f[:, 6], particle_features(c)[:, 6], rtol=1e-4, atol=1e-5)


def test_leading_keeps_the_hardest_n(pythia_constituents):
    c = leading(pythia_constituents, 5)
    assert c.counts.max() == 5 and (c.counts == np.minimum(pythia_constituents.counts, 5)).all()
    np.testing.assert_array_equal(c.momenta[:5], pythia_constituents.momenta[:5])


def test_boost_keeps_every_invariant_mass(pythia_constituents):
    c = pythia_constituents
    boosted = boost_along_x(c, 0.3, np.random.default_rng(1))
    np.testing.assert_allclose(invariant_mass(*boosted.jet_momenta().T), invariant_mass(*c.jet_momenta().T), rtol=1e-7)
    m2 = lambda p: p[:, 3] ** 2 - (p[:, :3] ** 2).sum(axis=1)  # noqa: E731
    np.testing.assert_allclose(m2(boosted.momenta), m2(c.momenta), atol=1e-6 * c.momenta[:, 3].max() ** 2)
    assert not np.allclose(boosted.momenta, c.momenta)
    with pytest.raises(ValueError, match="beta_max"):
        boost_along_x(c, 1.0, np.random.default_rng(1))


def test_a_fixed_boost_moves_every_jet_by_the_same_beta_as_the_formula():
    jet = np.array([[30.0, 40.0, 10.0, 51.0], [-5.0, 2.0, 1.0, 6.0]])
    c = packed([jet, jet[:1]])
    beta = 0.6
    gamma = 1 / math.sqrt(1 - beta**2)
    boosted = boost_jets_along_x(c, beta)
    expected = jet.copy()
    expected[:, 0], expected[:, 3] = gamma * (jet[:, 0] - beta * jet[:, 3]), gamma * (jet[:, 3] - beta * jet[:, 0])
    np.testing.assert_allclose(boosted.momenta[:2], expected)
    np.testing.assert_allclose(boosted.momenta[2], expected[0])
    np.testing.assert_array_equal(boosted.momenta[:, 1:3], c.momenta[:, 1:3])  # y and z untouched
    np.testing.assert_array_equal(boost_jets_along_x(c, 0.0).momenta, c.momenta)
    with pytest.raises(ValueError, match="beta"):
        boost_jets_along_x(c, 1.0)


def test_a_random_boost_gives_each_jet_its_own_beta_drawn_uniformly(pythia_constituents):
    c = pythia_constituents
    betas = np.random.default_rng(4).uniform(0.0, 0.3, size=len(c))
    np.testing.assert_array_equal(boost_along_x(c, 0.3, np.random.default_rng(4)).momenta,
                                  boost_jets_along_x(c, betas).momenta)


def test_a_representation_with_a_fixed_boost_keeps_the_jets_and_their_ids(pythia_constituents):
    c = pythia_constituents
    labels, pt = np.zeros(len(c), dtype=np.int64), np.ones(len(c))
    spec = {"kind": "constituents", "features": "set", "four_momenta": True}
    plain = represent(c, labels, pt, spec, np.random.default_rng(0), ids=np.arange(len(c)) + 100)
    boosted = represent(c, labels, pt, {**spec, "degrade": {"boost_beta": 0.5}}, np.random.default_rng(0),
                        ids=np.arange(len(c)) + 100)
    np.testing.assert_array_equal(boosted.ids, plain.ids)
    np.testing.assert_allclose(boosted.four_momenta, boost_jets_along_x(c, 0.5).momenta.astype(np.float32), rtol=1e-6)
    assert not np.allclose(boosted.node_features, plain.node_features)


def test_degradations_are_reproducible_by_seed(pythia_constituents):
    c = pythia_constituents
    for transform in (lambda rng: smear_energy_and_pt(c, 0.1, 0.2, rng), lambda rng: keep_random(c, 5, rng)):
        first, again, other = transform(np.random.default_rng(7)), transform(np.random.default_rng(7)), transform(np.random.default_rng(8))
        np.testing.assert_array_equal(first.momenta, again.momenta)
        assert first.momenta.shape != other.momenta.shape or not np.array_equal(first.momenta, other.momenta)


def test_smearing_changes_pt_and_energy_but_not_directions(pythia_constituents):
    c = pythia_constituents
    smeared = smear_energy_and_pt(c, 0.1, 0.1, np.random.default_rng(2))
    from jettransfer.physics.kinematics import azimuth, pseudorapidity

    before, after = particle_features(c), particle_features(smeared)
    moved = smeared.momenta[:, 0] ** 2 + smeared.momenta[:, 1] ** 2 > 0  # a pT smeared to zero has no direction
    for direction in (lambda p: pseudorapidity(*p[:, :3].T), lambda p: azimuth(p[:, 0], p[:, 1])):
        np.testing.assert_allclose(direction(smeared.momenta)[moved], direction(c.momenta)[moved], atol=1e-9)
    spread = np.std(np.exp(after[:, 2] - before[:, 2]))
    assert 0.07 < spread < 0.13
    assert (smeared.momenta[:, 3] ** 2 >= (smeared.momenta[:, :3] ** 2).sum(axis=1) - 1e-6).all()


def test_keep_random_keeps_n_of_the_original_particles(pythia_constituents):
    c = pythia_constituents
    kept = keep_random(c, 5, np.random.default_rng(3))
    assert (kept.counts == np.minimum(c.counts, 5)).all()
    original = {tuple(row) for row in c.momenta.round(6)}
    assert all(tuple(row) in original for row in kept.momenta.round(6))
    assert not np.array_equal(kept.momenta, leading(c, 5).momenta), "random, not the leading five"


def test_ln_kt_cut_relinks_children_to_the_nearest_kept_ancestor():
    # A chain root(0) <- 1 <- 2 <- 3 built by hand; dropping node 1 hangs node 2 from the root.
    from jettransfer.physics.lund import LundForest

    features = np.zeros((4, len(LUND_FEATURES)), np.float32)
    features[:, LUND_FEATURES.index("ln_kt")] = [2.0, -1.0, 1.0, 3.0]
    forest = LundForest(features, np.array([-1, 0, 1, 2], np.int32), np.array([1, 2, 3, -1], np.int32), np.array([0, 4]))
    cut = with_ln_kt_cut(forest, 0.0)
    assert cut.parent.tolist() == [-1, 0, 1] and cut.features[:, LUND_FEATURES.index("ln_kt")].tolist() == [2.0, 1.0, 3.0]
    assert cut.harder_child.tolist() == [-1, 2, -1]


def test_ln_kt_cut_on_pythia_jets(pythia_constituents):
    c = pythia_constituents
    full = lund_forest(c.momenta, c.offsets)
    cut = with_ln_kt_cut(full, 0.0)
    assert len(cut) == len(full)
    assert (cut.features[:, LUND_FEATURES.index("ln_kt")] >= 0).all()
    assert len(cut.features) == int((full.features[:, LUND_FEATURES.index("ln_kt")] >= 0).sum())
    assert (cut.parent < np.repeat(np.diff(cut.node_offsets), np.diff(cut.node_offsets))).all()


@pytest.mark.parametrize("spec, names, rows", [
    ({"kind": "lund_graph"}, LUND_FEATURES, "n - 1"),
    ({"kind": "particle_cloud"}, PARTICLE_FEATURES, "n"),
    ({"kind": "constituents", "max_constituents": 20, "features": "four_vector"}, ("px", "py", "pz", "energy"), "min(n, 20)"),
])
def test_represent_every_kind(pythia_constituents, spec, names, rows):
    c = pythia_constituents
    jets = represent(c, np.ones(len(c)), np.ones(len(c)), spec, np.random.default_rng(0))
    n = c.counts
    assert jets.feature_names == tuple(names) and len(jets) == len(c)
    assert (jets.nodes_per_graph == eval(rows, {"n": n, "min": np.minimum})).all()
    assert (jets.parent is not None) == (spec["kind"] == "lund_graph")


def test_standardisation_uses_the_training_split_only():
    from tests.toy_jets import random_graphs

    signal, background = random_graphs(60, seed=1), random_graphs(60, seed=2)
    signal.labels[:] = 1
    background.labels[:] = 0
    splits = split_balanced([(signal, 1), (background, 0)], {"train": 0.5, "validation": 0.25, "test": 0.25}, seed=0)
    splits["test"].node_features[:] += 100.0  # a shifted test set must not move the constants
    scaled = standardise_splits(splits)
    raw_train = splits["train"].node_features
    np.testing.assert_allclose(scaled["train"].feature_mean, raw_train.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(scaled["train"].node_features.mean(axis=0), 0.0, atol=1e-5)
    assert scaled["test"].node_features.mean() > 10  # the test shift survives: it was not used
    for split in scaled.values():
        np.testing.assert_array_equal(split.feature_std, scaled["train"].feature_std)
