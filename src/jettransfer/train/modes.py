"""The three ways a tagger starts training: scratch, fine-tune, frozen (seed 000, Sec. 3)."""

from __future__ import annotations

import os
from typing import Any

from torch import nn

from jettransfer.train.checkpoint import load_compatible_weights

MODES = ("scratch", "finetune", "frozen")


def prepare_model(model: nn.Module, mode: str, spec: dict[str, Any], source_checkpoint: str | os.PathLike | None,
                  reinit_head: bool = False) -> None:
    """scratch: as built. finetune: source weights, all trainable (the LR is divided elsewhere);
    with `reinit_head`, the head re-initialised. frozen: source weights; backbone frozen and kept
    in eval mode so BatchNorm statistics do not drift; head re-initialised.

    A re-initialised head takes nothing from the source, which may then have another head (a
    contrastive projection, another number of classes)."""
    if mode not in MODES:
        raise ValueError(f"unknown training mode {mode!r}; known: {MODES}")
    if mode == "scratch":
        return
    if source_checkpoint is None:
        raise ValueError(f"mode {mode!r} needs a source checkpoint")
    new_head = mode == "frozen" or reinit_head
    load_compatible_weights(source_checkpoint, model, spec, backbone_only=new_head)
    if mode == "frozen":
        freeze_backbone(model)
    if new_head:
        reset_head(model)


def reset_head(model: nn.Module) -> None:
    for layer in model.head.modules():
        if hasattr(layer, "reset_parameters") and layer is not model.head:
            layer.reset_parameters()


def freeze_backbone(model: nn.Module) -> None:
    """No gradients for the backbone, which the model then runs without recording a graph."""
    for module in model.backbone_modules():
        module.requires_grad_(False)
    model.backbone_frozen = True


def set_train_mode(model: nn.Module) -> None:
    """model.train(), except that a frozen backbone stays in eval mode."""
    model.train()
    if getattr(model, "backbone_frozen", False):
        for module in model.backbone_modules():
            module.eval()
