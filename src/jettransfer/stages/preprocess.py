"""Stages: jets -> a configured representation (per sample), and representations -> balanced
train/validation/test sets (per task), standardised with training-split constants if asked."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jettransfer.config import CONSTITUENT_FEATURES, config_hash, task_members
from jettransfer.data.jet_file import concatenate_jets, read_jets
from jettransfer.data.jet_ids import jet_ids
from jettransfer.data.packed_file import PackedJets, concatenate_packed, make_packed, read_packed, write_packed
from jettransfer.physics.constituents import Constituents, leading, particle_features, set_features
from jettransfer.physics.lund import LUND_FEATURES, lund_forest, with_ln_kt_cut
from jettransfer.physics.transforms import boost_along_x, boost_jets_along_x, keep_random, smear_energy_and_pt

log = logging.getLogger(__name__)
SPLITS = ("train", "validation", "test")


def degrade(c: Constituents, spec: Mapping[str, Any], rng: np.random.Generator) -> Constituents:
    """The configured degradations, in a fixed order: smearing, undersampling, boost (random or fixed)."""
    if spec.get("smear_energy") or spec.get("smear_pt"):
        c = smear_energy_and_pt(c, spec.get("smear_energy", 0.0), spec.get("smear_pt", 0.0), rng)
    if spec.get("keep") is not None:
        c = keep_random(c, spec["keep"], rng)
    if spec.get("boost_beta_max"):
        c = boost_along_x(c, spec["boost_beta_max"], rng)
    if spec.get("boost_beta"):
        c = boost_jets_along_x(c, spec["boost_beta"])
    return c


def represent(table_constituents: Constituents, labels: np.ndarray, jet_pt: np.ndarray, spec: Mapping[str, Any],
              rng: np.random.Generator, ids: np.ndarray | None = None) -> PackedJets:
    """Build one representation (a `representations` entry of the config) from constituents;
    jet j keeps `ids[j]` (default j) through every degradation."""
    c = degrade(table_constituents, spec.get("degrade", {}), rng)
    kind = spec["kind"]
    if kind == "lund_graph":
        forest = lund_forest(c.momenta, c.offsets)
        if spec.get("ln_kt_min") is not None:
            forest = with_ln_kt_cut(forest, spec["ln_kt_min"])
        return make_packed(forest.features, forest.node_offsets, labels, jet_pt, LUND_FEATURES, kind, parent=forest.parent,
                           ids=ids)
    if kind not in ("particle_cloud", "constituents"):
        raise ValueError(f"unknown representation kind {kind!r}")
    if spec.get("max_constituents") is not None:
        c = leading(c, spec["max_constituents"])
    chosen = spec.get("features", "particle") if kind == "constituents" else "particle"
    if chosen == "particle":
        features = particle_features(c, spec.get("frame", "jet_axis"))
    elif chosen == "set":
        features = set_features(c)
    else:
        features = c.momenta.astype(np.float32)
    return make_packed(features, c.offsets, labels, jet_pt, CONSTITUENT_FEATURES[chosen], kind, ids=ids,
                       four_momenta=c.momenta if spec.get("four_momenta") else None)


def build_representation(config: dict[str, Any], representation: str, sample: str,
                         jet_paths: Sequence[str | os.PathLike], output: str | os.PathLike) -> None:
    """A sample's representation file from its jet files (or, for an event_graph, its object files)."""
    spec = config["representations"][representation]
    if spec["kind"] == "event_graph":
        build_event_graphs(config, representation, sample, jet_paths, output)
        return
    table = concatenate_jets([read_jets(p) for p in jet_paths])
    # Degradations draw from their own stream per (representation, sample): reproducible, independent.
    seed = int(config_hash(config["seed"], representation, sample), 16) % 2**63
    start = time.monotonic()
    jets = represent(Constituents.from_table(table), table.jets["label"], table.jets["jet_pt"], spec,
                     np.random.default_rng(seed), ids=jet_ids(sample, len(table.jets["label"])))
    seconds = time.monotonic() - start
    jets.provenance = {"jets": [os.fspath(p) for p in jet_paths], "representation": representation, "spec": spec,
                       "config_hash": config_hash(config["seed"], spec), "seed": seed}
    log.info("%s of %s: %d jets, %d rows in %.1f s (%.0f jets/s)", representation, sample, len(jets),
             len(jets.node_features), seconds, len(jets) / max(seconds, 1e-9))
    write_packed(output, jets)


