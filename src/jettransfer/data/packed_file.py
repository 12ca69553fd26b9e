"""Packed jet files: one format for every per-jet representation (one .npz, uncompressed).

A jet is a variable-length set of rows ("nodes": Lund declusterings or particles), so many
jets are stored as flat arrays with offsets, loadable without any re-parsing:
  node_features  float32 [N, F]   columns named by `feature_names`
  node_offsets   int64   [J + 1]  jet j owns rows node_offsets[j]:node_offsets[j+1]
  parent         int16   [N]      Lund graphs only: parent node, local to the jet (-1: root);
                                  each tree link carries messages both ways
  labels         int64   [J]      the class: 1 signal, 0 background (a task's class index in
                                  its datasets)
  ids            int64   [J]      a stable id per jet (or event): the same jet has the same id in
                                  every representation and split of it (jettransfer.data.jet_ids)
  jet_pt         float32 [J]
  four_momenta   float32 [N, 4]   optional: each row's (px, py, pz, E) in GeV, for models that
                                  read momenta beside the features (particle sets)
  target_<name>  any     [J, ...] optional per-jet targets besides the label (multi-label
                                  existence flags, kinematics and their masks)
  feature_names  str     [F]
  representation str     what the rows are: lund_graph, particle_cloud, constituents
  feature_mean, feature_std  float32 [F]  present when the features were standardised; the
                                  constants come from the training split of the task
  schema_version int     SCHEMA_VERSION
  provenance     str     JSON (inputs, config hash, seed)
Storing a Lund jet's parents rather than an edge list keeps it at n * (4 F + 2) bytes.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from jettransfer.data.errors import InputFileError
from jettransfer.data.npz import read_rows, stored_arrays, write_npz
from jettransfer.data.ranges import concat_ranges, offsets_from_counts

SCHEMA_VERSION = 4
_REQUIRED = {"node_features": ("f", 2), "node_offsets": ("i", 1), "labels": ("i", 1), "ids": ("i", 1),
             "jet_pt": ("f", 1)}
_OPTIONAL = {"parent": ("i", 1), "feature_mean": ("f", 1), "feature_std": ("f", 1), "four_momenta": ("f", 2)}
_TARGET_PREFIX = "target_"
_MAX_NODES = np.iinfo(np.int16).max


@dataclass
class PackedJets:
    node_features: np.ndarray
    node_offsets: np.ndarray
    labels: np.ndarray
    ids: np.ndarray
    jet_pt: np.ndarray
    feature_names: tuple[str, ...]
    representation: str
    parent: np.ndarray | None = None
    feature_mean: np.ndarray | None = None
    feature_std: np.ndarray | None = None
    four_momenta: np.ndarray | None = None
    targets: dict[str, np.ndarray] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def nodes_per_graph(self) -> np.ndarray:
        return np.diff(self.node_offsets)

    def feature_columns(self, names: Sequence[str]) -> list[int]:
        missing = [n for n in names if n not in self.feature_names]
        if missing:
            raise KeyError(f"features {missing} not available; the {self.representation} file has {list(self.feature_names)}")
        return [self.feature_names.index(n) for n in names]

    def take(self, index: np.ndarray) -> "PackedJets":
        index = np.asarray(index, dtype=np.int64)
        counts = self.nodes_per_graph[index]
        nodes = concat_ranges(self.node_offsets[:-1][index], counts)
        return replace(self, node_features=self.node_features[nodes], node_offsets=offsets_from_counts(counts),
                       labels=self.labels[index], ids=self.ids[index], jet_pt=self.jet_pt[index],
                       parent=None if self.parent is None else self.parent[nodes],
                       four_momenta=None if self.four_momenta is None else self.four_momenta[nodes],
                       targets={k: v[index] for k, v in self.targets.items()}, provenance=dict(self.provenance))

    def standardised(self, mean: np.ndarray, std: np.ndarray) -> "PackedJets":
        """Features shifted and scaled by the given constants, which are stored with the data."""
        mean, std = np.asarray(mean, np.float32), np.asarray(std, np.float32)
        return replace(self, node_features=((self.node_features - mean) / std).astype(np.float32),
                       feature_mean=mean, feature_std=std)


def make_packed(features: np.ndarray, node_offsets: np.ndarray, labels: np.ndarray, jet_pt: np.ndarray,
                feature_names: Sequence[str], representation: str, parent: np.ndarray | None = None,
                ids: np.ndarray | None = None, four_momenta: np.ndarray | None = None,
                targets: dict[str, np.ndarray] | None = None) -> PackedJets:
    """A packed file's arrays in their dtypes; `ids` default to 0..J-1."""
    counts = np.diff(node_offsets)
    if parent is not None and len(counts) and counts.max() > _MAX_NODES:
        raise ValueError(f"a graph has {counts.max()} nodes; the format holds at most {_MAX_NODES}")
    return PackedJets(np.asarray(features, dtype=np.float32), np.asarray(node_offsets, dtype=np.int64),
                      np.asarray(labels, dtype=np.int64),
                      np.arange(len(labels), dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64),
                      np.asarray(jet_pt, dtype=np.float32), tuple(feature_names),
                      representation, None if parent is None else np.asarray(parent, dtype=np.int16),
                      four_momenta=None if four_momenta is None else np.asarray(four_momenta, dtype=np.float32),
                      targets=dict(targets or {}))


