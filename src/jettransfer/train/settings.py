"""Training hyper-parameters, as read from the config's `training` block (merged with a run's)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class TrainingSettings:
    epochs: int = 30
    batch_size: int = 256
    learning_rate: float = 1e-3
    lr_milestones: tuple[int, ...] = (10, 20)  # epochs after which the LR drops
    lr_decay: float = 0.1
    finetune_lr_divisor: float = 10.0
    train_fraction: float = 1.0
    seed: int = 0
    mixed_precision: bool = False  # bf16 autocast where the device computes bf16 natively (train/precision.py)
    graph_backend: str = "native"  # or "dgl", in the DGL environment
    frozen_feature_cache_mb: float = 2048.0  # frozen mode: keep backbone outputs this large in memory
    threads: int = 1

    @classmethod
    def from_config(cls, block: dict[str, Any]) -> "TrainingSettings":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in block.items() if k in known}
        if "lr_milestones" in values:
            values["lr_milestones"] = tuple(values["lr_milestones"])
        return cls(**values)
