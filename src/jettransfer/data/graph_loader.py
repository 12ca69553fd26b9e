"""Batches of packed Lund graphs for training: slicing only, no graph is rebuilt per epoch."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch

from jettransfer.data.packed_file import PackedJets
from jettransfer.data.ranges import concat_ranges
from jettransfer.models.graph import GraphBatch


class GraphBatches:
    """Iterate (GraphBatch, labels). With shuffle, epoch e uses the permutation of seed + e."""

    def __init__(self, graphs: PackedJets, features: Sequence[str], batch_size: int, shuffle: bool = False, seed: int = 0) -> None:
        if graphs.parent is None:
            raise ValueError(f"graph batches need Lund graphs (tree links); these jets are a {graphs.representation}")
        self.graphs = graphs
        self.node_features = np.ascontiguousarray(graphs.node_features[:, graphs.feature_columns(features)])
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0

    def __len__(self) -> int:
        return -(-len(self.graphs) // self.batch_size)

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
        first_node = np.repeat(np.cumsum(n_nodes) - n_nodes, n_nodes)
        parent = g.parent[nodes].astype(np.int64)
        # Each tree link (child, parent) carries messages both ways.
        child = np.flatnonzero(parent >= 0)
        up = parent[child] + first_node[child]
        batch = GraphBatch(
            x=torch.from_numpy(self.node_features[nodes]),
            src=torch.from_numpy(np.concatenate([child, up])),
            dst=torch.from_numpy(np.concatenate([up, child])),
            graph_index=torch.from_numpy(np.repeat(np.arange(len(index)), n_nodes)),
            n_graphs=len(index),
        )
        return batch, torch.from_numpy(g.labels[index].astype(np.int64))
