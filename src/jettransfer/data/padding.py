"""Packed jets as fixed-size arrays with a mask, for models that want [jets, rows, features]."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jettransfer.data.packed_file import PackedJets
from jettransfer.data.ranges import concat_ranges


def to_padded(jets: PackedJets, length: int, features: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """([J, length, F] features, [J, length] mask): each jet's first `length` rows, zero-padded.

    For particle representations the first rows are the hardest particles.
    """
    columns = list(range(len(jets.feature_names))) if features is None else jets.feature_columns(features)
    counts = np.minimum(jets.nodes_per_graph, length)
    jet = np.repeat(np.arange(len(jets)), counts)
    slot = concat_ranges(np.zeros(len(jets), dtype=np.int64), counts)
    rows = concat_ranges(jets.node_offsets[:-1], counts)
    padded = np.zeros((len(jets), length, len(columns)), dtype=np.float32)
    padded[jet, slot] = jets.node_features[rows][:, columns]
    mask = np.zeros((len(jets), length), dtype=bool)
    mask[jet, slot] = True
    return padded, mask
