"""The scatter operations message passing needs on packed graphs (inputs/graphs.py's
GraphBatch): nodes of all jets in a batch one after the other, `graph_index` naming each node's
jet; edges are (src, dst) node pairs, a message flows from src and is aggregated at dst.
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


def summation_dtype(dtype: torch.dtype) -> torch.dtype:
    """The dtype sums over edges and nodes are taken in: float32 at least, also when bf16
    autocast made the values bf16 (8 bits of mantissa would lose the small terms)."""
    return torch.promote_types(dtype, torch.float32)


def mean_over_incoming(messages: torch.Tensor, edges: Edges) -> torch.Tensor:
    """Per node, the mean of the messages on edges arriving at it, summed in summation_dtype and
    returned in the messages' dtype (under bf16 autocast the next matrix product would round it
    to bf16 anyway; kept so, the block outputs need no cast and half the memory traffic)."""
    return _MeanByIndex.apply(messages, edges.dst, edges.in_degree, messages.dtype)


def mean_over_graph(node_values: torch.Tensor, graph_index: torch.Tensor, graph_size: torch.Tensor) -> torch.Tensor:
    """Per graph, the mean over its nodes (global average pooling; padding never enters), summed
    in summation_dtype and returned in it. (On the CPU a bf16 sum is rounded to bf16 once before
    the division, as the dense layer it feeds under autocast would round it anyway.)"""
    return _MeanByIndex.apply(node_values, graph_index, graph_size, summation_dtype(node_values.dtype))


def index_add_sums_in_float32(values: torch.Tensor) -> bool:
    """Whether index_add_ into a tensor of values' dtype sums in float32 at least by itself.

    PyTorch's CPU kernel accumulates each output row of a bf16 or float16 index_add_ in float32
    and rounds once (tests/unit/test_graph_sums.py holds it to that), so on the CPU the sum needs
    no float32 copy of every message, which costs more than the sum itself. CUDA's kernel adds
    atomically in the values' own dtype, so there the values are cast first."""
    return values.dtype == summation_dtype(values.dtype) or values.device.type == "cpu"


class _MeanByIndex(torch.autograd.Function):
    """out[i] = mean of values[k] over the k with index[k] == i, summed in summation_dtype.

    By hand rather than by autograd through index_add_ and the casts around it: the gradient,
    grad[index[k]] / count, is then gathered once, in the values' dtype, instead of gathered in
    float32 and cast down in a second pass over every edge."""

    @staticmethod
    def forward(ctx, values: torch.Tensor, index: torch.Tensor, count: torch.Tensor,  # type: ignore[override]
                out_dtype: torch.dtype) -> torch.Tensor:
        dtype = values.dtype if index_add_sums_in_float32(values) else summation_dtype(values.dtype)
        out = torch.zeros(count.shape[0], values.shape[1], dtype=dtype, device=values.device)
        out.index_add_(0, index, values.to(dtype))
        out = out.to(out_dtype)
        ctx.save_for_backward(index, count)
        ctx.values_dtype = values.dtype
        return out.div_(count[:, None].to(out_dtype))

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor | None, None, None, None]:  # type: ignore[override]
        index, count = ctx.saved_tensors
        dtype = summation_dtype(grad.dtype)
        per_value = (grad.to(dtype) / count[:, None].to(dtype)).to(ctx.values_dtype)
        return per_value.index_select(0, index), None, None, None


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
