"""Small random jets for model tests: Lund-like trees and particle clouds, class-separable."""

from __future__ import annotations

import numpy as np

from jettransfer.data.packed_file import graphs_from_trees, make_packed
from jettransfer.data.ranges import offsets_from_counts
from jettransfer.physics.constituents import PARTICLE_FEATURES
from jettransfer.physics.lund import LUND_FEATURES


def random_graphs(n_graphs: int, n_features: int = 5, seed: int = 0):
    """Random trees of 1-11 nodes; class 1 has its features shifted by +1.5."""
    rng = np.random.default_rng(seed)
    parents, features, labels = [], [], []
    for g in range(n_graphs):
        n = int(rng.integers(1, 12))
        parents.append(np.array([-1] + [int(rng.integers(0, i)) for i in range(1, n)], dtype=np.int32))
        label = g % 2
        features.append((rng.normal(size=(n, n_features)) + 1.5 * label).astype(np.float32))
        labels.append(label)
    return graphs_from_trees(parents, features, labels, np.ones(n_graphs), LUND_FEATURES[:n_features])


def random_clouds(n_jets: int, seed: int = 0, min_particles: int = 1, max_particles: int = 30):
    """Random particle clouds with the 7 particle features; class 1 is more spread in (d_eta, d_phi)."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(min_particles, max_particles + 1, size=n_jets)
    labels = np.arange(n_jets) % 2
    features = rng.normal(size=(int(counts.sum()), len(PARTICLE_FEATURES))).astype(np.float32)
    spread = np.repeat(np.where(labels == 1, 0.4, 0.1), counts)
    features[:, :2] *= spread[:, None]
    return make_packed(features, offsets_from_counts(counts), labels, np.ones(n_jets), PARTICLE_FEATURES, "particle_cloud")


def one_run_config(**training) -> dict:
    """A validated config of one scratch run of a narrow LundNet5 on made-up Lund graphs, with
    `training` options, and the writer of its two splits: for stage-level training tests."""
    from jettransfer.config import validate_config

    return validate_config({
        "samples": {"s": {"process": "ttbar_hadronic", "jet_pt_min": 500, "n_jets": 10},
                    "b": {"process": "qcd_dijet", "jet_pt_min": 500, "n_jets": 10}},
        "tasks": {"t": {"signal": "s", "background": "b"}},
        "representations": {"lund": {"kind": "lund_graph"}},
        "models": {"m": {"preset": "LundNet5", "representation": "lund",
                         "params": {"conv_channels": [[8, 8], [8, 8]], "fusion_dim": 16, "fc_dim": 16}}},
        "training": {"epochs": 2, "batch_size": 16, **training},
        "runs": {"r": {"task": "t", "model": "m", "mode": "scratch"}},
    })


def write_run_splits(directory, n_train: int = 160, n_validation: int = 48) -> tuple:
    """train.npz and validation.npz of made-up Lund graphs in `directory`; their paths."""
    from jettransfer.data.packed_file import write_packed

    paths = (directory / "train.npz", directory / "validation.npz")
    write_packed(paths[0], random_graphs(n_train, seed=1))
    write_packed(paths[1], random_graphs(n_validation, seed=2))
    return paths
