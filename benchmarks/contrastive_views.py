"""The cost of seed 004's "jetclr" views: jets/s of making the two views of a batch, and the
share of one contrastive training step (views + forward + backward + optimiser step of the
JetCLR transformer preset on both views) spent making them, measured side by side in one run.

Batches of 256 synthetic 500 GeV jets with 45-75 massive hadrons (about 60), padded to 80 rows
(the model's n_particles, so that the loader cuts no jet and the collinear fill has room), on
the CPU with the given threads. Also prints each augmentation's own time per batch. The full
preset (26 M parameters, 2 x 256 jets x 80 rows) takes minutes per step on one CPU thread.

    python benchmarks/contrastive_views.py                    # the JetCLR preset (model_dim 1000)
    python benchmarks/contrastive_views.py --threads 2 --steps 3
    python benchmarks/contrastive_views.py --model-dim 128 --ff-dim 128   # a smaller transformer
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from jettransfer.inputs import augmentations as aug
from jettransfer.inputs.loaders import model_batches
from jettransfer.inputs.particle_features import FeatureColumns
from jettransfer.inputs.views import view_maker
from jettransfer.measure.example_inputs import synthetic_jets
from jettransfer.models.registry import build_preset, get_preset
from jettransfer.objectives import Contrastive


def best_of(repeats: int, function) -> float:
    """The fastest of `repeats` calls, in seconds (shared machines are noisy)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jets", type=int, default=256, help="jets per batch")
    parser.add_argument("--particles", type=int, nargs=2, default=(45, 75), help="min and max particles per jet")
    parser.add_argument("--width", type=int, default=80, help="rows per jet (the model's n_particles)")
    parser.add_argument("--repeats", type=int, default=20, help="view-making repeats (best of)")
    parser.add_argument("--steps", type=int, default=2, help="training steps timed (after one warm-up)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--model-dim", type=int, default=None, help="override the preset's model_dim (1000)")
    parser.add_argument("--ff-dim", type=int, default=None, help="override the preset's ff_dim (1000)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    names = get_preset("JetCLR").features
    jets = synthetic_jets("transformer", names, args.jets, seed=0, rows=tuple(args.particles))
    batch, _ = model_batches(jets, "transformer", names, args.jets, pad_to=args.width).batch(np.arange(args.jets))
    make = view_maker("jetclr", features=FeatureColumns(names))
    generator = torch.Generator().manual_seed(0)
    make(batch, generator)  # the first call also checks the batch's features against its momenta
    n_real = int(batch.mask.sum())
    print(f"batch: {args.jets} jets, {n_real / args.jets:.1f} particles per jet, padded to {args.width}; "
          f"{args.threads} thread(s), torch {torch.__version__}")

    seconds = best_of(args.repeats, lambda: make(batch, generator))
    print(f"jetclr views (both):  {seconds * 1e3:8.2f} ms per batch   {args.jets / seconds:10.0f} jets/s")

    momenta, mask = batch.four_momenta.double(), batch.mask
    columns = FeatureColumns(names)
    parts = {
        "rotate_about_axis": lambda: aug.rotate_about_axis(momenta, mask, generator),
        "translate": lambda: aug.translate(momenta, mask, generator, 1.0),
        "smear_angles": lambda: aug.smear_angles(momenta, mask, generator, 0.1, 0.1),
        "collinear_split": lambda: aug.collinear_split(momenta, mask, generator),
        "features (recompute)": lambda: columns.compute(momenta, mask),
    }
    for name, function in parts.items():
        print(f"  {name:20s}  {best_of(args.repeats, function) * 1e3:8.2f} ms per call")

    overrides = {k: v for k, v in (("model_dim", args.model_dim), ("ff_dim", args.ff_dim)) if v is not None}
    torch.manual_seed(0)
    model = build_preset("JetCLR", num_classes=1000, n_particles=args.width, **overrides)  # JetCLR's output_dim 1000
    model.train()
    objective = Contrastive(1000, temperature=0.1, views=make)
    objective.start_epoch(0, seed=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-5)  # JetCLR's

    def step() -> tuple[float, float]:
        start = time.perf_counter()
        first, second = objective.make_views(batch, objective.generator)
        views_done = time.perf_counter()
        loss = objective.loss((model(first), model(second)), {})
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return views_done - start, time.perf_counter() - start

    step()  # warm-up
    timed = [step() for _ in range(args.steps)]
    views = np.array([t[0] for t in timed])
    total = np.array([t[1] for t in timed])
    share = views / total
    width = overrides.get("model_dim", 1000)
    print(f"contrastive step, JetCLR transformer (model_dim {width}, "
          f"{sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters), {args.steps} steps:")
    print(f"  step {np.median(total) * 1e3:10.1f} ms median, views {np.median(views) * 1e3:8.2f} ms median")
    print(f"  views' share of a step: {np.median(share):.2%} median (min {share.min():.2%}, max {share.max():.2%})")


if __name__ == "__main__":
    main()
