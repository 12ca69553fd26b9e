"""Stages: jets -> Lund graphs (per sample), and graphs -> balanced train/validation/test sets (per task)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import awkward as ak
import numpy as np

from jettransfer.data.graph_file import GraphSet, concatenate_graphs, make_graph_set, read_graphs, write_graphs
from jettransfer.data.jet_file import concatenate_jets, read_jets
from jettransfer.data.ranges import offsets_from_counts
from jettransfer.physics.lund import LUND_FEATURES, lund_forest

log = logging.getLogger(__name__)
SPLITS = ("train", "validation", "test")


def lund_graphs_for_jets(jet_paths: Sequence[str | os.PathLike], output: str | os.PathLike) -> None:
    table = concatenate_jets([read_jets(p) for p in jet_paths])
    momenta = np.stack([ak.to_numpy(ak.flatten(table.constituents[k])) for k in ("px", "py", "pz", "energy")], axis=1)
    offsets = offsets_from_counts(ak.to_numpy(ak.num(table.constituents["px"])))
    start = time.monotonic()
    forest = lund_forest(momenta, offsets)
    graphs = make_graph_set(forest.features, forest.parent, forest.node_offsets, table.jets["label"],
                            table.jets["jet_pt"], LUND_FEATURES)
    graphs.provenance = {"jets": [os.fspath(p) for p in jet_paths], "representation": "lund_graph"}
    seconds = time.monotonic() - start
    log.info("%d graphs, %d nodes in %.1f s (%.0f jets/s)", len(graphs), len(graphs.node_features), seconds,
             len(graphs) / max(seconds, 1e-9))
    write_graphs(output, graphs)


def split_balanced(signal: GraphSet, background: GraphSet, fractions: Mapping[str, float], seed: int) -> dict[str, GraphSet]:
    """Equal numbers of signal and background jets; disjoint splits by construction (one permutation)."""
    n = min(len(signal), len(background))
    rng = np.random.default_rng(seed)
    bounds = np.floor(np.cumsum([0.0] + [fractions[s] for s in SPLITS]) * n).astype(int)
    bounds[-1] = n
    order = {"signal": rng.permutation(len(signal))[:n], "background": rng.permutation(len(background))[:n]}
    out = {}
    for i, split in enumerate(SPLITS):
        parts = [signal.take(order["signal"][bounds[i]:bounds[i + 1]]),
                 background.take(order["background"][bounds[i]:bounds[i + 1]])]
        merged = concatenate_graphs(parts)
        # Interleave signal and background so any prefix (e.g. a 10% training subset) stays balanced.
        m = bounds[i + 1] - bounds[i]
        interleave = np.stack([np.arange(m), np.arange(m) + m], axis=1).ravel()
        out[split] = merged.take(interleave)
    return out


def build_task_datasets(config: dict[str, Any], task: str, signal_path: str | os.PathLike,
                        background_path: str | os.PathLike, outputs: Mapping[str, str | os.PathLike]) -> None:
    splits = split_balanced(read_graphs(signal_path), read_graphs(background_path), config["splits"], config["seed"])
    for split, graphs in splits.items():
        graphs.provenance = {"task": task, "split": split, "signal": os.fspath(signal_path),
                             "background": os.fspath(background_path), "seed": config["seed"]}
        log.info("%s %s: %d jets", task, split, len(graphs))
        write_graphs(outputs[split], graphs)
