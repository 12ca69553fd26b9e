"""Knowledge distillation (Hinton et al.): the student learns the true class and the teacher's
softened output,

    L = alpha * CE(y, q) + (1 - alpha) * T^2 * KL(p_T || q_T),

with q the student's and p the teacher's probabilities, and p_T, q_T those of logits / T. The
T^2 keeps the soft term's gradients on the scale of the hard term's as T grows. The teacher's
logits come with the targets (`teacher_logits`, computed once per split, jettransfer.stages.
teacher_logits): no teacher runs inside the student's training. Seed 003's
`(1 - lambda) CE + lambda KL` is alpha = 1 - lambda."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from jettransfer.objectives.classification import CrossEntropy


class Distillation(CrossEntropy):
    required_targets = ("teacher_logits",)

    def __init__(self, num_classes: int, temperature: float = 1.0, alpha: float = 0.5) -> None:
        super().__init__(num_classes)
        self.temperature, self.alpha = float(temperature), float(alpha)

    def soft_loss(self, outputs: torch.Tensor, teacher_logits: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
        """T^2 KL(p_T || q_T) per jet, summed over classes; its batch mean or sum."""
        t = self.temperature
        log_q = F.log_softmax(outputs.float() / t, dim=1)
        log_p = F.log_softmax(teacher_logits.float() / t, dim=1)
        # One fused kernel for p (log p - log q), summed over classes and jets.
        kl = F.kl_div(log_q, log_p, reduction="batchmean" if reduction == "mean" else "sum", log_target=True)
        return t * t * kl

    def loss(self, outputs: torch.Tensor, targets: dict[str, torch.Tensor], reduction: str = "mean") -> torch.Tensor:
        hard = super().loss(outputs, targets, reduction)
        return self.alpha * hard + (1 - self.alpha) * self.soft_loss(outputs, targets["teacher_logits"], reduction)

    def metrics(self, outputs: torch.Tensor, targets: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        # The hard-target loss alone, so runs with and without distillation compare on it (seed 003, Fig. 2b).
        return super().metrics(outputs, targets) | {"hard_loss": super().loss(outputs.detach(), targets, "sum")}
