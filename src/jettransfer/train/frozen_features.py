"""A frozen backbone computes the same per-node features every epoch (fixed weights, BatchNorm in
eval mode, fixed inputs), so they are computed once and the head trains on them directly.

Exact up to the rounding of differently blocked matrix products. Only where they fit the memory
budget: at the paper's scale (5e5 jets per class, ~80 Lund nodes, 448 floats a node) they would
not, and the backbone then runs every epoch, as before.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import torch
from torch import nn

from jettransfer.train.precision import autocast_context

log = logging.getLogger(__name__)


def cache_size_mb(model: nn.Module, train: Any) -> float:
    return len(train.node_features) * model.backbone_width * 4 / 2**20


def can_cache_frozen_features(model: nn.Module, train: Any, budget_mb: float) -> bool:
    return (getattr(model, "backbone_frozen", False) and hasattr(train, "with_node_features")
            and hasattr(model, "backbone_width") and cache_size_mb(model, train) <= budget_mb)


@torch.no_grad()
def with_frozen_features(model: nn.Module, train: Any, device: torch.device, mixed_precision: bool = False) -> Any:
    """`train`, its node features replaced by the frozen backbone's output for every node,
    computed in the precision training would run the backbone in."""
    was_training = model.training
    model.eval()
    with autocast_context(device, mixed_precision):
        parts = [model.backbone_features(batch.to(device)).float().cpu() for batch, _ in train.in_file_order()]
    model.train(was_training)
    features = torch.cat(parts).numpy() if parts else np.zeros((0, model.backbone_width), np.float32)
    log.info("frozen backbone: per-node features of %d jets computed once (%.0f MB)", train.n_samples,
             features.nbytes / 2**20)
    return train.with_node_features(features)
