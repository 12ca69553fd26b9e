"""Where a job computes: a GPU of its own when it was given a GPU slot and one is there, else the CPU.

Snakemake counts GPU slots (`--resources gpu=G`) but does not say which GPU a job may use, so
on a workstation each job takes a free one itself: it holds an exclusive lock on a file named
after the GPU's UUID for as long as it runs, and waits while every GPU is taken. Locks are
released by the kernel when the process ends, however it ends. Under SLURM the scheduler has
already given the job GPUs of its own (CUDA_VISIBLE_DEVICES), so the first visible one is used.
A job given no GPU slot (gpu=0, also when `--resources gpu=0` caps it) runs on the CPU.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import torch

log = logging.getLogger(__name__)

LOCK_DIR_ENV = "JETTRANSFER_GPU_LOCK_DIR"


def default_lock_dir() -> Path:
    """Shared by every user's jobs on this machine, so they do not share a GPU by accident."""
    return Path(os.environ.get(LOCK_DIR_ENV) or Path(tempfile.gettempdir()) / "jettransfer-gpu-locks")


@contextmanager
def job_device(threads: int, gpus: int = 1, lock_dir: Path | None = None,
               poll_seconds: float = 5.0, local_rank: int = 0) -> Iterator[torch.device]:
    """The device of one job (or of one rank of a data-parallel job: `local_rank`), held for
    the `with` block. `threads` CPU threads in any case."""
    torch.set_num_threads(max(1, threads))
    if gpus <= 0:
        log.info("no GPU slot given to this job (resources gpu=0): CPU, %d threads", torch.get_num_threads())
        yield torch.device("cpu")
        return
    allocated = slurm_gpus()
    if not torch.cuda.is_available():
        if allocated:
            log.warning("SLURM allocated GPU %s, but torch %s sees no CUDA device (a CPU build, or no driver): "
                        "running on the CPU", allocated, torch.__version__)
        else:
            log.info("no CUDA device visible: CPU, %d threads", torch.get_num_threads())
        yield torch.device("cpu")
        return
    if allocated:
        # The job's GPUs are its own: rank r takes the r-th.
        index = local_rank % torch.cuda.device_count()
        torch.cuda.set_device(index)
        log.info("GPU %d allocated by SLURM (CUDA_VISIBLE_DEVICES=%s)", index, os.environ.get("CUDA_VISIBLE_DEVICES"))
        yield torch.device("cuda", index)
        return
    keys = [gpu_key(index) for index in range(torch.cuda.device_count())]
    with gpu_slot(keys, lock_dir or default_lock_dir(), poll_seconds) as index:
        torch.cuda.set_device(index)
        log.info("GPU %d of %d taken (%s)", index, len(keys), torch.cuda.get_device_name(index))
        yield torch.device("cuda", index)


def slurm_gpus() -> str | None:
    """The GPUs SLURM gave this job, or None outside a SLURM job with GPUs."""
    if "SLURM_JOB_ID" not in os.environ:
        return None
    for name in ("SLURM_STEP_GPUS", "SLURM_JOB_GPUS"):
        if os.environ.get(name):
            return os.environ[name]
    return None


def gpu_key(index: int) -> str:
    """A name for a GPU that is the same whatever CUDA_VISIBLE_DEVICES renumbers it to."""
    uuid = getattr(torch.cuda.get_device_properties(index), "uuid", None)
    return f"GPU-{uuid}" if uuid is not None else f"cuda{index}"


@contextmanager
def gpu_slot(keys: Sequence[str], lock_dir: Path, poll_seconds: float = 5.0,
             report_every_seconds: float = 60.0) -> Iterator[int]:
    """Index into `keys` of the first GPU no other job holds; held until the block ends."""
    lock_dir = Path(lock_dir)
    lock_dir.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(lock_dir, 0o1777)  # other users' jobs lock the same GPUs
    except PermissionError:
        pass
    waited_since = time.monotonic()
    last_report: float | None = None
    while True:
        for index, key in enumerate(keys):
            path = lock_dir / (re.sub(r"[^A-Za-z0-9_.-]", "_", key) + ".lock")
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                # For a person wondering who holds the GPU.
                os.ftruncate(fd, 0)
                os.write(fd, f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
                yield index
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
            return
        now = time.monotonic()
        if last_report is None or now - last_report >= report_every_seconds:
            log.info("all %d GPUs are taken by other jobs (locks in %s); waiting %.0f s so far", len(keys),
                     lock_dir, now - waited_since)
            last_report = now
        time.sleep(poll_seconds)


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({torch.get_num_threads()} threads)"
