"""MLP on the flattened leading particles (seed 003's MLP student, Liu et al., KD4Jets).

Input: a ParticleSetBatch with the seed's four features per particle (pT/pT_jet, d_eta, d_phi,
m). The first `n_particles` (128) rows of each jet are flattened into 128 * 4 = 512 values
(zero-padded or truncated), then two blocks of [Linear(512), LeakyReLU, Dropout,
BatchNorm1d(512)] and a Linear(512, num_classes).

Parameters with n_particles 128, input_dim 4, 2 classes:
  (512*512+512) + 2*512 + (512*512+512) + 2*512 + (512*2+2) = 528,386, the seed's count.

backbone = the two blocks, head = the final Linear.
"""

from __future__ import annotations

from contextlib import nullcontext

import torch
from torch import nn

from jettransfer.inputs.particle_sets import ParticleSetBatch
from jettransfer.models.fcnn import leading_particles


class ParticleMLP(nn.Module):
    def __init__(
        self,
        input_dim: int,
        num_classes: int = 2,
        n_particles: int = 128,
        width: int = 512,
        n_blocks: int = 2,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        self.n_particles = n_particles  # the loader pads to this
        layers: list[nn.Module] = []
        size = n_particles * input_dim
        for _ in range(n_blocks):
            # The seed's order: BatchNorm after the activation, normalising what the next layer reads.
            layers += [nn.Linear(size, width), nn.LeakyReLU(), nn.Dropout(dropout), nn.BatchNorm1d(width)]
            size = width
        self.blocks = nn.Sequential(*layers)
        self.head = nn.Linear(size, num_classes)
        self.backbone_frozen = False

    def backbone_modules(self) -> list[nn.Module]:
        return [self.blocks]

    def representation(self, batch: ParticleSetBatch) -> torch.Tensor:
        """[B, width]: the last block's output, which the head reads."""
        # A frozen backbone records no graph (train.modes.freeze_backbone).
        with torch.no_grad() if self.backbone_frozen else nullcontext():
            return self.blocks(leading_particles(batch, self.n_particles))

    def forward(self, batch: ParticleSetBatch) -> torch.Tensor:
        """Logits [B, num_classes]."""
        return self.head(self.representation(batch))
