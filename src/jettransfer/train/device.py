"""Where training runs: CUDA when visible (CUDA_VISIBLE_DEVICES is honoured by torch), else CPU."""

from __future__ import annotations

import torch


def choose_device(threads: int) -> torch.device:
    if torch.cuda.is_available():
        return torch.device("cuda")
    # On CPU use exactly the cores the scheduler gave this job, so parallel jobs do not collide.
    torch.set_num_threads(max(1, threads))
    return torch.device("cpu")


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({torch.get_num_threads()} threads)"
