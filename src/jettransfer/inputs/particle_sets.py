"""The particle-set input family: each jet's particles padded to a common length.

Models that read a set as a dense block (an Energy Flow Network, an MLP on the flattened
leading particles, a transformer, LorentzNet) get `features` [B, P, F] with a `mask` [B, P]
(True for real particles) and the particles' four-momenta [B, P, 4] as (px, py, pz, E) beside
them, for the models that need momenta (LorentzNet) or pT weights. Padding rows are zero."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from jettransfer.data.packed_file import PackedJets
from jettransfer.data.ranges import concat_ranges
from jettransfer.inputs.batches import IndexedBatches


@dataclass
class ParticleSetBatch:
    features: torch.Tensor  # [B, P, F] float32, zero where mask is False
    mask: torch.Tensor  # [B, P] bool, True for real particles
    four_momenta: torch.Tensor | None = None  # [B, P, 4] (px, py, pz, E) GeV, zero where mask is False

    def to(self, device: torch.device) -> "ParticleSetBatch":
        return ParticleSetBatch(self.features.to(device, non_blocking=True), self.mask.to(device, non_blocking=True),
                                None if self.four_momenta is None else self.four_momenta.to(device, non_blocking=True))

    @property
    def n_jets(self) -> int:
        return self.features.shape[0]


class ParticleSetBatches(IndexedBatches):
    """(ParticleSetBatch, targets). With `pad_to`, every jet gets exactly that many rows (its
    first rows kept, in file order: the leading particles for `constituents`); otherwise a
    batch is as long as its longest jet."""

    def __init__(self, jets: PackedJets, features: Sequence[str], batch_size: int, shuffle: bool = False,
                 seed: int = 0, pad_to: int | None = None) -> None:
        super().__init__(jets, features, batch_size, shuffle, seed)
        self.four_momenta = None if jets.four_momenta is None else torch.from_numpy(np.ascontiguousarray(jets.four_momenta))
        self.pad_to = pad_to

    def make_batch(self, index: np.ndarray) -> ParticleSetBatch:
        counts = self.jets.nodes_per_graph[index]
        width = int(counts.max()) if len(counts) else 0
        if self.pad_to is not None:
            counts, width = np.minimum(counts, self.pad_to), self.pad_to
        rows = torch.from_numpy(concat_ranges(self.jets.node_offsets[:-1][index], counts))
        jet = torch.from_numpy(np.repeat(np.arange(len(index)), counts))
        position = torch.from_numpy(np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts))
        mask = torch.zeros(len(index), width, dtype=torch.bool)
        mask[jet, position] = True
        return ParticleSetBatch(_padded(self.node_features, rows, jet, position, len(index), width), mask,
                                None if self.four_momenta is None
                                else _padded(self.four_momenta, rows, jet, position, len(index), width))


def _padded(values: torch.Tensor, rows: torch.Tensor, jet: torch.Tensor, position: torch.Tensor, n_jets: int,
            width: int) -> torch.Tensor:
    out = torch.zeros(n_jets, width, values.shape[1], dtype=values.dtype)
    out[jet, position] = values.index_select(0, rows)
    return out
