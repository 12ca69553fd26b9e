"""One training engine for every tagger and mode: Adam, step LR schedule, best-epoch selection,
an epoch-by-epoch resumable state, progress on the terminal."""

from __future__ import annotations

import copy
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from jettransfer.train.frozen_features import can_cache_frozen_features, with_frozen_features
from jettransfer.train.modes import set_train_mode
from jettransfer.train.precision import autocast_context, autocast_dtype, describe_precision
from jettransfer.train.progress import EpochProgress
from jettransfer.train.resume import ResumeState, load_resume_state, save_resume_state
from jettransfer.train.settings import TrainingSettings

log = logging.getLogger(__name__)


class Batches(Protocol):
    """What the engine iterates: (batch, labels) pairs, reshuffled by set_epoch."""

    def __iter__(self) -> Any: ...
    def __len__(self) -> int: ...  # number of batches
    def set_epoch(self, epoch: int) -> None: ...
    @property
    def n_samples(self) -> int: ...


@dataclass
class EpochRecord:
    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    learning_rate: float
    seconds: float
    samples_per_second: float


@dataclass
class TrainingResult:
    history: list[EpochRecord]
    best_epoch: int
    best_state: dict[str, Any] = field(repr=False)
    last_state: dict[str, Any] = field(repr=False)
    ms_per_sample_epoch: float
    peak_memory_mb: float
    resumed_from_epoch: int = 0

    def history_rows(self) -> list[dict[str, Any]]:
        return [asdict(r) for r in self.history]


def initial_learning_rate(settings: TrainingSettings, mode: str) -> float:
    return settings.learning_rate / settings.finetune_lr_divisor if mode == "finetune" else settings.learning_rate


