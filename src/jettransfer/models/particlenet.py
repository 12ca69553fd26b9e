"""ParticleNet (Qu & Gouskos, 1902.08570): dynamic-graph EdgeConv on the particle cloud.

Block 1 links each particle to its k nearest neighbours in (d_eta, d_phi); later blocks
rebuild the graph in the previous block's feature space. The paper's network pools the last
block's output (no fusion layer): 366,160 parameters; ParticleNet-Lite (k=7, two blocks) 26,416.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from jettransfer.models.edgeconv_tagger import EdgeConvTagger

DEFAULT_CONV = ((64, 64, 64), (128, 128, 128), (256, 256, 256))


class ParticleNet(EdgeConvTagger):
    def __init__(
        self,
        input_dim: int,
        k: int = 16,
        conv_channels: Sequence[Sequence[int]] = DEFAULT_CONV,
        fc_dim: int = 256,
        dropout: float = 0.1,
        coordinate_columns: Sequence[int] = (0, 1),
        num_classes: int = 2,
    ) -> None:
        if max(coordinate_columns) >= input_dim:
            raise ValueError(f"coordinate_columns {list(coordinate_columns)} outside the {input_dim} input features")
        super().__init__(input_dim, conv_channels, None, fc_dim, dropout, num_classes, always_shortcut_projection=True)
        self.k = k
        self.coordinate_columns = list(coordinate_columns)

    def block_graph(self, index: int, x: torch.Tensor, batch: Any) -> Any:
        # Coordinates are read before the input BatchNorm: distances in the physical (eta, phi) plane.
        points = batch.x[:, self.coordinate_columns] if index == 0 else x
        return batch.knn_edges(points, self.k)
