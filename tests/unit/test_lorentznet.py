"""LorentzNet (seed 003's teacher): size, masking of padding, the symmetries that hold with the
beams fixed, the dense BatchNorm statistics, training."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from jettransfer.inputs.particle_sets import ParticleSetBatch
from jettransfer.models.lorentznet import LorentzNet
from jettransfer.models.registry import build_preset, count_parameters
from jettransfer.train.modes import freeze_backbone


def toy_jets(n_jets: int = 6, max_particles: int = 20, seed: int = 0, width: int | None = None,
             dtype: torch.dtype = torch.float64) -> ParticleSetBatch:
    """Pions (m = 0.14 GeV) of ~300 GeV jets around random axes; jets of 1 to max_particles. Not
    massless: the node scalar sqrt|m^2| is ill-conditioned at m = 0 (rounding of m^2 ~ 1e-11
    GeV^2 in float64 gives ~3e-6 GeV), which would hide the exact symmetries under noise."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, max_particles + 1, size=n_jets)
    counts[0] = max_particles
    width = width or max_particles
    p4 = torch.zeros(n_jets, width, 4, dtype=dtype)
    mask = torch.zeros(n_jets, width, dtype=torch.bool)
    for row, n in enumerate(counts):
        pt = 300 * rng.dirichlet(np.ones(n))
        eta = rng.uniform(-1.5, 1.5) + rng.normal(0, 0.3, n)
        phi = rng.uniform(-np.pi, np.pi) + rng.normal(0, 0.3, n)
        energy = np.sqrt((pt * np.cosh(eta)) ** 2 + 0.14 ** 2)
        p4[row, :n] = torch.from_numpy(np.stack([pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta), energy], 1))
        mask[row, :n] = True
    return ParticleSetBatch(torch.zeros(n_jets, width, 4, dtype=dtype), mask, p4)


def model64(seed: int = 0, **params) -> LorentzNet:
    torch.manual_seed(seed)
    return LorentzNet(4, **params).double().eval()


def boost_x(p4: torch.Tensor, beta: float) -> torch.Tensor:
    """E' = gamma (E - beta px), px' = gamma (px - beta E): seed 003's boost along x."""
    gamma = 1 / math.sqrt(1 - beta ** 2)
    out = p4.clone()
    out[..., 0] = gamma * (p4[..., 0] - beta * p4[..., 3])
    out[..., 3] = gamma * (p4[..., 3] - beta * p4[..., 0])
    return out


def rotate_z(p4: torch.Tensor, angle: float) -> torch.Tensor:
    out = p4.clone()
    c, s = math.cos(angle), math.sin(angle)
    out[..., 0] = c * p4[..., 0] - s * p4[..., 1]
    out[..., 1] = s * p4[..., 0] + c * p4[..., 1]
    return out


def with_momenta(batch: ParticleSetBatch, p4: torch.Tensor) -> ParticleSetBatch:
    return ParticleSetBatch(batch.features, batch.mask, p4 * batch.mask.unsqueeze(-1))


def test_parameter_count_is_the_published_one():
    assert count_parameters(LorentzNet(4)) == 224_072
    assert count_parameters(build_preset("LorentzNet")) == 224_072


@pytest.mark.parametrize("num_classes", [1, 2, 5])
def test_output_shape_and_contract(num_classes):
    model = model64(num_classes=num_classes)
    batch = toy_jets()
    with torch.no_grad():
        assert model(batch).shape == (6, num_classes)
        assert model.representation(batch).shape == (6, 72)
        torch.testing.assert_close(model.head(model.representation(batch)), model(batch))
    assert model.backbone_modules() == [model.embedding, model.blocks]
    assert len(model.blocks) == 6 and not hasattr(model.blocks[-1], "phi_x")


def test_needs_four_momenta():
    batch = toy_jets()
    with pytest.raises(ValueError, match="four_momenta"):
        LorentzNet(4)(ParticleSetBatch(batch.features, batch.mask))


def test_padding_and_batch_composition_do_not_change_the_output():
    model = model64()
    narrow, wide = toy_jets(width=20), toy_jets(width=45)
    with torch.no_grad():
        reference = model(narrow)
        torch.testing.assert_close(model(wide), reference, rtol=1e-10, atol=1e-12)
        # Each jet alone, in a batch of one, as in a batch of six.
        for row in range(6):
            alone = ParticleSetBatch(narrow.features[row:row + 1], narrow.mask[row:row + 1],
                                     narrow.four_momenta[row:row + 1])
            torch.testing.assert_close(model(alone)[0], reference[row], rtol=1e-10, atol=1e-12)


def test_padding_does_not_reach_batch_statistics_in_training_mode():
    """Train mode: BatchNorm statistics over real pairs and nodes only, so logits and running
    statistics do not depend on the padded width."""
    outputs, stats = [], []
    for width in (20, 33):
        model = model64().train()
        torch.manual_seed(5)  # the same dropout mask
        outputs.append(model(toy_jets(width=width)).detach())
        stats.append(torch.cat([b.running_var for b in model.modules() if isinstance(b, torch.nn.BatchNorm1d)]))
    torch.testing.assert_close(outputs[1], outputs[0], rtol=1e-9, atol=1e-11)
    torch.testing.assert_close(stats[1], stats[0], rtol=1e-9, atol=1e-12)


