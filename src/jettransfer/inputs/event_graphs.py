"""The event-graph input family: a whole event as a graph of its reconstructed objects.

Nodes are the objects (jets, leptons, photons, missing momentum) with their features; every
ordered pair of distinct objects is an edge, with (d_eta, d_phi, dR) of the pair; each event has
one global feature vector (the number of objects). Nodes of a batch are packed one event after
the other, as GraphBatch packs jets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from jettransfer.data.packed_file import PackedJets
from jettransfer.data.ranges import concat_ranges
from jettransfer.inputs.batches import IndexedBatches

EDGE_FEATURES = ("d_eta", "d_phi", "delta_r")
GLOBAL_FEATURES = ("n_objects",)


@dataclass
class EventGraphBatch:
    x: torch.Tensor  # [N, F] object features
    graph_index: torch.Tensor  # [N] int64, event of each object, non-decreasing
    src: torch.Tensor  # [E] int64: every ordered pair of distinct objects of one event
    dst: torch.Tensor  # [E] int64
    edge_features: torch.Tensor  # [E, 3] d_eta, d_phi (wrapped), dR of (src, dst)
    globals: torch.Tensor  # [B, G] per event
    n_graphs: int

    def to(self, device: torch.device) -> "EventGraphBatch":
        return EventGraphBatch(*(t.to(device, non_blocking=True) for t in (self.x, self.graph_index, self.src, self.dst,
                                                                            self.edge_features, self.globals)),
                               n_graphs=self.n_graphs)


def fully_connected(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(src, dst) of every ordered pair of distinct nodes within each graph of `counts` nodes."""
    starts = np.cumsum(counts) - counts
    pairs = counts * (counts - 1)
    graph = np.repeat(np.arange(len(counts)), pairs)
    k = np.arange(int(pairs.sum())) - np.repeat(np.cumsum(pairs) - pairs, pairs)  # pair within its graph
    n = counts[graph].astype(np.int64)
    i = k // np.maximum(n - 1, 1)
    j = k % np.maximum(n - 1, 1)
    j = j + (j >= i)  # skip the self pair
    return starts[graph] + i, starts[graph] + j


def pair_features(eta: torch.Tensor, phi: torch.Tensor, src: torch.Tensor, dst: torch.Tensor) -> torch.Tensor:
    d_eta = eta[src] - eta[dst]
    d_phi = torch.remainder(phi[src] - phi[dst] + torch.pi, 2 * torch.pi) - torch.pi
    return torch.stack([d_eta, d_phi, torch.hypot(d_eta, d_phi)], dim=1)


class EventGraphBatches(IndexedBatches):
    """(EventGraphBatch, targets) from a packed file of events (rows = objects). The pair
    features are computed from the objects' `eta` and `phi` columns as they were before any
    standardisation."""

    def __init__(self, events: PackedJets, features: Sequence[str], batch_size: int, shuffle: bool = False,
                 seed: int = 0) -> None:
        super().__init__(events, features, batch_size, shuffle, seed)
        columns = events.feature_columns(("eta", "phi"))
        angles = events.node_features[:, columns].astype(np.float64)
        if events.feature_mean is not None:
            angles = angles * events.feature_std[columns] + events.feature_mean[columns]
        self.angles = torch.from_numpy(angles.astype(np.float32))

    def make_batch(self, index: np.ndarray) -> EventGraphBatch:
        counts = self.jets.nodes_per_graph[index]
        rows = torch.from_numpy(concat_ranges(self.jets.node_offsets[:-1][index], counts))
        src, dst = (torch.from_numpy(a) for a in fully_connected(counts))
        angles = self.angles.index_select(0, rows)
        return EventGraphBatch(
            x=self.node_features.index_select(0, rows),
            graph_index=torch.from_numpy(np.repeat(np.arange(len(index)), counts)),
            src=src, dst=dst,
            edge_features=pair_features(angles[:, 0], angles[:, 1], src, dst),
            globals=torch.from_numpy(counts.astype(np.float32))[:, None],
            n_graphs=len(index),
        )
