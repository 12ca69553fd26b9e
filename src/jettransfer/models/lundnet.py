"""LundNet (Dreyer & Qu): EdgeConv blocks on the Lund tree, fusion MLP, mean pool, dense head."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from jettransfer.models.edgeconv import EdgeConvBlock
from jettransfer.models.graph import GraphBatch, mean_over_graph

DEFAULT_CONV = ((32, 32), (32, 32), (64, 64), (64, 64), (128, 128), (128, 128))


class LundNet(nn.Module):
    """`backbone` (input norm + EdgeConv blocks) and `head` (fusion + dense) are separate so that
    transfer learning can freeze one and re-initialise the other."""

    def __init__(
        self,
        input_dim: int,
        conv_channels: Sequence[Sequence[int]] = DEFAULT_CONV,
        fusion_dim: int = 384,
        fc_dim: int = 256,
        dropout: float = 0.1,
        num_classes: int = 2,
    ) -> None:
        super().__init__()
        self.input_norm = nn.BatchNorm1d(input_dim)
        blocks, width = [], input_dim
        for channels in conv_channels:
            blocks.append(EdgeConvBlock(width, channels))
            width = channels[-1]
        self.blocks = nn.ModuleList(blocks)
        concat = sum(c[-1] for c in conv_channels)
        self.head = nn.ModuleDict({
            "fusion": nn.Sequential(nn.Linear(concat, fusion_dim, bias=False), nn.BatchNorm1d(fusion_dim), nn.ReLU()),
            "dense": nn.Sequential(nn.Linear(fusion_dim, fc_dim), nn.ReLU(), nn.Dropout(dropout), nn.Linear(fc_dim, num_classes)),
        })
        self.backbone_frozen = False

    def backbone_modules(self) -> list[nn.Module]:
        return [self.input_norm, self.blocks]

    def backbone_features(self, batch: GraphBatch) -> torch.Tensor:
        x = self.input_norm(batch.x)
        outputs = []
        for block in self.blocks:
            x = block(x, batch)
            outputs.append(x)
        return torch.cat(outputs, dim=1)

    def forward(self, batch: GraphBatch) -> torch.Tensor:
        if self.backbone_frozen:
            # No graph is recorded through the frozen blocks: this is where frozen training saves time.
            with torch.no_grad():
                features = self.backbone_features(batch)
        else:
            features = self.backbone_features(batch)
        return self.head["dense"](mean_over_graph(self.head["fusion"](features), batch))
