"""A model's batches from a packed file: the loader of the input family its architecture reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jettransfer.data.packed_file import PackedJets
from jettransfer.inputs.event_graphs import EventGraphBatches
from jettransfer.inputs.graphs import GraphBatches
from jettransfer.inputs.particle_sets import ParticleSetBatches
from jettransfer.models.registry import get_architecture

GRAPH_BACKENDS = ("native", "dgl")


def model_batches(jets: PackedJets, architecture: str, features: Sequence[str], batch_size: int,
                  shuffle: bool = False, seed: int = 0, backend: str = "native", pad_to: int | None = None) -> Any:
    """Batches of `jets` for a model of `architecture` reading `features`.

    graph: GraphBatches (native) or DGLGraphBatches (`backend='dgl'`, in the DGL environment);
    particle_set: ParticleSetBatches, padded to `pad_to` rows when the model reads a fixed
    number of particles (its `n_particles`); event_graph: EventGraphBatches."""
    family = get_architecture(architecture).family
    if family == "graph":
        if backend == "native":
            return GraphBatches(jets, features, batch_size, shuffle=shuffle, seed=seed)
        if backend == "dgl":
            from jettransfer.models.dgl_backend import DGLGraphBatches, require_dgl

            require_dgl()
            return DGLGraphBatches(jets, features, batch_size, shuffle=shuffle, seed=seed)
        raise ValueError(f"unknown graph backend {backend!r}; known: {GRAPH_BACKENDS}")
    if family == "particle_set":
        return ParticleSetBatches(jets, features, batch_size, shuffle=shuffle, seed=seed, pad_to=pad_to)
    if family == "event_graph":
        return EventGraphBatches(jets, features, batch_size, shuffle=shuffle, seed=seed)
    raise ValueError(f"architecture {architecture!r} reads an unknown input family {family!r}")
