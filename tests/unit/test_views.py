"""Seed 004's contrastive views: the torch port of the particle features, JetCLR's augmentations
on padded four-momenta, and the view makers built from them."""

import math

import numpy as np
import pytest
import torch

from jettransfer.data.packed_file import make_packed
from jettransfer.inputs import augmentations as aug
from jettransfer.inputs.particle_features import FeatureColumns, feature_columns, jet_momenta, rapidity
from jettransfer.inputs.particle_sets import ParticleSetBatch, ParticleSetBatches
from jettransfer.inputs.views import VIEW_MAKERS, view_maker
from jettransfer.measure.example_inputs import synthetic_jets
from jettransfer.physics.constituents import FOUR_VECTOR, PARTICLE_FEATURES, SET_FEATURES, Constituents, particle_features, set_features
from jettransfer.stages.preprocess import standardise_splits


@pytest.fixture(scope="module")
def pythia_constituents(top_sample, qcd_sample):
    from jettransfer.data.jet_file import concatenate_jets

    return Constituents.from_table(concatenate_jets([top_sample[1], qcd_sample[1]]))


def packed(c: Constituents, features: np.ndarray, names, kind="particle_cloud"):
    return make_packed(features, c.offsets, np.arange(len(c)) % 2, np.ones(len(c)), names, kind, four_momenta=c.momenta)


def whole_batch(jets, names, pad_to=None) -> ParticleSetBatch:
    return ParticleSetBatches(jets, names, len(jets), pad_to=pad_to).make_batch(np.arange(len(jets)))


@pytest.fixture(scope="module")
def pythia_batch(pythia_constituents) -> ParticleSetBatch:
    c = pythia_constituents
    return whole_batch(packed(c, particle_features(c), PARTICLE_FEATURES), PARTICLE_FEATURES)


def float64_batch(n_jets=64, rows=(20, 40), seed=0, width=None):
    """Synthetic massive hadrons with float64 momenta (exact invariants to test against)."""
    b = whole_batch(synthetic_jets("transformer", PARTICLE_FEATURES, n_jets, seed=seed, rows=rows), PARTICLE_FEATURES,
                    pad_to=width)
    return b.four_momenta.double(), b.mask


def pt_of(p):
    return torch.hypot(p[..., 0], p[..., 1])


def mass_of(p):
    return (p[..., 3] ** 2 - (p[..., :3] ** 2).sum(-1)).clamp(min=0).sqrt()


def y_phi(p):
    return rapidity(p), torch.atan2(p[..., 1], p[..., 0])


def wrap(x):
    return torch.remainder(x + math.pi, 2 * math.pi) - math.pi


# The torch port of the features


@pytest.mark.parametrize("frame", ["jet_axis", "atlas"])
def test_particle_features_agree_with_the_numpy_representation(pythia_constituents, frame):
    c = pythia_constituents
    batch = whole_batch(packed(c, particle_features(c, frame), PARTICLE_FEATURES), PARTICLE_FEATURES)
    ported = feature_columns(batch.four_momenta.double(), batch.mask, PARTICLE_FEATURES, frame).float()
    # The jet files' momenta are float32 numbers, so both compute on the same inputs.
    torch.testing.assert_close(ported, batch.features, rtol=1e-6, atol=1e-6)
    assert (ported[~batch.mask] == 0).all()


def test_set_and_four_vector_features_agree_with_the_numpy_representation(pythia_constituents):
    c = pythia_constituents
    batch = whole_batch(packed(c, set_features(c), SET_FEATURES, "constituents"), SET_FEATURES)
    ported = feature_columns(batch.four_momenta.double(), batch.mask, SET_FEATURES).float()
    torch.testing.assert_close(ported, batch.features, rtol=1e-6, atol=1e-6)
    vector = feature_columns(batch.four_momenta.double(), batch.mask, FOUR_VECTOR).float()
    assert torch.equal(vector, batch.four_momenta)


