"""Learning-rate schedules as pure functions of (epoch, step): the LR of every step follows from
the settings and the position in training alone, so a resumed training needs no scheduler state
and continues exactly.

  multistep    multiplied by lr_decay after each epoch in lr_milestones (seed 000)
  step         multiplied by lr_decay every lr_step_epochs epochs (seed 003's students)
  exponential  multiplied by lr_decay after every epoch (seed 002)
  cosine       half a cosine from the full LR to zero over all steps after the warm-up
  constant
and, for any of them, a linear warm-up over the first warmup_steps steps.
"""

from __future__ import annotations

import math
from collections import Counter

import torch

from jettransfer.train.settings import TrainingSettings

SCHEDULES = ("multistep", "step", "exponential", "cosine", "constant")


class LearningRateSchedule:
    def __init__(self, settings: TrainingSettings, steps_per_epoch: int) -> None:
        if settings.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {settings.schedule!r}; known: {SCHEDULES}")
        self.settings = settings
        self.steps_per_epoch = max(steps_per_epoch, 1)

    def learning_rate(self, base: float, epoch: int, step: int) -> float:
        """The LR of step `step` (0-based) of epoch `epoch` (1-based) for a group starting at `base`."""
        s = self.settings
        lr = base
        if s.schedule == "multistep":
            # Multiplied one milestone at a time, as torch's MultiStepLR does: the same floats.
            for milestone, count in sorted(Counter(s.lr_milestones).items()):
                if milestone <= epoch - 1:
                    lr = lr * s.lr_decay ** count
        elif s.schedule == "step":
            lr = base * s.lr_decay ** ((epoch - 1) // s.lr_step_epochs)
        elif s.schedule == "exponential":
            lr = base * s.lr_decay ** (epoch - 1)
        global_step = (epoch - 1) * self.steps_per_epoch + step
        if s.schedule == "cosine":
            total = max(s.epochs * self.steps_per_epoch - s.warmup_steps, 1)
            progress = min(max(global_step - s.warmup_steps, 0) / total, 1.0)
            lr = base * 0.5 * (1.0 + math.cos(math.pi * progress))
        if s.warmup_steps > 0 and global_step < s.warmup_steps:
            lr = lr * (global_step + 1) / s.warmup_steps
        return lr

    def apply(self, optimiser: torch.optim.Optimizer, base_lrs: list[float], epoch: int, step: int) -> None:
        for group, base in zip(optimiser.param_groups, base_lrs):
            group["lr"] = self.learning_rate(base, epoch, step)
