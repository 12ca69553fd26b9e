"""The Particle Transformer (models/particle_transformer.py): the published parameter count, the
pair features against hand-computed numbers, invariance to padding and particle order, training
steps, the head / backbone split of transfers, and the loaders' batches."""

import math

import pytest
import torch

from jettransfer.inputs.particle_sets import ParticleSetBatch
from jettransfer.measure.example_inputs import first_jets, synthetic_jets
from jettransfer.measure.flops import flops_per_jet
from jettransfer.models.particle_transformer import ParticleTransformer, pair_features, particle_kinematics
from jettransfer.models.registry import build_model, build_preset, count_parameters, get_architecture, get_preset
from jettransfer.physics.constituents import PARTICLE_FEATURES
from jettransfer.train.checkpoint import save_checkpoint
from jettransfer.train.modes import freeze_backbone, prepare_model, reset_head, set_train_mode

SMALL = {"embed_dims": [16, 32, 16], "pair_embed_dims": [8, 8], "num_heads": 4, "num_layers": 2,
         "num_cls_layers": 1, "projection_dim": 12}
NO_DROPOUT = {"dropout": 0.0, "attn_dropout": 0.0, "activation_dropout": 0.0}
EPS = 1e-8  # the reference's clamp of every log argument


def linear(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out  # weight and bias (a kernel-1 Conv1d has the same)


def norm(n: int) -> int:
    return 2 * n  # LayerNorm or BatchNorm: gain and bias


def part_hand_count(input_dim: int, num_classes: int, embed_dims=(128, 512, 128), pair_embed_dims=(64, 64, 64),
                    num_heads: int = 8, num_layers: int = 8, num_cls_layers: int = 2, head: str = "linear",
                    projection_dim: int = 128, ffn_ratio: int = 4, **_) -> int:
    embedding, width = norm(input_dim), input_dim  # input BatchNorm, then LayerNorm + Linear per width
    for dim in embed_dims:
        embedding, width = embedding + norm(width) + linear(width, dim), dim
    pairs, width = norm(4), 4  # BatchNorm of the 4 pair features, then Conv1d + BatchNorm per width
    for dim in (*pair_embed_dims, num_heads):
        pairs, width = pairs + linear(width, dim) + norm(dim), dim
    d = embed_dims[-1]
    ffn = ffn_ratio * d
    # pre_attn_norm, in_proj (q, k, v), out_proj, post_attn_norm, pre_fc_norm, fc1, post_fc_norm,
    # fc2, c_attn (one per head), w_resid (one per channel)
    block = (norm(d) + linear(d, 3 * d) + linear(d, d) + norm(d) + norm(d) + linear(d, ffn) + norm(ffn)
             + linear(ffn, d) + num_heads + d)
    heads = {"linear": linear(d, num_classes),
             "projection": linear(d, projection_dim) + linear(projection_dim, num_classes),
             "mlp": linear(d, projection_dim) + linear(projection_dim, num_classes)}
    return embedding + pairs + (num_layers + num_cls_layers) * block + d + norm(d) + heads[head]  # + class token, LayerNorm


def test_published_parameter_count():
    # 2,143,486: weaver-core's ParticleTransformer (weaver-core 0.5.3 from PyPI, the config of
    # jet-universe/particle_transformer networks/example_ParticleTransformer.py) counted with
    # input_dim 17 (JetClass full input) and 10 classes; the paper's "2.14M" (arXiv:2202.03772).
    # By layer: embedding 135,364, pair embedding 9,568, 10 blocks x 199,688 (8 particle +
    # 2 class attention), class token 128, final LayerNorm 256, head 1,290.
    model = build_model("particle_transformer", 17, num_classes=10)
    assert part_hand_count(17, 10) == 2_143_486
    assert count_parameters(model) == 2_143_486
    assert count_parameters(model.embed) == 135_364 and count_parameters(model.pair_embed) == 9_568
    assert count_parameters(model.blocks[0]) == count_parameters(model.class_attention.blocks[0]) == 199_688


@pytest.mark.parametrize("preset, num_classes, expected", [
    ("ParT", 2, 2_141_134),  # our 7 particle features (ParT's "kin" inputs), 2 classes
    ("ParT-JetCLR", 128, 2_173_768),  # the 6 features of seed 004, projection head into 128
])
def test_preset_parameter_counts(preset, num_classes, expected):
    spec = get_preset(preset)
    model = build_preset(preset, num_classes=num_classes)
    assert part_hand_count(len(spec.features), num_classes, **spec.params) == expected
    assert count_parameters(model) == expected


def test_registry_entry():
    architecture = get_architecture("particle_transformer")
    assert architecture.family == "particle_set" and architecture.needs_four_momenta
    assert get_preset("ParT").features == PARTICLE_FEATURES
    assert get_preset("ParT-JetCLR").features == get_preset("JetCLR").features
    assert build_preset("ParT").n_particles == 128 and build_preset("ParT-JetCLR").n_particles == 50


# ----------------------------------------------------------------------------- pair features


def massless(pt: float, rapidity: float, phi: float) -> list[float]:
    return [pt * math.cos(phi), pt * math.sin(phi), pt * math.sinh(rapidity), pt * math.cosh(rapidity)]


def features_of(pi, pj) -> torch.Tensor:
    k = particle_kinematics(torch.tensor([pi, pj], dtype=torch.float32))
    return pair_features(k[0], k[1])


@pytest.mark.parametrize("pi, pj, kt, z, delta, m2", [
    # Perpendicular in the transverse plane at y = 0: dR = pi / 2; m^2 = 15^2 - 10^2 - 5^2.
    ([10, 0, 0, 10], [0, 5, 0, 5], 5 * math.pi / 2, 1 / 3, math.pi / 2, 100.0),
    # Same azimuth, rapidities 0 and ln 3 ((5 + 4) / (5 - 4) = 9); m^2 = 15^2 - 13^2 - 4^2.
    ([10, 0, 0, 10], [3, 0, 4, 5], 3 * math.log(3), 3 / 13, math.log(3), 40.0),
    # Both: dR^2 = ln^2 3 + pi^2 / 4; m^2 = 10^2 - (3^2 + 5^2 + 4^2).
    ([0, 5, 0, 5], [3, 0, 4, 5], 3 * math.hypot(math.log(3), math.pi / 2), 3 / 8,
     math.hypot(math.log(3), math.pi / 2), 50.0),
    # Across the azimuth's seam (phi = pi - 0.1 and -pi + 0.1): dphi 0.2, not 2 pi - 0.2;
    # m^2 = 2 pT^2 (1 - cos 0.2) for two massless particles at equal rapidity.
    (massless(20, 0.5, math.pi - 0.1), massless(10, 0.5, -math.pi + 0.1), 10 * 0.2, 1 / 3, 0.2,
     2 * 20 * 10 * (1 - math.cos(0.2))),
    # A massive particle with itself (m^2 = 13^2 - 3^2 - 4^2 = 144): dR = 0 and kT = 0 clamp at
    # eps, z = 1/2, the pair's mass is 2m.
    ([3, 4, 0, 13], [3, 4, 0, 13], EPS, 0.5, EPS, 4 * 144.0),
    # A massless particle with itself: every log argument but z at the clamp, nothing infinite.
    ([10, 0, 0, 10], [10, 0, 0, 10], EPS, 0.5, EPS, EPS),
])
def test_pair_features_by_hand(pi, pj, kt, z, delta, m2):
    expected = torch.tensor([math.log(kt), math.log(z), math.log(delta), math.log(m2)])
    torch.testing.assert_close(features_of(pi, pj), expected, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(features_of(pj, pi), expected, rtol=1e-5, atol=1e-5)  # symmetric


def reference_pair_features(pi: torch.Tensor, pj: torch.Tensor) -> torch.Tensor:
    """The reference's formulas as written (rapidity 0.5 ln(1 + 2 pz / (E - pz)), m^2 of the pair
    as E^2 - |p|^2 of p_i + p_j), in the inputs' dtype."""
    def pt_y_phi(p):
        return torch.hypot(p[..., 0], p[..., 1]), 0.5 * torch.log1p(2 * p[..., 2] / (p[..., 3] - p[..., 2])), \
            torch.atan2(p[..., 1], p[..., 0])
    (pt_i, y_i, phi_i), (pt_j, y_j, phi_j) = pt_y_phi(pi), pt_y_phi(pj)
    dphi = torch.remainder(phi_i - phi_j + math.pi, 2 * math.pi) - math.pi
    delta = torch.sqrt((y_i - y_j) ** 2 + dphi**2)
    pt_min, total = torch.minimum(pt_i, pt_j), pi + pj
    m2 = total[..., 3] ** 2 - total[..., :3].square().sum(-1)
    return torch.stack([torch.log((pt_min * delta).clamp(min=EPS)), torch.log((pt_min / (pt_i + pt_j)).clamp(min=EPS)),
                        torch.log(delta.clamp(min=EPS)), torch.log(m2.clamp(min=EPS))], dim=-1)


def test_pair_features_of_float32_momenta_are_exact_for_them():
    """Hadrons of 1-50 GeV (m 0.14-0.94 GeV), all pairs with self pairs, as float32 momenta: the
    features equal the reference's formulas evaluated in float64 on the same momenta. In float32
    those lose the small masses (E^2 - |p|^2 cancels): here only to show that the check bites."""
    batch = toy_jets([12], 12, seed=8)
    p = batch.four_momenta[0]
    pi, pj = p[:, None].expand(-1, 12, -1), p[None, :].expand(12, -1, -1)
    k = particle_kinematics(p)
    ours = pair_features(k[:, None].expand(-1, 12, -1), k[None, :].expand(12, -1, -1))
    assert ours.dtype == torch.float32
    exact = reference_pair_features(pi.double(), pj.double())
    torch.testing.assert_close(ours.double(), exact, rtol=0, atol=1e-4)
    assert (reference_pair_features(pi, pj)[..., 3].double() - exact[..., 3]).abs().max() > 1e-3


# ----------------------------------------------------------------------------- toy jets


def toy_jets(counts: list[int], width: int, input_dim: int = 7, seed: int = 0) -> ParticleSetBatch:
    """Random particles of a jet around an axis (massive hadrons, 1-50 GeV), padded to `width`."""
    g = torch.Generator().manual_seed(seed)
    shape = (len(counts), width)
    mask = torch.arange(width)[None, :] < torch.tensor(counts)[:, None]
    pt = 1 + 49 * torch.rand(shape, generator=g)
    eta, phi = 0.3 * torch.randn(shape, generator=g) + 0.5, 0.3 * torch.randn(shape, generator=g) + 3.0
    mass = 0.14 + 0.8 * torch.rand(shape, generator=g)
    px, py, pz = pt * torch.cos(phi), pt * torch.sin(phi), pt * torch.sinh(eta)
    p4 = torch.stack([px, py, pz, torch.sqrt(px**2 + py**2 + pz**2 + mass**2)], dim=-1)
    features = torch.randn(*shape, input_dim, generator=g)
    return ParticleSetBatch(features * mask[..., None], mask, p4 * mask[..., None])


def repadded(batch: ParticleSetBatch, width: int, junk: bool = False, seed: int = 1) -> ParticleSetBatch:
    """The same jets padded to `width` rows; with junk, the padding rows hold random values."""
    g = torch.Generator().manual_seed(seed)
    n_jets, _, n_features = batch.features.shape
    features = torch.randn(n_jets, width, n_features, generator=g) if junk else torch.zeros(n_jets, width, n_features)
    p4 = 100 * torch.rand(n_jets, width, 4, generator=g) if junk else torch.zeros(n_jets, width, 4)
    mask = torch.zeros(n_jets, width, dtype=torch.bool)
    for jet in range(n_jets):
        real = batch.mask[jet]
        n = int(real.sum())
        mask[jet, :n] = True
        features[jet, :n], p4[jet, :n] = batch.features[jet, real], batch.four_momenta[jet, real]
    return ParticleSetBatch(features, mask, p4)


def shuffled(batch: ParticleSetBatch, seed: int = 0) -> ParticleSetBatch:
    """Each jet's rows in another random order, real particles and padding mixed."""
    order = torch.argsort(torch.rand(batch.mask.shape, generator=torch.Generator().manual_seed(seed)), dim=1)

    def take(t: torch.Tensor) -> torch.Tensor:
        return torch.gather(t, 1, order[..., None].expand_as(t))

    return ParticleSetBatch(take(batch.features), torch.gather(batch.mask, 1, order), take(batch.four_momenta))


def small(input_dim: int = 7, num_classes: int = 3, seed: int = 0, **params) -> ParticleTransformer:
    torch.manual_seed(seed)
    return ParticleTransformer(input_dim, num_classes, **{**SMALL, **params})


def test_small_parameter_counts_and_shapes():
    for head in ("linear", "projection", "mlp"):
        model = small(head=head).eval()
        assert count_parameters(model) == part_hand_count(7, 3, **{**SMALL, "head": head})
        batch = toy_jets([5, 1, 9], 9)
        with torch.no_grad():
            assert model(batch).shape == (3, 3) and model.representation(batch).shape == (3, 16)
            torch.testing.assert_close(model.head(model.representation(batch)), model(batch))


def test_output_does_not_depend_on_padding():
    model = small().eval()
    batch = toy_jets([7, 1, 3, 6, 2], 7)
    with torch.no_grad():
        reference = model(batch)
        for width, junk in ((7, True), (12, False), (20, True)):
            torch.testing.assert_close(model(repadded(batch, width, junk)), reference, rtol=1e-5, atol=1e-5)
        alone = ParticleSetBatch(batch.features[2:3, :3], batch.mask[2:3, :3], batch.four_momenta[2:3, :3])
        torch.testing.assert_close(model(alone), reference[2:3], rtol=1e-5, atol=1e-5)


def test_padding_does_not_reach_the_batch_norm_statistics_in_training():
    """Training mode without dropout or random trimming: the batch statistics are over real
    particles and pairs only, so the outputs and the running statistics ignore padding too."""
    batch = toy_jets([7, 1, 3, 6, 2], 7, seed=3)
    outputs, states = [], []
    for width, junk in ((7, False), (15, True)):
        model = small(trim=False, block_params=NO_DROPOUT).train()
        outputs.append(model(repadded(batch, width, junk)))
        states.append({k: v for k, v in model.state_dict().items() if "running" in k})
    torch.testing.assert_close(outputs[1], outputs[0], rtol=1e-5, atol=1e-5)
    for key, value in states[0].items():
        torch.testing.assert_close(states[1][key], value, rtol=1e-5, atol=1e-6)


def test_output_does_not_depend_on_particle_order():
    model = small().eval()
    batch = toy_jets([8, 4, 1, 6], 8, seed=1)
    order = shuffled(batch)
    assert not torch.equal(order.mask, batch.mask)
    with torch.no_grad():
        torch.testing.assert_close(model(order), model(batch), rtol=1e-5, atol=1e-5)


def test_the_pair_bias_is_symmetric_and_zero_on_padding():
    model = small().eval()
    batch = toy_jets([5, 2], 6, seed=2)
    with torch.no_grad():
        bias = model.pair_embed(batch.four_momenta, batch.mask)  # [B, heads, P, P]
    assert bias.shape == (2, 4, 6, 6)
    torch.testing.assert_close(bias, bias.transpose(2, 3))
    pairs = batch.mask[:, :, None] & batch.mask[:, None, :]
    assert torch.all(bias.permute(0, 2, 3, 1)[~pairs] == 0) and torch.all(bias.permute(0, 2, 3, 1)[pairs] != 0)


def test_the_pair_bias_changes_the_output():
    """The four-momenta reach the output (the pair bias), and without a pair embedding they do not."""
    batch = toy_jets([6, 4], 6, seed=4)
    boosted = ParticleSetBatch(batch.features, batch.mask, batch.four_momenta * torch.tensor([1.0, 1.0, 3.0, 3.0]))
    with torch.no_grad():
        model = small().eval()
        assert not torch.allclose(model(boosted), model(batch))
        plain = small(pair_embed_dims=None).eval()
        torch.testing.assert_close(plain(boosted), plain(batch))
        torch.testing.assert_close(plain(ParticleSetBatch(batch.features, batch.mask)), plain(batch))
    with pytest.raises(ValueError, match="four_momenta"):
        model(ParticleSetBatch(batch.features, batch.mask))


def test_empty_jets_get_finite_outputs():
    model = small().eval()
    batch = toy_jets([0, 3, 0], 4)
    with torch.no_grad():
        out = model(batch)
        nothing = model(ParticleSetBatch(torch.zeros(2, 0, 7), torch.zeros(2, 0, dtype=torch.bool), torch.zeros(2, 0, 4)))
    assert torch.isfinite(out).all() and torch.isfinite(nothing).all()
    torch.testing.assert_close(out[0], out[2])  # both only the class token
    torch.testing.assert_close(nothing[0], out[0])


def test_random_trimming_in_training_keeps_a_subset_of_each_jet():
    model = small(trim_target=(0.5, 0.5)).train()  # keep the median multiplicity: 4 of [8, 6, 4, 2, 1]
    batch = toy_jets([8, 6, 4, 2, 1], 8, seed=5)
    torch.manual_seed(0)
    features, p4, mask = model._trimmed(batch)
    assert mask.shape[1] == 4 and mask.sum(1).tolist() == [4, 4, 4, 2, 1]
    for jet in range(5):
        kept = features[jet][mask[jet]]
        original = batch.features[jet][batch.mask[jet]]
        assert all((row == original).all(1).any() for row in kept)  # real particles, none made up
        momenta = {tuple(r.tolist()) for r in batch.four_momenta[jet][batch.mask[jet]]}
        assert {tuple(r.tolist()) for r in p4[jet][mask[jet]]} <= momenta
    model.eval()  # eval mode (and a frozen backbone) trims padding only
    assert model._trimmed(batch)[2].sum(1).tolist() == [8, 6, 4, 2, 1]


def test_gradient_reaches_every_parameter():
    model = small().train()
    batch = toy_jets([6, 3, 5, 1], 6, seed=6)
    torch.nn.functional.cross_entropy(model(batch), torch.tensor([0, 1, 2, 1])).backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert not missing
    # A bias right before a BatchNorm in training mode is cancelled by it: its true gradient is zero.
    before_norm = {f"pair_embed.layers.{i}.bias" for i in (1, 4, 7)}
    zero = [n for n, p in model.named_parameters() if n not in before_norm and not p.grad.abs().sum() > 0]
    assert not zero


def test_training_steps_learn_a_toy_task():
    torch.manual_seed(0)
    batch = toy_jets([6, 5, 4, 6, 3, 5, 2, 6], 6, seed=7)
    targets = torch.tensor([0, 1] * 4)
    batch.features[targets == 1] += 1.0 * batch.mask[targets == 1][..., None]
    model = small(num_classes=2)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(12):
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(model.train()(batch), targets)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_backbone_and_head_partition_the_parameters():
    for params in ({}, {"pair_embed_dims": None}):
        model = small(**params)
        backbone = [id(p) for module in model.backbone_modules() for p in module.parameters()]
        head = [id(p) for p in model.head.parameters()]
        assert len(set(backbone)) == len(backbone) and not set(backbone) & set(head)
        assert set(backbone) | set(head) == {id(p) for p in model.parameters()}


def test_head_reset_and_frozen_training_leave_the_backbone():
    model = small(head="mlp")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    reset_head(model)
    after = model.state_dict()
    assert all(torch.equal(after[k], v) for k, v in before.items() if not k.startswith("head."))
    assert any(not torch.equal(after[k], v) for k, v in before.items() if k.endswith("weight") and k.startswith("head."))
    # Frozen: a training step moves the head only; BatchNorm statistics stay (eval-mode backbone).
    freeze_backbone(model)
    set_train_mode(model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optimiser = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    loss = model(toy_jets([5, 3, 6], 6)).square().sum()
    loss.backward()
    optimiser.step()
    after = model.state_dict()
    assert all(torch.equal(after[k], v) for k, v in before.items() if not k.startswith("head."))
    assert any(not torch.equal(after[k], v) for k, v in before.items() if k.startswith("head."))


def test_a_contrastive_projection_transfers_to_a_linear_probe(tmp_path):
    """The contrastive study's path: pretrained with a projection head of another width, then
    probed frozen with a linear head on the same backbone."""
    params = {**SMALL, "head": "projection"}
    spec = {"architecture": "particle_transformer", "features": list(PARTICLE_FEATURES), "params": params,
            "num_classes": 12}
    torch.manual_seed(0)
    source = build_model("particle_transformer", 7, params, num_classes=12)
    save_checkpoint(tmp_path / "source.pt", source, spec)
    probe_params = {**SMALL, "head": "linear"}
    probe = build_model("particle_transformer", 7, probe_params, num_classes=2)
    prepare_model(probe, "frozen", {**spec, "params": probe_params, "num_classes": 2}, tmp_path / "source.pt")
    for key, value in source.state_dict().items():
        if not key.startswith("head."):
            assert torch.equal(probe.state_dict()[key], value), key
    batch = toy_jets([4, 6], 6)
    with torch.no_grad():
        torch.testing.assert_close(probe.eval().representation(batch), source.eval().representation(batch))


def test_loader_batches_and_flop_count():
    """Synthetic jets of the preset's features through the model's own loader (padded to
    n_particles), and the FLOP counter, on a small ParT."""
    spec = {"architecture": "particle_transformer", "features": list(PARTICLE_FEATURES), "params": SMALL}
    model = build_model("particle_transformer", 7, {**SMALL, "n_particles": 40}).eval()
    jets = synthetic_jets("particle_transformer", PARTICLE_FEATURES, 3, rows=(5, 50))
    batch = first_jets(jets, spec, model)
    assert batch.four_momenta is not None and batch.features.shape[1] == 40
    with torch.no_grad():
        scores = model(batch)
    assert scores.shape == (3, 2) and torch.isfinite(scores).all()
    assert flops_per_jet(model, batch, 3).flops_per_jet > 0


def test_bf16_autocast_runs():
    model = small().eval()
    batch = toy_jets([5, 2, 6], 6)
    with torch.no_grad():
        reference = model(batch)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = model(batch)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out.float(), reference, rtol=0.1, atol=0.1)
