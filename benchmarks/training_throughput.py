"""LundNet5 training throughput on synthetic Lund graphs of realistic size, scratch vs frozen.

Prints samples/s (batching included) and ms per sample per epoch, the unit of seed 000's
Table 1, for each mode, and the frozen/scratch time ratio, all measured in one run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from jettransfer.data.packed_file import graphs_from_trees
from jettransfer.data.graph_loader import GraphBatches
from jettransfer.models.registry import build_model
from jettransfer.physics.lund import LUND_FEATURES
from jettransfer.train.device import choose_device, device_name
from jettransfer.train.engine import train_tagger
from jettransfer.train.modes import freeze_backbone
from jettransfer.train.settings import TrainingSettings


def synthetic_graphs(n_jets: int, mean_nodes: int, seed: int = 0):
    """Random binary trees with the node count of real 500 GeV top/QCD jets (about 70-100)."""
    rng = np.random.default_rng(seed)
    parents, features = [], []
    for _ in range(n_jets):
        n = max(2, int(rng.poisson(mean_nodes)))
        parents.append(np.array([-1] + [int(rng.integers(max(0, i - 3), i)) for i in range(1, n)], dtype=np.int32))
        features.append(rng.normal(size=(n, len(LUND_FEATURES))).astype(np.float32))
    labels = np.arange(n_jets) % 2
    return graphs_from_trees(parents, features, labels, np.ones(n_jets), LUND_FEATURES)


def time_mode(graphs, mode: str, batch_size: int, epochs: int, device) -> float:
    torch.manual_seed(0)
    model = build_model("lundnet", len(LUND_FEATURES))
    if mode == "frozen":
        freeze_backbone(model)
    settings = TrainingSettings(epochs=epochs, batch_size=batch_size, lr_milestones=())
    loader = GraphBatches(graphs, LUND_FEATURES, batch_size, shuffle=True)
    result = train_tagger(model, loader, GraphBatches(graphs.take(np.arange(batch_size)), LUND_FEATURES, batch_size),
                          settings, mode, device)
    return result.ms_per_sample_epoch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jets", type=int, default=2048)
    parser.add_argument("--mean-nodes", type=int, default=80)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()

    device = choose_device(args.threads)
    graphs = synthetic_graphs(args.jets, args.mean_nodes)
    print(f"device {device_name(device)}; {args.jets} jets x {args.epochs} epochs, batch {args.batch_size}, "
          f"{len(graphs.node_features) / args.jets:.1f} nodes per jet")
    start = time.perf_counter()
    times = {mode: time_mode(graphs, mode, args.batch_size, args.epochs, device) for mode in ("scratch", "frozen")}
    for mode, ms in times.items():
        print(f"{mode:8s} {ms:7.3f} ms/sample/epoch  {1e3 / ms:8.0f} samples/s")
    print(f"frozen / scratch time per epoch: {times['frozen'] / times['scratch']:.2f}")
    print(f"(benchmark wall time {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
