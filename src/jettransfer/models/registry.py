"""The one registry of models.

ARCHITECTURES: architecture name -> constructor and the representation kinds it reads.
PRESETS: the named taggers of the papers -> architecture, feature columns and parameters, so a
config can say `preset: ParticleNet-Lite` instead of spelling them out.

Constructors are named by import path and loaded on first use, so that reading the registry
(config validation at workflow start-up) does not import torch.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch import nn

from jettransfer.physics.constituents import PARTICLE_FEATURES
from jettransfer.physics.lund import LUND_FEATURES

_LUND3 = ("ln_z", "ln_delta", "ln_kt")  # LundNet3: the primary Lund-plane coordinates only


@dataclass(frozen=True)
class Architecture:
    constructor: str  # "module:Class"
    inputs: tuple[str, ...]  # representation kinds it can read


@dataclass(frozen=True)
class Preset:
    architecture: str
    features: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)


ARCHITECTURES: dict[str, Architecture] = {
    "lundnet": Architecture("jettransfer.models.lundnet:LundNet", ("lund_graph",)),
    "particlenet": Architecture("jettransfer.models.particlenet:ParticleNet", ("particle_cloud", "constituents")),
}

PRESETS: dict[str, Preset] = {
    "LundNet5": Preset("lundnet", LUND_FEATURES),
    "LundNet3": Preset("lundnet", _LUND3),
    "ParticleNet": Preset("particlenet", PARTICLE_FEATURES),
    "ParticleNet-Lite": Preset("particlenet", PARTICLE_FEATURES,
                               {"k": 7, "conv_channels": [[32, 32, 32], [64, 64, 64]], "fc_dim": 128}),
}


def get_architecture(name: str) -> Architecture:
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise KeyError(f"unknown architecture {name!r}; known: {sorted(ARCHITECTURES)}") from None


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown model preset {name!r}; known: {sorted(PRESETS)}") from None


def build_model(architecture: str, input_dim: int, params: dict[str, Any] | None = None) -> "nn.Module":
    module_name, class_name = get_architecture(architecture).constructor.split(":")
    constructor = getattr(importlib.import_module(module_name), class_name)
    return constructor(input_dim=input_dim, **(params or {}))


def build_preset(name: str) -> "nn.Module":
    preset = get_preset(name)
    return build_model(preset.architecture, len(preset.features), preset.params)


def count_parameters(model: "nn.Module") -> int:
    return sum(p.numel() for p in model.parameters())
