"""EdgeConv block as in LundNet/ParticleNet: an edge MLP on (x_i, x_j - x_i), mean, shortcut."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from jettransfer.models.dense import Linear
from jettransfer.models.dense import linear as dense_linear
from jettransfer.models.graph import Edges, mean_over_incoming


class EdgeConvBlock(nn.Module):
    def __init__(self, in_features: int, channels: Sequence[int], always_shortcut_projection: bool = False) -> None:
        super().__init__()
        widths = [2 * in_features, *channels]
        self.linears = nn.ModuleList(Linear(widths[i], widths[i + 1], bias=False) for i in range(len(channels)))
        self.norms = nn.ModuleList(nn.BatchNorm1d(c) for c in channels)
        self.in_features = in_features
        if in_features == channels[-1] and not always_shortcut_projection:
            self.shortcut = None
        else:
            self.shortcut = nn.Sequential(Linear(in_features, channels[-1], bias=False), nn.BatchNorm1d(channels[-1]))
        self.activation = nn.ReLU()

    def forward(self, x: torch.Tensor, graph: Edges) -> torch.Tensor:
        if not isinstance(graph, Edges):
            from jettransfer.models.dgl_backend import dgl_edge_conv

            return dgl_edge_conv(self, x, graph)
        if not self.training:
            return self.forward_folded(x, graph)
        # The first layer acts on cat(x_i, x_j - x_i) = W_a x_i + W_b (x_j - x_i)
        # = (W_a - W_b) x_i + W_b x_j: two per-node products and a gather instead of a
        # per-edge matmul on a concatenation twice as wide. Same weights, same result.
        weight = self.linears[0].weight
        w_centre, w_neighbour = weight[:, : self.in_features], weight[:, self.in_features :]
        centre = dense_linear(x, w_centre - w_neighbour)
        neighbour = dense_linear(x, w_neighbour)
        # In place where autograd keeps no copy (gathers, BatchNorm and the scatter-mean save their
        # inputs, not their outputs): every fresh per-edge tensor costs page faults on first touch.
        h = centre.index_select(0, graph.dst).add_(neighbour.index_select(0, graph.src))
        aggregated = mean_over_incoming(self.edge_mlp_tail(h), graph)
        skip = x if self.shortcut is None else self.shortcut(x)
        return torch.relu_(aggregated.add_(skip))

    def forward_folded(self, x: torch.Tensor, graph: Edges) -> torch.Tensor:
        """Eval mode (inference, and frozen backbones in training): each BatchNorm is then a fixed
        affine map, folded into the linear map before it, so no per-edge normalisation pass runs."""
        scale0, shift0 = _batchnorm_affine(self.norms[0])
        weight = self.linears[0].weight * scale0[:, None]
        w_centre, w_neighbour = weight[:, : self.in_features], weight[:, self.in_features :]
        centre = torch.addmm(shift0, x, (w_centre - w_neighbour).t())
        neighbour = x @ w_neighbour.t()
        h = torch.relu_(centre.index_select(0, graph.dst).add_(neighbour.index_select(0, graph.src)))
        for linear, norm in zip(self.linears[1:], self.norms[1:]):
            scale, shift = _batchnorm_affine(norm)
            h = torch.relu_(torch.addmm(shift, h, (linear.weight * scale[:, None]).t()))
        aggregated = mean_over_incoming(h, graph)
        if self.shortcut is None:
            skip = x
        else:
            scale, shift = _batchnorm_affine(self.shortcut[1])
            skip = torch.addmm(shift, x, (self.shortcut[0].weight * scale[:, None]).t())
        return torch.relu_(aggregated.add_(skip))

    def edge_mlp_tail(self, first_layer: torch.Tensor) -> torch.Tensor:
        """Everything of the edge MLP after the first linear map."""
        h = torch.relu_(self.norms[0](first_layer))
        for linear, norm in zip(self.linears[1:], self.norms[1:]):
            h = torch.relu_(norm(linear(h)))
        return h

    def combine(self, x: torch.Tensor, aggregated: torch.Tensor) -> torch.Tensor:
        skip = x if self.shortcut is None else self.shortcut(x)
        return self.activation(skip + aggregated)


def _batchnorm_affine(norm: nn.BatchNorm1d) -> tuple[torch.Tensor, torch.Tensor]:
    """(scale, shift) with norm(v) == v * scale + shift in eval mode."""
    scale = norm.weight * torch.rsqrt(norm.running_var + norm.eps)
    return scale, norm.bias - norm.running_mean * scale
