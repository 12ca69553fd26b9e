"""One training engine for every model, input family, objective and mode: the optimiser and
LR schedule of the settings, best-epoch selection, an epoch-by-epoch resumable state, progress
on the terminal.

The engine knows batches only as (batch, targets) pairs with `.to(device)`, and what is learnt
only through the objective (jettransfer.objectives): `objective.outputs(model, batch)`,
`objective.loss(outputs, targets)`, `objective.metrics(...)`, `objective.scores(...)`."""

from __future__ import annotations

import copy
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from jettransfer.inputs.batches import move_targets
from jettransfer.measure.memory import peak_resident_mb
from jettransfer.objectives.base import Objective
from jettransfer.train.distributed import all_reduce_sum, barrier, current_group, rank_seed, wrap_for_data_parallel
from jettransfer.train.frozen_features import can_cache_frozen_features, with_frozen_features
from jettransfer.train.modes import set_train_mode
from jettransfer.train.optimisation import build_optimiser
from jettransfer.train.precision import autocast_context, autocast_dtype, describe_precision
from jettransfer.train.progress import EpochProgress
from jettransfer.train.resume import ResumeState, load_resume_state, save_resume_state
from jettransfer.train.schedule import LearningRateSchedule
from jettransfer.train.settings import TrainingSettings

log = logging.getLogger(__name__)

SELECTIONS = ("val_loss", "val_accuracy", "val_auc")  # what "best epoch" means; val_loss is lowest, the others highest


class Batches(Protocol):
    """What the engine iterates: (batch, targets) pairs, reshuffled by set_epoch."""

    def __iter__(self) -> Any: ...
    def __len__(self) -> int: ...  # number of batches
    def set_epoch(self, epoch: int) -> None: ...
    @property
    def n_samples(self) -> int: ...


@dataclass
class EpochRecord:
    epoch: int
    train_loss: float
    val_loss: float
    learning_rate: float
    seconds: float
    samples_per_second: float
    train_metrics: dict[str, float] = field(default_factory=dict)
    val_metrics: dict[str, float] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """One history.csv row: epoch, train loss and metrics, validation loss and metrics, LR, time."""
        return {"epoch": self.epoch, "train_loss": self.train_loss,
                **{f"train_{k}": v for k, v in self.train_metrics.items()},
                "val_loss": self.val_loss, **{f"val_{k}": v for k, v in self.val_metrics.items()},
                "learning_rate": self.learning_rate, "seconds": self.seconds,
                "samples_per_second": self.samples_per_second}

    def value(self, name: str) -> float:
        """A selection's value: val_loss or val_<metric>."""
        return self.val_loss if name == "val_loss" else self.val_metrics[name.removeprefix("val_")]


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
        return [r.row() for r in self.history]


def is_better(value: float, best: float | None, selection: str) -> bool:
    if best is None:
        return True
    return value < best if selection == "val_loss" else value > best


