"""Batches of packed jets for training: slicing only, nothing is rebuilt per epoch.

Lund graphs come with their tree links as edges; particle clouds come without edges (a
dynamic-graph model such as ParticleNet builds its own on the device)."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence

import numpy as np
import torch

from jettransfer.data.packed_file import PackedJets, tree_links
from jettransfer.data.ranges import concat_ranges
from jettransfer.models.graph import GraphBatch


class GraphBatches:
    """Iterate (GraphBatch, labels). With shuffle, epoch e uses the permutation of seed + e."""

    def __init__(self, graphs: PackedJets, features: Sequence[str], batch_size: int, shuffle: bool = False, seed: int = 0) -> None:
        self.graphs = graphs
        self.node_features = torch.from_numpy(np.ascontiguousarray(graphs.node_features[:, graphs.feature_columns(features)]))
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0
        self.backbone_done = False  # node_features are a frozen backbone's outputs, not inputs

    def __len__(self) -> int:
        return -(-len(self.graphs) // self.batch_size)

    def in_file_order(self) -> "GraphBatches":
        ordered = copy.copy(self)
        ordered.shuffle = False
        return ordered

    def with_node_features(self, node_features: torch.Tensor, backbone_done: bool = True) -> "GraphBatches":
        """The same jets and batches with other per-node features, row for row, in any dtype."""
        if len(node_features) != len(self.node_features):
            raise ValueError(f"{len(node_features)} rows of node features for {len(self.node_features)} nodes")
        replaced = copy.copy(self)
        replaced.node_features = node_features
        replaced.backbone_done = backbone_done
        return replaced

    @property
    def n_samples(self) -> int:
        return len(self.graphs)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[tuple[GraphBatch, torch.Tensor]]:
        order = np.arange(len(self.graphs))
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(len(self.graphs))
        for start in range(0, len(order), self.batch_size):
            yield self.batch(order[start : start + self.batch_size])

    def batch(self, index: np.ndarray) -> tuple[GraphBatch, torch.Tensor]:
        g = self.graphs
        n_nodes = g.nodes_per_graph[index]
        nodes = concat_ranges(g.node_offsets[:-1][index], n_nodes)
        src = dst = None
        if g.parent is not None:
            src, dst = map(torch.from_numpy, tree_links(g.parent[nodes], np.repeat(np.cumsum(n_nodes) - n_nodes, n_nodes)))
        batch = GraphBatch(
            x=self.node_features.index_select(0, torch.from_numpy(nodes)),
            graph_index=torch.from_numpy(np.repeat(np.arange(len(index)), n_nodes)),
            n_graphs=len(index),
            src=src,
            dst=dst,
            backbone_done=self.backbone_done,
        )
        return batch, torch.from_numpy(g.labels[index].astype(np.int64))
