"""The taggers' dense products through torch.mm (MKL) and through oneDNN, side by side.

Shapes are those of LundNet5 on a batch of 256 top/QCD jets at 500 GeV (about 19,800 nodes and
39,000 edges): the per-edge layers of 32, 64 and 128 channels, the per-node first layers and
the fusion layer. Prints ms per product and GFLOP/s for the forward product and the input
gradient (the two jettransfer.models.dense sends to oneDNN), and the ratio. With --training,
also LundNet5's training throughput (float32, scratch) with oneDNN on and off, interleaved.

    python benchmarks/dense_products.py --threads 1
    python benchmarks/dense_products.py --threads 1 --training --data results/datasets/top_500gev/lund/train.npz
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import torch

from jettransfer.models import dense
from jettransfer.models.dense import ONEDNN, _onednn_product

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # training_throughput, beside this script

SHAPES = (  # (rows, in, out)
    (39000, 32, 32), (39000, 64, 64), (39000, 128, 128), (19800, 64, 128), (19800, 128, 128), (19800, 448, 384),
)


def milliseconds(function, repeats: int) -> float:
    function()
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - start) / repeats * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--training", action="store_true", help="also train LundNet5 with oneDNN on and off")
    parser.add_argument("--data", help="with --training: a packed lund_graph file (default: synthetic graphs)")
    parser.add_argument("--jets", type=int, default=3000)
    parser.add_argument("--pairs", type=int, default=3, help="with --training: interleaved on/off pairs")
    args = parser.parse_args()
    if not ONEDNN:
        raise SystemExit("this torch has no oneDNN: jettransfer.models.dense uses torch.mm throughout")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {args.threads} thread(s), float32; ms per product (GFLOP/s)")
    for rows, width_in, width_out in SHAPES:
        x, weight = torch.randn(rows, width_in), torch.randn(width_out, width_in)
        grad = torch.randn(rows, width_out)
        gflop = 2 * rows * width_in * width_out / 1e9
        times = {
            "forward mm": milliseconds(lambda: torch.mm(x, weight.t()), args.repeats),
            "forward oneDNN": milliseconds(lambda: _onednn_product(x, weight, None), args.repeats),
            "input grad mm": milliseconds(lambda: torch.mm(grad, weight), args.repeats),
            "input grad oneDNN": milliseconds(lambda: _onednn_product(grad, weight.t(), None), args.repeats),
        }
        cells = ", ".join(f"{name} {ms:.2f} ({gflop / ms * 1e3:.0f})" for name, ms in times.items())
        ratio = (times["forward mm"] + times["input grad mm"]) / (times["forward oneDNN"] + times["input grad oneDNN"])
        print(f"{rows} x {width_in} -> {width_out}: {cells}; mm / oneDNN {ratio:.2f}")
    if args.training:
        compare_training(args)


def compare_training(args: argparse.Namespace) -> None:
    import numpy as np

    from training_throughput import synthetic_lund_graphs, time_training

    from jettransfer.data.packed_file import read_packed
    from jettransfer.models.registry import get_preset

    jets = (read_packed(args.data, "lund_graph") if args.data
            else synthetic_lund_graphs(args.jets, 80, get_preset("LundNet5").features))
    jets = jets.take(np.arange(min(args.jets, len(jets))))
    rates: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(args.pairs):
        for on in (True, False):
            dense.ONEDNN = on
            rates[on].append(1e3 / time_training(jets, "LundNet5", "native", "float32", "scratch", 256, 1,
                                                 torch.device("cpu")))
        print(f"  oneDNN {rates[True][-1]:.0f}, torch.mm {rates[False][-1]:.0f} samples/s", flush=True)
    dense.ONEDNN = ONEDNN
    on, off = statistics.median(rates[True]), statistics.median(rates[False])
    print(f"LundNet5 training on {len(jets)} jets, medians of {args.pairs}: oneDNN {on:.0f} samples/s, "
          f"torch.mm {off:.0f}; ratio {on / off:.2f}")


if __name__ == "__main__":
    main()
