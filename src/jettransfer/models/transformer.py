"""A permutation-invariant transformer encoder on a jet's particles, as in JetCLR (seed 004).

Paper: B. M. Dillon, G. Kasieczka, H. Olischlager, T. Plehn, P. Sorrenson, L. Vogel,
"Symmetries, safety, and self-supervision", SciPost Phys. 12, 188 (2022), arXiv:2108.04253,
and the seed's variant (Zhao et al.), which feeds six features per particle.

Input: a ParticleSetBatch (jettransfer.inputs.particle_sets): `features` [B, P, F] and `mask`
[B, P] (True for real particles). The loader pads or truncates every jet to `n_particles`
(JetCLR: the leading 50); the model itself accepts any P and gives the same output whatever the
padding.

Layout and defaults (JetCLR's):
  embedding   Linear(input_dim -> model_dim 1000), no positional encoding (a set, not a sequence)
  encoder     n_layers 4 x torch.nn.TransformerEncoderLayer (post-norm, ReLU, n_heads 4,
              ff_dim 1000, dropout 0.1), padding masked out of every attention
  pooling     "weighted_sum": the particles' outputs summed, each weighted by its column
              `weight_column` of the features (JetCLR: pT / 600, a linear pT weight);
              "mean": the mean over the real particles. The default is "mean" unless a
              `weight_column` is given, because our particle features are logarithms
              (log pT, log E, ...), which are no weights (negative, and not IRC safe as sums).
              The weights are the column's values as the batch holds them, unnormalised (as
              JetCLR's sum): point it at a linear, unstandardised column such as pT / pT_jet.
  head        "projection": ReLU, Linear(model_dim -> projection_dim 1000), ReLU,
              Linear(projection_dim -> num_classes): JetCLR's projector (2 x [ReLU, Linear]),
              the contrastive space when num_classes is set to its width;
              "linear": Linear(model_dim -> num_classes) (the linear classifier test);
              "mlp": Linear(model_dim -> projection_dim), ReLU, Linear(projection_dim -> num_classes).
`representation` is the pooled vector [B, model_dim] the head reads.
"""

from __future__ import annotations

import torch
from torch import nn

from jettransfer.inputs.particle_sets import ParticleSetBatch
from jettransfer.models.graph import summation_dtype

POOLINGS = ("mean", "weighted_sum")
HEADS = ("projection", "linear", "mlp")


class TransformerEncoder(nn.Module):
    def __init__(
        self,
        input_dim: int,
        num_classes: int = 2,
        n_particles: int = 50,
        model_dim: int = 1000,
        n_layers: int = 4,
        n_heads: int = 4,
        ff_dim: int = 1000,
        dropout: float = 0.1,
        pooling: str | None = None,
        weight_column: int | None = None,
        head: str = "projection",
        projection_dim: int = 1000,
    ) -> None:
        super().__init__()
        if pooling is None:
            pooling = "mean" if weight_column is None else "weighted_sum"
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}; known: {POOLINGS}")
        if (pooling == "weighted_sum") != (weight_column is not None):
            raise ValueError("pooling 'weighted_sum' needs a weight_column, and only it reads one")
        if weight_column is not None and not -input_dim <= weight_column < input_dim:
            raise ValueError(f"weight_column {weight_column} is not one of the {input_dim} feature columns")
        if head not in HEADS:
            raise ValueError(f"unknown head {head!r}; known: {HEADS}")
        self.n_particles = n_particles  # the loader pads / truncates each jet to this many rows
        self.pooling = pooling
        self.weight_column = weight_column
        self.embedding = nn.Linear(input_dim, model_dim)
        layer = nn.TransformerEncoderLayer(model_dim, n_heads, dim_feedforward=ff_dim, dropout=dropout,
                                           batch_first=True)
        # No nested tensors: they would drop the padded rows in eval mode only, and the pooled
        # output is then the same anyway; one code path in training and evaluation is simpler.
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        if head == "projection":
            self.head: nn.Module = nn.Sequential(nn.ReLU(), nn.Linear(model_dim, projection_dim), nn.ReLU(),
                                                 nn.Linear(projection_dim, num_classes))
        elif head == "linear":
            self.head = nn.Linear(model_dim, num_classes)
        else:
            self.head = nn.Sequential(nn.Linear(model_dim, projection_dim), nn.ReLU(),
                                      nn.Linear(projection_dim, num_classes))
        self.backbone_frozen = False

    def backbone_modules(self) -> list[nn.Module]:
        return [self.embedding, self.encoder]

    def representation(self, batch: ParticleSetBatch) -> torch.Tensor:
        """The pooled encoder output [B, model_dim], in float32 (summed in float32 under autocast)."""
        features, mask = batch.features, batch.mask
        if features.shape[1] == 0:
            # A batch of empty jets only: one padding slot so that attention has a key at all.
            features = features.new_zeros(features.shape[0], 1, features.shape[2])
            mask = mask.new_zeros(mask.shape[0], 1)
        # Attention of a query over keys that are all masked is softmax(-inf, ...) = NaN. A jet
        # without particles gets its first (zero) padding slot as a key instead: its outputs are
        # finite, and they never enter its pooled vector, which the real-particle mask selects.
        attend = mask.clone()
        attend[:, 0] |= ~mask.any(dim=1)
        h = self.encoder(self.embedding(features), src_key_padding_mask=~attend)
        dtype = summation_dtype(h.dtype)
        if self.pooling == "weighted_sum":
            weights = features[..., self.weight_column].to(dtype)
        else:
            weights = mask.to(dtype) / mask.sum(dim=1, keepdim=True).clamp(min=1).to(dtype)
        # where, not a product alone: a padded row's output never enters, whatever it is.
        weights = torch.where(mask, weights, torch.zeros((), dtype=dtype, device=weights.device))
        # A product and a sum, not einsum: autocast would run einsum's matrix product in bf16.
        return (weights[..., None] * h.to(dtype)).sum(dim=1)

    def forward(self, batch: ParticleSetBatch) -> torch.Tensor:
        """Outputs [B, num_classes] of the head."""
        if self.backbone_frozen:
            # A frozen backbone records no graph: the saving frozen training is for.
            with torch.no_grad():
                features = self.representation(batch)
        else:
            features = self.representation(batch)
        return self.head(features)

