"""The one registry of models: architecture name -> constructor and the inputs it reads.

Constructors are named by import path and loaded on first use, so that reading the registry
(config validation at workflow start-up) does not import torch.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class Architecture:
    constructor: str  # "module:Class"
    inputs: tuple[str, ...]  # representation kinds it can read


ARCHITECTURES: dict[str, Architecture] = {
    "lundnet": Architecture("jettransfer.models.lundnet:LundNet", ("lund_graph",)),
}


def get_architecture(name: str) -> Architecture:
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise KeyError(f"unknown architecture {name!r}; known: {sorted(ARCHITECTURES)}") from None


def build_model(architecture: str, input_dim: int, params: dict[str, Any] | None = None) -> "nn.Module":
    module_name, class_name = get_architecture(architecture).constructor.split(":")
    constructor = getattr(importlib.import_module(module_name), class_name)
    return constructor(input_dim=input_dim, **(params or {}))


def count_parameters(model: "nn.Module") -> int:
    return sum(p.numel() for p in model.parameters())
