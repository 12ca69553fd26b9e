"""LundNet (Dreyer & Qu, 2012.08526): EdgeConv blocks on the jet's Lund tree, fusion, mean pool."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from jettransfer.models.dense import Linear
from jettransfer.models.edgeconv_tagger import EdgeConvTagger

DEFAULT_CONV = ((32, 32), (32, 32), (64, 64), (64, 64), (128, 128), (128, 128))


class LundNet(EdgeConvTagger):
    def __init__(
        self,
        input_dim: int,
        conv_channels: Sequence[Sequence[int]] = DEFAULT_CONV,
        fusion_dim: int = 384,
        fc_dim: int = 256,
        dropout: float = 0.1,
        num_classes: int = 2,
    ) -> None:
        super().__init__(input_dim, conv_channels, fusion_dim, fc_dim, dropout, num_classes)

    def fusion_block(self, in_features: int, out_features: int) -> nn.Module:
        # The original's order (fdreyer/LundNet, LundNet.py): Linear with bias, ReLU, then
        # BatchNorm, so that the published weights load layer for layer.
        return nn.Sequential(Linear(in_features, out_features), nn.ReLU(), nn.BatchNorm1d(out_features))

    def block_graph(self, index: int, x: torch.Tensor, batch: Any) -> Any:
        # Every block passes messages along the same tree links, both ways.
        return batch.fixed_edges
