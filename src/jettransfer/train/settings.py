"""Training hyper-parameters, as read from the config's `training` block (merged with a run's).

Their defaults live in the config schema only (workflow/schemas/config.schema.yaml, top-level
`training`); `TrainingSettings.with_defaults` reads them from there for calls without a config.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from typing import Any


@dataclass(frozen=True)
class TrainingSettings:
    epochs: int
    batch_size: int
    optimizer: str  # adam or adamw
    learning_rate: float
    weight_decay: float
    amsgrad: bool
    adam_eps: float
    grad_clip_norm: float | None
    schedule: str  # multistep, step, exponential, cosine, constant (train/schedule.py)
    lr_milestones: tuple[int, ...]  # multistep: epochs after which the LR is multiplied by lr_decay
    lr_decay: float
    lr_step_epochs: int  # step: every this many epochs
    warmup_steps: int
    finetune_lr_divisor: float
    backbone_lr_scale: float  # a transferred backbone's LR as a fraction of the head's
    reinit_head: bool  # finetune: re-initialise the head (always done in frozen mode)
    select_best: str  # val_loss, val_accuracy or val_auc
    train_fraction: float
    seed: int
    mixed_precision: bool  # bf16 autocast where the device computes bf16 natively (train/precision.py)
    graph_backend: str  # native or dgl, in the DGL environment
    frozen_feature_cache_mb: float  # frozen mode: keep backbone outputs this large in memory, more on disk
    stream_buffer_mb: float | None  # read the splits from disk this much at a time (None: in memory)
    threads: int = 1  # not a training option: the job's threads

    @classmethod
    def from_config(cls, block: dict[str, Any]) -> "TrainingSettings":
        """From a validated config's merged training block (every option present)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in block.items() if k in known}
        values["lr_milestones"] = tuple(values["lr_milestones"])
        return cls(**values)

    @classmethod
    def with_defaults(cls, **overrides: Any) -> "TrainingSettings":
        """The schema's defaults with `overrides`: for training from Python without a config."""
        return cls.from_config({**schema_training_defaults(), "seed": 0, **overrides})


@cache
def schema_training_defaults() -> dict[str, Any]:
    from jettransfer.config import training_defaults

    return training_defaults()
