"""AUC of a tagger trained in float32 and in bf16 mixed precision: same data, same seeds, same device.

Mixed precision is worth having only if it does not change the AUC beyond seed-to-seed noise.
This trains the model from scratch with each seed in both precisions, scores the test split
(always in float32) and prints, per precision, the AUC of each seed, their mean and standard
deviation, and the training time; then the difference of the means against that noise.

    python benchmarks/mixed_precision_auc.py      # LundNet5 on the default study's top 500 GeV split
    python benchmarks/mixed_precision_auc.py --model ParticleNet-Lite --dataset results/datasets/top_500gev/cloud

The dataset folder holds train.npz, validation.npz and test.npz as the pipeline writes them
(run `snakemake` first). On a GPU the same command checks CUDA's bf16.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from jettransfer.data.packed_file import PackedJets, read_packed
from jettransfer.evaluate.metrics import tagger_metrics
from jettransfer.models.registry import build_preset, get_preset
from jettransfer.inputs.loaders import model_batches
from jettransfer.objectives import CrossEntropy
from jettransfer.train.device import device_name, job_device
from jettransfer.train.engine import predict_scores, train_tagger
from jettransfer.train.precision import autocast_dtype
from jettransfer.train.settings import TrainingSettings


SPLITS = ("train", "validation", "test")


def train_and_score(splits: dict[str, PackedJets], preset: str, settings: TrainingSettings,
                    device: torch.device) -> tuple[float, float]:
    """(test AUC, training ms per sample per epoch) of one scratch training."""
    features, architecture = get_preset(preset).features, get_preset(preset).architecture
    torch.manual_seed(settings.seed)
    model = build_preset(preset)
    train = model_batches(splits["train"], architecture, features, settings.batch_size, shuffle=True, seed=settings.seed)
    validation = model_batches(splits["validation"], architecture, features, settings.batch_size)
    objective = CrossEntropy(2)
    result = train_tagger(model, train, validation, settings, "scratch", device, objective)
    model.load_state_dict(result.best_state)
    scores, targets = predict_scores(model, model_batches(splits["test"], architecture, features, 1024), objective, device)
    return tagger_metrics(targets["label"], scores)["auc"], result.ms_per_sample_epoch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="LundNet5", help="a preset: LundNet5, LundNet3, ParticleNet, ParticleNet-Lite")
    parser.add_argument("--dataset", type=Path, default=Path("results/datasets/top_500gev/lund"))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--lr-milestones", default="4,5", help="the default study's schedule")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    missing = [f"{split}.npz" for split in SPLITS if not (args.dataset / f"{split}.npz").is_file()]
    if missing:
        sys.exit(f"{args.dataset}: no {', '.join(missing)}; run the pipeline first, or give --dataset")
    splits = {split: read_packed(args.dataset / f"{split}.npz") for split in SPLITS}

    with job_device(args.threads) as device:
        if autocast_dtype(device, True) is None:
            sys.exit(f"{device_name(device)} has no native bf16: there is no mixed precision to compare here")
        print(f"{args.model} on {args.dataset}, device {device_name(device)}, torch {torch.__version__}; "
              f"{args.epochs} epochs, batch {args.batch_size}, seeds 0..{args.seeds - 1}", flush=True)
        results: dict[str, list[tuple[float, float]]] = {"float32": [], "bf16": []}
        for seed in range(args.seeds):
            for precision, results_of in results.items():
                settings = TrainingSettings.with_defaults(
                    epochs=args.epochs, batch_size=args.batch_size, seed=seed, mixed_precision=precision == "bf16",
                    lr_milestones=tuple(int(m) for m in args.lr_milestones.split(",") if m))
                results_of.append(train_and_score(splits, args.model, settings, device))
                auc, ms = results_of[-1]
                print(f"seed {seed}  {precision:7s}  AUC {auc:.4f}  {ms:.3f} ms/sample/epoch", flush=True)

    aucs = {precision: np.array([auc for auc, _ in runs]) for precision, runs in results.items()}
    for precision, runs in results.items():
        spread = aucs[precision].std(ddof=1) if args.seeds > 1 else float("nan")
        print(f"{precision:7s}  AUC {aucs[precision].mean():.4f} +- {spread:.4f} (std over seeds)  "
              f"{np.mean([ms for _, ms in runs]):.3f} ms/sample/epoch")
    difference = aucs["bf16"].mean() - aucs["float32"].mean()
    # The seed-to-seed standard deviation, pooled over both precisions, and the standard error
    # of a difference of two means of `seeds` runs each.
    pooled = np.sqrt((aucs["bf16"].var(ddof=1) + aucs["float32"].var(ddof=1)) / 2) if args.seeds > 1 else float("nan")
    print(f"AUC bf16 - float32 = {difference:+.4f} +- {pooled * np.sqrt(2 / args.seeds):.4f}; "
          f"seed-to-seed std {pooled:.4f}; per seed {', '.join(f'{d:+.4f}' for d in aucs['bf16'] - aucs['float32'])}")


if __name__ == "__main__":
    main()
