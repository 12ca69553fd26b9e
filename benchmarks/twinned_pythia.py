"""A bare pythia.next() loop run beside ours, for benchmarks/generation.py and
benchmarks/event_generation.py.

TwinnedPythia is the Pythia our generation drives, shadowed by a bare twin given the same
settings and seed: the twin generates the identical event sequence in blocks of `block` events,
each block just before ours reaches those events. A shared machine's load comes and goes over
seconds, so interleaving puts the same load on both sides; blocks (rather than single events)
keep each side's caches as warm as in a loop of its own. Set-up (construction and init) counts
on both sides, since a shard pays it once either way. Each event's (sHat, record size) is kept
on both sides, the proof that they are the same events.
"""

from __future__ import annotations

import time

import pythia8mc

BarePythia = pythia8mc.Pythia  # the class itself, kept before a benchmark swaps in the twin


class Stopwatch:
    """Seconds spent inside `with` blocks, summed."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __enter__(self) -> None:
        self._start = time.perf_counter()

    def __exit__(self, *exc) -> None:
        self.seconds += time.perf_counter() - self._start


class TwinnedPythia(BarePythia):
    """The Pythia our generation drives, shadowed by a bare twin that is fed the same settings."""

    block = 25

    def __init__(self, *args) -> None:
        self.setup, self.next_time = Stopwatch(), Stopwatch()
        self.twin_setup, self.twin_next = Stopwatch(), Stopwatch()
        self.checking = Stopwatch()  # the benchmark's own bookkeeping, counted on neither side
        self.events = self.twin_events = 0
        self.fingerprints: list[tuple[float, int]] = []
        self.twin_fingerprints: list[tuple[float, int]] = []
        with self.setup:
            super().__init__(*args)
        with self.twin_setup:
            self.twin = BarePythia(*args)

    def readString(self, line: str) -> bool:  # noqa: N802 (Pythia's name)
        with self.twin_setup:
            self.twin.readString(line)
        return super().readString(line)

    def init(self) -> bool:
        with self.twin_setup:
            self.twin.init()
        with self.setup:
            return super().init()

    def next(self) -> bool:
        if self.events == self.twin_events:
            for _ in range(self.block):
                with self.twin_next:
                    self.twin.next()
                with self.checking:
                    self.twin_fingerprints.append((self.twin.infoPython().sHat(), self.twin.event.size()))
            self.twin_events += self.block
        self.events += 1
        with self.next_time:
            ok = super().next()
        with self.checking:
            self.fingerprints.append((self.infoPython().sHat(), self.event.size()))
        return ok

    def check_same_events(self) -> None:
        if self.fingerprints != self.twin_fingerprints[: self.events]:
            raise RuntimeError("the bare twin generated other events than ours: the comparison is void")

    def bare_seconds(self) -> float:
        """What the bare loop spends on our number of events."""
        return self.twin_setup.seconds + self.twin_next.seconds * self.events / self.twin_events

    def not_ours_seconds(self) -> float:
        """The twin's time and the bookkeeping: to be taken off our wall time."""
        return self.twin_setup.seconds + self.twin_next.seconds + self.checking.seconds
