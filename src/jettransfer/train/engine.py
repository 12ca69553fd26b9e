"""One training engine for every tagger and mode: Adam, step LR schedule, best-epoch selection."""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from jettransfer.data.graph_loader import GraphBatches
from jettransfer.train.modes import set_train_mode
from jettransfer.train.settings import TrainingSettings

log = logging.getLogger(__name__)


@dataclass
class EpochRecord:
    epoch: int
    train_loss: float
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
    ms_per_sample_epoch: float
    peak_memory_mb: float

    def history_rows(self) -> list[dict[str, Any]]:
        return [asdict(r) for r in self.history]


def initial_learning_rate(settings: TrainingSettings, mode: str) -> float:
    return settings.learning_rate / settings.finetune_lr_divisor if mode == "finetune" else settings.learning_rate


def train_tagger(
    model: nn.Module,
    train: GraphBatches,
    validation: GraphBatches,
    settings: TrainingSettings,
    mode: str,
    device: torch.device,
) -> TrainingResult:
    """Train for settings.epochs; keep the weights of the epoch with the lowest validation loss."""
    model.to(device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.Adam(trainable, lr=initial_learning_rate(settings, mode))
    schedule = torch.optim.lr_scheduler.MultiStepLR(optimiser, milestones=list(settings.lr_milestones), gamma=settings.lr_decay)
    loss_fn = nn.CrossEntropyLoss()
    history: list[EpochRecord] = []
    best_loss, best_epoch, best_state = float("inf"), 0, copy.deepcopy(model.state_dict())
    train_seconds = 0.0
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    for epoch in range(1, settings.epochs + 1):
        train.set_epoch(epoch)
        set_train_mode(model)
        start = time.perf_counter()
        total_loss, seen = 0.0, 0
        for batch, labels in train:
            batch, labels = batch.to(device), labels.to(device)
            optimiser.zero_grad(set_to_none=True)
            loss = loss_fn(model(batch), labels)
            loss.backward()
            optimiser.step()
            total_loss += loss.item() * len(labels)
            seen += len(labels)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start
        train_seconds += seconds
        learning_rate = optimiser.param_groups[0]["lr"]
        schedule.step()
        val_loss, val_accuracy = evaluate_loss(model, validation, device)
        record = EpochRecord(epoch, total_loss / max(seen, 1), val_loss, val_accuracy, learning_rate, seconds, seen / seconds)
        history.append(record)
        log.info("epoch %d/%d  loss %.4f  val_loss %.4f  val_acc %.4f  %.0f samples/s  ETA %.0f s", epoch,
                 settings.epochs, record.train_loss, val_loss, val_accuracy, record.samples_per_second,
                 seconds * (settings.epochs - epoch))
        if val_loss < best_loss:
            best_loss, best_epoch, best_state = val_loss, epoch, copy.deepcopy(model.state_dict())
    n_samples = len(train.graphs)
    return TrainingResult(
        history=history,
        best_epoch=best_epoch,
        best_state=best_state,
        ms_per_sample_epoch=1e3 * train_seconds / max(n_samples * settings.epochs, 1),
        peak_memory_mb=_peak_memory_mb(device),
    )


@torch.no_grad()
def predict_scores(model: nn.Module, batches: GraphBatches, device: torch.device) -> tuple[np.ndarray, np.ndarray]:
    """Signal probability and true label of every graph, in file order."""
    model.to(device).eval()
    scores, labels = [], []
    for batch, y in batches:
        scores.append(torch.softmax(model(batch.to(device)), dim=1)[:, 1].cpu())
        labels.append(y)
    return torch.cat(scores).numpy().astype(np.float64), torch.cat(labels).numpy()


@torch.no_grad()
def evaluate_loss(model: nn.Module, batches: GraphBatches, device: torch.device) -> tuple[float, float]:
    model.eval()
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    total, correct, seen = 0.0, 0, 0
    for batch, labels in batches:
        logits = model(batch.to(device))
        labels = labels.to(device)
        total += loss_fn(logits, labels).item()
        correct += (logits.argmax(dim=1) == labels).sum().item()
        seen += len(labels)
    return total / max(seen, 1), correct / max(seen, 1)


def _peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