def build_event_graphs(config: dict[str, Any], representation: str, sample: str,
                       object_paths: Sequence[str | os.PathLike], output: str | os.PathLike) -> None:
    """A sample of whole events as event graphs with their multi-label targets."""
    from jettransfer.data.object_file import concatenate_objects, read_objects
    from jettransfer.physics.event_graph import event_graphs

    spec = config["representations"][representation]
    record = concatenate_objects([read_objects(p) for p in object_paths])
    events = event_graphs(record, ids=jet_ids(sample, len(record)))
    events.provenance = {"objects": [os.fspath(p) for p in object_paths], "representation": representation,
                         "spec": spec, "config_hash": config_hash(config["seed"], spec)}
    log.info("%s of %s: %d events, %.1f objects per event", representation, sample, len(events),
             len(events.node_features) / max(len(events), 1))
    write_packed(output, events)


def split_balanced(classes: Sequence[tuple[PackedJets, int]], fractions: Mapping[str, float],
                   seed: int) -> dict[str, PackedJets]:
    """Equal numbers of jets of every class (jets, label), the classes drawn in the order given;
    disjoint splits by construction (one permutation per class). Each jet gets its class's label."""
    n = min(len(jets) for jets, _ in classes)
    rng = np.random.default_rng(seed)
    bounds = np.floor(np.cumsum([0.0] + [fractions[s] for s in SPLITS]) * n).astype(int)
    bounds[-1] = n
    orders = [rng.permutation(len(jets))[:n] for jets, _ in classes]
    out = {}
    for i, split in enumerate(SPLITS):
        parts = []
        for (jets, label), order in zip(classes, orders):
            part = jets.take(order[bounds[i]:bounds[i + 1]])
            part.labels = np.full(len(part), label, dtype=np.int64)
            parts.append(part)
        merged = concatenate_packed(parts)
        # Interleave the classes so any prefix (e.g. a 10% training subset) stays balanced.
        m = bounds[i + 1] - bounds[i]
        interleave = (np.arange(m)[:, None] + m * np.arange(len(classes))[None, :]).ravel()
        out[split] = merged.take(interleave)
    return out


def standardise_splits(splits: Mapping[str, PackedJets]) -> dict[str, PackedJets]:
    """Zero mean, unit variance per feature, with constants from the training split only."""
    train = splits["train"].node_features.astype(np.float64)
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0)  # a constant feature is centred, not divided by zero
    return {name: jets.standardised(mean, std) for name, jets in splits.items()}


def build_task_datasets(config: dict[str, Any], task: str, representation: str,
                        class_paths: Sequence[str | os.PathLike], outputs: Mapping[str, str | os.PathLike]) -> None:
    """The task's splits from its classes' representation files, in the order of
    jettransfer.config.task_members (binary: signal, background)."""
    spec = config["representations"][representation]
    members = task_members(config, task)
    classes = [(read_packed(path, spec["kind"]), label) for path, (_, label) in zip(class_paths, members, strict=True)]
    splits = split_balanced(classes, config["splits"], config["seed"])
    if spec.get("standardise", False):
        splits = standardise_splits(splits)
    for split, jets in splits.items():
        jets.provenance = {"task": task, "split": split, "representation": representation,
                           "classes": {sample: os.fspath(path) for path, (sample, _) in zip(class_paths, members)},
                           "seed": config["seed"], "config_hash": config_hash(config["seed"], config["splits"], spec)}
        log.info("%s %s %s: %d jets", task, representation, split, len(jets))
        write_packed(outputs[split], jets)
