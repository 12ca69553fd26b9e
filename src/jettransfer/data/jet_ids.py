"""Stable ids of jets (and events): sample and position in the sample, in one int64.

A jet's id is fixed when its sample is first represented, from the sample's name and the jet's
row in the sample's jet files, so every representation and every split of the same jet carries
the same id: a teacher reading another representation of a student's jets is matched to them
by id, never by file order. The top 31 bits name the sample, the low 32 the row."""

from __future__ import annotations

import hashlib

import numpy as np

_ROW_BITS = 32


def sample_code(sample: str) -> int:
    return int.from_bytes(hashlib.sha256(sample.encode()).digest()[:4], "big") >> 1


def jet_ids(sample: str, n_jets: int) -> np.ndarray:
    if n_jets >= 2**_ROW_BITS:
        raise ValueError(f"{n_jets} jets in sample {sample!r}: ids hold at most 2^{_ROW_BITS}")
    return (np.int64(sample_code(sample)) << _ROW_BITS) + np.arange(n_jets, dtype=np.int64)
