"""Fully connected network on the leading particles (seed 001's FCNN teacher and student).

Input: a ParticleSetBatch. The first `n_particles` rows of each jet (the leading particles, in
the loader's order) are flattened particle by particle into one vector of n_particles *
input_dim values; jets with fewer particles are zero-padded, longer ones truncated. Then
`hidden` layers of Linear + ReLU (+ Dropout, identity at the default 0.0) and a Linear to
`num_classes` logits.

Parameter counts on the 7 particle features and 200 particles (2 classes):
  FCNN-teacher, hidden 5 x 400: 1400*400+400 + 4*(400*400+400) + 400*2+2 = 1,202,802
  FCNN-student, hidden 1 x 64:  1400*64+64 + 64*2+2                      =    89,794

backbone = the hidden layers, head = the final Linear.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext

import torch
import torch.nn.functional as F
from torch import nn

from jettransfer.inputs.particle_sets import ParticleSetBatch


def leading_particles(batch: ParticleSetBatch, n_particles: int) -> torch.Tensor:
    """[B, n_particles * F]: each jet's first `n_particles` rows flattened, padding zeroed.

    Padded rows are multiplied by the mask, so what a loader leaves in them never reaches the
    network; narrower batches are zero-padded on the right so that a particle's features always
    land in the same input columns whatever the batch's width."""
    x = batch.features[:, :n_particles] * batch.mask[:, :n_particles, None]
    missing = n_particles - x.shape[1]
    if missing > 0:
        x = F.pad(x, (0, 0, 0, missing))
    return x.flatten(1)


class FlattenedParticlesTagger(nn.Module):
    """Layers on the flattened leading particles, then a Linear head: what the FCNN and the MLP
    share. Subclasses give the layers and the width they end in."""

    def __init__(self, n_particles: int, layers: Sequence[nn.Module], width: int, num_classes: int) -> None:
        super().__init__()
        self.n_particles = n_particles  # the loader pads to this
        self.backbone = nn.Sequential(*layers)
        self.head = nn.Linear(width, num_classes)
        self.backbone_frozen = False

    def backbone_modules(self) -> list[nn.Module]:
        return [self.backbone]

    def representation(self, batch: ParticleSetBatch) -> torch.Tensor:
        """[B, last layer's width]: the activations the head reads."""
        # A frozen backbone records no graph (train.modes.freeze_backbone).
        with torch.no_grad() if self.backbone_frozen else nullcontext():
            return self.backbone(leading_particles(batch, self.n_particles))

    def forward(self, batch: ParticleSetBatch) -> torch.Tensor:
        """Logits [B, num_classes]."""
        return self.head(self.representation(batch))


class FCNN(FlattenedParticlesTagger):
    def __init__(
        self,
        input_dim: int,
        num_classes: int = 2,
        n_particles: int = 200,
        hidden: Sequence[int] = (400,) * 5,
        dropout: float = 0.0,
    ) -> None:
        layers: list[nn.Module] = []
        width = n_particles * input_dim
        for size in hidden:
            # Dropout is always present (identity at p = 0) so that state-dict keys do not depend
            # on the dropout rate, and weights transfer between runs that differ only in it.
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
            width = size
        super().__init__(n_particles, layers, width, num_classes)
