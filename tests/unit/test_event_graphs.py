"""Event graphs (seed 002): the edges, pair features and globals EventGraphBatches builds, on
hand-made events whose answers are written out by hand."""

import math

import numpy as np
import pytest
import torch

from jettransfer.data.packed_file import PackedJets, make_packed
from jettransfer.inputs.event_graphs import EventGraphBatches, fully_connected
from jettransfer.physics.objects import EVENT_OBJECT_FEATURES

# (eta, phi) of each object; events of 3, 1 and 2 objects. Objects 2 (phi 3.0) and 1 (phi -0.5)
# are 3.5 apart in phi, more than pi; objects 4 and 5 sit on either side of phi = pi.
ANGLES = [[(0.0, 0.5), (1.0, -0.5), (-0.5, 3.0)],
          [(2.0, 1.0)],
          [(0.3, 3.1), (-0.2, -3.1)]]

# (src, dst) -> (d_eta, d_phi, dR) = (eta_src - eta_dst, phi_src - phi_dst wrapped into [-pi, pi)),
# in the batch's numbering of all three events: objects 0-2, 3, 4-5.
EXPECTED_EDGES = {
    (0, 1): (-1.0, 1.0, math.sqrt(2.0)),
    (1, 0): (1.0, -1.0, math.sqrt(2.0)),
    (0, 2): (0.5, -2.5, math.sqrt(0.25 + 6.25)),
    (2, 0): (-0.5, 2.5, math.sqrt(0.25 + 6.25)),
    (1, 2): (1.5, -3.5 + 2 * math.pi, math.sqrt(1.5**2 + (2 * math.pi - 3.5) ** 2)),
    (2, 1): (-1.5, 3.5 - 2 * math.pi, math.sqrt(1.5**2 + (2 * math.pi - 3.5) ** 2)),
    (4, 5): (0.5, 6.2 - 2 * math.pi, math.sqrt(0.25 + (2 * math.pi - 6.2) ** 2)),
    (5, 4): (-0.5, -6.2 + 2 * math.pi, math.sqrt(0.25 + (2 * math.pi - 6.2) ** 2)),
}


def hand_made_events(angles: list[list[tuple[float, float]]] = ANGLES, seed: int = 0) -> PackedJets:
    """An event_graph file of the given objects' (eta, phi); the other features random."""
    rng = np.random.default_rng(seed)
    counts = [len(event) for event in angles]
    rows = np.zeros((sum(counts), len(EVENT_OBJECT_FEATURES)), np.float32)
    rows[:, EVENT_OBJECT_FEATURES.index("pt")] = rng.uniform(20, 200, len(rows))
    rows[:, EVENT_OBJECT_FEATURES.index("energy")] = rng.uniform(200, 400, len(rows))
    rows[:, EVENT_OBJECT_FEATURES.index("btag")] = rng.integers(0, 2, len(rows))
    rows[:, EVENT_OBJECT_FEATURES.index("charge")] = rng.integers(-1, 2, len(rows))
    rows[:, EVENT_OBJECT_FEATURES.index("type")] = rng.integers(0, 5, len(rows))
    rows[:, [EVENT_OBJECT_FEATURES.index("eta"), EVENT_OBJECT_FEATURES.index("phi")]] = \
        np.asarray([pair for event in angles for pair in event], np.float32)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    return make_packed(rows, offsets, np.arange(len(counts)) % 2, np.full(len(counts), 100.0),
                       EVENT_OBJECT_FEATURES, "event_graph")


def edge_table(batch) -> dict[tuple[int, int], tuple[float, ...]]:
    pairs = list(zip(batch.src.tolist(), batch.dst.tolist()))
    assert len(set(pairs)) == len(pairs), "an edge appears twice"
    return dict(zip(pairs, (tuple(row) for row in batch.edge_features.tolist())))


