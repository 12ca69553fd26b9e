"""Training throughput of the Particle Transformer against JetCLR's transformer, on the CPU.

Both presets (ParT: 2.14M parameters, pair features of every particle pair, 8 + 2 blocks of
width 128; JetCLR: 25M parameters, 4 layers of width 1000, no pair features) take the same
synthetic jets (jettransfer.measure.example_inputs: 40-80 particles, four-momenta of massive
hadrons), each through its own loader (ParT pads to 128 rows and trims back to the widest jet;
JetCLR keeps its leading 50). Timed: forward, cross entropy and backward (no optimiser step),
the two models interleaved repeat by repeat; prints jets/s (best repeat) and ParT / JetCLR.

    python benchmarks/particle_transformer_throughput.py
    python benchmarks/particle_transformer_throughput.py --batch 128 --repeats 5 --threads 2
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from jettransfer.measure.example_inputs import first_jets, preset_spec, synthetic_jets
from jettransfer.models.registry import build_preset, count_parameters

PRESETS = ("ParT", "JetCLR")


def step(model: torch.nn.Module, batch, targets: torch.Tensor) -> float:
    model.zero_grad(set_to_none=True)
    start = time.perf_counter()
    torch.nn.functional.cross_entropy(model(batch), targets).backward()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--rows", type=int, nargs=2, default=(40, 80), help="particles per jet, min and max")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    models, batches = {}, {}
    for name in PRESETS:
        spec = preset_spec(name)
        torch.manual_seed(0)
        models[name] = build_preset(name).train()
        jets = synthetic_jets(spec["architecture"], spec["features"], args.batch, rows=tuple(args.rows))
        batches[name] = first_jets(jets, spec, models[name])
    counts = batches["ParT"].mask.sum(1).float()
    print(f"torch {torch.__version__}, {args.threads} CPU thread(s); batch {args.batch}, "
          f"{counts.mean():.0f} particles per jet on average ({int(counts.min())}-{int(counts.max())}), "
          f"forward + backward in training mode")
    targets = torch.arange(args.batch) % 2
    for name in PRESETS:  # warm-up
        step(models[name], batches[name], targets)
    seconds = {name: [] for name in PRESETS}
    for _ in range(args.repeats):
        for name in PRESETS:
            seconds[name].append(step(models[name], batches[name], targets))
    rates = {name: args.batch / min(seconds[name]) for name in PRESETS}
    for name in PRESETS:
        rows = batches[name].features.shape[1]
        print(f"  {name:8s} {count_parameters(models[name]):>11,d} parameters, {rows:3d} rows/jet from its loader: "
              f"{rates[name]:8.1f} jets/s (best of {args.repeats}; median {args.batch / np.median(seconds[name]):.1f})")
    print(f"  ParT / JetCLR: {rates['ParT'] / rates['JetCLR']:.2f}x the jets/s")


if __name__ == "__main__":
    main()
