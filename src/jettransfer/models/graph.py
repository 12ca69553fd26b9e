"""A batch of graphs as packed tensors, and the scatter operations message passing needs.

Works with any torch version and device; DGL is not required.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class GraphBatch:
    x: torch.Tensor  # [N, F] node features
    src: torch.Tensor  # [E] int64, message source node
    dst: torch.Tensor  # [E] int64, message destination node (the one that aggregates)
    graph_index: torch.Tensor  # [N] int64, graph of each node
    n_graphs: int

    def __post_init__(self) -> None:
        n = self.x.shape[0]
        ones_e = torch.ones(self.dst.shape[0], dtype=self.x.dtype, device=self.x.device)
        ones_n = torch.ones(n, dtype=self.x.dtype, device=self.x.device)
        # Counts are clamped to 1 so that isolated nodes and empty graphs average to zero, not NaN.
        self.in_degree = torch.zeros(n, dtype=self.x.dtype, device=self.x.device).index_add_(0, self.dst, ones_e).clamp_(min=1)
        self.graph_size = torch.zeros(self.n_graphs, dtype=self.x.dtype, device=self.x.device).index_add_(0, self.graph_index, ones_n).clamp_(min=1)

    def to(self, device: torch.device) -> "GraphBatch":
        return GraphBatch(self.x.to(device), self.src.to(device), self.dst.to(device), self.graph_index.to(device), self.n_graphs)


def mean_over_incoming(messages: torch.Tensor, batch: GraphBatch) -> torch.Tensor:
    """Per node, the mean of the messages on edges arriving at it."""
    out = torch.zeros(batch.x.shape[0], messages.shape[1], dtype=messages.dtype, device=messages.device)
    return out.index_add_(0, batch.dst, messages) / batch.in_degree[:, None].to(messages.dtype)


def mean_over_graph(node_values: torch.Tensor, batch: GraphBatch) -> torch.Tensor:
    """Per graph, the mean over its nodes (global average pooling)."""
    out = torch.zeros(batch.n_graphs, node_values.shape[1], dtype=node_values.dtype, device=node_values.device)
    return out.index_add_(0, batch.graph_index, node_values) / batch.graph_size[:, None].to(node_values.dtype)