def tree_links(parent: np.ndarray, first_node: np.ndarray | int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(src, dst) int64 edges of Lund trees: every (child, parent) link, both ways.

    `parent` is local to each jet (-1: root); `first_node` (per node, or one number) is the
    index its jet's first node gets in the output numbering."""
    child = np.flatnonzero(parent >= 0)
    up = parent[child].astype(np.int64) + (first_node[child] if np.ndim(first_node) else first_node)
    return np.concatenate([child, up]), np.concatenate([up, child])


def graphs_from_trees(parents: Sequence[np.ndarray], features: Sequence[np.ndarray], labels: np.ndarray,
                      jet_pt: np.ndarray, feature_names: Sequence[str]) -> PackedJets:
    """Pack one Lund tree (parent, features) per jet."""
    return make_packed(
        np.concatenate(features) if len(features) else np.zeros((0, len(feature_names)), np.float32),
        offsets_from_counts([len(p) for p in parents]), labels, jet_pt, feature_names, "lund_graph",
        parent=np.concatenate(parents) if len(parents) else np.zeros(0, np.int16),
    )


def concatenate_packed(parts: Sequence[PackedJets]) -> PackedJets:
    first = parts[0]
    for p in parts[1:]:
        if p.feature_names != first.feature_names or p.representation != first.representation:
            raise ValueError("cannot concatenate jets of different representations or features")
        if (p.parent is None) != (first.parent is None):
            raise ValueError("cannot concatenate graphs with jets that have no graph")
        if (p.four_momenta is None) != (first.four_momenta is None) or set(p.targets) != set(first.targets):
            raise ValueError("cannot concatenate jets with different four-momenta or targets")
    return replace(
        first,
        node_features=np.concatenate([p.node_features for p in parts]),
        node_offsets=offsets_from_counts(np.concatenate([p.nodes_per_graph for p in parts])),
        labels=np.concatenate([p.labels for p in parts]),
        ids=np.concatenate([p.ids for p in parts]),
        jet_pt=np.concatenate([p.jet_pt for p in parts]),
        parent=None if first.parent is None else np.concatenate([p.parent for p in parts]),
        four_momenta=None if first.four_momenta is None else np.concatenate([p.four_momenta for p in parts]),
        targets={k: np.concatenate([p.targets[k] for p in parts]) for k in first.targets},
        provenance={"parts": [p.provenance for p in parts]},
    )


def write_packed(path: str | os.PathLike, jets: PackedJets) -> None:
    arrays = {
        "schema_version": np.int64(SCHEMA_VERSION), "representation": np.asarray(jets.representation),
        "node_features": jets.node_features, "node_offsets": jets.node_offsets, "labels": jets.labels,
        "ids": jets.ids, "jet_pt": jets.jet_pt, "feature_names": np.asarray(jets.feature_names, dtype=str),
        "provenance": np.asarray(json.dumps(jets.provenance, sort_keys=True)),
    }
    arrays |= {k: getattr(jets, k) for k in _OPTIONAL if getattr(jets, k) is not None}
    arrays |= {_TARGET_PREFIX + k: v for k, v in sorted(jets.targets.items())}
    write_npz(path, arrays)


def read_packed(path: str | os.PathLike, representation: str | None = None) -> PackedJets:
    """Read and check a packed file; with `representation`, refuse a file of another kind."""
    archive = _open_archive(path)
    with archive:
        _check_header(path, archive, representation)
        arrays = {k: archive[k] for k in (*_REQUIRED, *_OPTIONAL) if k in archive.files}
        targets = {k.removeprefix(_TARGET_PREFIX): archive[k] for k in archive.files if k.startswith(_TARGET_PREFIX)}
        names = tuple(str(n) for n in archive["feature_names"])
        kind = str(archive["representation"])
        provenance = json.loads(str(archive["provenance"])) if "provenance" in archive.files else {}
    layout = {k: (v.dtype, v.shape) for k, v in arrays.items()}
    _check_layout(path, layout, {k: v.shape for k, v in targets.items()}, len(names), int(arrays["node_offsets"][-1]))
    return PackedJets(feature_names=names, representation=kind, provenance=provenance, targets=targets, **arrays)


class PackedFileView:
    """A packed file read a range of jets at a time, for splits larger than memory.

    The file is checked as read_packed checks it, from its headers, on opening; `jets(start,
    stop)` then reads only those jets' rows (one contiguous read per array: the format's
    members are stored uncompressed, jets in order). Small per-file arrays (names,
    standardisation constants, provenance) are read once. `n_jets` keeps a prefix of the file
    (a run's train_fraction: the split interleaves its classes, so a prefix stays balanced)."""

    def __init__(self, path: str | os.PathLike, representation: str | None = None, n_jets: int | None = None) -> None:
        self.path = os.fspath(path)
        archive = _open_archive(path)
        with archive:
            _check_header(path, archive, representation)
            self.feature_names = tuple(str(n) for n in archive["feature_names"])
            self.representation = str(archive["representation"])
            self.provenance = json.loads(str(archive["provenance"])) if "provenance" in archive.files else {}
            self.constants = {k: archive[k] for k in ("feature_mean", "feature_std") if k in archive.files}
        try:
            self.stored = stored_arrays(path)
        except (ValueError, zipfile.BadZipFile) as err:
            raise InputFileError(path, None, f"cannot be read in ranges ({err})") from err
        layout = {k: (a.dtype, a.shape) for k, a in self.stored.items() if k in _REQUIRED or k in _OPTIONAL}
        self.target_names = tuple(k.removeprefix(_TARGET_PREFIX) for k in self.stored if k.startswith(_TARGET_PREFIX))
        offsets = self.stored["node_offsets"]
        last = int(read_rows(path, offsets, offsets.shape[0] - 1, offsets.shape[0])[0]) if offsets.shape[0] else -1
        _check_layout(path, layout, {k: self.stored[_TARGET_PREFIX + k].shape for k in self.target_names},
                      len(self.feature_names), last)
        self.n_jets = self.stored["labels"].shape[0] if n_jets is None else min(n_jets, self.stored["labels"].shape[0])

    def __len__(self) -> int:
        return self.n_jets

    @property
    def bytes_per_jet(self) -> float:
        """Mean bytes a jet takes in memory, all its arrays together."""
        total = sum(a.shape[0] * a.row_bytes for k, a in self.stored.items() if a.shape and k != "node_offsets"
                    and a.shape[0] in (self.stored["labels"].shape[0], self.stored["node_features"].shape[0]))
        return total / max(self.stored["labels"].shape[0], 1) + 8

    def per_jet(self, key: str) -> np.ndarray:
        """One per-jet array (ids, labels, jet_pt, target_<name>) of the first n_jets, whole."""
        return read_rows(self.path, self.stored[key], 0, self.n_jets)

    def jets(self, start: int, stop: int) -> PackedJets:
        """Jets start:stop (within the first n_jets) as an in-memory PackedJets."""
        start, stop = max(0, start), min(stop, self.n_jets)
        stop = max(start, stop)
        offsets = read_rows(self.path, self.stored["node_offsets"], start, stop + 1)
        first, last = int(offsets[0]), int(offsets[-1])
        per_jet = lambda key: read_rows(self.path, self.stored[key], start, stop)  # noqa: E731
        per_node = lambda key: read_rows(self.path, self.stored[key], first, last)  # noqa: E731
        optional = {k: per_node(k) for k in ("parent", "four_momenta") if k in self.stored}
        return PackedJets(
            node_features=per_node("node_features"), node_offsets=offsets - first, labels=per_jet("labels"),
            ids=per_jet("ids"), jet_pt=per_jet("jet_pt"), feature_names=self.feature_names,
            representation=self.representation, **optional, **self.constants,
            targets={k: per_jet(_TARGET_PREFIX + k) for k in self.target_names}, provenance=dict(self.provenance),
        )


def _open_archive(path: str | os.PathLike):
    if not os.path.exists(path):
        raise InputFileError(path, None, "file does not exist")
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise InputFileError(path, None, f"not a readable packed-jet file ({err})") from err


def _check_header(path: str | os.PathLike, archive, representation: str | None) -> None:
    if "schema_version" not in archive.files:
        raise InputFileError(path, "schema_version", "array is missing (not a packed-jet file?)")
    version = int(archive["schema_version"])
    if version != SCHEMA_VERSION:
        raise InputFileError(path, "schema_version", f"version {version}, expected {SCHEMA_VERSION}; rebuild it")
    for key in (*_REQUIRED, "feature_names", "representation"):
        if key not in archive.files:
            raise InputFileError(path, key, "array is missing")
    kind = str(archive["representation"])
    if representation is not None and kind != representation:
        raise InputFileError(path, "representation", f"holds {kind!r}, expected {representation!r}")


def _check_layout(path: str | os.PathLike, layout: dict[str, tuple[np.dtype, tuple[int, ...]]],
                  target_shapes: dict[str, tuple[int, ...]], n_names: int, last_offset: int) -> None:
    """Dtypes, dimensions and lengths of a packed file's arrays, from their (dtype, shape)."""
    for key, (dtype, shape) in layout.items():
        kinds, ndim = (_REQUIRED | _OPTIONAL)[key]
        if dtype.kind not in kinds + ("u" if kinds == "i" else "") or len(shape) != ndim:
            raise InputFileError(path, key, f"dtype {dtype} ndim {len(shape)}, expected kind {kinds!r} ndim {ndim}")
    n_nodes = layout["node_features"][1][0]
    if layout["node_features"][1][1] != n_names:
        raise InputFileError(path, "node_features", f"{layout['node_features'][1][1]} columns for {n_names} feature names")
    if last_offset != n_nodes or any(key in layout and layout[key][1][0] != n_nodes for key in ("parent", "four_momenta")):
        raise InputFileError(path, "node_offsets", "offsets do not match the array lengths (truncated file?)")
    n_jets = layout["labels"][1][0]
    for key in ("ids", "jet_pt"):
        if layout[key][1][0] != n_jets:
            raise InputFileError(path, key, f"{layout[key][1][0]} entries for {n_jets} jets")
    for name, shape in target_shapes.items():
        if shape[0] != n_jets:
            raise InputFileError(path, _TARGET_PREFIX + name, f"{shape[0]} rows for {n_jets} jets")
    if "four_momenta" in layout and layout["four_momenta"][1][1] != 4:
        raise InputFileError(path, "four_momenta", f"{layout['four_momenta'][1][1]} columns, expected 4 (px, py, pz, E)")
