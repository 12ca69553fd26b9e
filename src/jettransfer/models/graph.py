"""Batched graphs as packed tensors, and the scatter operations message passing needs.

Nodes of all jets in a batch are packed one after the other; `graph_index` names each node's
jet. Edges are (src, dst) node pairs; a message flows from src and is aggregated at dst.
Works with any torch version and device; DGL is not required (see models/dgl_backend.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Edges:
    src: torch.Tensor  # [E] int64, message source node
    dst: torch.Tensor  # [E] int64, message destination node (the one that aggregates)
    in_degree: torch.Tensor  # [N] messages arriving per node, clamped to >= 1

    @classmethod
    def between(cls, src: torch.Tensor, dst: torch.Tensor, n_nodes: int, dtype: torch.dtype) -> "Edges":
        counts = torch.bincount(dst, minlength=n_nodes).to(dtype)
        # Clamped so that isolated nodes average to zero, not NaN.
        return cls(src, dst, counts.clamp_(min=1))


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
        self.graph_size = counts.to(self.x.dtype).clamp(min=1)
        self.nodes_per_graph = counts
        self.fixed_edges = None if self.src is None else Edges.between(self.src, self.dst, self.x.shape[0], self.x.dtype)

    def to(self, device: torch.device) -> "GraphBatch":
        move = (lambda t: None if t is None else t.to(device, non_blocking=True))
        return GraphBatch(self.x.to(device, non_blocking=True), self.graph_index.to(device, non_blocking=True),
                          self.n_graphs, move(self.src), move(self.dst), self.backbone_done)

    def mean_over_graph(self, node_values: torch.Tensor) -> torch.Tensor:
        return mean_over_graph(node_values, self.graph_index, self.graph_size)

    def knn_edges(self, points: torch.Tensor, k: int) -> Edges:
        return knn_edges(points, self.graph_index, self.nodes_per_graph, k)


def summation_dtype(dtype: torch.dtype) -> torch.dtype:
    """The dtype sums over edges and nodes are taken in: float32 at least, also when bf16
    autocast made the values bf16 (8 bits of mantissa would lose the small terms)."""
    return torch.promote_types(dtype, torch.float32)


def mean_over_incoming(messages: torch.Tensor, edges: Edges) -> torch.Tensor:
    """Per node, the mean of the messages on edges arriving at it, summed in summation_dtype."""
    n = edges.in_degree.shape[0]
    dtype = summation_dtype(messages.dtype)
    out = torch.zeros(n, messages.shape[1], dtype=dtype, device=messages.device)
    return out.index_add_(0, edges.dst, messages.to(dtype)).div_(edges.in_degree[:, None].to(dtype))


def mean_over_graph(node_values: torch.Tensor, graph_index: torch.Tensor, graph_size: torch.Tensor) -> torch.Tensor:
    """Per graph, the mean over its nodes (global average pooling; padding never enters), summed
    in summation_dtype."""
    dtype = summation_dtype(node_values.dtype)
    out = torch.zeros(graph_size.shape[0], node_values.shape[1], dtype=dtype, device=node_values.device)
    return out.index_add_(0, graph_index, node_values.to(dtype)).div_(graph_size[:, None].to(dtype))


@torch.no_grad()
def knn_edges(points: torch.Tensor, graph_index: torch.Tensor, nodes_per_graph: torch.Tensor, k: int) -> Edges:
    """Edges from each node's k nearest neighbours within its own jet (itself excluded).

    Computed on the points' device: the packed points are scattered into a [B, P, D] block,
    distances and top-k run batched there, and only indices come back. A jet of n <= k
    particles links each particle to its n-1 others. Ties are broken by torch.topk, the same
    way in every backend that calls this function.
    """
    n_nodes, device = points.shape[0], points.device
    n_graphs = nodes_per_graph.shape[0]
    if n_nodes == 0:
        empty = torch.zeros(0, dtype=torch.long, device=device)
        return Edges(empty, empty, torch.ones(0, dtype=points.dtype, device=device))
    starts = torch.cumsum(nodes_per_graph, 0) - nodes_per_graph
    position = torch.arange(n_nodes, device=device) - starts[graph_index]
    width = int(nodes_per_graph.max())
    padded = torch.zeros(n_graphs, width, points.shape[1], dtype=torch.float32, device=device)
    padded[graph_index, position] = points.float()
    distance = torch.cdist(padded, padded, compute_mode="donot_use_mm_for_euclid_dist")
    valid = torch.arange(width, device=device)[None, :] < nodes_per_graph[:, None]  # [B, P]
    distance.masked_fill_(~valid[:, None, :], float("inf"))
    distance.diagonal(dim1=1, dim2=2).fill_(float("inf"))
    k_used = min(k, width - 1)
    if k_used <= 0:
        empty = torch.zeros(0, dtype=torch.long, device=device)
        return Edges(empty, empty, torch.ones(n_nodes, dtype=points.dtype, device=device))
    nearest_distance, nearest = distance.topk(k_used, dim=2, largest=False)  # [B, P, k]
    # Row (b, i) of a real node keeps the neighbours that are real particles (finite distance).
    node_distance = nearest_distance[graph_index, position]  # [N, k]
    keep = torch.isfinite(node_distance)
    dst = torch.arange(n_nodes, device=device)[:, None].expand(-1, k_used)[keep]
    src = (nearest[graph_index, position] + starts[graph_index][:, None])[keep]
    return Edges.between(src, dst, n_nodes, summation_dtype(points.dtype))
