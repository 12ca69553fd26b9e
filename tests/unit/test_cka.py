"""Linear CKA (seed 002's model similarity): its invariances, the feature-space form against the
seed's kernel formula, and the layer-by-layer matrix."""

from __future__ import annotations

import numpy as np
import pytest

from jettransfer.evaluate.cka import cka_matrix, linear_cka, linear_cka_kernel


def _pair(n: int, d1: int, d2: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two partly related representations of the same n events (b shares some of a's directions)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, d1)) + 3.0  # not centred: the CKA must centre them
    mix = rng.normal(size=(d1, d2))
    return a, a @ mix + rng.normal(scale=2.0, size=(n, d2)) - 1.0


def seed_formula(a: np.ndarray, b: np.ndarray) -> float:
    """The seed's slide, line by line: A' = A A^T, A'' = A' - I A' - A' I + I A' I with I the
    n x n matrix of 1/n, CKA = A'' . B'' / (||A''|| ||B''||)."""
    n = a.shape[0]
    i = np.ones((n, n)) / n
    a1, b1 = a @ a.T, b @ b.T
    a2 = a1 - i @ a1 - a1 @ i + i @ a1 @ i
    b2 = b1 - i @ b1 - b1 @ i + i @ b1 @ i
    return float((a2 * b2).sum() / (np.sqrt((a2**2).sum()) * np.sqrt((b2**2).sum())))


def test_identical_representations_have_cka_one():
    a, _ = _pair(200, 16, 8)
    assert linear_cka(a, a) == pytest.approx(1.0, abs=1e-12)
    assert linear_cka_kernel(a, a) == pytest.approx(1.0, abs=1e-12)


def test_invariant_to_rotation_and_isotropic_scaling():
    a, b = _pair(300, 12, 9, seed=1)
    reference = linear_cka(a, b)
    rotation, _ = np.linalg.qr(np.random.default_rng(2).normal(size=(12, 12)))  # orthogonal
    assert linear_cka(a @ rotation, b) == pytest.approx(reference, rel=1e-10)
    assert linear_cka(7.5 * a, 0.01 * b) == pytest.approx(reference, rel=1e-10)
    assert linear_cka(a @ rotation * 3.0, b) == pytest.approx(reference, rel=1e-10)
    assert linear_cka(a + 100.0, b - 5.0) == pytest.approx(reference, rel=1e-8)  # a shift is centred away
    # Not invariant to every invertible map: stretching one feature changes it.
    stretched = a.copy()
    stretched[:, 0] *= 20.0
    assert abs(linear_cka(stretched, b) - reference) > 1e-3


@pytest.mark.parametrize("n, d1, d2", [(10, 3, 5), (40, 8, 2), (120, 16, 16), (64, 30, 7)])
def test_feature_space_agrees_with_the_kernel_formula(n, d1, d2):
    a, b = _pair(n, d1, d2, seed=n + d1)
    assert linear_cka(a, b) == pytest.approx(linear_cka_kernel(a, b), rel=1e-10)
    assert linear_cka(a, b) == pytest.approx(seed_formula(a, b), rel=1e-10)
    assert 0.0 <= linear_cka(a, b) <= 1.0


def test_unrelated_representations_are_far_from_one():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(5000, 8)), rng.normal(size=(5000, 8))
    assert linear_cka(a, b) < 0.05  # independent noise: about d1 d2 / n relative to 1


def test_cka_matrix_shape_and_values():
    a, b = _pair(80, 6, 4, seed=3)
    c = np.random.default_rng(4).normal(size=(80, 5))
    matrix = cka_matrix([a, b, c], [b, c])
    assert matrix.shape == (3, 2)
    for i, x in enumerate([a, b, c]):
        for j, y in enumerate([b, c]):
            assert matrix[i, j] == pytest.approx(linear_cka(x, y), rel=1e-12)
    assert matrix[1, 0] == pytest.approx(1.0) and matrix[2, 1] == pytest.approx(1.0)


def test_mismatched_or_degenerate_inputs():
    a, b = _pair(20, 3, 3)
    with pytest.raises(ValueError, match="same events"):
        linear_cka(a, b[:10])
    with pytest.raises(ValueError, match="events, features"):
        linear_cka(a[:, 0], b)
    assert np.isnan(linear_cka(np.ones((20, 3)), b))  # no variance over the events: undefined
