"""Cost of our generation + clustering + writing per jet, against Pythia's own generation of
the same events (a bare pythia.next() loop with identical settings and seed), on one core.

The bare loop runs beside ours in the same process: a twin Pythia, given the same settings and
seed, generates the identical event sequence in blocks of --block events, each block just before
ours reaches those events. A shared machine's load comes and goes over seconds, so interleaving
puts the same load on both sides; blocks (rather than single events) keep each side's caches as
warm as in a loop of its own. Set-up (Pythia's construction and init) counts on both sides, since
a shard pays it once either way.

Our time per event is split into next(), SlowJet (the anti-kt clustering of the whole event, in
C++), the rest of generation (Python: selection, truth, copying constituents) and the
clustering stage with both files written; each is also given as a share of the bare next().
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pythia8mc
from twinned_pythia import BarePythia, Stopwatch, TwinnedPythia  # benchmarks/, beside this script

from jettransfer.data.event_file import write_events
from jettransfer.data.jet_file import write_jets
from jettransfer.physics.clustering import cluster_jets
from jettransfer.physics.generation import GenerationSettings, generate_events
from jettransfer.physics.processes import get_process
from jettransfer.physics.selection import JetSelection

_SlowJet = pythia8mc.SlowJet


class _TimedSlowJet(_SlowJet):
    def __init__(self, clock: Stopwatch, *args) -> None:
        super().__init__(*args)
        self.clock = clock

    def analyze(self, event) -> bool:
        with self.clock:
            return super().analyze(event)


def measure(process_name: str, pt_min: float, n_jets: int, seed: int) -> dict[str, float]:
    process, selection = get_process(process_name), JetSelection(pt_min=pt_min)
    made: list[TwinnedPythia] = []

    def twinned(*args) -> TwinnedPythia:
        made.append(TwinnedPythia(*args))
        return made[-1]

    slow_jet = Stopwatch()
    # generate_events builds its Pythia and SlowJet through the module's attributes.
    pythia8mc.Pythia, pythia8mc.SlowJet = twinned, lambda *args: _TimedSlowJet(slow_jet, *args)
    try:
        start = time.perf_counter()
        events = generate_events(process, n_jets, selection, 0.8, seed, GenerationSettings())
        generated = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            write_events(Path(tmp) / "events.root", events)
            jets = cluster_jets(events, process, selection, 0.8)
            write_jets(Path(tmp) / "jets.root", jets)
        finished = time.perf_counter()
    finally:
        pythia8mc.Pythia, pythia8mc.SlowJet = BarePythia, _SlowJet
    (pythia,) = made
    pythia.check_same_events()
    n = pythia.events
    not_ours = pythia.not_ours_seconds()
    python = generated - start - not_ours - pythia.setup.seconds - pythia.next_time.seconds - slow_jet.seconds
    return {
        "events": n, "jets": len(jets), "bare": pythia.bare_seconds(), "ours": finished - start - not_ours,
        "bare_setup_s": pythia.twin_setup.seconds, "our_setup_s": pythia.setup.seconds,
        "bare_next_ms": 1e3 * pythia.twin_next.seconds / pythia.twin_events,
        "next_ms": 1e3 * pythia.next_time.seconds / n,
        "slow_jet_ms": 1e3 * slow_jet.seconds / n,
        "python_ms": 1e3 * python / n,
        "clustering_and_writing_ms": 1e3 * (finished - generated) / n,
    }


def _warm_up() -> None:
    """Load FastJet and the file writers once, so the first run does not pay for imports."""
    measure("qcd_dijet", 100.0, 5, 1)


def _report(r: dict[str, float]) -> str:
    share = lambda key: 100 * r[key] / r["bare_next_ms"]  # noqa: E731
    parts = ", ".join(f"{label} {r[key]:.3f} ({share(key):.1f}%)" for label, key in (
        ("SlowJet", "slow_jet_ms"), ("Python", "python_ms"), ("clustering+writing", "clustering_and_writing_ms")))
    return (f"  set-up {r['bare_setup_s']:.2f} s bare, {r['our_setup_s']:.2f} s ours | ms/event: bare next() "
            f"{r['bare_next_ms']:.2f}, ours next() {r['next_ms']:.2f}, {parts} | jets/s bare "
            f"{r['jets'] / r['bare']:.1f}, ours {r['jets'] / r['ours']:.1f} | ours / bare {r['ours'] / r['bare']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--process", default="ttbar_hadronic")
    parser.add_argument("--pt-min", type=float, default=500.0)
    parser.add_argument("--jets", type=int, default=1250, help="jets per run (the default study's shard)")
    parser.add_argument("--seed", type=int, default=99)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--block", type=int, default=TwinnedPythia.block, help="events per interleaved block")
    args = parser.parse_args()
    TwinnedPythia.block = args.block

    _warm_up()
    runs = [measure(args.process, args.pt_min, args.jets, args.seed) for _ in range(args.repeat)]
    print(f"{args.process}, jet pT > {args.pt_min:g} GeV: {runs[0]['jets']} jets from {runs[0]['events']} events, "
          f"{args.repeat} runs, bare loop interleaved in blocks of {args.block} events "
          "(shares: of the bare next())")
    for r in runs:
        print(_report(r))
    ratios = [r["ours"] / r["bare"] for r in runs]
    print(f"cost per jet, ours / bare Pythia: median {statistics.median(ratios):.3f} "
          f"(runs: {', '.join(f'{x:.3f}' for x in ratios)})")


if __name__ == "__main__":
    main()
