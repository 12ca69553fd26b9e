"""Stage: train one run (scratch, fine-tune or frozen; any objective) and write checkpoint,
history and timing."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import torch

from jettransfer.config import config_hash, model_spec, num_classes, run_objective, training_settings
from jettransfer.data.atomic import atomic_path
from jettransfer.data.errors import InputFileError
from jettransfer.data.logits_file import aligned_logits
from jettransfer.data.packed_file import read_packed
from jettransfer.inputs.loaders import model_batches
from jettransfer.models.registry import build_model, count_parameters
from jettransfer.inputs.particle_features import FeatureColumns
from jettransfer.objectives import build_objective
from jettransfer.train.checkpoint import save_checkpoint
from jettransfer.train.device import device_name, job_device
from jettransfer.train.engine import train_tagger
from jettransfer.train.modes import prepare_model
from jettransfer.train.precision import autocast_dtype

log = logging.getLogger(__name__)


def train_run(config: dict[str, Any], run: str, train_path: str | os.PathLike, validation_path: str | os.PathLike,
              source_checkpoint: str | os.PathLike | None, checkpoint: str | os.PathLike,
              history: str | os.PathLike, summary: str | os.PathLike, last_checkpoint: str | os.PathLike | None = None,
              threads: int = 1, gpus: int = 1, teacher_logits: Mapping[str, str | os.PathLike] | None = None) -> None:
    """Train one run. `checkpoint` gets the best epoch's weights, `last_checkpoint` the final
    epoch's full training state. While training, that state is kept after every epoch in
    resume.pt beside `checkpoint`; a rerun after an interruption continues from it. With
    `gpus` >= 1 a free GPU is used when there is one (see jettransfer.train.device). A
    distillation run reads its teacher's logits, {"train": path, "validation": path}, by jet id."""
    with job_device(threads, gpus) as device:
        spec_run = config["runs"][run]
        settings = training_settings(config, run, threads)
        train_jets = read_packed(train_path)
        if settings.train_fraction < 1.0:
            # The split interleaves its classes, so a prefix stays balanced.
            train_jets = train_jets.take(np.arange(max(2, int(round(settings.train_fraction * len(train_jets))))))
        objective_spec = run_objective(config, run)
        if objective_spec["name"] == "contrastive":
            # Views that transform four-momenta recompute the columns this model reads, as its files hold them.
            model_entry = config["models"][spec_run["model"]]
            try:
                objective_spec = objective_spec | {"features": FeatureColumns.of(
                    model_entry["features"], config["representations"][model_entry["representation"]], train_jets)}
            except KeyError:  # columns no view recomputes (Lund graphs, event graphs): generic views only
                pass
        objective = build_objective(objective_spec, num_classes(config, spec_run["task"]))
        spec = model_spec(config, spec_run["model"]) | {"num_classes": objective.output_size}
        torch.manual_seed(settings.seed)
        model = build_model(spec["architecture"], len(spec["features"]), spec["params"], spec["num_classes"])
        prepare_model(model, spec_run["mode"], spec, source_checkpoint, reinit_head=settings.reinit_head)
        splits = {"train": train_jets, "validation": read_packed(validation_path)}
        batches = {split: model_batches(jets, spec["architecture"], spec["features"], settings.batch_size,
                                        shuffle=split == "train", seed=settings.seed, backend=settings.graph_backend,
                                        pad_to=getattr(model, "n_particles", None))
                   for split, jets in splits.items()}
        if teacher_logits:
            batches = {split: loader.with_targets({"teacher_logits": torch.from_numpy(
                aligned_logits(teacher_logits[split], splits[split].ids))}) for split, loader in batches.items()}
        for split, loader in batches.items():
            missing = [name for name in objective.required_targets if name not in loader.targets]
            if missing:
                where = train_path if split == "train" else validation_path
                raise InputFileError(where, f"target_{missing[0]}", f"run {run!r} ({run_objective(config, run)['name']}) "
                                     f"needs per-jet targets {missing}" + (" (teacher logits: give teacher_logits)"
                                                                          if "teacher_logits" in missing else ""))
        log.info("run %s: %s, mode %s, objective %s, %d parameters, %d training jets, device %s, %s graphs", run,
                 spec_run["model"], spec_run["mode"], run_objective(config, run)["name"], count_parameters(model),
                 len(train_jets), device_name(device), settings.graph_backend)

        resume_path = os.path.join(os.path.dirname(os.fspath(checkpoint)), "resume.pt")
        inputs = (train_path, validation_path, source_checkpoint, *(teacher_logits or {}).values())
        fingerprint = config_hash(spec, spec_run["mode"], run_objective(config, run),
                                  {k: v for k, v in settings.__dict__.items() if k != "threads"},
                                  [_file_identity(p) for p in inputs if p])
        result = train_tagger(model, batches["train"], batches["validation"], settings, spec_run["mode"], device,
                              objective, resume_path=resume_path, fingerprint=fingerprint)
        model.load_state_dict(result.best_state)
        save_checkpoint(checkpoint, model, spec,
                        {"run": run, "mode": spec_run["mode"], "best_epoch": result.best_epoch})
        if last_checkpoint is not None:
            os.replace(resume_path, last_checkpoint)  # the final epoch's full state, still resumable
        else:
            os.remove(resume_path)
        with atomic_path(history) as tmp:
            pd.DataFrame(result.history_rows()).to_csv(tmp, index=False)
        with atomic_path(summary) as tmp:
            tmp.write_text(json.dumps({
                "run": run, "model": spec_run["model"], "mode": spec_run["mode"], "task": spec_run["task"],
                "objective": run_objective(config, run)["name"], "select_best": settings.select_best,
                "parameters": count_parameters(model),
                "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
                "n_train": len(train_jets), "epochs": settings.epochs, "best_epoch": result.best_epoch,
                "ms_per_sample_epoch": result.ms_per_sample_epoch, "peak_memory_mb": result.peak_memory_mb,
                "device": device_name(device), "total_train_seconds": sum(r.seconds for r in result.history),
                "resumed_from_epoch": result.resumed_from_epoch, "graph_backend": settings.graph_backend,
                "mixed_precision": autocast_dtype(device, settings.mixed_precision) is not None,
            }, indent=2))


def _file_identity(path: str | os.PathLike) -> tuple[str, int, int]:
    """Which version of an input a resume state was made from (a rewritten file has a new mtime)."""
    stat = os.stat(path)
    return os.path.basename(os.fspath(path)), stat.st_size, stat.st_mtime_ns
