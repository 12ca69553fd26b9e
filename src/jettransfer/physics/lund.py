"""The Lund tree of a jet: every C/A declustering, primary and secondary, as one graph.

Each merge of the C/A clustering history is one node. For the two merged branches a, b with
pT_a >= pT_b:  Delta = dR_ab (y, phi),  kt = pT_b Delta,  z = pT_b / (pT_a + pT_b),
m^2 = (p_a + p_b)^2,  psi = atan((y_b - y_a) / (phi_b - phi_a)) with the phi difference wrapped.
Node i is linked to the node of the merge that consumed it (its parent in the declustering tree).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jettransfer.physics.kinematics import azimuth, delta_phi, invariant_mass, rapidity, transverse_momentum

LUND_FEATURES = ("ln_z", "ln_delta", "psi", "ln_m", "ln_kt")
# log() of an exactly collinear or massless pair would be -inf; such pairs get this floor instead.
_LOG_FLOOR = 1e-8


@dataclass
class LundTree:
    features: np.ndarray  # [n_nodes, len(LUND_FEATURES)] float32
    parent: np.ndarray  # [n_nodes] int32, index of the parent node, -1 for the root
    harder_child: np.ndarray  # [n_nodes] int32, node index of the harder branch's own declustering, -1 if a particle

    def primary_chain(self) -> np.ndarray:
        """Node indices from the root following the harder branch: the primary Lund plane."""
        if len(self.parent) == 0:
            return np.zeros(0, dtype=np.int64)
        chain = [int(np.flatnonzero(self.parent == -1)[0])]
        while self.harder_child[chain[-1]] >= 0:
            chain.append(int(self.harder_child[chain[-1]]))
        return np.asarray(chain)


_CAMBRIDGE = None


def _cambridge_definition():
    global _CAMBRIDGE  # built once: JetDefinition construction prints FastJet's banner and costs time
    if _CAMBRIDGE is None:
        import fastjet

        _CAMBRIDGE = fastjet.JetDefinition(fastjet.cambridge_algorithm, 1000.0)
    return _CAMBRIDGE


def lund_tree(px: np.ndarray, py: np.ndarray, pz: np.ndarray, energy: np.ndarray) -> LundTree:
    """Recluster the constituents with C/A (R large enough to merge all) and decluster fully.

    A jet of N constituents gives N - 1 nodes; a one-constituent jet gives an empty tree.
    """
    import fastjet

    momenta = np.stack([px, py, pz, energy], axis=1).astype(np.float64)
    n = len(momenta)
    if n < 2:
        return LundTree(np.zeros((0, len(LUND_FEATURES)), np.float32), np.zeros(0, np.int32), np.zeros(0, np.int32))
    pseudojets = [fastjet.PseudoJet(*row) for row in momenta.tolist()]
    sequence = fastjet.ClusterSequence(pseudojets, _cambridge_definition())
    history_jets = sequence.jets()
    # With R = 1000 every step merges two pseudojets (the beam merge comes last and adds no jet),
    # so jet n + k is merge k and its cluster_hist_index equals its position.
    parents = np.empty((n - 1, 2), dtype=np.int64)
    first, second = fastjet.PseudoJet(), fastjet.PseudoJet()
    for k in range(n - 1):
        sequence.has_parents(history_jets[n + k], first, second)
        parents[k] = first.cluster_hist_index(), second.cluster_hist_index()
    all_momenta = np.empty((2 * n - 1, 4))
    all_momenta[:n] = momenta
    for k in range(n - 1):  # E-scheme: a merged pseudojet is the sum of its parents
        all_momenta[n + k] = all_momenta[parents[k, 0]] + all_momenta[parents[k, 1]]
    return _tree_from_history(all_momenta, parents, n)


def _tree_from_history(all_momenta: np.ndarray, parents: np.ndarray, n: int) -> LundTree:
    a, b = all_momenta[parents[:, 0]], all_momenta[parents[:, 1]]
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

    node_of = np.full(2 * n - 1, -1, dtype=np.int64)
    node_of[n:] = np.arange(n - 1)
    parent = np.full(n - 1, -1, dtype=np.int32)
    for column in (0, 1):
        child_nodes = node_of[parents[:, column]]
        has = child_nodes >= 0
        parent[child_nodes[has]] = np.flatnonzero(has)
    return LundTree(features, parent, node_of[harder].astype(np.int32))
