"""A distilled student's epoch against the same student's epoch from scratch, side by side.

The teacher's logits are read as targets (computed once per split by the teacher_logits
rule), so distillation should cost only its loss: at most 1.1x the scratch epoch. Both
trainings run in the same process, interleaved epoch by epoch with the same weights and jets,
and the ratio of their medians is printed.

    python benchmarks/distillation_overhead.py
    python benchmarks/distillation_overhead.py --presets DeepSet,MLP,FCNN-student --jets 4096
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
import torch

from jettransfer.inputs.loaders import model_batches
from jettransfer.measure.example_inputs import preset_spec, synthetic_jets
from jettransfer.models.registry import build_preset
from jettransfer.objectives import CrossEntropy, Distillation
from jettransfer.train.engine import train_tagger
from jettransfer.train.settings import TrainingSettings


def epoch_seconds(preset: str, jets, teacher: torch.Tensor | None, batch_size: int) -> float:
    """Wall time of one training epoch (scratch, or distillation when `teacher` is given)."""
    spec = preset_spec(preset)
    torch.manual_seed(0)
    model = build_preset(preset)
    loader = model_batches(jets, spec["architecture"], spec["features"], batch_size, shuffle=True,
                           pad_to=getattr(model, "n_particles", None))
    validation = model_batches(jets.take(np.arange(batch_size)), spec["architecture"], spec["features"], batch_size,
                               pad_to=getattr(model, "n_particles", None))
    objective = CrossEntropy(2)
    if teacher is not None:
        loader = loader.with_targets({"teacher_logits": teacher})
        validation = validation.with_targets({"teacher_logits": teacher[:batch_size]})
        objective = Distillation(2, temperature=3.0, alpha=0.5)
    settings = TrainingSettings.with_defaults(epochs=1, batch_size=batch_size, lr_milestones=())
    return train_tagger(model, loader, validation, settings, "scratch", torch.device("cpu"), objective).history[0].seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="DeepSet,MLP,FCNN-student")
    parser.add_argument("--jets", type=int, default=4096)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"{args.jets} synthetic jets, batch {args.batch_size}, {args.threads} thread(s), median of {args.repeats} "
          "interleaved epochs")
    print(f"{'student':<14} {'scratch ms/jet':>15} {'distilled ms/jet':>17} {'distilled / scratch':>20}")
    for preset in args.presets.split(","):
        spec = preset_spec(preset)
        jets = synthetic_jets(spec["architecture"], spec["features"], args.jets, seed=1)
        teacher = torch.from_numpy(np.random.default_rng(2).normal(size=(len(jets), 2)).astype(np.float32))
        scratch, distilled = [], []
        epoch_seconds(preset, jets, None, args.batch_size)  # warm-up: first calls pay one-off costs
        for repeat in range(args.repeats):
            # Alternating which goes first, so neither always follows the other.
            for kind in (("scratch", "distilled") if repeat % 2 == 0 else ("distilled", "scratch")):
                times = scratch if kind == "scratch" else distilled
                times.append(epoch_seconds(preset, jets, None if kind == "scratch" else teacher, args.batch_size))
        s, d = statistics.median(scratch), statistics.median(distilled)
        print(f"{preset:<14} {1e3 * s / len(jets):>15.4f} {1e3 * d / len(jets):>17.4f} {d / s:>20.3f}")


if __name__ == "__main__":
    main()
