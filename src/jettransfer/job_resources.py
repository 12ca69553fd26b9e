"""What a pipeline job asks its scheduler for: threads, memory, runtime and GPUs, by its size.

A job's size is counted in thousands of jets: those it holds in memory at once and those it
passes through (a training passes its jets once per epoch). The config's `resources` block
gives, per rule family, a fixed part and a part per thousand jets, so a study at the paper's
scale asks for what it needs without editing the profile. A retried job asks for `attempt`
times as much, so a job killed at its time or memory limit gets more on the next try.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

from jettransfer.config import jets_in_shard, training_settings


@dataclass(frozen=True)
class JobSize:
    held_kjets: float
    processed_kjets: float
    buffer_mb: float = 0.0  # memory a streamed job holds whatever its size (held_kjets then 0)

    @classmethod
    def of(cls, kjets: float) -> "JobSize":
        """A job that passes each of the jets it holds through once."""
        return cls(kjets, kjets)


def job_resources(config: dict[str, Any], family: str, size: JobSize, attempt: int = 1) -> dict[str, int]:
    """threads, mem_mb, runtime (minutes) and gpu of one job of a rule family."""
    spec = config["resources"][family]
    mem_mb = (spec["mem_mb"] + spec["mem_mb_per_kjet"] * size.held_kjets + size.buffer_mb) * attempt
    runtime = (spec["runtime"] + spec["runtime_per_kjet"] * size.processed_kjets) * attempt
    return {"threads": spec["threads"], "mem_mb": math.ceil(mem_mb), "runtime": math.ceil(runtime),
            "gpu": spec["gpu"]}


def sample_kjets(config: dict[str, Any], sample: str) -> float:
    """Thousands of jets (or events) in a sample. A downloaded sample without `n_jets` is sized by its file,
    counting a MB as a thousand jets (the public formats hold 0.5-2 kB per jet)."""
    spec = config["samples"][sample]
    if "n_jets" in spec:
        return spec["n_jets"] / 1000
    if "n_events" in spec:  # whole events: an event graph of ~10 objects costs about what a jet does
        return spec["n_events"] / 1000
    path = spec["read"]["path"]
    return os.path.getsize(path) / 2**20 if os.path.exists(path) else 0.0


def shard_size(config: dict[str, Any], sample: str, shard: int) -> JobSize:
    return JobSize.of(jets_in_shard(config, sample, shard) / 1000)


def sample_size(config: dict[str, Any], sample: str) -> JobSize:
    return JobSize.of(sample_kjets(config, sample))


def task_kjets(config: dict[str, Any], task: str) -> float:
    from jettransfer.config import task_members

    return sum(sample_kjets(config, sample) for sample, _ in task_members(config, task))


def task_size(config: dict[str, Any], task: str, split: str | None = None) -> JobSize:
    """All of a task's jets, or one split of them."""
    fraction = config["splits"][split] if split else 1.0
    return JobSize.of(task_kjets(config, task) * fraction)


def training_size(config: dict[str, Any], run: str) -> JobSize:
    """A training holds its training and validation jets and passes them once per epoch; one
    that streams its splits (stream_buffer_mb) holds a few buffers instead: the one being
    trained on, the one being read, and the validation split's."""
    settings = training_settings(config, run)
    splits = config["splits"]
    kjets = task_kjets(config, config["runs"][run]["task"]) * (
        splits["train"] * settings.train_fraction + splits["validation"])
    if settings.stream_buffer_mb is not None:
        return JobSize(0.0, kjets * settings.epochs, buffer_mb=3 * settings.stream_buffer_mb)
    return JobSize(kjets, kjets * settings.epochs)


def shifted_test_size(config: dict[str, Any], run: str) -> JobSize:
    """A run scored on each of its `test_on` test splits in turn: one held at a time."""
    test = task_kjets(config, config["runs"][run]["task"]) * config["splits"]["test"]
    return JobSize(test, test * len(config["runs"][run].get("test_on", [])))
