"""The graph input family: packed graphs of a batch, and their loader.

Lund graphs come with their tree links as edges; particle clouds come without edges (a
dynamic-graph model such as ParticleNet builds its own on the device). Nothing is rebuilt per
epoch: a batch is slices of the packed file."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from jettransfer.data.packed_file import PackedJets, tree_links
from jettransfer.data.ranges import concat_ranges
from jettransfer.inputs.batches import IndexedBatches
from jettransfer.models.graph import Edges, knn_edges, mean_over_graph, summation_dtype


@dataclass
class GraphBatch:
    x: torch.Tensor  # [N, F] node features
    graph_index: torch.Tensor  # [N] int64, jet of each node, non-decreasing
    n_graphs: int
    src: torch.Tensor | None = None  # fixed edges (Lund trees); None for point clouds
    dst: torch.Tensor | None = None
    backbone_done: bool = False  # x already holds the (frozen) backbone's per-node output

    def __post_init__(self) -> None:
        counts = torch.bincount(self.graph_index, minlength=self.n_graphs)
        # Counts in summation_dtype: with bf16 features (a cached frozen backbone's) 257 would be 256.
        count_dtype = summation_dtype(self.x.dtype)
        self.graph_size = counts.to(count_dtype).clamp(min=1)
        self.nodes_per_graph = counts
        self.fixed_edges = None if self.src is None else Edges.between(self.src, self.dst, self.x.shape[0], count_dtype)

    def to(self, device: torch.device) -> "GraphBatch":
        move = (lambda t: None if t is None else t.to(device, non_blocking=True))
        return GraphBatch(self.x.to(device, non_blocking=True), self.graph_index.to(device, non_blocking=True),
                          self.n_graphs, move(self.src), move(self.dst), self.backbone_done)

    def mean_over_graph(self, node_values: torch.Tensor) -> torch.Tensor:
        return mean_over_graph(node_values, self.graph_index, self.graph_size)

    def knn_edges(self, points: torch.Tensor, k: int) -> Edges:
        return knn_edges(points, self.graph_index, self.nodes_per_graph, k)


class GraphBatches(IndexedBatches):
    """(GraphBatch, targets) from a packed file's named feature columns."""

    def __init__(self, graphs: PackedJets, features: Sequence[str], batch_size: int, shuffle: bool = False,
                 seed: int = 0) -> None:
        super().__init__(graphs, features, batch_size, shuffle, seed)
        self.backbone_done = False  # node_features are a frozen backbone's outputs, not inputs

    @property
    def graphs(self) -> PackedJets:
        return self.jets

    def with_node_features(self, node_features: torch.Tensor, backbone_done: bool = True) -> "GraphBatches":
        """The same jets and batches with other per-node features, row for row, in any dtype."""
        if len(node_features) != len(self.node_features):
            raise ValueError(f"{len(node_features)} rows of node features for {len(self.node_features)} nodes")
        replaced = copy.copy(self)
        replaced.node_features = node_features
        replaced.backbone_done = backbone_done
        return replaced

    def make_batch(self, index: np.ndarray) -> GraphBatch:
        g = self.jets
        n_nodes = g.nodes_per_graph[index]
        nodes = concat_ranges(g.node_offsets[:-1][index], n_nodes)
        src = dst = None
        if g.parent is not None:
            src, dst = map(torch.from_numpy, tree_links(g.parent[nodes], np.repeat(np.cumsum(n_nodes) - n_nodes, n_nodes)))
        return GraphBatch(
            x=self.node_features.index_select(0, torch.from_numpy(nodes)),
            graph_index=torch.from_numpy(np.repeat(np.arange(len(index)), n_nodes)),
            n_graphs=len(index),
            src=src,
            dst=dst,
            backbone_done=self.backbone_done,
        )
