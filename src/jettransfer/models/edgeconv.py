"""EdgeConv block as in LundNet/ParticleNet: an edge MLP on (x_i, x_j - x_i), mean, shortcut."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from jettransfer.models.graph import GraphBatch, mean_over_incoming


class EdgeConvBlock(nn.Module):
    def __init__(self, in_features: int, channels: Sequence[int]) -> None:
        super().__init__()
        widths = [2 * in_features, *channels]
        self.linears = nn.ModuleList(nn.Linear(widths[i], widths[i + 1], bias=False) for i in range(len(channels)))
        self.norms = nn.ModuleList(nn.BatchNorm1d(c) for c in channels)
        self.in_features = in_features
        if in_features == channels[-1]:
            self.shortcut = None
        else:
            self.shortcut = nn.Sequential(nn.Linear(in_features, channels[-1], bias=False), nn.BatchNorm1d(channels[-1]))
        self.activation = nn.ReLU()

    def forward(self, x: torch.Tensor, batch: GraphBatch) -> torch.Tensor:
        # The first layer acts on cat(x_i, x_j - x_i) = W_a x_i + W_b (x_j - x_i)
        # = (W_a - W_b) x_i + W_b x_j: two per-node products and a gather instead of a
        # per-edge matmul on a concatenation twice as wide. Same weights, same result.
        weight = self.linears[0].weight
        w_centre, w_neighbour = weight[:, : self.in_features], weight[:, self.in_features :]
        centre = x @ (w_centre - w_neighbour).t()
        neighbour = x @ w_neighbour.t()
        h = centre.index_select(0, batch.dst) + neighbour.index_select(0, batch.src)
        h = self.activation(self.norms[0](h))
        for linear, norm in zip(self.linears[1:], self.norms[1:]):
            h = self.activation(norm(linear(h)))
        aggregated = mean_over_incoming(h, batch)
        skip = x if self.shortcut is None else self.shortcut(x)
        return self.activation(skip + aggregated)
