"""Training throughput of a tagger, scratch vs frozen, through each available graph backend.

Prints samples/s (batching and data loading included) and ms per sample per epoch, the unit of
seed 000's Table 1, for every backend, precision and mode, then the ratios, all measured in one
run: native/DGL throughput (run it in the DGL environment to get both) and frozen/scratch time.
Precisions: float32, and bf16 mixed precision where the device computes bf16 natively.
Modes: scratch; frozen (backbone outputs computed once, in the first epoch, when they fit in
memory); frozen_recompute (the frozen backbone run every epoch, as at the paper's scale).

    python benchmarks/training_throughput.py                       # LundNet5, native only
    .venv-dgl/bin/python benchmarks/training_throughput.py         # native and DGL side by side
    python benchmarks/training_throughput.py --model ParticleNet-Lite --jets 512
    python benchmarks/training_throughput.py --model DeepSet     # any preset: particle sets (DeepSet, MLP,
                                                                 # LorentzNet, JetCLR, FCNN-*), EventGNN
    .venv-dgl/bin/python benchmarks/training_throughput.py --reference --jets 5000 --threads 1
        # ours against the original LundNet training loop (benchmarks/lundnet_reference.py)
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # lundnet_reference, beside this script

from jettransfer.data.packed_file import graphs_from_trees, make_packed
from jettransfer.data.ranges import offsets_from_counts
from jettransfer.measure.example_inputs import synthetic_jets
from jettransfer.models.registry import build_preset, get_architecture, get_preset
from jettransfer.inputs.loaders import model_batches
from jettransfer.objectives import CrossEntropy
from jettransfer.train.device import device_name, job_device
from jettransfer.train.engine import train_tagger
from jettransfer.train.modes import freeze_backbone
from jettransfer.train.precision import autocast_dtype
from jettransfer.train.settings import TrainingSettings


def synthetic_lund_graphs(n_jets: int, mean_nodes: int, features, seed: int = 0):
    """Random trees with the node count of real 500 GeV top/QCD jets (about 70-100)."""
    rng = np.random.default_rng(seed)
    parents, node_features = [], []
    for _ in range(n_jets):
        n = max(2, int(rng.poisson(mean_nodes)))
        parents.append(np.array([-1] + [int(rng.integers(max(0, i - 3), i)) for i in range(1, n)], dtype=np.int32))
        node_features.append(rng.normal(size=(n, len(features))).astype(np.float32))
    return graphs_from_trees(parents, node_features, np.arange(n_jets) % 2, np.ones(n_jets), features)


def synthetic_clouds(n_jets: int, mean_nodes: int, features, seed: int = 0):
    """Random particle clouds with the multiplicity of real 500 GeV jets."""
    rng = np.random.default_rng(seed)
    counts = np.maximum(2, rng.poisson(mean_nodes, size=n_jets))
    values = rng.normal(size=(int(counts.sum()), len(features))).astype(np.float32)
    return make_packed(values, offsets_from_counts(counts), np.arange(n_jets) % 2, np.ones(n_jets), features,
                       "particle_cloud")


def available_backends() -> list[str]:
    try:
        from jettransfer.models.dgl_backend import require_dgl

        require_dgl()
        return ["native", "dgl"]
    except RuntimeError:
        return ["native"]


def time_training(jets, preset: str, backend: str, precision: str, mode: str, batch_size: int, epochs: int,
                  device) -> float:
    """ms per sample per epoch, data loading included, for one backend, precision and mode."""
    features, architecture = get_preset(preset).features, get_preset(preset).architecture
    torch.manual_seed(0)
    model = build_preset(preset)
    if mode.startswith("frozen"):
        freeze_backbone(model)
    settings = TrainingSettings.with_defaults(epochs=epochs, batch_size=batch_size, lr_milestones=(),
                                frozen_feature_cache_mb=0.0 if mode == "frozen_recompute" else 1e9,
                                mixed_precision=precision == "bf16")
    pad_to = getattr(model, "n_particles", None)
    loader = model_batches(jets, architecture, features, batch_size, shuffle=True, backend=backend, pad_to=pad_to)
    validation = model_batches(jets.take(np.arange(batch_size)), architecture, features, batch_size, backend=backend,
                               pad_to=pad_to)
    # The DGL loader builds its per-jet graphs once, in its constructor, as the original code did;
    # that is not counted (in DGL's favour). dgl.batch in the collate is, every batch.
    result = train_tagger(model, loader, validation, settings, mode.split("_")[0], device, CrossEntropy(2))
    return result.ms_per_sample_epoch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="LundNet5", help="a preset of jettransfer.models.registry")
    parser.add_argument("--jets", type=int, default=2048)
    parser.add_argument("--mean-nodes", type=int, default=None, help="default: 80 Lund nodes, 50 particles, 8 objects")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--backends", default=",".join(available_backends()))
    parser.add_argument("--modes", default="scratch,frozen,frozen_recompute")
    parser.add_argument("--precisions", default="float32,bf16", help="bf16 is skipped where it is not native")
    parser.add_argument("--reference", action="store_true",
                        help="LundNet: against the original training loop (benchmarks/lundnet_reference.py; DGL "
                             "environment), interleaved --repeats times, scratch only")
    parser.add_argument("--repeats", type=int, default=3, help="with --reference: interleaved pairs")
    parser.add_argument("--data", help="a packed lund_graph file to train on (default: synthetic graphs)")
    args = parser.parse_args()

    with job_device(args.threads) as device:
        run_benchmark(args, device)


def run_reference(args: argparse.Namespace, jets, device: torch.device) -> None:
    """Ours (native, float32 and native bf16) against the original LundNet loop, interleaved."""
    import statistics

    from lundnet_reference import train_original

    from jettransfer.models.lundnet import DEFAULT_CONV

    preset = get_preset(args.model)
    columns = jets.feature_columns(preset.features)
    precisions = ["float32"] + (["bf16"] if autocast_dtype(device, True) is not None else [])
    rates: dict[str, list[float]] = {"original": [], **{p: [] for p in precisions}}
    for _ in range(args.repeats):
        rates["original"].append(train_original(jets, columns, [list(c) for c in DEFAULT_CONV], args.batch_size,
                                                args.epochs)[0])
        for precision in precisions:
            rates[precision].append(1e3 / time_training(jets, args.model, "native", precision, "scratch",
                                                        args.batch_size, args.epochs, device))
        print("  " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in rates.items()) + " samples/s", flush=True)
    medians = {k: statistics.median(v) for k, v in rates.items()}
    print(f"{args.model} on {len(jets)} jets, {args.threads} thread(s), torch {torch.__version__}, medians of "
          f"{args.repeats}: original {medians['original']:.0f} samples/s; "
          + "; ".join(f"ours {p} {medians[p]:.0f} ({medians[p] / medians['original']:.2f}x)" for p in precisions))


def run_benchmark(args: argparse.Namespace, device: torch.device) -> None:
    preset = get_preset(args.model)
    lund = preset.architecture == "lundnet"
    family = get_architecture(preset.architecture).family
    mean_nodes = args.mean_nodes or (80 if lund else 8 if family == "event_graph" else 50)
    if args.reference:
        if not lund:
            raise SystemExit("--reference follows the original LundNet code: LundNet presets only")
        from jettransfer.data.packed_file import read_packed

        jets = read_packed(args.data, "lund_graph") if args.data else synthetic_lund_graphs(args.jets, mean_nodes,
                                                                                            preset.features)
        run_reference(args, jets.take(np.arange(min(args.jets, len(jets)))), device)
        return
    if get_architecture(preset.architecture).family == "graph":
        jets = (synthetic_lund_graphs if lund else synthetic_clouds)(args.jets, mean_nodes, preset.features)
    else:
        # Particles (or objects) of realistic momenta, as the model's features and four-momenta.
        spread = max(1, mean_nodes // 3)
        jets = synthetic_jets(preset.architecture, preset.features, args.jets, seed=0,
                              rows=(max(1, mean_nodes - spread), mean_nodes + spread))
        if args.backends != "native":
            print(f"{args.model} is not a graph model: native batches only")
            args.backends = "native"
    print(f"{args.model}, device {device_name(device)}, torch {torch.__version__}; {args.jets} jets x {args.epochs} "
          f"epochs, batch {args.batch_size}, {len(jets.node_features) / args.jets:.1f} nodes per jet "
          "(samples/s = jets/s)")
    requested = args.precisions.split(",")
    precisions = [p for p in requested if p == "float32" or autocast_dtype(device, True) is not None]
    if len(precisions) < len(requested):
        print(f"bf16 skipped: {device_name(device)} has no native bf16")
    backends, modes = args.backends.split(","), args.modes.split(",")
    times: dict[tuple[str, str, str], float] = {}
    for backend in backends:
        for precision in precisions:
            for mode in modes:
                ms = times[backend, precision, mode] = time_training(jets, args.model, backend, precision, mode,
                                                                     args.batch_size, args.epochs, device)
                print(f"{backend:7s} {precision:8s} {mode:17s} {ms:8.3f} ms/sample/epoch  {1e3 / ms:8.0f} samples/s",
                      flush=True)
    for precision in precisions:
        for mode in modes:
            if ("dgl", precision, mode) in times:
                print(f"{mode} {precision}: native throughput / DGL throughput = "
                      f"{times['dgl', precision, mode] / times['native', precision, mode]:.2f}")
    for mode in modes:
        if "bf16" in precisions and ("dgl", "float32", mode) in times:
            # DGL as its documentation and the original LundNet code use it: float32.
            print(f"{mode}: native bf16 throughput / DGL float32 throughput = "
                  f"{times['dgl', 'float32', mode] / times['native', 'bf16', mode]:.2f}")
    for backend in backends:
        for precision in precisions:
            for frozen in ("frozen", "frozen_recompute"):
                if (backend, precision, frozen) in times and (backend, precision, "scratch") in times:
                    print(f"{backend} {precision}: {frozen} / scratch time per epoch = "
                          f"{times[backend, precision, frozen] / times[backend, precision, 'scratch']:.2f}")


if __name__ == "__main__":
    main()
