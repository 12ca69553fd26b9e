"""Cross-entropy over any number of classes; scores are the signal probability for two classes
and the probabilities of every class for more."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from jettransfer.objectives.base import Objective


class CrossEntropy(Objective):
    def loss(self, outputs: torch.Tensor, targets: dict[str, torch.Tensor], reduction: str = "mean") -> torch.Tensor:
        return F.cross_entropy(outputs.float(), targets["label"], reduction=reduction)

    def metrics(self, outputs: torch.Tensor, targets: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"accuracy": (outputs.detach().argmax(dim=1) == targets["label"]).sum()}

    def scores(self, outputs: torch.Tensor) -> torch.Tensor:
        probabilities = torch.softmax(outputs.float(), dim=1)
        return probabilities[:, 1] if self.num_classes == 2 else probabilities

    def ranked_metrics(self, scores: Any, targets: dict[str, Any]) -> dict[str, float]:
        from jettransfer.evaluate.metrics import area_under_curve

        return {"auc": area_under_curve(np.asarray(targets["label"]), np.asarray(scores))}