def train_tagger(
    model: nn.Module,
    train: Batches,
    validation: Batches,
    settings: TrainingSettings,
    mode: str,
    device: torch.device,
    resume_path: str | os.PathLike | None = None,
    fingerprint: str = "",
    on_epoch_end: Callable[[EpochRecord], None] | None = None,
) -> TrainingResult:
    """Train for settings.epochs; keep the weights of the epoch with the lowest validation loss.

    With `resume_path`, the full state (weights, optimiser, schedule, RNG, history, best epoch)
    is written there after every epoch, and a state found there with the same `fingerprint` is
    continued from, so an interrupted training ends exactly as an uninterrupted one would.
    """
    model.to(device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.Adam(trainable, lr=initial_learning_rate(settings, mode))
    schedule = torch.optim.lr_scheduler.MultiStepLR(optimiser, milestones=list(settings.lr_milestones), gamma=settings.lr_decay)
    loss_fn = nn.CrossEntropyLoss()
    state = ResumeState(history=[], best_loss=float("inf"), best_epoch=0, best_state=copy.deepcopy(model.state_dict()))
    if resume_path is not None:
        found = load_resume_state(resume_path, fingerprint)
        if found is not None:
            state = found
            model.load_state_dict(state.model_state)
            optimiser.load_state_dict(state.optimiser_state)
            schedule.load_state_dict(state.schedule_state)
            torch.set_rng_state(state.rng_state)
            if device.type == "cuda" and state.cuda_rng_state is not None:
                torch.cuda.set_rng_state(state.cuda_rng_state, device)
            log.info("resuming after epoch %d of %d from %s", len(state.history), settings.epochs, resume_path)
    resumed_from = len(state.history)
    log.info("matrix products in %s", describe_precision(device, settings.mixed_precision))
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    progress = EpochProgress(settings.epochs, len(train))
    cache_frozen = can_cache_frozen_features(model, train, settings.frozen_feature_cache_mb,
                                             autocast_dtype(device, settings.mixed_precision) or torch.float32)
    for epoch in range(resumed_from + 1, settings.epochs + 1):
        start = time.perf_counter()
        if cache_frozen:
            # Counted in the first epoch's time: the cost is paid, once.
            train, cache_frozen = with_frozen_features(model, train, device, settings.mixed_precision), False
        train.set_epoch(epoch)
        set_train_mode(model)
        total_loss = torch.zeros((), device=device)
        correct = torch.zeros((), dtype=torch.long, device=device)
        seen = 0
        progress.start_epoch(epoch)
        for step, (batch, labels) in enumerate(train, start=1):
            batch, labels = batch.to(device), labels.to(device, non_blocking=True)
            optimiser.zero_grad(set_to_none=True)
            with autocast_context(device, settings.mixed_precision):
                logits = model(batch)
                loss = loss_fn(logits.float(), labels)
            loss.backward()
            optimiser.step()
            # Accumulated on the device: no synchronisation per step.
            total_loss += loss.detach() * len(labels)
            correct += (logits.detach().argmax(dim=1) == labels).sum()
            seen += len(labels)
            if progress.due():
                progress.update(step, seen, total_loss.item() / seen, correct.item() / seen)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start
        learning_rate = optimiser.param_groups[0]["lr"]
        schedule.step()
        val_loss, val_accuracy = evaluate_loss(model, validation, device, settings.mixed_precision)
        record = EpochRecord(epoch, total_loss.item() / max(seen, 1), correct.item() / max(seen, 1), val_loss,
                             val_accuracy, learning_rate, seconds, seen / seconds)
        progress.finish_epoch()
        state.history.append(record)
        log.info("epoch %d/%d  loss %.4f  acc %.4f  val_loss %.4f  val_acc %.4f  %.1f s  %.0f samples/s  ETA %.0f s",
                 epoch, settings.epochs, record.train_loss, record.train_accuracy, val_loss, val_accuracy, seconds,
                 record.samples_per_second, seconds * (settings.epochs - epoch))
        if val_loss < state.best_loss:
            state.best_loss, state.best_epoch, state.best_state = val_loss, epoch, copy.deepcopy(model.state_dict())
        if resume_path is not None:
            state.capture(model, optimiser, schedule, device)
            save_resume_state(resume_path, state, fingerprint)
        if on_epoch_end is not None:
            on_epoch_end(record)
    train_seconds = sum(r.seconds for r in state.history)
    return TrainingResult(
        history=state.history,
        best_epoch=state.best_epoch,
        best_state=state.best_state,
        last_state=copy.deepcopy(model.state_dict()),
        ms_per_sample_epoch=1e3 * train_seconds / max(train.n_samples * len(state.history), 1),
        peak_memory_mb=_peak_memory_mb(device),
        resumed_from_epoch=resumed_from,
    )


@torch.no_grad()
def predict_scores(model: nn.Module, batches: Iterable, device: torch.device) -> tuple[np.ndarray, np.ndarray]:
    """Signal probability and true label of every jet, in file order.

    Always in float32, also for a model trained in mixed precision: bf16 logits (8 bits of
    mantissa) would give many jets the same score and coarsen the ROC curve."""
    model.to(device).eval()
    scores, labels = [], []
    for batch, y in batches:
        logits = model(batch.to(device))
        scores.append(torch.softmax(logits.float(), dim=1)[:, 1].cpu())
        labels.append(y)
    return torch.cat(scores).numpy().astype(np.float64), torch.cat(labels).numpy()


@torch.no_grad()
def evaluate_loss(model: nn.Module, batches: Iterable, device: torch.device,
                  mixed_precision: bool = False) -> tuple[float, float]:
    model.eval()
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    total = torch.zeros((), device=device)
    correct = torch.zeros((), dtype=torch.long, device=device)
    seen = 0
    for batch, labels in batches:
        with autocast_context(device, mixed_precision):
            logits = model(batch.to(device)).float()
        labels = labels.to(device)
        total += loss_fn(logits, labels)
        correct += (logits.argmax(dim=1) == labels).sum()
        seen += len(labels)
    return total.item() / max(seen, 1), correct.item() / max(seen, 1)


def _peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
