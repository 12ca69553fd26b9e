"""Stage: score a trained run on its task's test split and compute its metrics."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from jettransfer.config import training_settings
from jettransfer.data.atomic import atomic_path
from jettransfer.data.packed_file import read_packed
from jettransfer.data.npz import write_npz
from jettransfer.evaluate.metrics import tagger_metrics
from jettransfer.train.batches import jet_batches
from jettransfer.train.checkpoint import load_model
from jettransfer.train.device import job_device
from jettransfer.train.engine import predict_scores


def evaluate_run(config: dict[str, Any], run: str, checkpoint: str | os.PathLike, test_path: str | os.PathLike,
                 scores_output: str | os.PathLike, metrics_output: str | os.PathLike, threads: int = 1,
                 gpus: int = 1) -> None:
    """Scores and metrics of a run; on a free GPU when `gpus` >= 1 and there is one."""
    model, spec = load_model(checkpoint)
    settings = training_settings(config, run, threads)
    batches = jet_batches(read_packed(test_path), spec["features"], batch_size=1024, backend=settings.graph_backend)
    with job_device(threads, gpus) as device:
        scores, labels = predict_scores(model, batches, device)
    write_npz(scores_output, {"scores": scores, "labels": labels})
    metrics = {"run": run, **tagger_metrics(labels, scores)}
    with atomic_path(metrics_output) as tmp:
        tmp.write_text(json.dumps(metrics, indent=2))


def read_scores(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path) as archive:
        return archive["scores"], archive["labels"]
