"""Linear CKA on seed 002's scale: the feature-space form (d x d matrices, what the CKA stage
uses) against the seed's formula on n x n kernels, side by side in one run, on random
representations of 10^4 events x 64 features; and the 6 x 6 layer matrix of two models
(EventGNN's encoder, four steps and decoder) in feature space.

    python benchmarks/cka.py
    python benchmarks/cka.py --events 4000 --features 32 --repeats 5

The kernel formula needs several n x n float64 matrices (0.8 GB each at 10^4 events) and about
n^3 multiply-adds for its products with the matrix of 1/n.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from jettransfer.evaluate.cka import cka_matrix, linear_cka, linear_cka_kernel


def best_of(repeats: int, function) -> tuple[float, object]:
    """The fastest of `repeats` calls in seconds (shared machines are noisy), and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many for the fast forms")
    parser.add_argument("--kernel-repeats", type=int, default=1)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    a = rng.normal(size=(args.events, args.features)).astype(np.float32)  # the stage's float32 activations
    b = (a @ rng.normal(size=(args.features, args.features)) + rng.normal(size=a.shape)).astype(np.float32)
    feature_s, feature_value = best_of(args.repeats, lambda: linear_cka(a, b))
    kernel_s, kernel_value = best_of(args.kernel_repeats, lambda: linear_cka_kernel(a, b))
    print(f"{args.events} events x {args.features} features")
    print(f"  feature space  {feature_s:9.4f} s   CKA {feature_value:.12f}")
    print(f"  kernel formula {kernel_s:9.4f} s   CKA {kernel_value:.12f}")
    print(f"  kernel / feature space: {kernel_s / feature_s:.0f}x slower; |difference| {abs(feature_value - kernel_value):.1e}")

    layers_a = [rng.normal(size=(args.events, args.features)).astype(np.float32) for _ in range(args.layers)]
    layers_b = [x + rng.normal(size=x.shape).astype(np.float32) for x in layers_a]
    matrix_s, matrix = best_of(args.repeats, lambda: cka_matrix(layers_a, layers_b))
    print(f"{args.layers} x {args.layers} layer matrix, feature space: {matrix_s:.4f} s "
          f"(diagonal mean {np.diag(matrix).mean():.3f}); by the kernel formula that would be about "
          f"{kernel_s * args.layers**2:.0f} s")


if __name__ == "__main__":
    main()
