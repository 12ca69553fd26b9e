"""Peak memory and throughput of a training epoch with the split in memory vs streamed from disk.

    python benchmarks/streamed_training.py                      # 1x, 4x, 16x the default study's split
    python benchmarks/streamed_training.py --sizes 1,4 --repeats 2 --buffer-mb 8

The default study's top 500 GeV training split is 4000 jets. Synthetic Lund graphs of that
size (80 nodes a jet, the node count of benchmarks/training_throughput.py) and 4x and 16x it
are written as packed files; each (size, path) is trained for one epoch in a process of its
own, so each peak resident set (VmHWM) is that training's alone. The memory sweep trains a
narrow LundNet5 (8 channels), since memory is the data's, not the model's; the throughput
comparison trains the full LundNet5 on the 1x split, the two paths interleaved --repeats times
(shared machines are noisy), and prints the median samples/s of each and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

DEFAULT_STUDY_TRAIN_JETS = 4000  # config/config.yaml: 2 x 2500 jets, 80% in the training split
NARROW = {"conv_channels": [[8, 8], [8, 8], [8, 8], [8, 8], [8, 8]], "fusion_dim": 16, "fc_dim": 16}


def child(path: str, streamed: bool, buffer_mb: float, narrow: bool, threads: int) -> dict:
    """One epoch of training on `path`; its samples/s and this process's peak memory."""
    import torch

    from jettransfer.measure.memory import peak_resident_mb

    from jettransfer.data.packed_file import PackedFileView, read_packed
    from jettransfer.inputs.graphs import GraphBatches
    from jettransfer.inputs.streamed import StreamedBatches
    from jettransfer.models.registry import build_preset, get_preset
    from jettransfer.objectives import CrossEntropy
    from jettransfer.train.engine import train_tagger
    from jettransfer.train.settings import TrainingSettings

    torch.set_num_threads(threads)
    before_mb = peak_resident_mb()
    features = get_preset("LundNet5").features

    def make(jets, shuffle, seed):
        return GraphBatches(jets, features, 256, shuffle=shuffle, seed=seed)

    if streamed:
        view = PackedFileView(path)
        train = StreamedBatches.within_memory(view, make, 256, buffer_mb, shuffle=True, seed=1)
        validation = make(view.jets(0, 256), False, 0)
    else:
        jets = read_packed(path)
        train, validation = make(jets, True, 1), make(jets.take(range(256)), False, 0)
    torch.manual_seed(0)
    model = build_preset("LundNet5", **(NARROW if narrow else {}))
    settings = TrainingSettings.with_defaults(epochs=1, batch_size=256, lr_milestones=(), seed=1)
    result = train_tagger(model, train, validation, settings, "scratch", torch.device("cpu"), CrossEntropy(2))
    return {"samples_per_s": result.history[0].samples_per_second, "peak_mb": peak_resident_mb(),
            "imports_mb": before_mb, "file_mb": os.path.getsize(path) / 2**20}


def run_child(path: str, streamed: bool, args: argparse.Namespace, narrow: bool) -> dict:
    command = [sys.executable, __file__, "--child", path, "--buffer-mb", str(args.buffer_mb),
               "--threads", str(args.threads)] + (["--streamed"] if streamed else []) + (["--narrow"] if narrow else [])
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def write_split(path: str, n_jets: int) -> None:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from training_throughput import synthetic_lund_graphs

    from jettransfer.data.packed_file import write_packed
    from jettransfer.models.registry import get_preset

    write_packed(path, synthetic_lund_graphs(n_jets, 80, get_preset("LundNet5").features, seed=0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,4,16", help="multiples of the default study's training split")
    parser.add_argument("--buffer-mb", type=float, default=4.0, help="the streamed path's buffer")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved pairs for the throughput ratio")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--streamed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--narrow", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.streamed, args.buffer_mb, args.narrow, args.threads)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        print(f"peak resident memory of one epoch (narrow LundNet5, batch 256, {args.threads} thread(s)); "
              f"streamed buffer {args.buffer_mb:g} MB")
        print(f"{'jets':>8} {'file MB':>8} {'in memory MB':>13} {'streamed MB':>12}  (after imports: in memory / streamed)")
        for size in (int(s) for s in args.sizes.split(",")):
            path = os.path.join(tmp, f"train_{size}x.npz")
            write_split(path, size * DEFAULT_STUDY_TRAIN_JETS)
            whole, streamed = run_child(path, False, args, True), run_child(path, True, args, True)
            print(f"{size * DEFAULT_STUDY_TRAIN_JETS:8d} {whole['file_mb']:8.1f} {whole['peak_mb']:13.0f} "
                  f"{streamed['peak_mb']:12.0f}  ({whole['imports_mb']:.0f} / {streamed['imports_mb']:.0f})", flush=True)
        path = os.path.join(tmp, "train_1x.npz")
        if not os.path.exists(path):
            write_split(path, DEFAULT_STUDY_TRAIN_JETS)
        rates: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.repeats):
            for streamed in (False, True):
                rates[streamed].append(run_child(path, streamed, args, False)["samples_per_s"])
        whole, streamed = statistics.median(rates[False]), statistics.median(rates[True])
        print(f"LundNet5 on the 1x split, one epoch, median of {args.repeats} interleaved: in memory "
              f"{whole:.0f} samples/s, streamed {streamed:.0f} samples/s; streamed / in memory = {streamed / whole:.3f}")


if __name__ == "__main__":
    main()
