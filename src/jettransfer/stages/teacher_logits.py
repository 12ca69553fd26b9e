"""Stage: a teacher's logits on one split, once, for the distillation runs that learn from it."""

from __future__ import annotations

import logging
import os

from jettransfer.data.logits_file import write_logits
from jettransfer.data.packed_file import read_packed
from jettransfer.inputs.loaders import model_batches
from jettransfer.train.checkpoint import load_model
from jettransfer.train.device import device_name, job_device
from jettransfer.train.engine import predict_outputs

log = logging.getLogger(__name__)


def write_teacher_logits(checkpoint: str | os.PathLike, data_path: str | os.PathLike, output: str | os.PathLike,
                         threads: int = 1, gpus: int = 0, batch_size: int = 1024) -> None:
    """The teacher's raw outputs for every jet of `data_path`, in eval mode and float32, by jet id."""
    model, spec = load_model(checkpoint)
    jets = read_packed(data_path)
    batches = model_batches(jets, spec["architecture"], spec["features"], batch_size,
                            pad_to=getattr(model, "n_particles", None))
    with job_device(threads, gpus) as device:
        logits, ids = predict_outputs(model, batches, device)
    log.info("teacher %s on %s: logits of %d jets (%s)", checkpoint, data_path, len(ids), device_name(device))
    write_logits(output, ids, logits, {"teacher": os.fspath(checkpoint), "data": os.fspath(data_path),
                                       "data_provenance": jets.provenance})
