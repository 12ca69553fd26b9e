"""View-making functions for contrastive training, by name: (batch, generator) -> (view, view).

Each makes two independently augmented copies of a batch, on the batch's device, drawing from
the generator the objective re-seeds every epoch. Seed 004's physics augmentations (rotations,
translations, smearing, collinear splits) register here beside the generic one."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import torch

ViewMaker = Callable[[Any, torch.Generator], tuple[Any, Any]]


def gaussian_noise(width: float = 0.1) -> ViewMaker:
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


VIEW_MAKERS: dict[str, Callable[..., ViewMaker]] = {"gaussian_noise": gaussian_noise}


def view_maker(name: str, **options: Any) -> ViewMaker:
    try:
        return VIEW_MAKERS[name](**options)
    except KeyError:
        raise KeyError(f"unknown views {name!r}; known: {sorted(VIEW_MAKERS)}") from None
