"""The state an interrupted training continues from, written after every epoch.

A state belongs to one training set-up, named by a fingerprint (model, mode, settings, input
files); a state with another fingerprint is ignored, so a changed config never continues an old
run. Written atomically: a kill while saving leaves the previous epoch's state intact.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn

from jettransfer.data.atomic import atomic_path

log = logging.getLogger(__name__)

FORMAT_VERSION = 2
_STATE_FIELDS = ("best_value", "best_epoch", "best_state", "model_state", "optimiser_state", "rng_state", "cuda_rng_state")


@dataclass
class ResumeState:
    history: list[Any]  # EpochRecord per finished epoch
    best_value: float | None  # of the selection (settings.select_best) at best_epoch
    best_epoch: int
    best_state: dict[str, Any] = field(repr=False)
    model_state: dict[str, Any] = field(default_factory=dict, repr=False)
    optimiser_state: dict[str, Any] = field(default_factory=dict, repr=False)
    rng_state: torch.Tensor | None = field(default=None, repr=False)
    cuda_rng_state: torch.Tensor | None = field(default=None, repr=False)

    def capture(self, model: nn.Module, optimiser: torch.optim.Optimizer, device: torch.device) -> None:
        # No scheduler state: the LR is a function of the position in training (train/schedule.py).
        self.model_state = model.state_dict()
        self.optimiser_state = optimiser.state_dict()
        self.rng_state = torch.get_rng_state()
        self.cuda_rng_state = torch.cuda.get_rng_state(device) if device.type == "cuda" else None


def save_resume_state(path: str | os.PathLike, state: ResumeState, fingerprint: str) -> None:
    payload = {
        "format": FORMAT_VERSION,
        "fingerprint": fingerprint,
        "history": [asdict(r) for r in state.history],
        **{k: getattr(state, k) for k in _STATE_FIELDS},
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def load_resume_state(path: str | os.PathLike, fingerprint: str) -> ResumeState | None:
    """The state saved at `path`, or None when there is none or it belongs to another set-up."""
    from jettransfer.train.engine import EpochRecord

    if not os.path.exists(path):
        return None
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # a state we cannot read is not worth failing a training for
        log.warning("ignoring unreadable resume state %s (%s); starting from epoch 1", path, err)
        return None
    if payload.get("format") != FORMAT_VERSION or payload.get("fingerprint") != fingerprint:
        log.info("resume state %s belongs to another training set-up; starting from epoch 1", path)
        return None
    return ResumeState(
        history=[EpochRecord(**row) for row in payload["history"]],
        **{k: payload[k] for k in _STATE_FIELDS},
    )
