"""What a run learns: its loss, the metrics logged per epoch and the scores it is tested by.

An objective is built from a run's `objective` block (`build_objective`); the training engine
only calls its methods (objectives/base.py) and never names a loss.

  cross_entropy  classification with any number of classes (binary: signal vs background)
  distillation   alpha CE(y, q) + (1 - alpha) T^2 KL(p_T || q_T), teacher logits read as targets
  multilabel     BCE on existence flags + masked regression of kinematics
  contrastive    SimCLR's NT-Xent over two views of each jet made per batch; no labels
"""

from __future__ import annotations

from typing import Any

from jettransfer.objectives.base import Objective
from jettransfer.objectives.classification import CrossEntropy
from jettransfer.objectives.contrastive import Contrastive
from jettransfer.objectives.distillation import Distillation
from jettransfer.objectives.multilabel import MultiLabel

OBJECTIVES: dict[str, type[Objective]] = {
    "cross_entropy": CrossEntropy,
    "distillation": Distillation,
    "multilabel": MultiLabel,
    "contrastive": Contrastive,
}


def build_objective(spec: dict[str, Any], num_classes: int) -> Objective:
    """The objective of a run's (validated) `objective` block, for a task of `num_classes`."""
    options = {k: v for k, v in spec.items() if k not in ("name", "teacher", "teacher_representation")}
    try:
        kind = OBJECTIVES[spec["name"]]
    except KeyError:
        raise KeyError(f"unknown objective {spec['name']!r}; known: {sorted(OBJECTIVES)}") from None
    return kind(num_classes=num_classes, **options)
