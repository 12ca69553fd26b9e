"""An encode-process-decode graph network on a whole event's objects (seed 002).

Paper: the seed's pretrained event classifier (Han, Ho, Roberts, Wang), whose public code is
root_gnn_base (DGL); the block structure is the graph network of P. W. Battaglia et al.,
"Relational inductive biases, deep learning, and graph networks", arXiv:1806.01261.

Input: an EventGraphBatch (jettransfer.inputs.event_graphs): object features x [N, F], each
object's event graph_index [N], every ordered pair of distinct objects of an event as an edge
(src, dst) [E] with edge_features [E, edge_dim] (d_eta, d_phi, dR), globals [B, global_dim]
(the number of objects).

Layout and defaults:
  encoders   node MLP(input_dim), edge MLP(edge_dim), global MLP(global_dim), each to `hidden` 64
  `steps` 4 rounds, each with its own weights, of
    edge   e' = MLP(e, x_src, x_dst, u of the edge's event)
    node   x' = MLP(x, sum of e' over the edges arriving at the node, u)
    global u' = MLP(u, mean of x' over the event's objects, mean of e' over its edges)
  decoder    global MLP(hidden), then the head: `head` "linear" Linear(hidden -> num_classes), or
             "mlp" Linear(hidden -> hidden), ReLU, Linear(hidden -> num_classes) (seed 002's
             fine-tuning re-initialises an MLP at the end)
MLP = `mlp_layers` 2 x [Linear(-> hidden), ReLU, Dropout(`dropout` 0.0)], then LayerNorm(hidden).
`representation` is the decoded global vector [B, hidden] the head reads; `layer_representations`
the event's global vector after the encoder, after every step and after the decoder (what
seed 002's CKA compares layer by layer). Sums and means are
taken with index_add_ in float32 at least, also under bf16 autocast. An event of one object has
no edges: its edge sums and means are zero.
"""

from __future__ import annotations

import torch
from torch import nn

from jettransfer.inputs.event_graphs import EventGraphBatch
from jettransfer.models.graph import summation_dtype


def mlp(input_dim: int, hidden: int, layers: int, dropout: float) -> nn.Sequential:
    """[Linear, ReLU, Dropout] x layers, then LayerNorm: every update's shape."""
    blocks: list[nn.Module] = []
    width = input_dim
    for _ in range(layers):
        blocks += [nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(dropout)]
        width = hidden
    return nn.Sequential(*blocks, nn.LayerNorm(hidden))


def sum_by_index(values: torch.Tensor, index: torch.Tensor, size: int) -> torch.Tensor:
    """out[i] = sum of values[k] over the k with index[k] == i, in summation_dtype: bf16 values
    under autocast are summed in float32, so that the small terms are not rounded away."""
    dtype = summation_dtype(values.dtype)
    out = torch.zeros(size, values.shape[1], dtype=dtype, device=values.device)
    return out.index_add_(0, index, values.to(dtype))


HEADS = ("linear", "mlp")


class GraphNetworkStep(nn.Module):
    """One round of edge, node and global updates (each an MLP on the concatenated inputs)."""

    def __init__(self, hidden: int, mlp_layers: int, dropout: float) -> None:
        super().__init__()
        self.edge = mlp(4 * hidden, hidden, mlp_layers, dropout)
        self.node = mlp(3 * hidden, hidden, mlp_layers, dropout)
        self.globals = mlp(3 * hidden, hidden, mlp_layers, dropout)

    def forward(self, x: torch.Tensor, e: torch.Tensor, u: torch.Tensor, batch: EventGraphBatch,
                edge_graph: torch.Tensor, objects: torch.Tensor, edges: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        dtype = summation_dtype(x.dtype)  # torch.cat needs one dtype; the MLPs cast under autocast
        e = self.edge(torch.cat([e.to(dtype), x[batch.src].to(dtype), x[batch.dst].to(dtype),
                                 u[edge_graph].to(dtype)], dim=1))
        incoming = sum_by_index(e, batch.dst, x.shape[0])
        x = self.node(torch.cat([x.to(dtype), incoming, u[batch.graph_index].to(dtype)], dim=1))
        node_mean = sum_by_index(x, batch.graph_index, batch.n_graphs) / objects[:, None]
        edge_mean = sum_by_index(e, edge_graph, batch.n_graphs) / edges[:, None]
        u = self.globals(torch.cat([u.to(dtype), node_mean, edge_mean], dim=1))
        return x, e, u


class EventGNN(nn.Module):
    def __init__(
        self,
        input_dim: int,
        num_classes: int = 2,
        edge_dim: int = 3,
        global_dim: int = 1,
        hidden: int = 64,
        steps: int = 4,
        mlp_layers: int = 2,
        dropout: float = 0.0,
        head: str = "linear",
    ) -> None:
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"unknown head {head!r}; known: {HEADS}")
        self.node_encoder = mlp(input_dim, hidden, mlp_layers, dropout)
        self.edge_encoder = mlp(edge_dim, hidden, mlp_layers, dropout)
        self.global_encoder = mlp(global_dim, hidden, mlp_layers, dropout)
        self.steps = nn.ModuleList(GraphNetworkStep(hidden, mlp_layers, dropout) for _ in range(steps))
        self.decoder = mlp(hidden, hidden, mlp_layers, dropout)
        self.head: nn.Module = (nn.Linear(hidden, num_classes) if head == "linear" else
                                nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, num_classes)))
        self.backbone_frozen = False

    def backbone_modules(self) -> list[nn.Module]:
        return [self.node_encoder, self.edge_encoder, self.global_encoder, self.steps, self.decoder]

    def representation(self, batch: EventGraphBatch) -> torch.Tensor:
        """The decoded global vector per event [B, hidden]."""
        return self.layer_representations(batch)[-1]

    def layer_representations(self, batch: EventGraphBatch) -> list[torch.Tensor]:
        """The global vector per event [B, hidden] after the encoder, after each step and after
        the decoder: steps + 2 tensors."""
        edge_graph = batch.graph_index[batch.src]  # an edge belongs to its objects' event
        dtype = summation_dtype(batch.x.dtype)
        # Objects and edges per event, clamped to >= 1: an event without edges (one object)
        # averages its edges to zero, not NaN.
        ones = torch.ones(batch.x.shape[0], 1, dtype=dtype, device=batch.x.device)
        objects = sum_by_index(ones, batch.graph_index, batch.n_graphs)[:, 0].clamp(min=1)
        edges = sum_by_index(ones.new_ones(batch.src.shape[0], 1), edge_graph, batch.n_graphs)[:, 0].clamp(min=1)
        x = self.node_encoder(batch.x)
        e = self.edge_encoder(batch.edge_features)
        u = self.global_encoder(batch.globals)
        layers = [u]
        for step in self.steps:
            x, e, u = step(x, e, u, batch, edge_graph, objects, edges)
            layers.append(u)
        layers.append(self.decoder(u))
        return layers

    def forward(self, batch: EventGraphBatch) -> torch.Tensor:
        """Outputs [B, num_classes] of the head."""
        if self.backbone_frozen:
            # A frozen backbone records no graph: the saving frozen training is for.
            with torch.no_grad():
                features = self.representation(batch)
        else:
            features = self.representation(batch)
        return self.head(features)
