"""The particle-set taggers: FCNN (seed 001), DeepSet / EFN and MLP (seed 003)."""

import numpy as np
import pytest
import torch

from jettransfer.data.packed_file import make_packed
from jettransfer.data.ranges import offsets_from_counts
from jettransfer.inputs.particle_sets import ParticleSetBatch, ParticleSetBatches
from jettransfer.models.registry import build_preset, count_parameters, get_preset
from jettransfer.physics.constituents import PARTICLE_FEATURES, SET_FEATURES

SET_PRESETS = ("FCNN-teacher", "FCNN-student", "DeepSet", "MLP")


def random_sets(n_jets: int, features: tuple[str, ...], max_particles: int, seed: int = 0):
    """Packed jets of 1..max_particles particles; column 0 positive (a pT fraction for SET_FEATURES)."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, max_particles + 1, size=n_jets)
    values = rng.normal(size=(int(counts.sum()), len(features))).astype(np.float32)
    values[:, 0] = rng.uniform(0.01, 0.5, size=len(values))
    labels = np.arange(n_jets) % 2
    return make_packed(values, offsets_from_counts(counts), labels, np.ones(n_jets), features, "constituents")


def preset_batch(name: str, n_jets: int, max_particles: int, pad_to: int | None = None, seed: int = 0):
    features = get_preset(name).features
    loader = ParticleSetBatches(random_sets(n_jets, features, max_particles, seed), features, n_jets, pad_to=pad_to)
    return loader.batch(np.arange(n_jets))


def widened(batch: ParticleSetBatch, width: int, fill: float = 0.0) -> ParticleSetBatch:
    """The same jets with extra padding rows (mask False) up to `width`, their features `fill`."""
    n_jets, rows, n_features = batch.features.shape
    features = torch.full((n_jets, width, n_features), fill)
    features[:, :rows] = batch.features
    features[:, :rows][~batch.mask] = fill
    mask = torch.zeros(n_jets, width, dtype=torch.bool)
    mask[:, :rows] = batch.mask
    return ParticleSetBatch(features, mask)


def model(name: str, **params) -> torch.nn.Module:
    torch.manual_seed(0)
    return build_preset(name, **params)


def test_seed_003_parameter_counts():
    # The counts the seed's public code gives (KD4Jets).
    assert count_parameters(build_preset("DeepSet")) == 68_226
    assert count_parameters(build_preset("MLP")) == 528_386


def test_fcnn_parameter_counts_from_the_layer_widths():
    inputs = 200 * len(PARTICLE_FEATURES)  # 200 particles x 7 features, flattened
    assert inputs == 1400
    teacher = (inputs * 400 + 400) + 4 * (400 * 400 + 400) + (400 * 2 + 2)
    student = (inputs * 64 + 64) + (64 * 2 + 2)
    assert (teacher, student) == (1_202_802, 89_794)
    assert count_parameters(build_preset("FCNN-teacher")) == teacher
    assert count_parameters(build_preset("FCNN-student")) == student


def test_edgeconv_student_is_smaller_than_its_teacher():
    student, teacher = build_preset("EdgeConv-student"), build_preset("EdgeConv-teacher")
    assert len(student.blocks) == 1 and len(student.blocks[0].linears) == 1
    assert count_parameters(student) < count_parameters(teacher)


@pytest.mark.parametrize("name", SET_PRESETS)
def test_fixed_particle_counts(name):
    expected = {"FCNN-teacher": 200, "FCNN-student": 200, "MLP": 128}
    assert getattr(build_preset(name), "n_particles", None) == expected.get(name)


@pytest.mark.parametrize("name", SET_PRESETS)
@pytest.mark.parametrize("max_particles", [20, 260])  # fewer and more rows than n_particles
def test_output_shape(name, max_particles):
    net = model(name).eval()
    batch, _ = preset_batch(name, 6, max_particles)
    assert batch.features.shape[1] == batch.mask.sum(1).max()
    with torch.no_grad():
        logits = net(batch)
        representation = net.representation(batch)
    assert logits.shape == (6, 2) and logits.dtype == torch.float32
    assert torch.isfinite(logits).all()
    assert representation.shape[0] == 6 and representation.ndim == 2
    # The head reads exactly the representation.
    torch.testing.assert_close(net.head(representation), logits)


@pytest.mark.parametrize("name", SET_PRESETS)
def test_num_classes(name):
    batch, _ = preset_batch(name, 4, 10)
    with torch.no_grad():
        assert model(name, num_classes=5).eval()(batch).shape == (4, 5)


@pytest.mark.parametrize("name", SET_PRESETS)
@pytest.mark.parametrize("fill", [0.0, 7.5])  # padding as the loader writes it, and garbage
def test_padding_does_not_change_the_output(name, fill):
    net = model(name).eval()
    batch, _ = preset_batch(name, 8, 30)
    with torch.no_grad():
        reference = net(batch)
        # Still within n_particles, and beyond it (rows past 200 / 128 are only padding here).
        for width in (batch.features.shape[1] + 5, 300):
            torch.testing.assert_close(net(widened(batch, width, fill)), reference, rtol=1e-5, atol=1e-6)


def test_loader_padding_to_n_particles_equals_the_natural_width():
    for name in SET_PRESETS:
        net = model(name).eval()
        natural, _ = preset_batch(name, 8, 30, seed=1)
        padded, _ = preset_batch(name, 8, 30, pad_to=getattr(net, "n_particles", 64), seed=1)
        with torch.no_grad():
            torch.testing.assert_close(net(padded), net(natural), rtol=1e-5, atol=1e-6)


def test_fixed_count_models_keep_only_the_leading_particles():
    net = model("MLP").eval()
    batch, _ = preset_batch("MLP", 6, 200, seed=2)
    assert batch.features.shape[1] > 128
    changed = batch.features.clone()
    changed[:, 128:] += 3.0  # particles past the 128th: not read
    with torch.no_grad():
        torch.testing.assert_close(net(ParticleSetBatch(changed, batch.mask)), net(batch))
        changed[:, 127] += 3.0  # the 128th is
        assert not torch.allclose(net(ParticleSetBatch(changed, batch.mask)), net(batch))


def test_deepset_is_permutation_invariant():
    net = model("DeepSet").eval()
    batch, _ = preset_batch("DeepSet", 10, 25, seed=3)
    # A different random order of each jet's rows, real particles and padding mixed.
    order = torch.argsort(torch.rand(batch.mask.shape, generator=torch.Generator().manual_seed(0)), dim=1)
    shuffled = ParticleSetBatch(torch.gather(batch.features, 1, order[..., None].expand_as(batch.features)),
                                torch.gather(batch.mask, 1, order))
    assert not torch.equal(shuffled.mask, batch.mask)
    with torch.no_grad():
        torch.testing.assert_close(net(shuffled), net(batch), rtol=1e-5, atol=1e-5)


def test_deepset_sum_is_pt_weighted():
    net = model("DeepSet").eval()
    batch, _ = preset_batch("DeepSet", 4, 12, seed=4)
    with torch.no_grad():
        z = net.representation(batch)
        for jet in range(4):
            real = batch.features[jet][batch.mask[jet]]
            expected = (real[:, :1] * net.phi(real)).sum(0)
            torch.testing.assert_close(z[jet], expected, rtol=1e-5, atol=1e-5)
        # A particle with zero pT fraction adds nothing to the sum (phi reads pt_rel too, so a
        # collinear split is not exactly invariant: the seed's choice of inputs).
        first = batch.features[0][batch.mask[0]]
        soft = torch.cat([first, torch.tensor([[0.0, 0.3, -0.2, 0.1]])])
        with_soft = ParticleSetBatch(soft[None], torch.ones(1, len(soft), dtype=torch.bool))
        torch.testing.assert_close(net.representation(with_soft)[0], z[0], rtol=1e-5, atol=1e-5)


def test_deepset_batchnorm_statistics_ignore_padding():
    batch, _ = preset_batch("DeepSet", 8, 20, seed=5)
    nets = []
    for b in (batch, widened(batch, 60, fill=4.0)):
        net = model("DeepSet", dropout=0.0).train()
        with torch.no_grad():
            net(b)
        nets.append(net)
    first_norm = nets[0].phi[3]
    torch.testing.assert_close(first_norm.running_mean, nets[1].phi[3].running_mean)
    torch.testing.assert_close(first_norm.running_var, nets[1].phi[3].running_var)


@pytest.mark.parametrize("name", SET_PRESETS)
def test_backbone_and_head_cover_all_parameters(name):
    net = build_preset(name)
    backbone = {id(p) for m in net.backbone_modules() for p in m.parameters()}
    head = {id(p) for p in net.head.parameters()}
    assert backbone and head and not backbone & head
    assert backbone | head == {id(p) for p in net.parameters()}


@pytest.mark.parametrize("name", SET_PRESETS)
def test_one_optimisation_step(name):
    net = model(name).train()
    batch, targets = preset_batch(name, 16, 40, seed=6)
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss = torch.nn.functional.cross_entropy(net(batch), targets["label"])
    assert torch.isfinite(loss)
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
    for n, p in net.named_parameters():
        assert torch.isfinite(p).all(), n
        assert not torch.equal(p, before[n]), f"{n} did not change"
    with torch.no_grad():
        assert torch.isfinite(net.eval()(batch)).all()


@pytest.mark.parametrize("name", SET_PRESETS)
def test_frozen_backbone_gets_no_gradient(name):
    from jettransfer.train.modes import freeze_backbone

    net = model(name).train()
    freeze_backbone(net)
    batch, targets = preset_batch(name, 8, 20, seed=7)
    torch.nn.functional.cross_entropy(net(batch), targets["label"]).backward()
    assert all(p.grad is None for m in net.backbone_modules() for p in m.parameters())
    assert all(p.grad is not None for p in net.head.parameters())


def test_deepset_refuses_a_weight_column_it_does_not_have():
    with pytest.raises(ValueError, match="weight_column"):
        build_preset("DeepSet", weight_column=len(SET_FEATURES))
