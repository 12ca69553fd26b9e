"""The Lund tree of a jet: every C/A declustering, primary and secondary, as one graph.

Each merge of the C/A clustering history is one node. For the two merged branches a, b with
pT_a >= pT_b:  Delta = dR_ab (y, phi),  kt = pT_b Delta,  z = pT_b / (pT_a + pT_b),
m^2 = (p_a + p_b)^2,  psi = atan((y_b - y_a) / (phi_b - phi_a)) with the phi difference wrapped.
Node i is linked to the node of the merge that consumed it (its parent in the declustering tree).

Many jets are processed at once ("a forest"): the C/A histories come from one compiled call
(`jettransfer.physics.cambridge`), the features from vectorised numpy over all nodes.
`fastjet_cambridge_history` gives the same history from FastJet itself, as a reference.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from jettransfer.data.ranges import offsets_from_counts
from jettransfer.physics.kinematics import azimuth, delta_phi, invariant_mass, rapidity, transverse_momentum

LUND_FEATURES = ("ln_z", "ln_delta", "psi", "ln_m", "ln_kt")
# log() of an exactly collinear or massless pair would be -inf; such pairs get this floor instead.
_LOG_FLOOR = 1e-8


@dataclass
class LundTree:
    features: np.ndarray  # [n_nodes, len(LUND_FEATURES)] float32
    parent: np.ndarray  # [n_nodes] int32, index of the parent node, -1 for the root
    harder_child: np.ndarray  # [n_nodes] int32, node of the harder branch's own declustering, -1 if a particle

    def primary_chain(self) -> np.ndarray:
        """Node indices from the root following the harder branch: the primary Lund plane."""
        if len(self.parent) == 0:
            return np.zeros(0, dtype=np.int64)
        chain = [int(np.flatnonzero(self.parent == -1)[0])]
        while self.harder_child[chain[-1]] >= 0:
            chain.append(int(self.harder_child[chain[-1]]))
        return np.asarray(chain)


@dataclass
class LundForest:
    """The Lund trees of many jets, packed: jet i owns nodes node_offsets[i]:node_offsets[i+1];
    `parent` and `harder_child` hold jet-local node indices."""

    features: np.ndarray
    parent: np.ndarray
    harder_child: np.ndarray
    node_offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.node_offsets) - 1

    def tree(self, i: int) -> LundTree:
        lo, hi = self.node_offsets[i], self.node_offsets[i + 1]
        return LundTree(self.features[lo:hi], self.parent[lo:hi], self.harder_child[lo:hi])


def with_ln_kt_cut(forest: LundForest, ln_kt_min: float) -> LundForest:
    """Drop the nodes with ln kt below the cut; a dropped node's children hang from its nearest
    kept ancestor, so each jet's kept nodes stay one tree (or, if the root goes, a few).

    `harder_child` links to a dropped node become -1.
    """
    kept = forest.features[:, LUND_FEATURES.index("ln_kt")] >= ln_kt_min
    starts = np.repeat(forest.node_offsets[:-1], np.diff(forest.node_offsets))
    parent = np.where(forest.parent >= 0, forest.parent + starts, -1)  # global indices
    climbing = parent.copy()
    while True:
        blocked = (climbing >= 0) & ~kept[np.maximum(climbing, 0)]
        if not blocked.any():
            break
        climbing[blocked] = parent[climbing[blocked]]
    counts = np.bincount(np.repeat(np.arange(len(forest)), np.diff(forest.node_offsets))[kept], minlength=len(forest))
    new_offsets = offsets_from_counts(counts)
    new_global = np.cumsum(kept) - 1  # position among kept nodes
    new_start = np.repeat(new_offsets[:-1], np.diff(forest.node_offsets))
    new_parent = np.where(climbing >= 0, new_global[np.maximum(climbing, 0)] - new_start, -1)
    child = forest.harder_child + starts
    new_harder = np.where((forest.harder_child >= 0) & kept[np.maximum(child, 0)], new_global[np.maximum(child, 0)] - new_start, -1)
    return LundForest(forest.features[kept], new_parent[kept].astype(np.int32), new_harder[kept].astype(np.int32), new_offsets)


def lund_forest(momenta: np.ndarray, offsets: np.ndarray) -> LundForest:
    """Lund trees of all jets; constituents of jet i are momenta[offsets[i]:offsets[i+1]] as [px, py, pz, E].

    A jet of N constituents gives N - 1 nodes; a one-constituent jet gives an empty tree.
    """
    # Imported here: numba costs ~0.15 s, and config validation (every Snakefile parse) reads
    # only LUND_FEATURES from this module.
    from jettransfer.physics.cambridge import cambridge_histories

    parents, history = cambridge_histories(momenta, offsets)
    return forest_from_histories(parents, history, np.diff(offsets))


def lund_tree(px: np.ndarray, py: np.ndarray, pz: np.ndarray, energy: np.ndarray) -> LundTree:
    """The Lund tree of one jet."""
    momenta = np.stack([px, py, pz, energy], axis=1)
    return lund_forest(momenta, np.array([0, len(momenta)])).tree(0)


def forest_from_histories(parents: np.ndarray, history: np.ndarray, counts: np.ndarray) -> LundForest:
    """Lund features and tree links from C/A histories (see `cambridge_histories` for the layout)."""
    counts = np.asarray(counts, dtype=np.int64)
    merges = np.maximum(counts - 1, 0)
    jet_index = np.arange(len(counts))
    starts = offsets_from_counts(counts)[:-1]
    n_of_node = np.repeat(counts, merges)
    history_base = np.repeat(2 * starts - jet_index, merges)
    node_base = np.repeat(starts - jet_index, merges)
    local_node = np.arange(len(parents)) - node_base

    a, b = history[history_base + parents[:, 0]], history[history_base + parents[:, 1]]
    pt_a, pt_b = transverse_momentum(a[:, 0], a[:, 1]), transverse_momentum(b[:, 0], b[:, 1])
    swap = pt_b > pt_a
    a, b = np.where(swap[:, None], b, a), np.where(swap[:, None], a, b)
    pt_a, pt_b = np.where(swap, pt_b, pt_a), np.where(swap, pt_a, pt_b)
    harder = np.where(swap, parents[:, 1], parents[:, 0])

    y_a, y_b = rapidity(*a.T), rapidity(*b.T)
    dphi = delta_phi(azimuth(a[:, 0], a[:, 1]), azimuth(b[:, 0], b[:, 1]))
    dy = y_b - y_a
    delta = np.hypot(dy, dphi)
    # atan(dy/dphi) without dividing by zero: atan2 with the sign moved onto the numerator.
    psi = np.arctan2(dy * np.where(dphi < 0, -1.0, 1.0), np.abs(dphi))
    mass = invariant_mass(*(a + b).T)
    kt = pt_b * delta
    z = pt_b / (pt_a + pt_b)
    features = np.stack(
        [np.log(np.maximum(z, _LOG_FLOOR)), np.log(np.maximum(delta, _LOG_FLOOR)), psi,
         np.log(np.maximum(mass, _LOG_FLOOR)), np.log(np.maximum(kt, _LOG_FLOOR))],
        axis=1,
    ).astype(np.float32)

    # A pseudojet index p >= n is merge p - n of the same jet, i.e. a node.
    parent = np.full(len(parents), -1, dtype=np.int32)
    for column in (0, 1):
        p = parents[:, column]
        is_node = p >= n_of_node
        parent[(node_base + p - n_of_node)[is_node]] = local_node[is_node]
    harder_child = np.where(harder >= n_of_node, harder - n_of_node, -1).astype(np.int32)
    return LundForest(features, parent, harder_child, offsets_from_counts(merges))


@functools.cache
def _cambridge_definition():
    """C/A with R = 1000, so every constituent ends in one jet; built once per process."""
    import fastjet

    return fastjet.JetDefinition(fastjet.cambridge_algorithm, 1000.0)


def fastjet_cambridge_history(momenta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same C/A history as `cambridge_histories`, for one jet, from FastJet (slow reference)."""
    import fastjet

    momenta = np.asarray(momenta, dtype=np.float64)
    n = len(momenta)
    pseudojets = [fastjet.PseudoJet(*row) for row in momenta.tolist()]
    sequence = fastjet.ClusterSequence(pseudojets, _cambridge_definition())
    history_jets = sequence.jets()
    # With R = 1000 every step merges two pseudojets (the beam merge comes last and adds no jet),
    # so jet n + k is merge k and its cluster_hist_index equals its position.
    parents = np.empty((max(n - 1, 0), 2), dtype=np.int64)
    first, second = fastjet.PseudoJet(), fastjet.PseudoJet()
    for k in range(n - 1):
        sequence.has_parents(history_jets[n + k], first, second)
        parents[k] = sorted((first.cluster_hist_index(), second.cluster_hist_index()))
    history = np.array([[j.px(), j.py(), j.pz(), j.E()] for j in history_jets]) if n else np.zeros((0, 4))
    return parents, history
