"""Inputs to measure a model on: batches of its input family, from real jets or synthetic ones.

Real jets come from a packed file through the model's own loader (jettransfer.inputs.loaders).
Synthetic jets are a packed file made up for a preset, so that every family (Lund graphs,
particle clouds and sets, event graphs) can be measured without any data: the cost of a forward
pass depends on the number of rows and links per jet, not on what the rows hold.

  lund_graph     30-80 nodes per jet by default, linked as a random binary tree (each node has
                 at most two children, as a C/A declustering has) with Lund coordinates in
                 plausible ranges
  particle sets  30-80 particles per jet around a jet axis, pT-ordered, with four-momenta
                 (px, py, pz, E) of massive hadrons (E > |p|) and the features computed from them
  event_graph    4-12 reconstructed objects per event (the rows are objects, not particles)
A feature name none of these knows gets standard-normal values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from torch import nn

from jettransfer.data.packed_file import PackedJets, make_packed
from jettransfer.data.ranges import offsets_from_counts
from jettransfer.inputs.loaders import model_batches
from jettransfer.models.registry import get_architecture, get_preset
from jettransfer.physics.constituents import Constituents, particle_features, PARTICLE_FEATURES
from jettransfer.physics.kinematics import invariant_mass, transverse_momentum

JET_ROWS = (30, 80)  # rows per jet of a 500 GeV jet's Lund tree or constituents, min and max
EVENT_ROWS = (4, 12)  # reconstructed objects per event
_HADRON_MASSES = np.array([0.13957, 0.49368, 0.93827])  # GeV: pi, K, p
_HADRON_SHARES = np.array([0.8, 0.12, 0.08])


def jets_in(batch: Any) -> int:
    """Jets (or events) in a batch of any input family, native or DGL."""
    for name in ("n_graphs", "n_jets"):
        if hasattr(batch, name):
            return int(getattr(batch, name))
    if hasattr(batch, "graph"):  # DGLJetBatch
        return int(batch.graph.batch_size)
    raise TypeError(f"cannot tell how many jets a {type(batch).__name__} holds")


def batches_of(jets: PackedJets, spec: dict[str, Any], model: nn.Module, batch_size: int) -> Any:
    """The loader of `model`'s input family over `jets`, in file order; fixed-length models
    (those with `n_particles`) get their sets padded or cut to that length."""
    return model_batches(jets, spec["architecture"], spec["features"], batch_size,
                         pad_to=getattr(model, "n_particles", None))


def first_jets(jets: PackedJets, spec: dict[str, Any], model: nn.Module, n: int | None = None) -> Any:
    """One batch of the first `n` jets (all of them by default)."""
    n = len(jets) if n is None else min(n, len(jets))
    batch, _ = batches_of(jets, spec, model, max(n, 1)).batch(np.arange(n))
    return batch


def single_jets(jets: PackedJets, spec: dict[str, Any], model: nn.Module, n: int) -> list[Any]:
    """The first `n` jets as batches of one jet each."""
    loader = batches_of(jets, spec, model, 1)
    return [loader.batch(np.array([j]))[0] for j in range(min(n, len(jets)))]


def preset_spec(name: str) -> dict[str, Any]:
    """A preset as a checkpoint spec: {"architecture", "features", "params"}."""
    preset = get_preset(name)
    return {"architecture": preset.architecture, "features": list(preset.features), "params": dict(preset.params)}


def synthetic_jets(architecture: str, features: Sequence[str], n_jets: int, seed: int = 0,
                   rows: tuple[int, int] | None = None) -> PackedJets:
    """`n_jets` made-up jets (or events) in the first representation `architecture` reads, with
    the columns `features`; `rows` = (min, max) rows per jet, uniform in between."""
    representation = get_architecture(architecture).inputs[0]
    rng = np.random.default_rng(seed)
    low, high = rows or (EVENT_ROWS if representation == "event_graph" else JET_ROWS)
    counts = rng.integers(low, high + 1, size=n_jets)
    labels = np.arange(n_jets) % 2
    if representation == "lund_graph":
        columns, parent = _lund_nodes(counts, rng), np.concatenate([_binary_tree(n, rng) for n in counts])
        return make_packed(_named(columns, features, rng), offsets_from_counts(counts), labels, np.full(n_jets, 550.0),
                           features, representation, parent=parent)
    if representation == "event_graph":
        columns = _event_objects(counts, rng)
        jet_pt = np.bincount(np.repeat(np.arange(n_jets), counts), columns["pt"], minlength=n_jets)
        return make_packed(_named(columns, features, rng), offsets_from_counts(counts), labels, jet_pt, features,
                           representation)
    momenta, jet_pt = _particles(counts, rng)
    columns = _particle_columns(Constituents(momenta, offsets_from_counts(counts)))
    return make_packed(_named(columns, features, rng), offsets_from_counts(counts), labels, jet_pt, features,
                       representation, four_momenta=_timelike_float32(momenta))


def _named(columns: dict[str, np.ndarray], features: Sequence[str], rng: np.random.Generator) -> np.ndarray:
    n_rows = len(next(iter(columns.values())))
    return np.stack([columns[name] if name in columns else rng.normal(size=n_rows) for name in features],
                    axis=1).astype(np.float32).reshape(n_rows, len(features))


def _binary_tree(n: int, rng: np.random.Generator) -> np.ndarray:
    """Parents (root -1) of a random binary tree of n nodes; a parent precedes its children."""
    parent = np.full(n, -1, dtype=np.int16)
    open_nodes = [0]  # nodes with fewer than two children
    children = np.zeros(n, dtype=np.int64)
    for node in range(1, n):
        slot = int(rng.integers(len(open_nodes)))
        p = open_nodes[slot]
        parent[node] = p
        children[p] += 1
        if children[p] == 2:
            open_nodes[slot] = open_nodes[-1]
            open_nodes.pop()
        open_nodes.append(node)
    return parent


def _lund_nodes(counts: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = int(counts.sum())
    z, delta = rng.uniform(0.02, 0.5, n), rng.uniform(0.005, 0.8, n)
    pt = rng.uniform(20.0, 550.0, n)  # of the branch being declustered, GeV
    return {"ln_z": np.log(z), "ln_delta": np.log(delta), "psi": rng.uniform(-np.pi, np.pi, n),
            "ln_kt": np.log(z * delta * pt), "ln_m": np.log(np.sqrt(z * (1 - z)) * delta * pt)}


def _particles(counts: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """[N, 4] (px, py, pz, E) in GeV of pT-ordered hadrons within R = 0.8 of each jet's axis."""
    n_jets, n = len(counts), int(counts.sum())
    jet = np.repeat(np.arange(n_jets), counts)
    jet_pt = rng.uniform(500.0, 600.0, n_jets)
    share = rng.gamma(0.5, size=n)
    share /= np.bincount(jet, share, minlength=n_jets)[jet]
    order = np.lexsort((-share, jet))  # within each jet, hardest first, as jet files order them
    pt = share[order] * jet_pt[jet]
    radius = np.minimum(np.abs(rng.normal(0.0, 0.2, n)), 0.79)
    angle = rng.uniform(-np.pi, np.pi, n)
    eta = rng.uniform(-2.0, 2.0, n_jets)[jet] + radius * np.cos(angle)
    phi = rng.uniform(-np.pi, np.pi, n_jets)[jet] + radius * np.sin(angle)
    mass = rng.choice(_HADRON_MASSES, size=n, p=_HADRON_SHARES)
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    energy = np.sqrt(px**2 + py**2 + pz**2 + mass**2)
    return np.stack([px, py, pz, energy], axis=1), jet_pt


