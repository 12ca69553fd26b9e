"""Batches of a split larger than memory, read from its packed file a buffer at a time.

The split is cut into chunks of whole batches, jets in file order. Each epoch takes the chunks
in an order drawn from (seed, epoch), reads as many as fill the buffer, shuffles the jets
within it (a seed drawn from (seed, epoch, buffer)) and yields that buffer's batches through
the input family's own loader; then the next buffer. Peak memory is set by the buffer, not by
the split: about twice the buffer (the file's rows, and the loader's copy of the columns the
model reads). The order depends on (seed, epoch) alone, so a training resumed after epoch e
sees exactly the batches an uninterrupted one would.

This is a shuffle of chunks plus a shuffle within a buffer, as WebDataset and tf.data do for
data sets that do not fit: with a buffer of a few hundred batches a batch mixes jets from many
places of the file. Reading a chunk is one contiguous read per array of the packed file
(jettransfer.data.packed_file.PackedFileView)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import torch

from jettransfer.data.packed_file import PackedFileView, PackedJets, concatenate_packed
from jettransfer.inputs.batches import EpochBatches

# A model's loader of the given jets: (jets, shuffle, seed) -> IndexedBatches of its family.
MakeBatches = Callable[[PackedJets, bool, int], Any]


class StreamedBatches(EpochBatches):
    """Iterate (batch, targets) over a packed file too large to load, `buffer_jets` at a time."""

    def __init__(self, view: PackedFileView, make_batches: MakeBatches, batch_size: int, buffer_jets: int,
                 shuffle: bool = False, seed: int = 0, chunk_batches: int = 4) -> None:
        if batch_size < 1 or buffer_jets < 1:
            raise ValueError(f"batch_size ({batch_size}) and buffer_jets ({buffer_jets}) must be positive")
        self.view, self.make_batches = view, make_batches
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        # Chunks of whole batches: every buffer but the one holding the file's last, short chunk
        # has a whole number of batches, so every epoch has the same number of steps.
        self.chunk_jets = batch_size * max(1, min(chunk_batches, buffer_jets // batch_size))
        self.chunks_per_buffer = max(1, buffer_jets // self.chunk_jets)
        self.n_chunks = -(-len(view) // self.chunk_jets)
        self.extra_targets: dict[str, torch.Tensor] = {}

    @classmethod
    def within_memory(cls, view: PackedFileView, make_batches: MakeBatches, batch_size: int, buffer_mb: float,
                      shuffle: bool = False, seed: int = 0) -> "StreamedBatches":
        """A buffer of about `buffer_mb` of the file's data."""
        buffer_jets = max(batch_size, int(buffer_mb * 2**20 / max(view.bytes_per_jet, 1.0)))
        return cls(view, make_batches, batch_size, buffer_jets, shuffle=shuffle, seed=seed)

    @property
    def buffer_jets(self) -> int:
        return self.chunk_jets * self.chunks_per_buffer

    def __len__(self) -> int:
        return -(-len(self.view) // self.batch_size)

    @property
    def n_samples(self) -> int:
        return len(self.view)

    @property
    def target_names(self) -> tuple[str, ...]:
        return ("label", "id", *self.view.target_names, *self.extra_targets)

    def with_targets(self, extra: Mapping[str, torch.Tensor]) -> "StreamedBatches":
        """The same batches with more per-jet targets (in file order, one row per jet), held in
        memory: a few numbers per jet, not the jets."""
        for name, values in extra.items():
            if len(values) < len(self.view):
                raise ValueError(f"target {name!r} has {len(values)} rows for {len(self.view)} jets")
        extended = copy.copy(self)
        extended.extra_targets = {**self.extra_targets, **{k: v[: len(self.view)] for k, v in extra.items()}}
        return extended

    def chunk_order(self) -> np.ndarray:
        """The chunks in the order this epoch reads them."""
        if not self.shuffle:
            return np.arange(self.n_chunks)
        return np.random.default_rng([self.seed, self.epoch]).permutation(self.n_chunks)

    def buffers(self) -> Iterator[tuple[int, np.ndarray]]:
        """(buffer number, its chunks) of this epoch."""
        order = self.chunk_order()
        for number, start in enumerate(range(0, len(order), self.chunks_per_buffer)):
            yield number, order[start : start + self.chunks_per_buffer]

    def read_buffer(self, chunks: np.ndarray) -> tuple[PackedJets, np.ndarray]:
        """The jets of `chunks`, in that order, and their positions in the file."""
        ranges = [(int(c) * self.chunk_jets, min((int(c) + 1) * self.chunk_jets, len(self.view))) for c in chunks]
        jets = concatenate_packed([self.view.jets(a, b) for a, b in ranges])
        return jets, np.concatenate([np.arange(a, b) for a, b in ranges])

    def __iter__(self) -> Iterator[tuple[Any, dict[str, torch.Tensor]]]:
        for number, chunks in self.buffers():
            jets, positions = self.read_buffer(chunks)
            seed = int(np.random.SeedSequence([self.seed, self.epoch, number]).generate_state(1)[0] >> 1)
            loader = self.make_batches(jets, self.shuffle, seed)
            if self.extra_targets:
                rows = torch.from_numpy(positions)
                loader = loader.with_targets({k: v.index_select(0, rows) for k, v in self.extra_targets.items()})
            # Every rank reads the same buffers and takes its share of each batch of them.
            yield from loader.for_rank(self.rank, self.world_size)
