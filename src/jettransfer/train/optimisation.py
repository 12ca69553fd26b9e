"""The optimiser of a training, from its settings: Adam or AdamW, and parameter groups with
their own learning rates (a transferred backbone at a fraction of the head's rate)."""

from __future__ import annotations

import torch
from torch import nn

from jettransfer.train.settings import TrainingSettings

OPTIMIZERS = ("adam", "adamw")


def initial_learning_rate(settings: TrainingSettings, mode: str) -> float:
    return settings.learning_rate / settings.finetune_lr_divisor if mode == "finetune" else settings.learning_rate


def parameter_groups(model: nn.Module, settings: TrainingSettings, mode: str) -> list[dict]:
    """Trainable parameters, in one group at the initial LR, or, with backbone_lr_scale != 1 on
    a model with a backbone, the backbone's at that fraction of it and the rest at it."""
    lr = initial_learning_rate(settings, mode)
    trainable = [p for p in model.parameters() if p.requires_grad]
    if settings.backbone_lr_scale == 1.0 or not hasattr(model, "backbone_modules"):
        return [{"params": trainable, "lr": lr}]
    in_backbone = {id(p) for module in model.backbone_modules() for p in module.parameters()}
    backbone = [p for p in trainable if id(p) in in_backbone]
    rest = [p for p in trainable if id(p) not in in_backbone]
    groups = [{"params": rest, "lr": lr}]
    if backbone:
        groups.append({"params": backbone, "lr": lr * settings.backbone_lr_scale})
    return groups


def build_optimiser(model: nn.Module, settings: TrainingSettings, mode: str) -> torch.optim.Optimizer:
    groups = parameter_groups(model, settings, mode)
    options = {"eps": settings.adam_eps, "weight_decay": settings.weight_decay, "amsgrad": settings.amsgrad}
    if settings.optimizer == "adam":
        return torch.optim.Adam(groups, **options)
    if settings.optimizer == "adamw":
        return torch.optim.AdamW(groups, **options)
    raise ValueError(f"unknown optimizer {settings.optimizer!r}; known: {OPTIMIZERS}")
