"""Device choice of a job: GPU slots, free-GPU locks between concurrent jobs, SLURM allocations."""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import pytest
import torch

from jettransfer.train import device as device_module
from jettransfer.train.device import gpu_slot, job_device


@pytest.fixture
def fake_gpus(monkeypatch):
    """torch reports two CUDA devices with UUIDs; nothing is run on them."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda i: SimpleNamespace(uuid=f"uuid-{i}"))
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=None: "Fake GPU")
    monkeypatch.setattr(torch.cuda, "set_device", lambda i: None)
    for name in ("SLURM_JOB_ID", "SLURM_JOB_GPUS", "SLURM_STEP_GPUS"):
        monkeypatch.delenv(name, raising=False)


def hold_lock(path):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def test_no_gpu_slot_means_cpu_even_with_gpus(fake_gpus, tmp_path):
    with job_device(threads=2, gpus=0, lock_dir=tmp_path) as device:
        assert device.type == "cpu" and torch.get_num_threads() == 2
    assert not list(tmp_path.iterdir())


def test_cpu_when_torch_sees_no_cuda(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    with job_device(threads=1, gpus=1, lock_dir=tmp_path) as device:
        assert device.type == "cpu"


def test_a_job_takes_the_gpu_no_other_job_holds(fake_gpus, tmp_path):
    other_job = hold_lock(tmp_path / "GPU-uuid-0.lock")
    try:
        with job_device(threads=1, gpus=1, lock_dir=tmp_path) as device:
            assert device == torch.device("cuda", 1)
            # The lock is held while the job runs, and names the process holding it.
            with pytest.raises(BlockingIOError):
                hold_lock(tmp_path / "GPU-uuid-1.lock")
            assert f"pid {os.getpid()}" in (tmp_path / "GPU-uuid-1.lock").read_text()
        os.close(hold_lock(tmp_path / "GPU-uuid-1.lock"))  # released at the end of the job
    finally:
        os.close(other_job)


def test_concurrent_processes_get_different_gpus(tmp_path):
    """Two jobs started together each hold a different GPU until they end."""
    script = (
        "import sys, time; from pathlib import Path; from jettransfer.train.device import gpu_slot\n"
        "with gpu_slot(['a', 'b'], Path(sys.argv[1]), poll_seconds=0.05) as i:\n"
        "    print(i, flush=True); time.sleep(1.0)\n")
    jobs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
            for _ in range(2)]
    taken = sorted(int(job.communicate(timeout=60)[0]) for job in jobs)
    assert taken == [0, 1]


def test_a_job_waits_while_every_gpu_is_taken(tmp_path, caplog):
    held = hold_lock(tmp_path / "a.lock")
    threading.Timer(0.5, os.close, args=(held,)).start()
    start = time.monotonic()
    with caplog.at_level(logging.INFO, logger=device_module.__name__):
        with gpu_slot(["a"], tmp_path, poll_seconds=0.05) as index:
            assert index == 0
    assert time.monotonic() - start >= 0.4
    assert "all 1 GPUs are taken by other jobs" in caplog.text


def test_a_slurm_allocation_is_used_without_locks(fake_gpus, tmp_path, monkeypatch):
    monkeypatch.setenv("SLURM_JOB_ID", "42")
    monkeypatch.setenv("SLURM_JOB_GPUS", "3")
    with job_device(threads=1, gpus=1, lock_dir=tmp_path) as device:
        assert device == torch.device("cuda", 0)
    assert not list(tmp_path.iterdir())


def test_a_slurm_gpu_torch_cannot_see_is_reported(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("SLURM_JOB_ID", "42")
    monkeypatch.setenv("SLURM_JOB_GPUS", "0")
    with caplog.at_level(logging.WARNING, logger=device_module.__name__):
        with job_device(threads=1, gpus=1, lock_dir=tmp_path) as device:
            assert device.type == "cpu"
    assert "SLURM allocated GPU 0" in caplog.text
