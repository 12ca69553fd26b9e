"""A frozen backbone computes the same per-node features every epoch (fixed weights, BatchNorm in
eval mode, fixed inputs), so they are computed once and the head trains on them directly.

Exact up to the rounding of differently blocked matrix products. Kept in memory where they fit
the memory budget; beyond it (at the paper's scale, 5e5 jets per class, ~80 Lund nodes, 448
floats a node, they would not) they are written to a temporary file on disk, in the directory
TMPDIR names (on a cluster, usually the node's local scratch), and read back by the page cache
batch by batch: reading is far cheaper than running the backbone every epoch.
"""

from __future__ import annotations

import logging
import math
import tempfile
from functools import reduce
from typing import Any

import numpy as np
import torch
from torch import nn

from jettransfer.train.precision import autocast_context

log = logging.getLogger(__name__)


def cache_size_mb(model: nn.Module, train: Any, value_dtype: torch.dtype = torch.float32) -> float:
    return len(train.node_features) * model.backbone_width * value_dtype.itemsize / 2**20


def can_cache_frozen_features(model: nn.Module, train: Any, budget_mb: float,
                              value_dtype: torch.dtype = torch.float32, spill: bool = False) -> bool:
    """Whether the frozen backbone's outputs, in `value_dtype` (the autocast dtype training runs in,
    else float32), are computed once: they fit in `budget_mb`, or may be spilled to disk
    (`spill`). A budget of 0 means: recompute every epoch."""
    if not (getattr(model, "backbone_frozen", False) and hasattr(train, "with_node_features")
            and hasattr(model, "backbone_width")) or budget_mb <= 0:
        return False
    return spill or cache_size_mb(model, train, value_dtype) <= budget_mb


def _table(rows: int, width: int, dtype: torch.dtype, budget_mb: float) -> torch.Tensor:
    """An empty rows x width table: in memory within the budget, else on a temporary file (unlinked at
    once, so it goes with the process however that ends)."""
    if rows * width * dtype.itemsize / 2**20 <= budget_mb:
        return torch.empty(rows, width, dtype=dtype)
    # numpy has no bfloat16: the file holds its bits as uint16, viewed back as bfloat16.
    storage = np.uint16 if dtype == torch.bfloat16 else torch.empty(0, dtype=dtype).numpy().dtype
    mapped = np.memmap(tempfile.TemporaryFile(prefix="jettransfer-frozen-"), dtype=storage, mode="w+",
                       shape=(max(rows, 1), width))[:rows]
    log.info("frozen backbone: its features (%.0f MB) exceed the %.0f MB budget; kept on disk in %s",
             rows * width * dtype.itemsize / 2**20, budget_mb, tempfile.gettempdir())
    table = torch.from_numpy(mapped)
    return table.view(torch.bfloat16) if dtype == torch.bfloat16 else table


@torch.no_grad()
def with_frozen_features(model: nn.Module, train: Any, device: torch.device, mixed_precision: bool = False,
                         budget_mb: float = math.inf) -> Any:
    """`train`, its node features replaced by the frozen backbone's output for every node,
    computed in the precision training would run the backbone in and kept in the dtype it came
    out in (bf16 under bf16 autocast): bit for bit what running the backbone every epoch would
    hand the head. Beyond `budget_mb` the table lives on disk.

    Each block's output is copied straight into its columns of one preallocated table, so
    neither the per-batch concatenation nor a float32 copy of the whole table is made."""
    was_training = model.training
    model.eval()
    features, row = None, 0
    with autocast_context(device, mixed_precision):
        for batch, _ in train.in_file_order():
            outputs = model.backbone_outputs(batch.to(device))
            if features is None:
                dtype = reduce(torch.promote_types, (output.dtype for output in outputs))
                features = _table(len(train.node_features), model.backbone_width, dtype, budget_mb)
            column, rows = 0, slice(row, row + outputs[0].shape[0])
            for output in outputs:
                features[rows, column : column + output.shape[1]].copy_(output)
                column += output.shape[1]
            row = rows.stop
    model.train(was_training)
    if features is None:
        features = torch.zeros(0, model.backbone_width)
    log.info("frozen backbone: per-node features of %d jets computed once (%.0f MB, %s)", train.n_samples,
             features.numel() * features.element_size() / 2**20, str(features.dtype).removeprefix("torch."))
    return train.with_node_features(features)