def test_dense_edge_batch_norm_statistics_equal_those_of_the_explicit_pairs():
    """phi_e's BatchNorm statistics are computed from node sums; check them against the
    pre-activations of the explicit pairs of the first block."""
    model = model64().train()
    batch = toy_jets()
    block = model.blocks[0]
    bn = block.phi_e[1]
    bn.momentum = 1.0  # running statistics := this batch's
    with torch.no_grad():
        model.representation(batch)
    x, node_mask, _ = model.nodes(batch.four_momenta, batch.mask)
    metric = torch.tensor([-1.0, -1.0, -1.0, 1.0], dtype=x.dtype)
    mass = (x * x * metric).sum(-1).abs().sqrt()
    beam = torch.zeros_like(node_mask)
    beam[:, :2] = True
    scalars = torch.stack([mass * ~beam, mass * beam], -1)
    h = model.embedding(torch.sign(scalars) * torch.log1p(scalars.abs()))
    pre = []
    for b in range(len(x)):
        real = node_mask[b].nonzero().squeeze(1)
        for i in real:
            for j in real:
                if i == j:
                    continue
                diff = x[b, i] - x[b, j]
                nd = torch.stack([(diff * diff * metric).sum(), (x[b, i] * x[b, j] * metric).sum()])
                nd = torch.sign(nd) * torch.log1p(nd.abs())
                pre.append(block.phi_e[0](torch.cat([h[b, i], h[b, j], nd])))
    pre = torch.stack(pre).detach()
    torch.testing.assert_close(bn.running_mean, pre.mean(0), rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(bn.running_var, pre.var(0), rtol=1e-9, atol=1e-12)


def test_particle_order_does_not_matter_nor_where_the_padding_sits():
    model = model64()
    batch = toy_jets(width=25)
    generator = torch.Generator().manual_seed(0)
    # Shuffle all 25 slots of each jet: real particles and padding interleave.
    perm = torch.stack([torch.randperm(25, generator=generator) for _ in range(6)])
    shuffled = ParticleSetBatch(batch.features, batch.mask.gather(1, perm),
                                batch.four_momenta.gather(1, perm.unsqueeze(-1).expand(-1, -1, 4)))
    jets = torch.tensor([3, 0, 5, 1, 4, 2])
    reordered = ParticleSetBatch(batch.features[jets], batch.mask[jets], batch.four_momenta[jets])
    with torch.no_grad():
        reference = model(batch)
        torch.testing.assert_close(model(shuffled), reference, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(model(reordered), reference[jets], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("angle", [0.3, 2.0, -2.9])
def test_rotations_about_the_beam_axis_leave_the_output_unchanged(angle):
    """The beams lie on z, so a rotation about z fixes them: an exact symmetry."""
    model = model64()
    batch = toy_jets()
    with torch.no_grad():
        torch.testing.assert_close(model(with_momenta(batch, rotate_z(batch.four_momenta, angle))), model(batch),
                                   rtol=1e-8, atol=1e-10)
        mirrored = batch.four_momenta * torch.tensor([-1.0, 1.0, 1.0, 1.0], dtype=torch.float64)
        torch.testing.assert_close(model(with_momenta(batch, mirrored)), model(batch), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("beta", [0.3, 0.8])
def test_blocks_are_lorentz_invariant_when_the_beams_are_boosted_with_the_jet(beta):
    """The blocks see only Minkowski products: boosting every node, beams included, leaves the
    representation unchanged. The model itself keeps its beams fixed, so a boost of the jet
    alone along x (seed 003's Figure 2a) does change the output."""
    model = model64()
    batch = toy_jets()
    with torch.no_grad():
        x, node_mask, _ = model.nodes(batch.four_momenta, batch.mask)
        boosted_all = boost_x(x, beta) * node_mask.unsqueeze(-1)
        torch.testing.assert_close(model.encode(boosted_all, node_mask), model.encode(x, node_mask),
                                   rtol=1e-7, atol=1e-9)
        jet_only = model(with_momenta(batch, boost_x(batch.four_momenta, beta)))
        assert (jet_only - model(batch)).abs().max() > 1e-4


def test_training_steps_run_and_change_every_weight():
    torch.manual_seed(0)
    model = LorentzNet(4, dropout=0.0)
    batch = toy_jets(n_jets=16, dtype=torch.float32)
    labels = torch.arange(16) % 2
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(batch), labels)
        loss.backward()
        assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())
        optimizer.step()
        losses.append(float(loss.detach()))
    assert all(math.isfinite(v) for v in losses)
    # phi_h's first bias feeds a BatchNorm: its gradient is zero up to rounding, so Adam may
    # or may not move it.
    unchanged = [name for name, p in model.named_parameters()
                 if torch.equal(p, before[name]) and not name.endswith("phi_h.0.bias")]
    assert unchanged == []


def test_frozen_backbone_records_no_graph():
    torch.manual_seed(0)
    model = LorentzNet(4)
    freeze_backbone(model)
    representation = model.representation(toy_jets(dtype=torch.float32))
    assert not representation.requires_grad
    assert model(toy_jets(dtype=torch.float32)).requires_grad  # the head still trains


def test_bf16_autocast_keeps_the_geometry_in_float32():
    torch.manual_seed(0)
    model = LorentzNet(4).eval()
    batch = toy_jets(dtype=torch.float32)
    with torch.no_grad():
        full = model(batch)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            mixed = model(batch)
    assert torch.isfinite(mixed).all()
    torch.testing.assert_close(mixed.float(), full, rtol=0.1, atol=0.1)
