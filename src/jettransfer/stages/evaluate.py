"""Stage: score a trained run on its task's test split, or on other representations' test splits
of the same task (boosted jets), and compute its metrics."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

from jettransfer.config import num_classes, run_objective, training_settings
from jettransfer.data.atomic import atomic_path
from jettransfer.data.packed_file import read_packed
from jettransfer.data.scores_file import write_scores
from jettransfer.evaluate.metrics import multiclass_metrics, multilabel_metrics, tagger_metrics
from jettransfer.inputs.loaders import model_batches
from jettransfer.objectives import build_objective
from jettransfer.train.checkpoint import load_model
from jettransfer.train.device import job_device
from jettransfer.train.engine import predict_scores

log = logging.getLogger(__name__)


def evaluate_run(config: dict[str, Any], run: str, checkpoint: str | os.PathLike, test_path: str | os.PathLike,
                 scores_output: str | os.PathLike, metrics_output: str | os.PathLike, threads: int = 1,
                 gpus: int = 1) -> None:
    """Scores and metrics of a run; on a free GPU when `gpus` >= 1 and there is one.

    Scores: the signal probability (two classes), every class's probability (more), or the
    existence probabilities and regressed kinematics (multilabel); with each jet's label and id."""
    model, spec = load_model(checkpoint)
    with job_device(threads, gpus) as device:
        scores, targets, metrics = _score(config, run, model, spec, test_path, device, threads)
    write_scores(scores_output, scores, targets["label"], targets["id"])
    with atomic_path(metrics_output) as tmp:
        tmp.write_text(json.dumps({"run": run, **metrics}, indent=2))


def evaluate_shifted(config: dict[str, Any], run: str, checkpoint: str | os.PathLike,
                     test_paths: Mapping[str, str | os.PathLike], output: str | os.PathLike, threads: int = 1,
                     gpus: int = 1) -> None:
    """A run's metrics on the test splits of other representations of its task (its `test_on`:
    boosted or degraded versions of the same jets), as JSON {representation: metrics}."""
    model, spec = load_model(checkpoint)
    shifted = {}
    with job_device(threads, gpus) as device:
        for representation, path in test_paths.items():
            _, _, shifted[representation] = _score(config, run, model, spec, path, device, threads)
            log.info("%s on %s: AUC %.4f, accuracy %.4f", run, representation, shifted[representation]["auc"],
                     shifted[representation]["accuracy"])
    with atomic_path(output) as tmp:
        tmp.write_text(json.dumps({"run": run, "test_on": shifted}, indent=2))


def _score(config: dict[str, Any], run: str, model, spec: dict[str, Any], test_path: str | os.PathLike,
           device, threads: int) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    settings = training_settings(config, run, threads)
    objective_spec = run_objective(config, run)
    objective = build_objective(objective_spec, num_classes(config, config["runs"][run]["task"]))
    batches = model_batches(read_packed(test_path), spec["architecture"], spec["features"], batch_size=1024,
                            backend=settings.graph_backend, pad_to=getattr(model, "n_particles", None))
    scores, targets = predict_scores(model, batches, objective, device)
    if objective_spec["name"] == "multilabel":
        metrics = multilabel_metrics(targets, scores, objective.n_objects)
    elif scores.ndim == 2:
        metrics = multiclass_metrics(targets["label"], scores)
    else:
        metrics = tagger_metrics(targets["label"], scores)
    return scores, targets, metrics
