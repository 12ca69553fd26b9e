"""Multi-label pretraining (seed 002): for each of `n_objects` kinds of object (a Higgs, a top),
does the event have one (binary cross-entropy on its logit), and if so its `n_kinematics`
kinematics (pT, eta, phi: squared error where the mask says the object exists).

The model outputs n_objects existence logits, then n_objects x n_kinematics regressed values.
Targets: `exists` [B, K] (0/1), `kinematics` [B, K, n_kinematics] and optionally
`kinematics_mask` [B, K] (default: `exists`).

    L = existence_weight * mean BCE + kinematics_weight * (sum of masked squared errors) / (masked values)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from jettransfer.objectives.base import Objective


class MultiLabel(Objective):
    required_targets = ("exists", "kinematics")

    def __init__(self, num_classes: int, n_objects: int = 2, n_kinematics: int = 3, existence_weight: float = 1.0,
                 kinematics_weight: float = 1.0) -> None:
        super().__init__(num_classes)
        self.n_objects, self.n_kinematics = n_objects, n_kinematics
        self.existence_weight, self.kinematics_weight = float(existence_weight), float(kinematics_weight)

    @property
    def output_size(self) -> int:
        return self.n_objects * (1 + self.n_kinematics)

    def split(self, outputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        outputs = outputs.float()
        k = self.n_objects
        return outputs[:, :k], outputs[:, k:].reshape(-1, k, self.n_kinematics)

    def loss(self, outputs: torch.Tensor, targets: dict[str, torch.Tensor], reduction: str = "mean") -> torch.Tensor:
        existence, kinematics = self.split(outputs)
        exists = targets["exists"].float()
        mask = targets.get("kinematics_mask", targets["exists"]).bool()
        bce = F.binary_cross_entropy_with_logits(existence, exists, reduction="none").mean(dim=1)  # per event
        squared = ((kinematics - targets["kinematics"].float()) ** 2).sum(dim=2) * mask  # per event and object
        n_values = mask.sum().clamp(min=1) * self.n_kinematics
        if reduction == "mean":
            return self.existence_weight * bce.mean() + self.kinematics_weight * squared.sum() / n_values
        # A sum over events whose mean over an epoch equals the batch means' (the regression
        # term's per-value normalisation is kept, scaled to the events of the batch).
        return self.existence_weight * bce.sum() + self.kinematics_weight * squared.sum() / n_values * len(bce)

    def metrics(self, outputs: torch.Tensor, targets: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        existence, _ = self.split(outputs.detach())
        correct = ((existence > 0) == targets["exists"].bool()).float().mean(dim=1)
        return {"accuracy": correct.sum()}

    def scores(self, outputs: torch.Tensor) -> torch.Tensor:
        """Existence probabilities [B, K], then the regressed kinematics [B, K * n_kinematics]."""
        existence, kinematics = self.split(outputs)
        return torch.cat([torch.sigmoid(existence), kinematics.flatten(1)], dim=1)

    def ranked_metrics(self, scores: Any, targets: dict[str, Any]) -> dict[str, float]:
        from jettransfer.evaluate.metrics import area_under_curve

        scores, exists = np.asarray(scores), np.asarray(targets["exists"])
        aucs = [area_under_curve(exists[:, k], scores[:, k]) for k in range(self.n_objects)
                if len(np.unique(exists[:, k])) == 2]
        return {"auc": float(np.mean(aucs)) if aucs else float("nan")}
