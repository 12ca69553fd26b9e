"""The one registry of models.

ARCHITECTURES: architecture name -> constructor, the input family its batches come in
(jettransfer.inputs: graph, particle_set, event_graph) and the representation kinds it reads.
PRESETS: the named taggers of the papers -> architecture, feature columns and parameters, so a
config can say `preset: ParticleNet-Lite` instead of spelling them out.

Every constructor takes `input_dim` (the number of feature columns), `num_classes` (outputs
per jet or event: classes, multi-label outputs, or a projection's width) and the
architecture's own parameters. Every model has a `head` module (re-initialised in frozen and
head-reset transfers) and `backbone_modules()` (frozen in frozen mode).

Constructors are named by import path and loaded on first use, so that reading the registry
(config validation at workflow start-up) does not import torch.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch import nn

from jettransfer.physics.constituents import PARTICLE_FEATURES, SET_FEATURES
from jettransfer.physics.objects import EVENT_OBJECT_FEATURES
from jettransfer.physics.lund import LUND_FEATURES

_LUND3 = ("ln_z", "ln_delta", "ln_kt")  # LundNet3: the primary Lund-plane coordinates only


INPUT_FAMILIES = ("graph", "particle_set", "event_graph")


@dataclass(frozen=True)
class Architecture:
    constructor: str  # "module:Class"
    family: str  # the batch type it reads, one of INPUT_FAMILIES
    inputs: tuple[str, ...]  # representation kinds it can read
    needs_four_momenta: bool = False  # reads ParticleSetBatch.four_momenta: the representation must store them


@dataclass(frozen=True)
class Preset:
    architecture: str
    features: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)


_SETS = ("particle_cloud", "constituents")
ARCHITECTURES: dict[str, Architecture] = {
    "lundnet": Architecture("jettransfer.models.lundnet:LundNet", "graph", ("lund_graph",)),
    "particlenet": Architecture("jettransfer.models.particlenet:ParticleNet", "graph", _SETS),
    "fcnn": Architecture("jettransfer.models.fcnn:FCNN", "particle_set", _SETS),
    "deepset": Architecture("jettransfer.models.deepset:DeepSet", "particle_set", _SETS),
    "mlp": Architecture("jettransfer.models.mlp:ParticleMLP", "particle_set", _SETS),
    "lorentznet": Architecture("jettransfer.models.lorentznet:LorentzNet", "particle_set", _SETS, needs_four_momenta=True),
    "transformer": Architecture("jettransfer.models.transformer:TransformerEncoder", "particle_set", _SETS),
    "particle_transformer": Architecture("jettransfer.models.particle_transformer:ParticleTransformer", "particle_set",
                                         _SETS, needs_four_momenta=True),
    "event_gnn": Architecture("jettransfer.models.event_gnn:EventGNN", "event_graph", ("event_graph",)),
}

PRESETS: dict[str, Preset] = {
    "LundNet5": Preset("lundnet", LUND_FEATURES),
    "LundNet3": Preset("lundnet", _LUND3),
    "ParticleNet": Preset("particlenet", PARTICLE_FEATURES),
    "ParticleNet-Lite": Preset("particlenet", PARTICLE_FEATURES,
                               {"k": 7, "conv_channels": [[32, 32, 32], [64, 64, 64]], "fc_dim": 128}),
    # Seed 001: FCNN teacher 5x400 and student 1x64 on the leading 200 constituents; the GNN
    # teacher is ParticleNet (k = 16, three EdgeConv blocks), the student one EdgeConv block
    # with a single linear layer inside.
    "FCNN-teacher": Preset("fcnn", PARTICLE_FEATURES, {"n_particles": 200, "hidden": [400, 400, 400, 400, 400]}),
    "FCNN-student": Preset("fcnn", PARTICLE_FEATURES, {"n_particles": 200, "hidden": [64]}),
    "EdgeConv-teacher": Preset("particlenet", PARTICLE_FEATURES),
    "EdgeConv-student": Preset("particlenet", PARTICLE_FEATURES, {"conv_channels": [[64]]}),
    # Seed 003: students on (pT/pT_jet, d_eta, d_phi, m) per particle, teacher on four-momenta.
    "DeepSet": Preset("deepset", SET_FEATURES),
    "MLP": Preset("mlp", SET_FEATURES, {"n_particles": 128}),
    "LorentzNet": Preset("lorentznet", SET_FEATURES),
    # Seed 004: JetCLR's transformer on the seed's six features, with its projection head.
    "JetCLR": Preset("transformer", PARTICLE_FEATURES[:6]),
    # The Particle Transformer (arXiv:2202.03772) as published, on its kinematic inputs (our seven
    # particle features are its "kin" set) and its 128 particles; and as seed 004's next encoder,
    # on the seed's six features and JetCLR's leading 50, with a projection head as JetCLR's.
    "ParT": Preset("particle_transformer", PARTICLE_FEATURES),
    "ParT-JetCLR": Preset("particle_transformer", PARTICLE_FEATURES[:6], {"n_particles": 50, "head": "projection"}),
    # Seed 002: encode-process-decode on the event's objects.
    "EventGNN": Preset("event_gnn", EVENT_OBJECT_FEATURES),
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


def build_model(architecture: str, input_dim: int, params: dict[str, Any] | None = None,
                num_classes: int = 2) -> "nn.Module":
    module_name, class_name = get_architecture(architecture).constructor.split(":")
    constructor = getattr(importlib.import_module(module_name), class_name)
    return constructor(input_dim=input_dim, num_classes=num_classes, **(params or {}))


def build_preset(name: str, num_classes: int = 2, **params: Any) -> "nn.Module":
    """A preset's model; `params` override the preset's own."""
    preset = get_preset(name)
    return build_model(preset.architecture, len(preset.features), {**preset.params, **params}, num_classes)


def count_parameters(model: "nn.Module") -> int:
    return sum(p.numel() for p in model.parameters())
