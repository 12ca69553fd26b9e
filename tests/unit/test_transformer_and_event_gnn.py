"""TransformerEncoder (seed 004, JetCLR) and EventGNN (seed 002): parameter counts against hand
counts, invariances, empty inputs, training steps, the head / backbone split."""

import numpy as np
import pytest
import torch

from jettransfer.data.packed_file import make_packed
from jettransfer.inputs.event_graphs import EventGraphBatch, EventGraphBatches
from jettransfer.inputs.particle_sets import ParticleSetBatch
from jettransfer.models.event_gnn import EventGNN
from jettransfer.models.registry import build_model, build_preset, count_parameters
from jettransfer.models.transformer import TransformerEncoder
from jettransfer.physics.objects import EVENT_OBJECT_FEATURES
from jettransfer.train.modes import freeze_backbone
from tests.unit.test_event_graphs import hand_made_events

SMALL = {"model_dim": 16, "n_heads": 4, "ff_dim": 24, "n_layers": 2, "projection_dim": 12}


def linear(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out  # weight and bias


def layer_norm(n: int) -> int:
    return 2 * n  # gain and bias


def transformer_hand_count(input_dim: int, num_classes: int, head: str, model_dim: int = 1000, ff_dim: int = 1000,
                           n_layers: int = 4, projection_dim: int = 1000, **_: int) -> int:
    embedding = linear(input_dim, model_dim)
    attention = 3 * model_dim * model_dim + 3 * model_dim + linear(model_dim, model_dim)  # in_proj (q, k, v), out_proj
    feed_forward = linear(model_dim, ff_dim) + linear(ff_dim, model_dim)
    layer = attention + feed_forward + 2 * layer_norm(model_dim)
    heads = {"linear": linear(model_dim, num_classes),
             "projection": linear(model_dim, projection_dim) + linear(projection_dim, num_classes),
             "mlp": linear(model_dim, projection_dim) + linear(projection_dim, num_classes)}
    return embedding + n_layers * layer + heads[head]


def random_sets(n_jets: int, width: int, input_dim: int = 6, seed: int = 0, counts: list[int] | None = None
                ) -> ParticleSetBatch:
    """Random particle sets, padded with zeros to `width`."""
    generator = torch.Generator().manual_seed(seed)
    if counts is None:
        counts = torch.randint(1, width + 1, (n_jets,), generator=generator).tolist()
    mask = torch.arange(width)[None, :] < torch.tensor(counts)[:, None]
    features = torch.randn(n_jets, width, input_dim, generator=generator) * mask[..., None]
    return ParticleSetBatch(features, mask)


def repadded(batch: ParticleSetBatch, width: int, junk: bool = False) -> ParticleSetBatch:
    """The same jets padded to `width` rows; with junk, the padding rows hold random values."""
    n_jets, old, n_features = batch.features.shape
    features = torch.randn(n_jets, width, n_features) if junk else torch.zeros(n_jets, width, n_features)
    mask = torch.zeros(n_jets, width, dtype=torch.bool)
    keep = min(old, width)
    mask[:, :keep] = batch.mask[:, :keep]
    features[:, :keep][mask[:, :keep]] = batch.features[:, :keep][batch.mask[:, :keep]]
    return ParticleSetBatch(features, mask)


def all_parameters_changed_by_one_step(model: torch.nn.Module, batch, targets: torch.Tensor) -> None:
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    loss = torch.nn.functional.cross_entropy(model(batch), targets)
    loss.backward()
    optimiser.step()
    unchanged = [name for name, p in model.named_parameters() if torch.equal(p, before[name])]
    assert not unchanged


def assert_backbone_and_head_partition_the_parameters(model: torch.nn.Module) -> None:
    backbone = [id(p) for module in model.backbone_modules() for p in module.parameters()]
    head = [id(p) for p in model.head.parameters()]
    assert len(set(backbone)) == len(backbone) and not set(backbone) & set(head)
    assert set(backbone) | set(head) == {id(p) for p in model.parameters()}


# ----------------------------------------------------------------------------- transformer


@pytest.mark.parametrize("head, expected", [("projection", 25_050_002), ("linear", 24_049_002), ("mlp", 25_050_002)])
def test_transformer_default_parameter_count_equals_the_hand_count(head, expected):
    model = build_model("transformer", 6, {"head": head})
    # By hand: embedding 6*1000 + 1000 = 7,000; each of 4 layers: in_proj 3,003,000, out_proj
    # 1,001,000, two feed-forward linears 1,001,000 each, two LayerNorms 2,000 each = 6,010,000.
    assert transformer_hand_count(6, 2, head) == expected
    assert count_parameters(model) == expected
    assert model.n_particles == 50


@pytest.mark.parametrize("head", ["projection", "linear", "mlp"])
@pytest.mark.parametrize("num_classes", [1, 2, 7])
def test_transformer_output_shapes_and_small_parameter_counts(head, num_classes):
    model = TransformerEncoder(5, num_classes, head=head, **SMALL).eval()
    assert count_parameters(model) == transformer_hand_count(5, num_classes, head, **SMALL)
    batch = random_sets(4, 9, input_dim=5)
    with torch.no_grad():
        assert model(batch).shape == (4, num_classes)
        assert model.representation(batch).shape == (4, SMALL["model_dim"])
    assert_backbone_and_head_partition_the_parameters(model)


def test_jetclr_preset_is_the_transformer_on_six_features():
    model = build_preset("JetCLR", num_classes=1000)
    assert isinstance(model, TransformerEncoder)
    assert model.embedding.in_features == 6 and model.head[-1].out_features == 1000


@pytest.mark.parametrize("pooling", [{}, {"weight_column": 2}])
def test_transformer_output_does_not_depend_on_padding(pooling):
    torch.manual_seed(0)
    model = TransformerEncoder(6, 3, **SMALL, **pooling).eval()
    batch = random_sets(5, 7, counts=[7, 1, 3, 6, 2])
    with torch.no_grad():
        reference = model(batch)
        for width, junk in ((7, True), (12, False), (20, True)):
            torch.testing.assert_close(model(repadded(batch, width, junk)), reference, rtol=1e-5, atol=1e-5)
        # One jet alone, padded to its own length only.
        torch.testing.assert_close(model(repadded(ParticleSetBatch(batch.features[2:3], batch.mask[2:3]), 3)),
                                   reference[2:3], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("pooling", [{}, {"weight_column": 0}])
def test_transformer_output_does_not_depend_on_particle_order(pooling):
    torch.manual_seed(1)
    model = TransformerEncoder(6, 2, **SMALL, **pooling).eval()
    batch = random_sets(4, 8)
    order = torch.stack([torch.randperm(8) for _ in range(4)])  # padding rows move too
    shuffled = ParticleSetBatch(torch.gather(batch.features, 1, order[..., None].expand(-1, -1, 6)),
                                torch.gather(batch.mask, 1, order))
    with torch.no_grad():
        torch.testing.assert_close(model(shuffled), model(batch), rtol=1e-5, atol=1e-5)


def test_weighted_sum_pooling_weights_each_particle_by_its_column():
    model = TransformerEncoder(4, 2, **SMALL, weight_column=3).eval()
    batch = random_sets(3, 5, input_dim=4, counts=[5, 2, 4])
    with torch.no_grad():
        h = model.encoder(model.embedding(batch.features), src_key_padding_mask=~batch.mask)
        expected = (h * (batch.features[..., 3] * batch.mask)[..., None]).sum(dim=1)
        torch.testing.assert_close(model.representation(batch), expected, rtol=1e-5, atol=1e-5)
    mean_model = TransformerEncoder(4, 2, **SMALL).eval()
    with torch.no_grad():
        h = mean_model.encoder(mean_model.embedding(batch.features), src_key_padding_mask=~batch.mask)
        expected = (h * batch.mask[..., None]).sum(dim=1) / batch.mask.sum(dim=1, keepdim=True)
        torch.testing.assert_close(mean_model.representation(batch), expected, rtol=1e-5, atol=1e-5)


def test_transformer_refuses_inconsistent_pooling_settings():
    with pytest.raises(ValueError, match="weight_column"):
        TransformerEncoder(6, pooling="weighted_sum", **SMALL)
    with pytest.raises(ValueError, match="weight_column"):
        TransformerEncoder(6, pooling="mean", weight_column=1, **SMALL)
    with pytest.raises(ValueError, match="unknown head"):
        TransformerEncoder(6, head="bilinear", **SMALL)


@pytest.mark.parametrize("train", [False, True])
def test_empty_jets_give_finite_outputs_and_gradients(train):
    torch.manual_seed(2)
    model = TransformerEncoder(6, 2, **SMALL).train(train)
    batch = random_sets(3, 4, counts=[3, 0, 4])
    out = model(batch)
    assert torch.isfinite(out).all()
    assert torch.equal(model.representation(batch)[1], torch.zeros(SMALL["model_dim"]))
    out.sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    for width in (0, 3):  # a batch of empty jets only, with and without padding
        nothing = ParticleSetBatch(torch.zeros(2, width, 6), torch.zeros(2, width, dtype=torch.bool))
        assert torch.isfinite(model(nothing)).all()
    if not train:  # an empty jet does not disturb the others of its batch
        with torch.no_grad():
            torch.testing.assert_close(model(batch)[[0, 2]],
                                       model(ParticleSetBatch(batch.features[[0, 2]], batch.mask[[0, 2]])))


def test_transformer_training_step_changes_every_weight():
    torch.manual_seed(3)
    model = TransformerEncoder(6, 2, **SMALL)
    all_parameters_changed_by_one_step(model, random_sets(8, 6), torch.tensor([0, 1] * 4))


def test_transformer_under_bf16_autocast_stays_close_and_finite():
    torch.manual_seed(4)
    model = TransformerEncoder(6, 2, **SMALL).eval()
    batch = random_sets(4, 6, counts=[6, 0, 2, 5])
    with torch.no_grad():
        reference = model(batch)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = model(batch)
            representation = model.representation(batch)
    assert representation.dtype == torch.float32  # pooled in float32
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out.float(), reference, rtol=0.1, atol=0.1)


def test_frozen_transformer_trains_only_its_head():
    model = TransformerEncoder(6, 2, **SMALL)
    freeze_backbone(model)
    torch.nn.functional.cross_entropy(model(random_sets(4, 5)), torch.tensor([0, 1, 0, 1])).backward()
    assert all(p.grad is None for module in model.backbone_modules() for p in module.parameters())
    assert all(p.grad is not None for p in model.head.parameters())


# ----------------------------------------------------------------------------- event GNN


def event_gnn_hand_count(input_dim: int, num_classes: int = 2, edge_dim: int = 3, global_dim: int = 1,
                         hidden: int = 64, steps: int = 4) -> int:
    def mlp(n_in: int) -> int:  # two [Linear, ReLU, Dropout] blocks, then LayerNorm
        return linear(n_in, hidden) + linear(hidden, hidden) + layer_norm(hidden)

    encoders = mlp(input_dim) + mlp(edge_dim) + mlp(global_dim)
    step = mlp(4 * hidden) + mlp(3 * hidden) + mlp(3 * hidden)  # edge (e, x_src, x_dst, u); node; global
    return encoders + steps * step + mlp(hidden) + linear(hidden, num_classes)


def test_event_gnn_parameter_count_equals_the_hand_count():
    # By hand for 7 inputs: encoders 4,800 + 4,544 + 4,416; each step 20,736 + 16,640 + 16,640
    # = 54,016; decoder 8,448; head 130.
    assert event_gnn_hand_count(7) == 4_800 + 4_544 + 4_416 + 4 * 54_016 + 8_448 + 130 == 238_402
    assert count_parameters(build_preset("EventGNN")) == 238_402
    assert count_parameters(EventGNN(5, 3, edge_dim=2, global_dim=4, hidden=16, steps=2)) == \
        event_gnn_hand_count(5, 3, 2, 4, 16, 2)


def event_batch(events, index) -> EventGraphBatch:
    return EventGraphBatches(events, EVENT_OBJECT_FEATURES, batch_size=len(index)).batch(np.asarray(index))[0]


def test_event_gnn_output_shape_and_single_object_events():
    torch.manual_seed(5)
    model = EventGNN(len(EVENT_OBJECT_FEATURES), 4).eval()
    events = hand_made_events()
    with torch.no_grad():
        assert model(event_batch(events, [0, 1, 2])).shape == (3, 4)
        assert model.representation(event_batch(events, [0, 1, 2])).shape == (3, 64)
        alone = model(event_batch(events, [1]))  # one object, no edges at all in the batch
    assert alone.shape == (1, 4) and torch.isfinite(alone).all()
    assert_backbone_and_head_partition_the_parameters(model)


def test_event_gnn_output_does_not_depend_on_object_order():
    torch.manual_seed(6)
    model = EventGNN(len(EVENT_OBJECT_FEATURES), 3).eval()
    events = hand_made_events()
    order = np.array([2, 0, 1, 3, 5, 4])  # objects reversed / rotated within each event
    reordered = make_packed(events.node_features[order], events.node_offsets, events.labels, events.jet_pt,
                            EVENT_OBJECT_FEATURES, "event_graph")
    with torch.no_grad():
        torch.testing.assert_close(model(event_batch(reordered, [0, 1, 2])), model(event_batch(events, [0, 1, 2])),
                                   rtol=1e-5, atol=1e-5)


def test_event_gnn_events_are_independent_within_a_batch():
    torch.manual_seed(7)
    model = EventGNN(len(EVENT_OBJECT_FEATURES), 2).eval()
    events = hand_made_events()
    with torch.no_grad():
        full = model(event_batch(events, [0, 1, 2]))
        for i in range(3):
            torch.testing.assert_close(model(event_batch(events, [i])), full[i:i + 1], rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(model(event_batch(events, [2, 0])), full[[2, 0]], rtol=1e-5, atol=1e-5)


def test_event_gnn_training_step_changes_every_weight():
    torch.manual_seed(8)
    model = EventGNN(len(EVENT_OBJECT_FEATURES), 2, dropout=0.1)
    events = hand_made_events([[(0.1 * i, 0.3 * i - 1.0) for i in range(n)] for n in (3, 1, 2, 4, 5, 2)])
    all_parameters_changed_by_one_step(model, event_batch(events, range(6)), torch.from_numpy(events.labels))


def test_event_gnn_under_bf16_autocast_stays_close_and_finite():
    torch.manual_seed(9)
    model = EventGNN(len(EVENT_OBJECT_FEATURES), 2).eval()
    batch = event_batch(hand_made_events(), [0, 1, 2])
    with torch.no_grad():
        reference = model(batch)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = model(batch)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out.float(), reference, rtol=0.1, atol=0.1)


def test_frozen_event_gnn_trains_only_its_head():
    model = EventGNN(len(EVENT_OBJECT_FEATURES), 2)
    freeze_backbone(model)
    events = hand_made_events()
    torch.nn.functional.cross_entropy(model(event_batch(events, [0, 1, 2])), torch.tensor([0, 1, 0])).backward()
    assert all(p.grad is None for module in model.backbone_modules() for p in module.parameters())
    assert all(p.grad is not None for p in model.head.parameters())
