"""Batches for a model, from its packed jets, through the chosen graph backend."""

from __future__ import annotations

from collections.abc import Sequence

from jettransfer.data.graph_loader import GraphBatches
from jettransfer.data.packed_file import PackedJets

GRAPH_BACKENDS = ("native", "dgl")


def jet_batches(jets: PackedJets, features: Sequence[str], batch_size: int, shuffle: bool = False, seed: int = 0,
                backend: str = "native"):
    """GraphBatches (native), or DGLGraphBatches in the DGL environment."""
    if backend == "native":
        return GraphBatches(jets, features, batch_size, shuffle=shuffle, seed=seed)
    if backend == "dgl":
        from jettransfer.models.dgl_backend import DGLGraphBatches, require_dgl

        require_dgl()
        return DGLGraphBatches(jets, features, batch_size, shuffle=shuffle, seed=seed)
    raise ValueError(f"unknown graph backend {backend!r}; known: {GRAPH_BACKENDS}")
