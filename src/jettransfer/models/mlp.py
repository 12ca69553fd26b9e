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

from torch import nn

from jettransfer.models.fcnn import FlattenedParticlesTagger


class ParticleMLP(FlattenedParticlesTagger):
    def __init__(
        self,
        input_dim: int,
        num_classes: int = 2,
        n_particles: int = 128,
        width: int = 512,
        n_blocks: int = 2,
        dropout: float = 0.1,
    ) -> None:
        layers: list[nn.Module] = []
        size = n_particles * input_dim
        for _ in range(n_blocks):
            # The seed's order: BatchNorm after the activation, normalising what the next layer reads.
            layers += [nn.Linear(size, width), nn.LeakyReLU(), nn.Dropout(dropout), nn.BatchNorm1d(width)]
            size = width
        super().__init__(n_particles, layers, size, num_classes)
