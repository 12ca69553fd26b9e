"""The shape LundNet and ParticleNet share: input BatchNorm, EdgeConv blocks, optional fusion
of all blocks' outputs, mean over each jet's nodes, dense head.

`backbone` (input norm + EdgeConv blocks) and `head` (fusion + dense) are separate so that
transfer learning can freeze one and re-initialise the other. Subclasses say only which graph
each block runs on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from jettransfer.models.dense import Linear
from jettransfer.models.edgeconv import EdgeConvBlock


class EdgeConvTagger(nn.Module):
    def __init__(
        self,
        input_dim: int,
        conv_channels: Sequence[Sequence[int]],
        fusion_dim: int | None,
        fc_dim: int,
        dropout: float,
        num_classes: int,
        always_shortcut_projection: bool = False,
    ) -> None:
        super().__init__()
        self.input_norm = nn.BatchNorm1d(input_dim)
        blocks, width = [], input_dim
        for channels in conv_channels:
            blocks.append(EdgeConvBlock(width, channels, always_shortcut_projection))
            width = channels[-1]
        self.blocks = nn.ModuleList(blocks)
        head: dict[str, nn.Module] = {}
        if fusion_dim is not None:
            concat = sum(c[-1] for c in conv_channels)
            head["fusion"] = self.fusion_block(concat, fusion_dim)
            width = fusion_dim
        head["dense"] = nn.Sequential(Linear(width, fc_dim), nn.ReLU(), nn.Dropout(dropout), Linear(fc_dim, num_classes))
        self.head = nn.ModuleDict(head)
        self.backbone_frozen = False

    def fusion_block(self, in_features: int, out_features: int) -> nn.Module:
        """The per-node map of all blocks' outputs side by side (ParticleNet's order: a linear map
        without bias, BatchNorm, ReLU)."""
        return nn.Sequential(Linear(in_features, out_features, bias=False), nn.BatchNorm1d(out_features), nn.ReLU())

    @property
    def backbone_width(self) -> int:
        """Columns of backbone_features per node."""
        widths = [block.norms[-1].num_features for block in self.blocks]
        return sum(widths) if "fusion" in self.head else widths[-1]

    def backbone_modules(self) -> list[nn.Module]:
        return [self.input_norm, self.blocks]

    def block_graph(self, index: int, x: torch.Tensor, batch: Any) -> Any:
        """The graph block `index` passes messages on, given its input node features `x`."""
        raise NotImplementedError

    def backbone_outputs(self, batch: Any) -> list[torch.Tensor]:
        """What the head reads of the blocks' per-node outputs: every block's with fusion, else the
        last block's."""
        x = self.input_norm(batch.x)
        outputs = []
        for index, block in enumerate(self.blocks):
            x = block(x, self.block_graph(index, x, batch))
            outputs.append(x)
        return outputs if "fusion" in self.head else outputs[-1:]

    def backbone_features(self, batch: Any) -> torch.Tensor:
        """backbone_outputs side by side: backbone_width columns per node."""
        outputs = self.backbone_outputs(batch)
        return torch.cat(outputs, dim=1) if len(outputs) > 1 else outputs[0]

    def forward(self, batch: Any) -> torch.Tensor:
        """Logits per jet. `batch` is a GraphBatch, or a DGL batch with the same methods."""
        if getattr(batch, "backbone_done", False):
            features = batch.x  # precomputed once for a frozen backbone (train/frozen_features.py)
        elif self.backbone_frozen:
            # No graph is recorded through the frozen blocks: this is where frozen training saves time.
            with torch.no_grad():
                features = self.backbone_features(batch)
        else:
            features = self.backbone_features(batch)
        if "fusion" in self.head:
            features = self.head["fusion"](features)
        return self.head["dense"](batch.mean_over_graph(features))
