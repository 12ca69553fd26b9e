"""Cambridge/Aachen clustering of many jets in one compiled call (numba).

Each jet's constituents are merged pairwise in order of increasing Delta R in (y, phi), with
E-scheme recombination and no radius limit, exactly as FastJet's C/A with R = 1000 does. The
result is the clustering history: for merge k of a jet with n constituents, the two merged
pseudojets (indices < n are constituents, n + j is the result of merge j) and the momenta of
all 2n - 1 pseudojets. Rapidity, azimuth and distances follow FastJet's own formulas so that
the same pairs merge in the same order.

A nearest-neighbour table keeps the work per jet near O(n^2) instead of O(n^3).
"""

from __future__ import annotations

import math

import numba
import numpy as np

_TWO_PI = 2.0 * math.pi
_MAX_RAP = 1e5  # FastJet's rapidity for a particle exactly along the beam


@numba.njit(cache=True)
def _rap_phi(px: float, py: float, pz: float, e: float) -> tuple[float, float]:
    kt2 = px * px + py * py
    phi = 0.0 if kt2 == 0.0 else math.atan2(py, px)
    if phi < 0.0:
        phi += _TWO_PI
    if phi >= _TWO_PI:
        phi -= _TWO_PI
    if e == abs(pz) and kt2 == 0.0:
        rap = _MAX_RAP + abs(pz)
        return (rap if pz >= 0.0 else -rap), phi
    m2 = (e + pz) * (e - pz) - kt2
    e_plus_pz = e + abs(pz)
    rap = 0.5 * math.log((kt2 + max(0.0, m2)) / (e_plus_pz * e_plus_pz))
    return (-rap if pz > 0.0 else rap), phi


@numba.njit(cache=True)
def _distance(rap, phi, i, j) -> float:
    dphi = abs(phi[i] - phi[j])
    if dphi > math.pi:
        dphi = _TWO_PI - dphi
    drap = rap[i] - rap[j]
    return dphi * dphi + drap * drap


@numba.njit(cache=True)
def _nearest(rap, phi, live, n_live, i):
    best, best_j = np.inf, -1
    for t in range(n_live):
        j = live[t]
        if j != i:
            d = _distance(rap, phi, i, j)
            if d < best:
                best, best_j = d, j
    return best, best_j


@numba.njit(cache=True)
def _cluster_one(momenta, parents, history):
    """Fill `parents` [n-1, 2] and `history` [2n-1, 4] for one jet given `momenta` [n, 4]."""
    n = momenta.shape[0]
    slots = 2 * n - 1
    rap = np.empty(slots)
    phi = np.empty(slots)
    nn = np.full(slots, -1, dtype=np.int64)
    nn_dist = np.full(slots, np.inf)
    # The unmerged pseudojets, compact: scans touch only these. position[s] locates slot s in `live`.
    live = np.empty(n, dtype=np.int64)
    position = np.full(slots, -1, dtype=np.int64)
    for i in range(n):
        history[i] = momenta[i]
        rap[i], phi[i] = _rap_phi(momenta[i, 0], momenta[i, 1], momenta[i, 2], momenta[i, 3])
        live[i] = i
        position[i] = i
    n_live = n
    for i in range(n):
        nn_dist[i], nn[i] = _nearest(rap, phi, live, n_live, i)
    for k in range(n - 1):
        # The closest pair overall is the one whose nearest-neighbour distance is smallest.
        i, best = -1, np.inf
        for t in range(n_live):
            m = live[t]
            if nn_dist[m] < best:
                best, i = nn_dist[m], m
        j = nn[i]
        a, b = (i, j) if i < j else (j, i)
        new = n + k
        history[new] = history[a] + history[b]
        rap[new], phi[new] = _rap_phi(history[new, 0], history[new, 1], history[new, 2], history[new, 3])
        parents[k, 0], parents[k, 1] = a, b
        # Remove a and b (swap with the last live entry), append the merged pseudojet.
        for gone in (a, b):
            t = position[gone]
            last = live[n_live - 1]
            live[t] = last
            position[last] = t
            position[gone] = -1
            n_live -= 1
        live[n_live] = new
        position[new] = n_live
        n_live += 1
        nn_dist[new], nn[new] = _nearest(rap, phi, live, n_live, new)
        for t in range(n_live - 1):
            m = live[t]
            if nn[m] == a or nn[m] == b:
                nn_dist[m], nn[m] = _nearest(rap, phi, live, n_live, m)
            else:
                d = _distance(rap, phi, m, new)
                if d < nn_dist[m]:
                    nn_dist[m], nn[m] = d, new


@numba.njit(cache=True)
def _cluster_all(momenta, offsets, parents, history):
    for jet in range(offsets.shape[0] - 1):
        lo, hi = offsets[jet], offsets[jet + 1]
        n = hi - lo
        if n < 2:
            if n == 1:
                history[2 * lo - jet] = momenta[lo]
            continue
        # Jet `jet` owns merges [lo - jet, hi - jet - 1) and pseudojets [2 lo - jet, 2 hi - jet - 1).
        _cluster_one(momenta[lo:hi], parents[lo - jet : hi - jet - 1], history[2 * lo - jet : 2 * hi - jet - 1])


def cambridge_histories(momenta: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """C/A histories of all jets: constituents momenta[offsets[i]:offsets[i+1]] ([px, py, pz, E]).

    Returns (parents, history): parents [sum(n - 1), 2] with jet-local pseudojet indices, and
    history [sum(2n - 1), 4] momenta of every pseudojet. Jets with no constituent are not allowed.
    """
    momenta = np.ascontiguousarray(momenta, dtype=np.float64)
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    counts = np.diff(offsets)
    if np.any(counts < 1):
        raise ValueError("every jet needs at least one constituent")
    parents = np.empty((int(np.sum(counts - 1)), 2), dtype=np.int64)
    history = np.empty((int(np.sum(2 * counts - 1)), 4), dtype=np.float64)
    _cluster_all(momenta, offsets, parents, history)
    return parents, history