def _particle_columns(constituents: Constituents) -> dict[str, np.ndarray]:
    p = constituents.momenta
    columns = dict(zip(PARTICLE_FEATURES, particle_features(constituents).T))
    jet_p = constituents.jet_momenta()[constituents.jet_of_row]
    pt = transverse_momentum(p[:, 0], p[:, 1])
    columns |= {"pt_rel": pt / transverse_momentum(jet_p[:, 0], jet_p[:, 1]), "mass": invariant_mass(*p.T),
                "pt": pt, "px": p[:, 0], "py": p[:, 1], "pz": p[:, 2], "energy": p[:, 3]}
    return columns


def _timelike_float32(momenta: np.ndarray) -> np.ndarray:
    """Four-momenta in float32 with E > |p| still true after rounding (a light hadron's E - |p|
    is below float32's resolution at a few hundred GeV)."""
    stored = momenta.astype(np.float32)
    p = np.sqrt(np.sum(stored[:, :3].astype(np.float64) ** 2, axis=1))
    floor = np.nextafter(p.astype(np.float32), np.float32(np.inf))
    floor = np.where(floor.astype(np.float64) > p, floor, np.nextafter(floor, np.float32(np.inf)))
    stored[:, 3] = np.maximum(stored[:, 3], floor)
    return stored


def _event_objects(counts: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = int(counts.sum())
    pt, eta = 20.0 + rng.exponential(80.0, n), rng.uniform(-2.5, 2.5, n)
    return {"pt": pt, "eta": eta, "phi": rng.uniform(-np.pi, np.pi, n), "energy": 1.02 * pt * np.cosh(eta),
            "btag": (rng.random(n) < 0.2).astype(float), "charge": rng.integers(-1, 2, n).astype(float),
            "type": rng.integers(0, 5, n).astype(float)}
