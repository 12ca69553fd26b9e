"""What every preset of the registry costs to run, on synthetic jets: one table.

Per preset: parameters, FLOPs per jet in both conventions (FlopCounterMode's 2 per multiply-add,
and the papers' 1 per multiply-add), and latency per jet (median, ms) at batch 1 (one forward
per jet over the first jets) and at batch 1024 on the CPU with one thread, and on the GPU when
there is one. Presets whose model module does not import yet are listed with the reason.
Synthetic jets have 30-80 rows each (events 4-12 objects): see jettransfer.measure.example_inputs.

    python benchmarks/model_costs.py
    python benchmarks/model_costs.py --presets LundNet5,ParticleNet-Lite --jets 256
    python benchmarks/model_costs.py --presets LorentzNet,DeepSet,MLP --reference LorentzNet
        # also each preset's cost as a fraction of the reference's: latency and FLOPs ratios
"""

from __future__ import annotations

import argparse

import torch

from jettransfer.measure.example_inputs import preset_spec, synthetic_jets
from jettransfer.models.registry import PRESETS, build_preset
from jettransfer.stages.measure import cpu_name, model_costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", default=",".join(PRESETS))
    parser.add_argument("--jets", type=int, default=1024, help="the large batch")
    parser.add_argument("--single-jets", type=int, default=100, help="jets timed one at a time")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes of the large batch")
    parser.add_argument("--reference", default=None, help="print reference / preset ratios (a teacher and its students)")
    args = parser.parse_args()

    devices = [torch.device("cpu")] + ([torch.device("cuda", 0)] if torch.cuda.is_available() else [])
    gpu = f", GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ", no GPU"
    print(f"torch {torch.__version__}; CPU {cpu_name()} (1 thread){gpu}; {args.jets} synthetic jets per preset, "
          f"batch 1 over the first {args.single_jets}")
    rows, failed = [], []
    for name in args.presets.split(","):
        spec = preset_spec(name)
        try:
            torch.manual_seed(0)
            model = build_preset(name)
        except ImportError as err:  # a model module a colleague has not written yet
            failed.append((name, f"{type(err).__name__}: {err}"))
            continue
        jets = synthetic_jets(spec["architecture"], spec["features"], args.jets)
        try:
            costs = model_costs(model, spec, jets, devices, args.single_jets, large_repeats=args.repeats, warmup=1)
        except Exception as err:  # noqa: BLE001  (report it and measure the others)
            failed.append((name, f"{type(err).__name__}: {err}"))
            continue
        rows.append((name, costs))
        print_row(name, costs, header=len(rows) == 1, devices=devices)
    for name, reason in failed:
        print(f"not measured: {name}: {reason}")
    if args.reference:
        print_ratios(dict(rows), args.reference)


def print_ratios(costs: dict[str, dict], reference: str) -> None:
    """How many times each preset is cheaper than `reference`, in FLOPs and in measured latency."""
    ref = costs[reference]
    print(f"\n{reference} / preset, measured in this run:")
    for name, cost in costs.items():
        if name == reference:
            continue
        parts = [f"FLOPs {ref['flops_per_jet'] / cost['flops_per_jet']:8.1f}x"]
        for mine, theirs in zip(cost["latency"], ref["latency"]):
            for batch in ("batch_1", "batch_1024"):
                ratio = theirs[batch]["median_ms_per_jet"] / mine[batch]["median_ms_per_jet"]
                parts.append(f"{mine['device']} {batch.replace('batch_', 'b')} latency {ratio:7.1f}x")
        print(f"  {name:16s} " + "   ".join(parts))


def print_row(name: str, costs: dict, header: bool, devices: list[torch.device]) -> None:
    if header:
        latency_columns = "".join(f" {d.type + ' b1':>10s} {d.type + ' b' + str(1024):>10s}" for d in devices)
        print(f"{'preset':18s} {'rows/jet':>8s} {'params':>10s} {'MFLOPs/jet':>11s} {'MMACs/jet':>10s}{latency_columns}"
              f"   (latency: median ms per jet)")
    latencies = "".join(f" {d['batch_1']['median_ms_per_jet']:10.4f} {d['batch_1024']['median_ms_per_jet']:10.4f}"
                        for d in costs["latency"])
    print(f"{name:18s} {costs['rows_per_jet']:8.1f} {costs['parameters']:10,d} {costs['flops_per_jet'] / 1e6:11.3f} "
          f"{costs['macs_per_jet'] / 1e6:10.3f}{latencies}", flush=True)


if __name__ == "__main__":
    main()
