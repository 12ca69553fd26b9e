"""The one registry of models: architecture name -> constructor. Everything builds through here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from jettransfer.models.lundnet import LundNet

ARCHITECTURES: dict[str, Callable[..., nn.Module]] = {
    "lundnet": LundNet,
}


def build_model(architecture: str, input_dim: int, params: dict[str, Any] | None = None) -> nn.Module:
    try:
        constructor = ARCHITECTURES[architecture]
    except KeyError:
        raise KeyError(f"unknown architecture {architecture!r}; known: {sorted(ARCHITECTURES)}") from None
    return constructor(input_dim=input_dim, **(params or {}))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
