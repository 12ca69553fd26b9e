"""Data-parallel training throughput on CPUs: 1 process with 2 threads against 2 gloo processes
with 1 thread each, the same model, jets and global batch, in one run.

    python benchmarks/distributed_throughput.py
    python benchmarks/distributed_throughput.py --model ParticleNet-Lite --jets 1024 --repeats 2

Samples/s of the second epoch (the first pays for start-up), global: all ranks' jets over the
epoch's wall time, as the engine logs it. The two set-ups alternate --repeats times (shared
machines are noisy); the medians and their ratio are printed. On a GPU machine, --gpus N
compares 1 GPU with N (NCCL), one process per GPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from training_throughput import synthetic_clouds, synthetic_lund_graphs  # noqa: E402

from jettransfer.models.registry import build_preset, get_architecture, get_preset  # noqa: E402


def train_once(model_name: str, n_jets: int, batch_size: int, threads: int) -> float:
    """Samples/s of the second of two epochs, in this process or as one rank of a group."""
    from jettransfer.inputs.loaders import model_batches
    from jettransfer.objectives import CrossEntropy
    from jettransfer.train.distributed import destroy_process_group, init_process_group
    from jettransfer.train.engine import train_tagger
    from jettransfer.train.settings import TrainingSettings

    torch.set_num_threads(threads)
    group = init_process_group(torch.device("cuda" if torch.cuda.is_available() else "cpu"))
    device = torch.device("cuda", group.local_rank) if torch.cuda.is_available() else torch.device("cpu")
    preset = get_preset(model_name)
    make = synthetic_lund_graphs if preset.architecture == "lundnet" else synthetic_clouds
    jets = make(n_jets, 80 if preset.architecture == "lundnet" else 50, preset.features)
    torch.manual_seed(0)
    model = build_preset(model_name)
    train = model_batches(jets, preset.architecture, preset.features, batch_size, shuffle=True)
    validation = model_batches(jets.take(range(batch_size)), preset.architecture, preset.features, batch_size)
    settings = TrainingSettings.with_defaults(epochs=2, batch_size=batch_size, lr_milestones=(), seed=0)
    result = train_tagger(model, train, validation, settings, "scratch", device, CrossEntropy(2))
    destroy_process_group()
    return result.history[-1].samples_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="LundNet5")
    parser.add_argument("--jets", type=int, default=2048)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--gpus", type=int, default=0, help="on a GPU machine: 1 GPU vs this many")
    args = parser.parse_args()
    from jettransfer.train.distributed import launch

    if get_architecture(get_preset(args.model).architecture).family != "graph":
        raise SystemExit(f"{args.model}: this benchmark makes graph inputs (LundNet, ParticleNet presets)")
    processes = args.gpus if args.gpus > 1 else 2
    threads = 1 if args.gpus else max(1, (os.cpu_count() or 2) // processes)
    setups = {f"1 process x {threads * processes} threads" if not args.gpus else "1 GPU": (1, threads * processes),
              f"{processes} processes x {threads} thread(s)" if not args.gpus else f"{processes} GPUs": (processes, threads)}
    rates: dict[str, list[float]] = {name: [] for name in setups}
    for _ in range(args.repeats):
        for name, (n, per_process) in setups.items():
            rates[name].append(launch(n, train_once, args.model, args.jets, args.batch_size, per_process))
            print(f"  {name}: {rates[name][-1]:.0f} samples/s", flush=True)
    medians = {name: statistics.median(values) for name, values in rates.items()}
    (one, one_rate), (many, many_rate) = medians.items()
    print(f"{args.model}, {args.jets} jets, global batch {args.batch_size}, torch {torch.__version__}: "
          f"{one} {one_rate:.0f} samples/s, {many} {many_rate:.0f} samples/s (medians of {args.repeats}); "
          f"ratio {many_rate / one_rate:.2f}")


if __name__ == "__main__":
    main()
