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
from jettransfer.data.packed_file import PackedFileView, PackedJets, read_packed
from jettransfer.inputs.loaders import model_batches
from jettransfer.inputs.streamed import StreamedBatches
from jettransfer.models.registry import build_model, count_parameters
from jettransfer.inputs.particle_features import FeatureColumns
from jettransfer.objectives import build_objective
from jettransfer.train.checkpoint import save_checkpoint
from jettransfer.train.device import device_name, job_device
from jettransfer.train.distributed import destroy_process_group, environment_group, init_process_group, launch
from jettransfer.train.engine import train_tagger
from jettransfer.train.modes import prepare_model
from jettransfer.train.precision import autocast_dtype
from jettransfer.train.settings import TrainingSettings

log = logging.getLogger(__name__)


def train_run(config: dict[str, Any], run: str, train_path: str | os.PathLike, validation_path: str | os.PathLike,
              source_checkpoint: str | os.PathLike | None, checkpoint: str | os.PathLike,
              history: str | os.PathLike, summary: str | os.PathLike, last_checkpoint: str | os.PathLike | None = None,
              threads: int = 1, gpus: int = 1, teacher_logits: Mapping[str, str | os.PathLike] | None = None) -> None:
    """Train one run. `checkpoint` gets the best epoch's weights, `last_checkpoint` the final
    epoch's full training state. While training, that state is kept after every epoch in
    resume.pt beside `checkpoint`; a rerun after an interruption continues from it. With
    `gpus` >= 1 a free GPU is used when there is one (see jettransfer.train.device). A
    distillation run reads its teacher's logits, {"train": path, "validation": path}, by jet id.

    With `gpus` > 1 the run is trained data-parallel by that many processes
    (jettransfer.train.distributed): one per GPU, or, where torch sees no GPU, as many CPU
    processes, the threads shared among them; rank 0 writes the outputs."""
    group = environment_group()
    if gpus > 1 and not group.is_distributed:
        log.info("run %s: data-parallel training in %d processes", run, gpus)
        launch(gpus, _train_rank, _log_file(), config, run, train_path, validation_path, source_checkpoint,
               checkpoint, history, summary, last_checkpoint, max(1, threads // gpus), gpus, teacher_logits)
        return
    with job_device(threads, 1 if group.is_distributed else gpus, local_rank=group.local_rank) as device:
        group = init_process_group(device)
        spec_run = config["runs"][run]
        settings = training_settings(config, run, threads)
        # Loaded whole, or (stream_buffer_mb) opened to be read a buffer at a time.
        splits = {"train": _open_split(train_path, settings, settings.train_fraction),
                  "validation": _open_split(validation_path, settings)}
        train_jets = splits["train"]
        objective_spec = run_objective(config, run)
        if objective_spec["name"] == "contrastive":
            # Views that transform four-momenta recompute the columns this model reads, as its files hold them.
            model_entry = config["models"][spec_run["model"]]
            try:
                objective_spec = objective_spec | {"features": FeatureColumns.of(
                    model_entry["features"], config["representations"][model_entry["representation"]],
                    train_jets if isinstance(train_jets, PackedJets) else train_jets.jets(0, 1))}
            except KeyError:  # columns no view recomputes (Lund graphs, event graphs): generic views only
                pass
        objective = build_objective(objective_spec, num_classes(config, spec_run["task"]))
        spec = model_spec(config, spec_run["model"]) | {"num_classes": objective.output_size}
        torch.manual_seed(settings.seed)
        model = build_model(spec["architecture"], len(spec["features"]), spec["params"], spec["num_classes"])
        prepare_model(model, spec_run["mode"], spec, source_checkpoint, reinit_head=settings.reinit_head)
        def make_batches(jets: PackedJets, shuffle: bool, seed: int) -> Any:
            return model_batches(jets, spec["architecture"], spec["features"], settings.batch_size, shuffle=shuffle,
                                 seed=seed, backend=settings.graph_backend, pad_to=getattr(model, "n_particles", None))

        batches = {split: make_batches(jets, split == "train", settings.seed) if isinstance(jets, PackedJets)
                   else StreamedBatches.within_memory(jets, make_batches, settings.batch_size, settings.stream_buffer_mb,
                                                      shuffle=split == "train", seed=settings.seed)
                   for split, jets in splits.items()}
        if teacher_logits:
            batches = {split: loader.with_targets({"teacher_logits": torch.from_numpy(
                aligned_logits(teacher_logits[split], _ids(splits[split])))}) for split, loader in batches.items()}
        if settings.stream_buffer_mb is not None:
            log.info("splits streamed from disk, %d jets (about %.0f MB of the file) at a time",
                     batches["train"].buffer_jets, settings.stream_buffer_mb)
        for split, loader in batches.items():
            names = getattr(loader, "target_names", None) or tuple(loader.targets)
            missing = [name for name in objective.required_targets if name not in names]
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
                                  [_file_identity(p) for p in inputs if p], group.world_size)
        result = train_tagger(model, batches["train"], batches["validation"], settings, spec_run["mode"], device,
                              objective, resume_path=resume_path, fingerprint=fingerprint)
        if not group.is_rank_zero:
            return  # rank 0 writes the outputs; every rank has the same weights and history
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
                "processes": group.world_size,
            }, indent=2))


def _train_rank(log_file: str | None, *args: Any) -> None:
    """One rank of a data-parallel training, in a process of its own: its log lines go to the
    job's log (rank 0's all, the others' warnings), then train_run."""
    group = environment_group()
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file:
        handlers.append(logging.FileHandler(log_file, mode="a"))
    logging.basicConfig(level=logging.INFO if group.is_rank_zero else logging.WARNING, handlers=handlers, force=True,
                        format=f"%(asctime)s %(levelname)s rank {group.rank} %(name)s: %(message)s")
    try:
        train_run(*args)
    finally:
        destroy_process_group()


def _log_file() -> str | None:
    """The file this job logs to (setup_job_logging's), for the ranks to append to."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            return handler.baseFilename
    return None


def _open_split(path: str | os.PathLike, settings: TrainingSettings,
                fraction: float = 1.0) -> PackedJets | PackedFileView:
    """A split in memory, or opened for streaming; with `fraction` < 1 its first jets only (the
    split interleaves its classes, so a prefix stays balanced)."""
    split = read_packed(path) if settings.stream_buffer_mb is None else PackedFileView(path)
    keep = min(max(2, int(round(fraction * len(split)))), len(split))
    if keep == len(split):
        return split
    if isinstance(split, PackedFileView):
        split.n_jets = keep  # a prefix: the first `keep` jets are all it reads
        return split
    return split.take(np.arange(keep))


def _ids(split: PackedJets | PackedFileView) -> np.ndarray:
    return split.ids if isinstance(split, PackedJets) else split.per_jet("ids")


def _file_identity(path: str | os.PathLike) -> tuple[str, int, int]:
    """Which version of an input a resume state was made from (a rewritten file has a new mtime)."""
    stat = os.stat(path)
    return os.path.basename(os.fspath(path)), stat.st_size, stat.st_mtime_ns