def test_features_of_float64_jets_stored_in_float32_agree_to_its_rounding():
    jets = synthetic_jets("transformer", PARTICLE_FEATURES, 128, rows=(30, 80))
    batch = whole_batch(jets, PARTICLE_FEATURES)
    ported = feature_columns(batch.four_momenta.double(), batch.mask, PARTICLE_FEATURES).float()
    torch.testing.assert_close(ported, batch.features, rtol=1e-5, atol=1e-5)


def test_a_jet_cut_shorter_than_its_representation_fails_the_check(pythia_constituents):
    c = pythia_constituents
    jets = packed(c, particle_features(c), PARTICLE_FEATURES)
    columns = FeatureColumns(PARTICLE_FEATURES)
    full = whole_batch(jets, PARTICLE_FEATURES)
    columns.check(full.features, full.four_momenta, full.mask)
    cut = whole_batch(jets, PARTICLE_FEATURES, pad_to=20)  # the jets have 20-150 particles
    with pytest.raises(ValueError, match="max_constituents"):
        columns.check(cut.features, cut.four_momenta, cut.mask)
    with pytest.raises(ValueError, match="standardised"):
        FeatureColumns(PARTICLE_FEATURES, frame="atlas").check(full.features, full.four_momenta, full.mask)


# The augmentations, on float64 momenta


