"""Stages: jets -> a configured representation (per sample), and representations -> balanced
train/validation/test sets (per task), standardised with training-split constants if asked."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jettransfer.config import config_hash
from jettransfer.data.jet_file import concatenate_jets, read_jets
from jettransfer.data.packed_file import PackedJets, concatenate_packed, make_packed, read_packed, write_packed
from jettransfer.physics.constituents import FOUR_VECTOR, PARTICLE_FEATURES, Constituents, leading, particle_features
from jettransfer.physics.lund import LUND_FEATURES, lund_forest, with_ln_kt_cut
from jettransfer.physics.transforms import boost_along_x, keep_random, smear_energy_and_pt

log = logging.getLogger(__name__)
SPLITS = ("train", "validation", "test")


def degrade(c: Constituents, spec: Mapping[str, Any], rng: np.random.Generator) -> Constituents:
    """The configured degradations, in a fixed order: smearing, undersampling, boost."""
    if spec.get("smear_energy") or spec.get("smear_pt"):
        c = smear_energy_and_pt(c, spec.get("smear_energy", 0.0), spec.get("smear_pt", 0.0), rng)
    if spec.get("keep") is not None:
        c = keep_random(c, spec["keep"], rng)
    if spec.get("boost_beta_max"):
        c = boost_along_x(c, spec["boost_beta_max"], rng)
    return c


def represent(table_constituents: Constituents, labels: np.ndarray, jet_pt: np.ndarray, spec: Mapping[str, Any],
              rng: np.random.Generator) -> PackedJets:
    """Build one representation (a `representations` entry of the config) from constituents."""
    c = degrade(table_constituents, spec.get("degrade", {}), rng)
    kind = spec["kind"]
    if kind == "lund_graph":
        forest = lund_forest(c.momenta, c.offsets)
        if spec.get("ln_kt_min") is not None:
            forest = with_ln_kt_cut(forest, spec["ln_kt_min"])
        return make_packed(forest.features, forest.node_offsets, labels, jet_pt, LUND_FEATURES, kind, parent=forest.parent)
    if spec.get("max_constituents") is not None:
        c = leading(c, spec["max_constituents"])
    if kind == "particle_cloud" or (kind == "constituents" and spec.get("features", "particle") == "particle"):
        features, names = particle_features(c, spec.get("frame", "jet_axis")), PARTICLE_FEATURES
    elif kind == "constituents":
        features, names = c.momenta.astype(np.float32), FOUR_VECTOR
    else:
        raise ValueError(f"unknown representation kind {kind!r}")
    return make_packed(features, c.offsets, labels, jet_pt, names, kind)


def build_representation(config: dict[str, Any], representation: str, sample: str,
                         jet_paths: Sequence[str | os.PathLike], output: str | os.PathLike) -> None:
    spec = config["representations"][representation]
    table = concatenate_jets([read_jets(p) for p in jet_paths])
    # Degradations draw from their own stream per (representation, sample): reproducible, independent.
    seed = int(config_hash(config["seed"], representation, sample), 16) % 2**63
    start = time.monotonic()
    jets = represent(Constituents.from_table(table), table.jets["label"], table.jets["jet_pt"], spec,
                     np.random.default_rng(seed))
    seconds = time.monotonic() - start
    jets.provenance = {"jets": [os.fspath(p) for p in jet_paths], "representation": representation, "spec": spec,
                       "config_hash": config_hash(config["seed"], spec), "seed": seed}
    log.info("%s of %s: %d jets, %d rows in %.1f s (%.0f jets/s)", representation, sample, len(jets),
             len(jets.node_features), seconds, len(jets) / max(seconds, 1e-9))
    write_packed(output, jets)


def split_balanced(signal: PackedJets, background: PackedJets, fractions: Mapping[str, float], seed: int) -> dict[str, PackedJets]:
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
        merged = concatenate_packed(parts)
        # Interleave signal and background so any prefix (e.g. a 10% training subset) stays balanced.
        m = bounds[i + 1] - bounds[i]
        interleave = np.stack([np.arange(m), np.arange(m) + m], axis=1).ravel()
        out[split] = merged.take(interleave)
    return out


def standardise_splits(splits: Mapping[str, PackedJets]) -> dict[str, PackedJets]:
    """Zero mean, unit variance per feature, with constants from the training split only."""
    train = splits["train"].node_features.astype(np.float64)
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0)  # a constant feature is centred, not divided by zero
    return {name: jets.standardised(mean, std) for name, jets in splits.items()}


def build_task_datasets(config: dict[str, Any], task: str, representation: str, signal_path: str | os.PathLike,
                        background_path: str | os.PathLike, outputs: Mapping[str, str | os.PathLike]) -> None:
    spec = config["representations"][representation]
    signal, background = read_packed(signal_path, spec["kind"]), read_packed(background_path, spec["kind"])
    splits = split_balanced(signal, background, config["splits"], config["seed"])
    if spec.get("standardise", False):
        splits = standardise_splits(splits)
    for split, jets in splits.items():
        jets.provenance = {"task": task, "split": split, "representation": representation,
                           "signal": os.fspath(signal_path), "background": os.fspath(background_path),
                           "seed": config["seed"], "config_hash": config_hash(config["seed"], config["splits"], spec)}
        log.info("%s %s %s: %d jets", task, representation, split, len(jets))
        write_packed(outputs[split], jets)