def train_tagger(
    model: nn.Module,
    train: Batches,
    validation: Batches,
    settings: TrainingSettings,
    mode: str,
    device: torch.device,
    objective: Objective,
    resume_path: str | os.PathLike | None = None,
    fingerprint: str = "",
    on_epoch_end: Callable[[EpochRecord], None] | None = None,
) -> TrainingResult:
    """Train for settings.epochs; keep the weights of the best epoch by settings.select_best.

    `mode` is the transfer mode (scratch, finetune, frozen: train/modes.py): fine-tuning starts
    at the LR divided by finetune_lr_divisor. With `resume_path`, the full state (weights,
    optimiser, RNG, history, best epoch) is written there after every epoch, and a state found
    there with the same `fingerprint` is continued from, so an interrupted training ends exactly
    as an uninterrupted one would.

    In a process group of several ranks (jettransfer.train.distributed) each rank trains on its
    share of every batch under DistributedDataParallel with synchronised BatchNorm; losses and
    metrics are summed over the ranks, so every rank records the same history, every rank
    validates on the whole validation split, and rank 0 alone writes the resume state.
    """
    if settings.select_best not in SELECTIONS:
        raise ValueError(f"unknown select_best {settings.select_best!r}; known: {SELECTIONS}")
    model.to(device)
    optimiser = build_optimiser(model, settings, mode)
    base_lrs = [group["lr"] for group in optimiser.param_groups]
    schedule = LearningRateSchedule(settings, len(train))
    trainable = [p for group in optimiser.param_groups for p in group["params"]]
    state = ResumeState(history=[], best_value=None, best_epoch=0, best_state=copy.deepcopy(model.state_dict()))
    group = current_group()
    # Several ranks: each its share of every batch, the forward pass under DDP.
    parallel_step = wrap_for_data_parallel(model, objective, device) if group.is_distributed else None
    if group.is_distributed:
        train = train.for_rank(group.rank, group.world_size)
    if resume_path is not None:
        found = load_resume_state(resume_path, fingerprint)
        if found is not None:
            state = found
            model.load_state_dict(state.model_state)
            optimiser.load_state_dict(state.optimiser_state)
            torch.set_rng_state(state.rng_state)
            if device.type == "cuda" and state.cuda_rng_state is not None:
                torch.cuda.set_rng_state(state.cuda_rng_state, device)
            log.info("resuming after epoch %d of %d from %s", len(state.history), settings.epochs, resume_path)
    resumed_from = len(state.history)
    log.info("matrix products in %s", describe_precision(device, settings.mixed_precision))
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    progress = EpochProgress(settings.epochs, len(train), enabled=group.is_rank_zero)
    cache_frozen = can_cache_frozen_features(model, train, settings.frozen_feature_cache_mb,
                                             autocast_dtype(device, settings.mixed_precision) or torch.float32,
                                             spill=True)
    for epoch in range(resumed_from + 1, settings.epochs + 1):
        start = time.perf_counter()
        if cache_frozen:
            # Counted in the first epoch's time: the cost is paid, once.
            train, cache_frozen = with_frozen_features(model, train, device, settings.mixed_precision,
                                                       budget_mb=settings.frozen_feature_cache_mb), False
        train.set_epoch(epoch)
        if group.is_distributed:
            # Each rank its own dropout masks, a function of (seed, epoch, rank): nothing to save.
            torch.manual_seed(rank_seed(settings.seed, epoch, group.rank))
        objective.start_epoch(epoch, settings.seed)
        set_train_mode(model)
        total_loss = torch.zeros((), device=device)
        sums: dict[str, torch.Tensor] = {}
        seen = 0
        progress.start_epoch(epoch)
        for step, (batch, targets) in enumerate(train):
            batch, targets = batch.to(device), move_targets(targets, device)
            schedule.apply(optimiser, base_lrs, epoch, step)
            optimiser.zero_grad(set_to_none=True)
            with autocast_context(device, settings.mixed_precision):
                outputs = objective.outputs(model, batch) if parallel_step is None else parallel_step(batch)
                loss = objective.loss(outputs, targets)
            loss.backward()
            if settings.grad_clip_norm is not None:
                torch.nn.utils.clip_grad_norm_(trainable, settings.grad_clip_norm)
            optimiser.step()
            # Accumulated on the device: no synchronisation per step.
            n = len(targets["id"])
            total_loss += loss.detach() * n
            _accumulate(sums, objective.metrics(outputs, targets))
            seen += n
            if progress.due():
                progress.update(step + 1, seen, total_loss.item() / seen, _means(sums, seen))
        if group.is_distributed:
            # Every rank's share summed: the same epoch record on every rank.
            counted = all_reduce_sum(torch.stack([total_loss.float(), torch.tensor(float(seen), device=device)]))
            total_loss, seen = counted[0], int(counted[1].item())
            sums = {name: all_reduce_sum(value.detach().clone()) for name, value in sums.items()}
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start
        learning_rate = optimiser.param_groups[0]["lr"]
        val_loss, val_metrics = evaluate_loss(model, validation, objective, device, settings.mixed_precision,
                                              ranked=settings.select_best == "val_auc", seed=settings.seed)
        record = EpochRecord(epoch, total_loss.item() / max(seen, 1), val_loss, learning_rate, seconds,
                             seen / seconds, _means(sums, seen), val_metrics)
        progress.finish_epoch()
        state.history.append(record)
        log.info("epoch %d/%d  loss %.4f  %s  val_loss %.4f  %s  %.1f s  %.0f samples/s  ETA %.0f s",
                 epoch, settings.epochs, record.train_loss, _shown(record.train_metrics), val_loss,
                 _shown(record.val_metrics, "val_"), seconds, record.samples_per_second,
                 seconds * (settings.epochs - epoch))
        value = record.value(settings.select_best)
        if is_better(value, state.best_value, settings.select_best):
            state.best_value, state.best_epoch, state.best_state = value, epoch, copy.deepcopy(model.state_dict())
        if resume_path is not None:
            state.capture(model, optimiser, device)
            if group.is_rank_zero:
                save_resume_state(resume_path, state, fingerprint)
            barrier()  # no rank runs ahead of the saved state
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
def predict_scores(model: nn.Module, batches: Iterable, objective: Objective,
                   device: torch.device) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The objective's scores of every jet, in file order, and its targets (label, id, ...).

    Always in float32, also for a model trained in mixed precision: bf16 logits (8 bits of
    mantissa) would give many jets the same score and coarsen the ROC curve."""
    model.to(device).eval()
    scores, targets = [], []
    for batch, batch_targets in batches:
        scores.append(objective.scores(model(batch.to(device))).cpu())
        targets.append(batch_targets)
    return (torch.cat(scores).numpy().astype(np.float64),
            {name: torch.cat([t[name] for t in targets]).numpy() for name in targets[0]} if targets else {})


@torch.no_grad()
def predict_outputs(model: nn.Module, batches: Iterable, device: torch.device) -> tuple[np.ndarray, np.ndarray]:
    """The model's raw outputs (logits) per jet in float32, in file order, and the jets' ids."""
    model.to(device).eval()
    outputs, ids = [], []
    for batch, targets in batches:
        outputs.append(model(batch.to(device)).float().cpu())
        ids.append(targets["id"])
    return torch.cat(outputs).numpy(), torch.cat(ids).numpy()


@torch.no_grad()
def evaluate_loss(model: nn.Module, batches: Iterable, objective: Objective, device: torch.device,
                  mixed_precision: bool = False, ranked: bool = False, seed: int = 0) -> tuple[float, dict[str, float]]:
    """Mean loss and metrics per jet over `batches`; with `ranked`, also the objective's metrics
    over the whole split's scores (AUC)."""
    model.eval()
    objective.start_epoch(0, seed)  # epoch 0: the same random views at every validation
    total = torch.zeros((), device=device)
    sums: dict[str, torch.Tensor] = {}
    scores, collected = [], []
    seen = 0
    for batch, targets in batches:
        batch, targets = batch.to(device), move_targets(targets, device)
        with autocast_context(device, mixed_precision):
            outputs = objective.outputs(model, batch)
        total += objective.loss(outputs, targets, reduction="sum")
        _accumulate(sums, objective.metrics(outputs, targets))
        if ranked:
            scores.append(objective.scores(outputs).cpu())
            collected.append({k: v.cpu() for k, v in targets.items()})
        seen += len(targets["id"])
    metrics = _means(sums, seen)
    if ranked and scores:
        metrics |= objective.ranked_metrics(torch.cat(scores).numpy(),
                                            {k: torch.cat([t[k] for t in collected]).numpy() for k in collected[0]})
    return total.item() / max(seen, 1), metrics


def _accumulate(sums: dict[str, torch.Tensor], batch_sums: dict[str, torch.Tensor]) -> None:
    for name, value in batch_sums.items():
        sums[name] = sums[name] + value.detach() if name in sums else value.detach().clone()


def _means(sums: dict[str, torch.Tensor], seen: int) -> dict[str, float]:
    return {name: value.item() / max(seen, 1) for name, value in sums.items()}


def _shown(metrics: dict[str, float], prefix: str = "") -> str:
    return "  ".join(f"{prefix}{name} {value:.4f}" for name, value in metrics.items())


def _peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return peak_resident_mb()