def test_rotation_about_the_axis_keeps_each_particles_pt_mass_and_distance_to_the_axis():
    p, mask = float64_batch()
    rotated = aug.rotate_about_axis(p, mask, torch.Generator().manual_seed(1))
    torch.testing.assert_close(pt_of(rotated), pt_of(p), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(mass_of(rotated), mass_of(p), rtol=1e-6, atol=1e-9)
    d_y, d_phi = aug.offsets_from_axis(p, mask)
    jet = aug.jet_momenta(p, mask)
    axis_y, axis_phi = (v[:, None] for v in y_phi(jet))
    y, phi = y_phi(rotated)
    new_y, new_phi = torch.where(mask, y - axis_y, 0.0), torch.where(mask, wrap(phi - axis_phi), 0.0)
    torch.testing.assert_close(torch.hypot(new_y, new_phi), torch.hypot(d_y, d_phi), rtol=1e-9, atol=1e-9)
    # One angle per jet: every particle's offset turned by the same amount, a different one per jet.
    turned = wrap(torch.atan2(new_phi, new_y) - torch.atan2(d_phi, d_y))
    far = mask & (torch.hypot(d_y, d_phi) > 1e-3)
    first = turned.gather(1, far.to(torch.int8).argmax(dim=1, keepdim=True))
    assert (wrap(turned - first).abs()[far] < 1e-6).all()
    assert first.std() > 1.0
    assert (rotated[~mask] == 0).all()


def test_translation_moves_each_jet_as_a_whole_and_keeps_its_mass_and_pt():
    p, mask = float64_batch(width=45)
    width = 0.5
    moved = aug.translate(p, mask, torch.Generator().manual_seed(2), width)
    torch.testing.assert_close(pt_of(moved), pt_of(p), rtol=1e-12, atol=1e-12)
    (y0, phi0), (y1, phi1) = y_phi(p), y_phi(moved)
    for shift, offsets in ((y1 - y0, aug.offsets_from_axis(p, mask)[0]), (wrap(phi1 - phi0), aug.offsets_from_axis(p, mask)[1])):
        per_jet = shift[:, :1]
        assert (torch.where(mask, shift - per_jet, 0.0).abs() < 1e-9).all()
        extent = torch.where(mask, offsets, -9).amax(1) - torch.where(mask, offsets, 9).amin(1)
        assert (per_jet[:, 0].abs() <= width * extent + 1e-12).all()
        assert per_jet.std() > 0.05
    # A boost along the beam and a rotation about it: the jet's mass and pT are exactly kept.
    for of in (mass_of, pt_of):
        torch.testing.assert_close(of(aug.jet_momenta(moved, mask)), of(aug.jet_momenta(p, mask)), rtol=1e-9, atol=1e-9)
    assert (moved[~mask] == 0).all()
    assert torch.equal(aug.translate(p, mask, torch.Generator(), 0.0), p)


def test_smearing_moves_soft_particles_most_by_strength_over_pt():
    p, mask = float64_batch(n_jets=256)
    strength, pt_min = 0.1, 0.1
    smeared = aug.smear_angles(p, mask, torch.Generator().manual_seed(3), strength, pt_min)
    torch.testing.assert_close(pt_of(smeared), pt_of(p), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(mass_of(smeared), mass_of(p), rtol=1e-6, atol=1e-9)
    (y0, phi0), (y1, phi1) = y_phi(p), y_phi(smeared)
    width = strength / pt_of(p).clamp(min=pt_min)
    # The shifts divided by their widths are standard normal; the width is capped at strength / pt_min.
    for shift in (y1 - y0, wrap(phi1 - phi0)):
        pulls = (shift / width)[mask & (width < 0.3)]  # phi wraps for the widest
        assert abs(float(pulls.std()) - 1.0) < 0.05 and abs(float(pulls.mean())) < 0.05
    assert float(width[mask].max()) <= strength / pt_min
    soft = mask & (pt_of(p) < 1.0)
    hard = mask & (pt_of(p) > 10.0)
    assert (y1 - y0)[soft].abs().mean() > 10 * (y1 - y0)[hard].abs().mean()
    assert (smeared[~mask] == 0).all()


def test_collinear_fill_splits_into_the_padding_and_keeps_each_jets_momentum():
    p, mask = float64_batch(width=50)  # 20-40 particles in 50 slots
    split = aug.collinear_split(p, mask, torch.Generator().manual_seed(4))
    n = mask.sum(1)
    assert split.momenta.shape == p.shape  # JetCLR's fill: never wider
    assert torch.equal(split.mask.sum(1), n + torch.minimum(n, 50 - n))
    torch.testing.assert_close(aug.jet_momenta(split.momenta, split.mask), aug.jet_momenta(p, mask), rtol=1e-12, atol=1e-9)
    assert (split.momenta[~split.mask] == 0).all()
    # Every row is a share of the row it came from: exactly collinear, the halves summing to it.
    source = p.gather(1, split.source[..., None].expand(-1, -1, 4))
    torch.testing.assert_close(split.momenta, split.share[..., None] * source)
    halves = torch.zeros_like(split.share).scatter_add(1, split.source, torch.where(split.mask, split.share, 0.0))
    torch.testing.assert_close(halves, mask.double())  # each particle split at most once, into z and 1 - z
    assert ((split.share[split.mask] > 0) & (split.share[split.mask] <= 1)).all()
    torch.testing.assert_close(split.carried(mass_of(p)), mass_of(split.momenta), rtol=1e-6, atol=1e-9)


def test_collinear_split_with_max_splits_pads_the_batch_wider():
    p, mask = float64_batch(width=None)  # as wide as the longest jet: no padding there to fill
    split = aug.collinear_split(p, mask, torch.Generator().manual_seed(5), max_splits=3)
    n = mask.sum(1)
    assert torch.equal(split.mask.sum(1), n + n.clamp(max=3))
    assert split.mask.shape[1] == int((n + n.clamp(max=3)).max()) > mask.shape[1]
    assert torch.equal(split.mask[:, : mask.shape[1]] & mask, mask)  # the real rows kept their places
    torch.testing.assert_close(aug.jet_momenta(split.momenta, split.mask), aug.jet_momenta(p, mask), rtol=1e-12, atol=1e-9)
    assert (split.momenta[~split.mask] == 0).all()


def test_augmentations_leave_empty_jets_empty():
    p, mask = float64_batch(n_jets=4, width=40)
    p[1], mask[1] = 0.0, False
    g = torch.Generator().manual_seed(6)
    for out in (aug.rotate_about_axis(p, mask, g), aug.translate(p, mask, g), aug.smear_angles(p, mask, g),
                aug.collinear_split(p, mask, g, max_splits=2).momenta):
        assert torch.isfinite(out).all() and (out[1] == 0).all()


# The view makers


def test_jetclr_views_are_reproducible_differ_and_match_their_momenta(pythia_batch):
    make = view_maker("jetclr", features=PARTICLE_FEATURES)
    first, second = make(pythia_batch, torch.Generator().manual_seed(7))
    again = make(pythia_batch, torch.Generator().manual_seed(7))
    other = make(pythia_batch, torch.Generator().manual_seed(8))
    for view, same in zip((first, second), again):
        assert torch.equal(view.features, same.features) and torch.equal(view.mask, same.mask)
    assert not torch.allclose(first.features, other[0].features)
    assert not torch.allclose(first.features[..., :2], pythia_batch.features[..., :2])
    for view in (first, second):
        assert view.features.dtype == torch.float32 and view.four_momenta.dtype == torch.float32
        # Angles from the original jet's axis (JetCLR's coordinates are not re-centred).
        axis = jet_momenta(pythia_batch.four_momenta.double(), pythia_batch.mask)
        torch.testing.assert_close(view.features, FeatureColumns(PARTICLE_FEATURES).compute(
            view.four_momenta.double(), view.mask, axis=axis), rtol=1e-5, atol=1e-5)
        assert (view.features[~view.mask] == 0).all() and (view.four_momenta[~view.mask] == 0).all()
    # JetCLR: only the second view is split; the batch is as long as its longest jet, so only shorter jets fill.
    assert torch.equal(first.mask, pythia_batch.mask)
    n, width = pythia_batch.mask.sum(1), pythia_batch.mask.shape[1]
    once = n + torch.minimum(n, width - n)
    assert torch.equal(second.mask.sum(1), once + torch.minimum(once, width - once))
    # Rotations, translations and smearing keep each particle's pT, splits share it: the scalar sum is kept.
    for view in (first, second):
        torch.testing.assert_close(pt_of(view.four_momenta.double()).sum(1), pt_of(pythia_batch.four_momenta.double()).sum(1),
                                   rtol=1e-5, atol=0)


def test_jetclr_with_every_augmentation_off_gives_the_batch_back(pythia_batch):
    make = view_maker("jetclr", features=PARTICLE_FEATURES, rotation=False, collinear_passes=0, smearing_strength=0,
                      translation_width=0)
    for view in make(pythia_batch, torch.Generator()):
        torch.testing.assert_close(view.features, pythia_batch.features, rtol=1e-6, atol=1e-6)


def test_each_augmentation_alone_by_name(pythia_batch):
    for name in ("rotation", "translation", "smearing", "collinear_split"):
        first, second = view_maker(name, features=PARTICLE_FEATURES)(pythia_batch, torch.Generator().manual_seed(9))
        assert not torch.equal(first.features, second.features), name
    first, _ = view_maker("translation", features=PARTICLE_FEATURES)(pythia_batch, torch.Generator().manual_seed(9))
    # In the jet-axis frame a translation shows only in the energies (a boost along the beam).
    ln_e = PARTICLE_FEATURES.index("ln_e")
    torch.testing.assert_close(first.features[..., 2], pythia_batch.features[..., 2], rtol=1e-6, atol=1e-6)
    assert (first.features[..., ln_e] - pythia_batch.features[..., ln_e]).abs().max() > 0.1
    assert set(VIEW_MAKERS) >= {"gaussian_noise", "jetclr", "rotation", "translation", "smearing", "collinear_split"}


def test_views_of_standardised_files_are_standardised_with_the_same_constants(pythia_constituents):
    c = pythia_constituents
    jets = packed(c, particle_features(c), PARTICLE_FEATURES)
    standardised = standardise_splits({"train": jets})["train"]
    names = PARTICLE_FEATURES[:6]
    batch = whole_batch(standardised, names)
    with pytest.raises(ValueError, match="standardised"):
        view_maker("jetclr", features=names)(batch, torch.Generator())
    columns = FeatureColumns.of(names, {"kind": "particle_cloud"}, standardised)
    make = view_maker("jetclr", features=columns, rotation=False, collinear_passes=0, smearing_strength=0,
                      translation_width=0)
    torch.testing.assert_close(make(batch, torch.Generator())[0].features, batch.features, rtol=1e-5, atol=1e-5)
    first, _ = view_maker("jetclr", features=columns)(batch, torch.Generator())
    assert abs(float(first.features[first.mask].mean())) < 0.5


def test_set_feature_views_carry_each_particles_mass(pythia_constituents):
    c = pythia_constituents
    batch = whole_batch(packed(c, set_features(c), SET_FEATURES, "constituents"), SET_FEATURES, pad_to=160)
    first, second = view_maker("jetclr", features=FeatureColumns.of(SET_FEATURES, {"kind": "constituents", "features": "set"}))(
        batch, torch.Generator().manual_seed(10))
    mass = SET_FEATURES.index("mass")
    assert torch.equal(first.features[..., mass], batch.features[..., mass])  # rotated and translated only
    # Split halves carry z m and (1 - z) m: the second view's masses sum to the batch's per jet.
    torch.testing.assert_close(second.features[..., mass].sum(1), batch.features[..., mass].sum(1), rtol=1e-5, atol=1e-5)
    assert second.mask.sum() > batch.mask.sum()


def test_physics_views_say_what_they_miss(pythia_batch):
    with pytest.raises(ValueError, match="features="):
        view_maker("jetclr")(pythia_batch, torch.Generator())
    no_momenta = ParticleSetBatch(pythia_batch.features, pythia_batch.mask)
    with pytest.raises(ValueError, match="four_momenta: true"):
        view_maker("jetclr", features=PARTICLE_FEATURES)(no_momenta, torch.Generator())
    with pytest.raises(KeyError, match="unknown views"):
        view_maker("mixup")
    with pytest.raises(KeyError, match="cannot recompute"):
        view_maker("jetclr", features=["ln_pt", "charge"])


def test_gaussian_noise_still_works_with_or_without_features(pythia_batch):
    for make in (view_maker("gaussian_noise", width=0.2), view_maker("gaussian_noise", features=PARTICLE_FEATURES)):
        first, second = make(pythia_batch, torch.Generator().manual_seed(11))
        assert not torch.equal(first.features, second.features)
        assert (first.features[~pythia_batch.mask] == 0).all()


def test_a_contrastive_step_on_jetclr_views_of_the_jetclr_transformer(pythia_batch):
    from jettransfer.models.registry import build_preset
    from jettransfer.objectives import Contrastive

    names = PARTICLE_FEATURES[:6]
    batch = ParticleSetBatch(pythia_batch.features[..., :6], pythia_batch.mask, pythia_batch.four_momenta)
    torch.manual_seed(0)
    model = build_preset("JetCLR", num_classes=8, n_particles=160, model_dim=16, n_layers=1, n_heads=2, ff_dim=16,
                         projection_dim=16)
    objective = Contrastive(8, temperature=0.1, views=view_maker("jetclr", features=names))
    objective.start_epoch(0, seed=1)
    loss = objective.loss(objective.outputs(model, batch), {})
    loss.backward()
    assert torch.isfinite(loss) and all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_a_translated_view_sits_off_centre(pythia_batch):
    """Measured from the original axis, a translation moves every particle's (d_eta, d_phi) by the
    jet's shift: the pT-weighted centroid leaves the origin (from its own axis it would not move)."""
    first, _ = view_maker("translation", features=PARTICLE_FEATURES)(pythia_batch, torch.Generator().manual_seed(3))
    pt = torch.exp(pythia_batch.features[..., PARTICLE_FEATURES.index("ln_pt")]) * pythia_batch.mask

    def centroid(features):
        return (features[..., :2] * pt[..., None]).sum(1) / pt.sum(1)[:, None]

    before, after = centroid(pythia_batch.features), centroid(first.features)
    assert before.abs().max() < 0.1 and (after - before).abs().max() > 0.2
