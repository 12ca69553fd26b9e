"""The interface between the training engine and what a run learns."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class Objective:
    """Loss, per-batch metric sums and test scores of one kind of training.

    `metrics` returns sums over the batch (e.g. the number of correct predictions); the engine
    adds them up over an epoch and divides by the number of jets, so every logged metric is a
    mean per jet. `needs_labels` says whether the targets' label is read."""

    needs_labels = True
    required_targets: tuple[str, ...] = ()  # per-jet targets besides label and id the loss reads

    def __init__(self, num_classes: int) -> None:
        self.num_classes = num_classes

    @property
    def output_size(self) -> int:
        """Outputs per jet the model must have."""
        return self.num_classes

    def start_epoch(self, epoch: int, seed: int) -> None:
        """Called before each training epoch (an objective with randomness re-seeds here)."""

    def outputs(self, model: nn.Module, batch: Any) -> Any:
        return model(batch)

    def loss(self, outputs: Any, targets: dict[str, torch.Tensor], reduction: str = "mean") -> torch.Tensor:
        raise NotImplementedError

    def metrics(self, outputs: Any, targets: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {}

    def scores(self, outputs: Any) -> torch.Tensor:
        """What the test set is scored by, in float32."""
        raise NotImplementedError

    def ranked_metrics(self, scores: Any, targets: dict[str, Any]) -> dict[str, float]:
        """Metrics of a whole split's scores (AUC), for choosing the best epoch by them."""
        raise NotImplementedError(f"{type(self).__name__} has no metrics over a whole split")
