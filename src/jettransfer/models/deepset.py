"""Energy Flow Network (Komiske, Metodiev, Thaler, 1810.05165) as seed 003's DeepSet student
(Liu et al., KD4Jets).

Input: a ParticleSetBatch of any width with the seed's four features per particle (pT/pT_jet,
d_eta, d_phi, m). Each real particle is mapped by phi, the latents are summed with the
particle's pT fraction as weight (the IRC-safe EFN sum), and rho maps the sum to logits:

    z = sum_i w_i phi(x_i)     w_i = features[i, weight_column]   (pt_rel = pT / pT_jet)
    logits = rho(z)

The weight column must hold the raw pT fraction: a standardised column would be an
offset, not a weight.

Layout (width 128, latent 128), the seed's public code with depth 3:
  phi: [Linear(F, 128), LeakyReLU, Dropout, BatchNorm1d] -> [Linear(128, 128), LeakyReLU,
       Dropout, BatchNorm1d] -> Linear(128, latent)
  rho: BatchNorm1d(latent) -> 2 x [Linear(128, 128), LeakyReLU, Dropout, BatchNorm1d]
       -> Linear(128, num_classes)
The BatchNorm1d(latent) that opens rho is what the two-block description alone misses
(67,970 parameters); with it, on 4 features and 2 classes:
  phi: (4*128+128) + 256 + (128*128+128) + 256 + (128*128+128) = 34,176
  rho: 256 + 2 * ((128*128+128) + 256) + (128*2+2)            = 34,050
  total 68,226, the seed's count.

backbone = phi, head = rho. phi, BatchNorm included, runs on the real particles only, so
padding affects neither the sum nor phi's batch statistics.
"""

from __future__ import annotations

from contextlib import nullcontext

import torch
from torch import nn

from jettransfer.inputs.particle_sets import ParticleSetBatch


def _block(size: int, width: int, dropout: float) -> list[nn.Module]:
    return [nn.Linear(size, width), nn.LeakyReLU(), nn.Dropout(dropout), nn.BatchNorm1d(width)]


class DeepSet(nn.Module):
    def __init__(
        self,
        input_dim: int,
        num_classes: int = 2,
        width: int = 128,
        latent: int = 128,
        dropout: float = 0.1,
        weight_column: int = 0,
    ) -> None:
        super().__init__()
        if not 0 <= weight_column < input_dim:
            raise ValueError(f"weight_column {weight_column} outside the {input_dim} input features")
        self.weight_column = weight_column
        self.latent = latent
        self.phi = nn.Sequential(*_block(input_dim, width, dropout), *_block(width, width, dropout),
                                 nn.Linear(width, latent))
        # The opening BatchNorm puts the pT-weighted sum, whose scale depends on the jet, on a
        # common scale before rho's first Linear.
        self.head = nn.Sequential(nn.BatchNorm1d(latent), *_block(latent, width, dropout),
                                  *_block(width, width, dropout), nn.Linear(width, num_classes))
        self.backbone_frozen = False

    @property
    def rho(self) -> nn.Module:
        return self.head

    def backbone_modules(self) -> list[nn.Module]:
        return [self.phi]

    def representation(self, batch: ParticleSetBatch) -> torch.Tensor:
        """[B, latent]: the pT-weighted sum of phi over each jet's real particles, rho's input."""
        # A frozen backbone records no graph (train.modes.freeze_backbone).
        with torch.no_grad() if self.backbone_frozen else nullcontext():
            mask = batch.mask
            # phi sees only the real particles, as one flat [N_real, F] block: padding neither
            # enters the sum nor the BatchNorm statistics.
            latents = self.phi(batch.features[mask])
            per_slot = latents.new_zeros(*mask.shape, latents.shape[-1])
            per_slot[mask] = latents
            weights = batch.features[..., self.weight_column] * mask
            return (per_slot * weights.unsqueeze(-1).to(per_slot.dtype)).sum(dim=1)

    def forward(self, batch: ParticleSetBatch) -> torch.Tensor:
        """Logits [B, num_classes]."""
        return self.head(self.representation(batch))
