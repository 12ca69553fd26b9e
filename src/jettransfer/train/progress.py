"""A progress bar per epoch (tqdm) on interactive terminals; silent when stderr is a file (logs),
where the engine logs one line per epoch instead."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm


class EpochProgress:
    """`epoch e/E  45%|####  | 45/100 [ETA]  loss  accuracy  samples/s  total ETA`, redrawn at
    most every `interval` seconds."""

    def __init__(self, epochs: int, steps_per_epoch: int, stream: TextIO | None = None, interval: float = 0.5,
                 enabled: bool = True) -> None:
        self.stream = stream if stream is not None else sys.stderr
        # `enabled=False`: a data-parallel rank other than 0, whose bar would overdraw rank 0's.
        self.enabled = enabled and (stream is not None or _is_terminal(self.stream))
        self.epochs, self.steps = epochs, max(steps_per_epoch, 1)
        self.interval = interval
        self.epoch, self.bar, self.last_draw = 0, None, 0.0

    def start_epoch(self, epoch: int) -> None:
        self.epoch, self.last_draw = epoch, time.perf_counter()
        self.bar = tqdm(total=self.steps, desc=f"epoch {epoch}/{self.epochs}", file=self.stream, leave=False,
                        disable=not self.enabled, mininterval=self.interval, dynamic_ncols=True)

    def due(self) -> bool:
        """Whether to redraw now: asking for the running loss costs a device synchronisation, so
        the engine asks only this often."""
        return self.enabled and self.bar is not None and time.perf_counter() - self.last_draw >= self.interval

    def update(self, step: int, seen: int, loss: float, metrics: dict[str, float]) -> None:
        self.last_draw = time.perf_counter()
        elapsed = self.bar.format_dict["elapsed"] or 1e-9
        remaining = elapsed / step * (self.steps - step + self.steps * (self.epochs - self.epoch))
        self.bar.set_postfix_str("  ".join([f"loss {loss:.4f}", *(f"{k} {v:.4f}" for k, v in metrics.items()),
                                            f"{seen / elapsed:.0f} samples/s", f"ETA {tqdm.format_interval(remaining)}"]),
                                 refresh=False)
        self.bar.update(step - self.bar.n)

    def finish_epoch(self) -> None:
        if self.bar is not None:
            self.bar.close()  # leave=False clears the line; the epoch summary is logged instead
            self.bar = None


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
