"""View-making functions for contrastive training, by name: (batch, generator) -> (view, view).

Each makes two independently augmented copies of a batch, on the batch's device, drawing from
the generator the objective re-seeds every epoch (on the CPU, then moved: the same views on
every device). `view_maker(name, features=..., **options)` builds one; `features` are the
columns the model reads (a FeatureColumns, or their names when the files are unstandardised
and in the jet-axis frame), which the physics views recompute from the transformed momenta.

  gaussian_noise   Gaussian noise of `width` on every real input feature (any family)
  jetclr           seed 004's (JetCLR's) views of particle sets, in JetCLR's order: the first
                   view rotated, then translated; the second rotated, split collinearly
                   (`collinear_passes` times), smeared, then translated
                   (bmdillon/JetCLR scripts/run_jetclr.py, defaults of run_dir/extargs.py)
  rotation, translation, smearing, collinear_split
                   one of those augmentations alone, on both views
The augmentations themselves are in jettransfer.inputs.augmentations. The physics views need
the batch's four-momenta (a representation with four_momenta: true); a split may make a view
wider than the batch (mask semantics kept: padding rows zero and masked out)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import torch

from jettransfer.inputs import augmentations as aug
from jettransfer.inputs.particle_features import FeatureColumns, compute_dtype, jet_momenta

ViewMaker = Callable[[Any, torch.Generator], tuple[Any, Any]]


def gaussian_noise(width: float = 0.1, features: FeatureColumns | Sequence[str] | None = None) -> ViewMaker:
    """Gaussian noise of `width` on every real input feature (particle sets and graphs)."""

    def make(batch: Any, generator: torch.Generator) -> tuple[Any, Any]:
        return _noisy(batch, width, generator), _noisy(batch, width, generator)

    return make


def _noisy(batch: Any, width: float, generator: torch.Generator) -> Any:
    name = "features" if hasattr(batch, "features") else "x"
    values = getattr(batch, name)
    # Drawn on the CPU from the objective's generator (reproducible on every device), then moved.
    noise = torch.randn(values.shape, generator=generator).to(values.device, values.dtype) * width
    if hasattr(batch, "mask"):
        noise = noise * batch.mask[..., None]
    return dataclasses.replace(batch, **{name: values + noise})


# A step transforms (momenta, mask, mass) -> (momenta, mask, mass); mass [B, P] or None is the
# batch's own mass column, carried (see jettransfer.inputs.particle_features).
Step = Callable[[torch.Tensor, torch.Tensor, "torch.Tensor | None", torch.Generator],
                tuple[torch.Tensor, torch.Tensor, "torch.Tensor | None"]]


def rotation_step() -> Step:
    def step(momenta, mask, mass, generator):
        return aug.rotate_about_axis(momenta, mask, generator), mask, mass

    return step


def translation_step(width: float) -> Step:
    def step(momenta, mask, mass, generator):
        return aug.translate(momenta, mask, generator, width), mask, mass

    return step


def smearing_step(strength: float, pt_min: float) -> Step:
    def step(momenta, mask, mass, generator):
        return aug.smear_angles(momenta, mask, generator, strength, pt_min), mask, mass

    return step


def split_step(max_splits: int | None) -> Step:
    def step(momenta, mask, mass, generator):
        split = aug.collinear_split(momenta, mask, generator, max_splits)
        return split.momenta, split.mask, None if mass is None else split.carried(mass)

    return step


class PhysicsViews:
    """Two views, each the batch's four-momenta through its list of steps, its features then
    recomputed for `features`. The first call checks that the batch's own features are what its
    four-momenta give (FeatureColumns.check), so that a view differs from the batch only by its
    augmentation; `check_features=False` skips that."""

    def __init__(self, name: str, features: FeatureColumns | Sequence[str] | None, first: Sequence[Step],
                 second: Sequence[Step], check_features: bool = True) -> None:
        self.name = name
        self.columns = features if isinstance(features, FeatureColumns) or features is None else FeatureColumns(features)
        self.steps = (tuple(first), tuple(second))
        self.check_features = check_features

    def __call__(self, batch: Any, generator: torch.Generator) -> tuple[Any, Any]:
        if self.columns is None:
            raise ValueError(f"views {self.name!r} recompute the model's features from four-momenta: build them with "
                             "the model's columns, view_maker(name, features=FeatureColumns.of(...))")
        if getattr(batch, "four_momenta", None) is None:
            raise ValueError(f"views {self.name!r} transform the jets' four-momenta, and the batch has none: give the "
                             "representation four_momenta: true")
        device = batch.four_momenta.device
        with torch.no_grad(), torch.autocast(device.type, enabled=False):
            momenta = batch.four_momenta.to(compute_dtype(device))
            if self.check_features:
                self.columns.check(batch.features, momenta, batch.mask)
                self.check_features = False
            mass = self.columns.carried_mass(batch.features)
            return tuple(self._view(batch, momenta, mass, steps, generator) for steps in self.steps)

    def _view(self, batch: Any, momenta: torch.Tensor, mass: torch.Tensor | None, steps: Sequence[Step],
              generator: torch.Generator) -> Any:
        mask = batch.mask
        # Angles are measured from the original jet's axis, as JetCLR's (eta, phi) coordinates
        # are: a translated view sits off-centre (from its own axis it would look unmoved).
        axis = jet_momenta(momenta, mask)
        for step in steps:
            momenta, mask, mass = step(momenta, mask, mass, generator)
        features = self.columns.compute(momenta, mask, mass, batch.features.dtype, axis)
        return dataclasses.replace(batch, features=features, mask=mask, four_momenta=momenta.to(batch.four_momenta.dtype))


# JetCLR's defaults (bmdillon/JetCLR run_dir/extargs.py, the same in the seed's JavierZhao/JetCLR run_jetclr.py):
# ptst 0.1 and ptcm 0.1 (GeV), trsw 1.0, collinear_fill_jets twice, rotations and translations on.
def jetclr(features: FeatureColumns | Sequence[str] | None = None, rotation: bool = True, collinear_passes: int = 2,
           max_splits: int | None = None, smearing_strength: float = 0.1, smearing_pt_min: float = 0.1,
           translation_width: float = 1.0, symmetric: bool = False, check_features: bool = True) -> ViewMaker:
    """JetCLR's two views, in its order (run_jetclr.py): x_i rotated; x_j rotated again,
    collinear-filled `collinear_passes` times, smeared; both translated. `symmetric` also splits
    and smears the first view (JetCLR leaves it rotated and translated only). A strength of 0
    (or 0 passes, rotation False) leaves that augmentation out."""
    if collinear_passes < 0:
        raise ValueError(f"collinear_passes must be >= 0, got {collinear_passes}")
    rotate = [rotation_step()] if rotation else []
    distort = [split_step(max_splits)] * collinear_passes
    if smearing_strength:
        distort.append(smearing_step(smearing_strength, smearing_pt_min))
    move = [translation_step(translation_width)] if translation_width else []
    return PhysicsViews("jetclr", features, rotate + (distort if symmetric else []) + move, rotate + distort + move,
                        check_features)


def rotation(features: FeatureColumns | Sequence[str] | None = None, check_features: bool = True) -> ViewMaker:
    return PhysicsViews("rotation", features, [rotation_step()], [rotation_step()], check_features)


def translation(features: FeatureColumns | Sequence[str] | None = None, width: float = 1.0,
                check_features: bool = True) -> ViewMaker:
    return PhysicsViews("translation", features, [translation_step(width)], [translation_step(width)], check_features)


def smearing(features: FeatureColumns | Sequence[str] | None = None, strength: float = 0.1, pt_min: float = 0.1,
             check_features: bool = True) -> ViewMaker:
    steps = [smearing_step(strength, pt_min)]
    return PhysicsViews("smearing", features, steps, steps, check_features)


def collinear_split(features: FeatureColumns | Sequence[str] | None = None, max_splits: int | None = None,
                    passes: int = 1, check_features: bool = True) -> ViewMaker:
    steps = [split_step(max_splits)] * passes
    return PhysicsViews("collinear_split", features, steps, steps, check_features)


VIEW_MAKERS: dict[str, Callable[..., ViewMaker]] = {
    "gaussian_noise": gaussian_noise,
    "jetclr": jetclr,
    "rotation": rotation,
    "translation": translation,
    "smearing": smearing,
    "collinear_split": collinear_split,
}


def view_maker(name: str, features: FeatureColumns | Sequence[str] | None = None, **options: Any) -> ViewMaker:
    """The view maker `name` with its `options` (a run's view_options), for a model reading
    `features` (needed by all but gaussian_noise, when the first batch comes)."""
    try:
        make = VIEW_MAKERS[name]
    except KeyError:
        raise KeyError(f"unknown views {name!r}; known: {sorted(VIEW_MAKERS)}") from None
    return make(features=features, **options)