def assert_expected_edges(batch) -> None:
    table = edge_table(batch)
    assert set(table) == set(EXPECTED_EDGES)  # every ordered pair within an event, none across
    for pair, expected in EXPECTED_EDGES.items():
        assert table[pair] == pytest.approx(expected, abs=2e-6), pair
    d_phi = batch.edge_features[:, 1]
    assert bool(((d_phi >= -math.pi) & (d_phi < math.pi)).all())


def test_fully_connected_pairs_every_ordered_pair_within_each_graph():
    src, dst = fully_connected(np.array([3, 1, 0, 2, 4]))
    pairs = set(zip(src.tolist(), dst.tolist()))
    expected = {(i, j) for block in (range(0, 3), range(4, 6), range(6, 10)) for i in block for j in block if i != j}
    assert len(src) == len(pairs) == len(expected) == 6 + 2 + 12
    assert pairs == expected
    assert src.dtype == dst.dtype == np.int64
    empty_src, empty_dst = fully_connected(np.array([1, 0, 1]))
    assert len(empty_src) == len(empty_dst) == 0


def test_batch_has_the_hand_computed_edges_features_and_globals():
    events = hand_made_events()
    batch, targets = EventGraphBatches(events, EVENT_OBJECT_FEATURES, batch_size=3).batch(np.arange(3))
    assert batch.n_graphs == 3
    assert batch.graph_index.tolist() == [0, 0, 0, 1, 2, 2]
    torch.testing.assert_close(batch.x, torch.from_numpy(events.node_features))
    assert_expected_edges(batch)
    assert batch.globals.tolist() == [[3.0], [1.0], [2.0]]
    assert batch.edge_features.dtype == batch.globals.dtype == torch.float32
    assert targets["label"].tolist() == [0, 1, 0]


def test_batch_of_reordered_events_renumbers_its_objects():
    events = hand_made_events()
    batch, _ = EventGraphBatches(events, EVENT_OBJECT_FEATURES, batch_size=3).batch(np.array([2, 1, 0]))
    assert batch.graph_index.tolist() == [0, 0, 1, 2, 2, 2]
    # Event 2's objects are now 0-1, event 1's is 2, event 0's are 3-5.
    renumber = {4: 0, 5: 1, 3: 2, 0: 3, 1: 4, 2: 5}
    table = edge_table(batch)
    assert set(table) == {(renumber[s], renumber[d]) for s, d in EXPECTED_EDGES}
    for (s, d), expected in EXPECTED_EDGES.items():
        assert table[renumber[s], renumber[d]] == pytest.approx(expected, abs=2e-6)
    assert batch.globals.tolist() == [[2.0], [1.0], [3.0]]


def test_a_single_object_event_alone_has_no_edges():
    batch, _ = EventGraphBatches(hand_made_events(), EVENT_OBJECT_FEATURES, batch_size=1).batch(np.array([1]))
    assert batch.src.shape == batch.dst.shape == (0,)
    assert batch.edge_features.shape == (0, 3)
    assert batch.globals.tolist() == [[1.0]]


def test_standardised_file_gives_pair_features_of_the_raw_angles():
    events = hand_made_events()
    mean = np.array([100.0, 0.4, -0.2, 300.0, 0.5, 0.0, 2.0], np.float32)
    std = np.array([50.0, 1.3, 1.8, 60.0, 0.5, 1.0, 1.5], np.float32)
    standardised = events.standardised(mean, std)
    batch, _ = EventGraphBatches(standardised, EVENT_OBJECT_FEATURES, batch_size=3).batch(np.arange(3))
    # The node features are the standardised ones, the pair features those of the raw eta, phi.
    torch.testing.assert_close(batch.x, torch.from_numpy(standardised.node_features))
    assert not torch.allclose(batch.x, torch.from_numpy(events.node_features))
    loader = EventGraphBatches(standardised, ("pt", "btag"), batch_size=3)
    columns = [EVENT_OBJECT_FEATURES.index("eta"), EVENT_OBJECT_FEATURES.index("phi")]
    np.testing.assert_allclose(loader.angles.numpy(), events.node_features[:, columns], atol=1e-6)
    assert_expected_edges(loader.batch(np.arange(3))[0])
