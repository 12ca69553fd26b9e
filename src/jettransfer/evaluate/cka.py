"""Linear centred kernel alignment (CKA) between two representations of the same events.

Seed 002 compares its models layer by layer with the CKA of S. Kornblith et al., "Similarity of
Neural Network Representations Revisited", ICML 2019: for representations A [n, d1] and
B [n, d2] of the same n events, K = A A^T and L = B B^T are centred, K'' = K - IK - KI + IKI
with I the n x n matrix of 1/n, and CKA = <K'', L''>_F / (||K''||_F ||L''||_F).

Centring K is centring A's columns (K'' = A_c A_c^T), and <A_c A_c^T, B_c B_c^T>_F =
||A_c^T B_c||_F^2, so the same number comes from d x d matrices in O(n d^2) time and O(d^2)
memory instead of n x n ones (10^4 events: 800 MB per kernel in float64). `linear_cka` is that
form; `linear_cka_kernel` is the seed's formula as written, for tests and small n.

CKA is 1 for identical representations, invariant to orthogonal transformations and isotropic
scaling of either one, but not to arbitrary invertible linear maps. A representation constant
over the events has no centred variance: its CKA is undefined, returned as NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike


def _centred(a: ArrayLike, name: str) -> np.ndarray:
    # float64: a float32 ||A^T B||_F^2 over 10^4 events loses digits a CKA near 1 needs.
    values = np.asarray(a, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"{name} must be [events, features], got shape {values.shape}")
    return values - values.mean(axis=0)


def _same_events(a: np.ndarray, b: np.ndarray) -> None:
    if len(a) != len(b):
        raise ValueError(f"the representations hold {len(a)} and {len(b)} events; CKA compares the same events")
    if len(a) < 2:
        raise ValueError("CKA needs at least two events (one event has no centred variance)")


def _ratio(cross: float, norm: float) -> float:
    return float(cross / norm) if norm > 0 else float("nan")


def linear_cka(a: ArrayLike, b: ArrayLike) -> float:
    """Linear CKA of a [n, d1] and b [n, d2] in feature space: ||A^T B||_F^2 / (||A^T A||_F ||B^T B||_F)
    with A, B column-centred."""
    a, b = _centred(a, "a"), _centred(b, "b")
    _same_events(a, b)
    return _ratio(np.sum((a.T @ b) ** 2), np.linalg.norm(a.T @ a) * np.linalg.norm(b.T @ b))


def linear_cka_kernel(a: ArrayLike, b: ArrayLike) -> float:
    """Linear CKA by the seed's formula on the n x n kernels (O(n^2) memory: small n only)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"a and b must be [events, features], got shapes {a.shape} and {b.shape}")
    _same_events(a, b)
    n = len(a)
    ones = np.full((n, n), 1.0 / n)

    def centred_kernel(x: np.ndarray) -> np.ndarray:
        k = x @ x.T
        return k - ones @ k - k @ ones + ones @ k @ ones

    k, l_ = centred_kernel(a), centred_kernel(b)
    return _ratio(np.sum(k * l_), np.linalg.norm(k) * np.linalg.norm(l_))


def cka_matrix(layers_a: Sequence[ArrayLike], layers_b: Sequence[ArrayLike]) -> np.ndarray:
    """[len(layers_a), len(layers_b)]: the linear CKA of every layer of one model with every layer
    of another, on the same events. Each layer is centred and its self-norm computed once."""
    if not layers_a or not layers_b:
        raise ValueError("cka_matrix needs at least one layer of each model")
    a = [_centred(x, f"layers_a[{i}]") for i, x in enumerate(layers_a)]
    b = [_centred(x, f"layers_b[{j}]") for j, x in enumerate(layers_b)]
    for x in a[1:] + b:
        _same_events(a[0], x)
    norm_a = [np.linalg.norm(x.T @ x) for x in a]
    norm_b = [np.linalg.norm(y.T @ y) for y in b]
    out = np.empty((len(a), len(b)))
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i, j] = _ratio(np.sum((x.T @ y) ** 2), norm_a[i] * norm_b[j])
    return out
