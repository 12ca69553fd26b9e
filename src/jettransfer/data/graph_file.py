"""Lund-graph files: many jets' trees packed into flat arrays (one .npz, uncompressed).

Arrays (G graphs, N nodes in all):
  node_features  float32 [N, F]   columns named by `feature_names`
  node_offsets   int64   [G + 1]  graph g owns nodes node_offsets[g]:node_offsets[g+1]
  parent         int16   [N]      parent node, local to the graph (-1 for the root); each
                                  tree link is a pair of directed edges for message passing
  labels         int64   [G]      1 signal, 0 background
  jet_pt         float32 [G]
  feature_names  str     [F]
  schema_version int     SCHEMA_VERSION
  provenance     str     JSON
Storing the parent, not an edge list, keeps a jet of n nodes at n * (4 F + 2) bytes. Graphs
are built once here; loaders only slice these arrays.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jettransfer.data.errors import InputFileError
from jettransfer.data.npz import write_npz
from jettransfer.data.ranges import concat_ranges, offsets_from_counts

SCHEMA_VERSION = 2
_ARRAYS = {"node_features": ("f", 2), "node_offsets": ("i", 1), "parent": ("i", 1), "labels": ("i", 1), "jet_pt": ("f", 1)}
_MAX_NODES = np.iinfo(np.int16).max


@dataclass
class GraphSet:
    node_features: np.ndarray
    node_offsets: np.ndarray
    parent: np.ndarray
    labels: np.ndarray
    jet_pt: np.ndarray
    feature_names: tuple[str, ...]
    provenance: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def nodes_per_graph(self) -> np.ndarray:
        return np.diff(self.node_offsets)

    def feature_columns(self, names: Sequence[str]) -> list[int]:
        missing = [n for n in names if n not in self.feature_names]
        if missing:
            raise KeyError(f"graph features {missing} not available; the file has {list(self.feature_names)}")
        return [self.feature_names.index(n) for n in names]

    def take(self, index: np.ndarray) -> "GraphSet":
        index = np.asarray(index, dtype=np.int64)
        counts = self.nodes_per_graph[index]
        nodes = concat_ranges(self.node_offsets[:-1][index], counts)
        return GraphSet(self.node_features[nodes], offsets_from_counts(counts), self.parent[nodes],
                        self.labels[index], self.jet_pt[index], self.feature_names, dict(self.provenance))


def concatenate_graphs(parts: Sequence[GraphSet]) -> GraphSet:
    names = parts[0].feature_names
    if any(p.feature_names != names for p in parts):
        raise ValueError("cannot concatenate graph sets with different feature names")
    return GraphSet(
        np.concatenate([p.node_features for p in parts]),
        offsets_from_counts(np.concatenate([p.nodes_per_graph for p in parts])),
        np.concatenate([p.parent for p in parts]),
        np.concatenate([p.labels for p in parts]),
        np.concatenate([p.jet_pt for p in parts]),
        names,
        {"parts": [p.provenance for p in parts]},
    )


def make_graph_set(features: np.ndarray, parent: np.ndarray, node_offsets: np.ndarray, labels: np.ndarray,
                   jet_pt: np.ndarray, feature_names: Sequence[str]) -> GraphSet:
    counts = np.diff(node_offsets)
    if len(counts) and counts.max() > _MAX_NODES:
        raise ValueError(f"a graph has {counts.max()} nodes; the format holds at most {_MAX_NODES}")
    return GraphSet(np.asarray(features, dtype=np.float32), np.asarray(node_offsets, dtype=np.int64),
                    np.asarray(parent, dtype=np.int16), np.asarray(labels, dtype=np.int64),
                    np.asarray(jet_pt, dtype=np.float32), tuple(feature_names))


def graphs_from_trees(parents: Sequence[np.ndarray], features: Sequence[np.ndarray], labels: np.ndarray,
                      jet_pt: np.ndarray, feature_names: Sequence[str]) -> GraphSet:
    """Pack one (parent, features) pair per jet."""
    n_features = len(feature_names)
    return make_graph_set(
        np.concatenate(features) if len(features) else np.zeros((0, n_features), np.float32),
        np.concatenate(parents) if len(parents) else np.zeros(0, np.int16),
        offsets_from_counts([len(p) for p in parents]), labels, jet_pt, feature_names,
    )


def write_graphs(path: str | os.PathLike, graphs: GraphSet) -> None:
    write_npz(path, {
        "node_features": graphs.node_features, "node_offsets": graphs.node_offsets, "parent": graphs.parent,
        "labels": graphs.labels, "jet_pt": graphs.jet_pt, "feature_names": np.asarray(graphs.feature_names, dtype=str),
        "schema_version": np.int64(SCHEMA_VERSION), "provenance": np.asarray(json.dumps(graphs.provenance, sort_keys=True)),
    })


def read_graphs(path: str | os.PathLike) -> GraphSet:
    if not os.path.exists(path):
        raise InputFileError(path, None, "file does not exist")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise InputFileError(path, None, f"not a readable graph file ({err})") from err
    with archive:
        if "schema_version" not in archive.files:
            raise InputFileError(path, "schema_version", "array is missing (not a graph file?)")
        version = int(archive["schema_version"])
        if version != SCHEMA_VERSION:
            raise InputFileError(path, "schema_version", f"version {version}, expected {SCHEMA_VERSION}; rebuild it")
        for key in (*_ARRAYS, "feature_names"):
            if key not in archive.files:
                raise InputFileError(path, key, "array is missing")
        arrays = {k: archive[k] for k in _ARRAYS}
        names = tuple(str(n) for n in archive["feature_names"])
        provenance = json.loads(str(archive["provenance"])) if "provenance" in archive.files else {}
    for key, (kind, ndim) in _ARRAYS.items():
        if arrays[key].dtype.kind not in kind + ("u" if kind == "i" else "") or arrays[key].ndim != ndim:
            raise InputFileError(path, key, f"dtype {arrays[key].dtype} ndim {arrays[key].ndim}, expected kind {kind!r} ndim {ndim}")
    if arrays["node_features"].shape[1] != len(names):
        raise InputFileError(path, "node_features", f"{arrays['node_features'].shape[1]} columns for {len(names)} feature names")
    n_nodes = len(arrays["node_features"])
    if arrays["node_offsets"][-1] != n_nodes or len(arrays["parent"]) != n_nodes:
        raise InputFileError(path, "node_offsets", "offsets do not match the array lengths (truncated file?)")
    return GraphSet(**arrays, feature_names=names, provenance=provenance)
