"""What every loader shares: the shuffled order of an epoch, batching by index, the targets."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from jettransfer.data.packed_file import PackedJets


def target_tensors(jets: PackedJets) -> dict[str, torch.Tensor]:
    """Per-jet targets of a packed file as tensors: label, id and any stored target arrays."""
    targets = {"label": torch.from_numpy(jets.labels.astype(np.int64)), "id": torch.from_numpy(jets.ids.astype(np.int64))}
    for name, values in jets.targets.items():
        targets[name] = torch.from_numpy(np.ascontiguousarray(values))
    return targets


class EpochBatches:
    """What every loader shares besides its jets: the epoch it is in (set_epoch), whether it
    shuffles, and which share of each batch this data-parallel process takes (for_rank).
    Subclasses set batch_size, shuffle and seed."""

    batch_size: int
    shuffle: bool
    seed: int
    epoch: int = 0
    rank: int = 0
    world_size: int = 1

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def for_rank(self, rank: int, world_size: int) -> "EpochBatches":
        """The same batches, of each only the share of process `rank` of `world_size`: every rank
        draws the same permutation and takes jets rank, rank + world_size, ... of each batch, so
        the ranks see disjoint parts of every batch and take the same number of steps. The last
        batch loses its jets beyond a multiple of world_size (fewer than world_size jets an
        epoch), so that no rank has an empty batch and the shares stay equal."""
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} outside a world of {world_size}")
        if world_size > self.batch_size:
            raise ValueError(f"batch size {self.batch_size} is smaller than the {world_size} processes sharing it")
        shared = copy.copy(self)
        shared.rank, shared.world_size = rank, world_size
        return shared

    def in_file_order(self) -> "EpochBatches":
        ordered = copy.copy(self)
        ordered.shuffle = False
        ordered.rank, ordered.world_size = 0, 1  # every jet, also on a data-parallel rank
        return ordered

    def rank_share(self, index: np.ndarray) -> np.ndarray:
        """This process's share of one batch's jets (all of them outside data-parallel training)."""
        if self.world_size == 1:
            return index
        return index[: len(index) - len(index) % self.world_size][self.rank :: self.world_size]


class IndexedBatches(EpochBatches):
    """Iterate (batch, targets). With shuffle, epoch e uses the permutation of seed + e.

    `node_features` holds the file's `features` columns, row for row; subclasses build one
    batch of their family from an index of jets (`make_batch`)."""

    def __init__(self, jets: PackedJets, features: Sequence[str], batch_size: int, shuffle: bool = False,
                 seed: int = 0) -> None:
        self.jets = jets
        self.node_features = torch.from_numpy(np.ascontiguousarray(jets.node_features[:, jets.feature_columns(features)]))
        self.targets = target_tensors(jets)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed

    def __len__(self) -> int:
        return -(-len(self.jets) // self.batch_size)

    @property
    def n_samples(self) -> int:
        return len(self.jets)

    @property
    def target_names(self) -> tuple[str, ...]:
        return tuple(self.targets)

    def with_targets(self, extra: Mapping[str, torch.Tensor]) -> "IndexedBatches":
        """The same batches with more per-jet targets (in file order, one row per jet)."""
        for name, values in extra.items():
            if len(values) != len(self.jets):
                raise ValueError(f"target {name!r} has {len(values)} rows for {len(self.jets)} jets")
        extended = copy.copy(self)
        extended.targets = {**self.targets, **extra}
        return extended

    def __iter__(self) -> Iterator[tuple[Any, dict[str, torch.Tensor]]]:
        order = np.arange(len(self.jets))
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(len(self.jets))
        for start in range(0, len(order), self.batch_size):
            index = self.rank_share(order[start : start + self.batch_size])
            if len(index):
                yield self.batch(index)

    def batch(self, index: np.ndarray) -> tuple[Any, dict[str, torch.Tensor]]:
        selected = torch.from_numpy(np.asarray(index, dtype=np.int64))
        return self.make_batch(index), {name: values.index_select(0, selected) for name, values in self.targets.items()}

    def make_batch(self, index: np.ndarray) -> Any:
        raise NotImplementedError


def move_targets(targets: Mapping[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    return {name: values.to(device, non_blocking=True) for name, values in targets.items()}
