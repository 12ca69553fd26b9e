"""A one-line progress display for interactive terminals; silent when stderr is a file (logs)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class EpochProgress:
    """Redraws `epoch e/E [####....] 45%  loss  acc  samples/s  ETA` at most a few times a second."""

    def __init__(self, epochs: int, steps_per_epoch: int, stream: TextIO | None = None, interval: float = 0.5) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = stream is not None or _is_terminal(self.stream)
        self.epochs, self.steps = epochs, max(steps_per_epoch, 1)
        self.interval = interval
        self.epoch, self.started, self.last_draw, self.drawn = 0, 0.0, 0.0, False

    def start_epoch(self, epoch: int) -> None:
        now = time.perf_counter()
        self.epoch, self.started, self.last_draw, self.drawn = epoch, now, now, False

    def due(self) -> bool:
        return self.enabled and time.perf_counter() - self.last_draw >= self.interval

    def update(self, step: int, seen: int, loss: float, accuracy: float) -> None:
        now = time.perf_counter()
        self.last_draw, self.drawn = now, True
        elapsed = now - self.started
        per_step = elapsed / step
        remaining = per_step * (self.steps - step) + per_step * self.steps * (self.epochs - self.epoch)
        filled = int(20 * step / self.steps)
        self.stream.write(f"\repoch {self.epoch}/{self.epochs} [{'#' * filled}{'.' * (20 - filled)}] "
                          f"{100 * step / self.steps:3.0f}%  loss {loss:.4f}  acc {accuracy:.4f}  "
                          f"{seen / elapsed:.0f} samples/s  ETA {_duration(remaining)}   ")
        self.stream.flush()

    def finish_epoch(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")  # clear the line; the epoch summary is logged instead
            self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"
