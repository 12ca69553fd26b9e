"""Cost of whole-event generation + reconstruction into objects per event (seed 002), against
Pythia's own generation of the same events (a bare pythia.next() loop with identical settings
and seed), on one core.

As in benchmarks/generation.py, the bare loop runs beside ours in the same process: a twin
Pythia, given the same settings and seed, generates the identical event sequence in blocks of
--block events, each block just before ours reaches those events, so a shared machine's
changing load falls on both sides alike. Set-up (construction and init) counts on both sides.

Our time per event is split into next(), reconstruction (isolation, FastJet, b-tags, missing
momentum, once per chunk) and the rest (Python: copying particles, B hadrons and truth out of
the record); each is also given as a share of the bare next(). Writing the object file is
timed too. Mean objects per event are printed by type.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import awkward as ak
import numpy as np
import pythia8mc
from twinned_pythia import BarePythia, Stopwatch, TwinnedPythia  # benchmarks/, beside this script

import jettransfer.physics.event_generation as event_generation
from jettransfer.config import validate_config
from jettransfer.data.object_file import write_objects
from jettransfer.physics.event_processes import get_event_process
from jettransfer.physics.generation import GenerationSettings
from jettransfer.physics.objects import OBJECT_TYPES
from jettransfer.physics.reconstruction import ReconstructionSettings

_reconstruct_events = event_generation.reconstruct_events
RECONSTRUCTION = ReconstructionSettings.from_config(validate_config({})["reconstruction"])  # the schema's defaults


def measure(process_name: str, n_events: int, seed: int) -> dict[str, float]:
    made: list[TwinnedPythia] = []
    reconstruction = Stopwatch()

    def twinned(*args) -> TwinnedPythia:
        made.append(TwinnedPythia(*args))
        return made[-1]

    def timed_reconstruction(*args, **kwargs):
        with reconstruction:
            return _reconstruct_events(*args, **kwargs)

    # generate_object_events builds its Pythia, and calls reconstruction, through module attributes.
    pythia8mc.Pythia, event_generation.reconstruct_events = twinned, timed_reconstruction
    try:
        start = time.perf_counter()
        record = event_generation.generate_object_events(get_event_process(process_name), n_events, seed,
                                                         GenerationSettings(sqrt_s_gev=13000.0), RECONSTRUCTION)
        generated = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            write_objects(Path(tmp) / "objects.root", record)
        finished = time.perf_counter()
    finally:
        pythia8mc.Pythia, event_generation.reconstruct_events = BarePythia, _reconstruct_events
    (pythia,) = made
    pythia.check_same_events()
    n = pythia.events
    not_ours = pythia.not_ours_seconds()
    python = generated - start - not_ours - pythia.setup.seconds - pythia.next_time.seconds - reconstruction.seconds
    types = ak.to_numpy(ak.flatten(record.objects["type"]))
    return {
        "events": n, "bare": pythia.bare_seconds(), "ours": finished - start - not_ours,
        "bare_setup_s": pythia.twin_setup.seconds, "our_setup_s": pythia.setup.seconds,
        "bare_next_ms": 1e3 * pythia.twin_next.seconds / pythia.twin_events,
        "next_ms": 1e3 * pythia.next_time.seconds / n,
        "reconstruction_ms": 1e3 * reconstruction.seconds / n,
        "python_ms": 1e3 * python / n,
        "writing_ms": 1e3 * (finished - generated) / n,
        "objects_per_event": len(types) / len(record),
        "by_type": np.bincount(types, minlength=len(OBJECT_TYPES)) / len(record),
    }


def _warm_up() -> None:
    """Load FastJet and the file writer once, so the first run does not pay for imports."""
    measure("zh", 5, 1)


def _report(r: dict) -> str:
    share = lambda key: 100 * r[key] / r["bare_next_ms"]  # noqa: E731
    parts = ", ".join(f"{label} {r[key]:.3f} ({share(key):.1f}%)" for label, key in (
        ("reconstruction", "reconstruction_ms"), ("Python", "python_ms"), ("writing", "writing_ms")))
    return (f"  set-up {r['bare_setup_s']:.2f} s bare, {r['our_setup_s']:.2f} s ours | ms/event: bare next() "
            f"{r['bare_next_ms']:.2f}, ours next() {r['next_ms']:.2f}, {parts} | events/s bare "
            f"{r['events'] / r['bare']:.1f}, ours {r['events'] / r['ours']:.1f} | ours / bare {r['ours'] / r['bare']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", default="wh,tth,ttbar", help="comma-separated jettransfer.physics.event_processes names")
    parser.add_argument("--events", type=int, default=500, help="events per run")
    parser.add_argument("--seed", type=int, default=99)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--block", type=int, default=TwinnedPythia.block, help="events per interleaved block")
    args = parser.parse_args()
    TwinnedPythia.block = args.block

    _warm_up()
    for process in args.processes.split(","):
        runs = [measure(process, args.events, args.seed) for _ in range(args.repeat)]
        first = runs[0]
        mix = ", ".join(f"{name} {x:.2f}" for name, x in zip(OBJECT_TYPES, first["by_type"]))
        print(f"{process}, 13 TeV: {first['events']} events, {args.repeat} runs, bare loop interleaved in blocks "
              f"of {args.block} events (shares: of the bare next())")
        for r in runs:
            print(_report(r))
        ratios = [r["ours"] / r["bare"] for r in runs]
        print(f"  objects per event {first['objects_per_event']:.2f} ({mix}); reconstruction alone: median "
              f"{statistics.median(r['reconstruction_ms'] for r in runs):.3f} ms/event")
        print(f"cost per event, ours / bare Pythia: median {statistics.median(ratios):.3f} "
              f"(runs: {', '.join(f'{x:.3f}' for x in ratios)})")


if __name__ == "__main__":
    main()
