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
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

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
    args = parser.parse_args()

    with job_device(args.threads) as device:
        run_benchmark(args, device)


def run_benchmark(args: argparse.Namespace, device: torch.device) -> None:
    preset = get_preset(args.model)
    lund = preset.architecture == "lundnet"
    family = get_architecture(preset.architecture).family
    mean_nodes = args.mean_nodes or (80 if lund else 8 if family == "event_graph" else 50)
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
