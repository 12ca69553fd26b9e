"""Cost of our generation + clustering + writing per jet, against Pythia's own generation of
the same events (a bare pythia.next() loop with identical settings and seed), on one core.

Both runs produce the identical event sequence, so the time ratio is the per-jet overhead.
The two are run alternately --repeat times and the fastest of each is compared, since a
shared machine's noise only ever adds time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from jettransfer.data.event_file import write_events
from jettransfer.data.jet_file import write_jets
from jettransfer.physics.clustering import cluster_jets
from jettransfer.physics.generation import GenerationSettings, generate_events, pythia_settings
from jettransfer.physics.processes import get_process
from jettransfer.physics.selection import JetSelection


def bare_generation(settings_lines: list[str], n_events: int) -> float:
    import pythia8mc

    start = time.perf_counter()  # initialisation counts on both sides: a shard pays it once either way
    pythia = pythia8mc.Pythia("", False)
    for line in settings_lines:
        pythia.readString(line)
    pythia.init()
    for _ in range(n_events):
        pythia.next()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--process", default="ttbar_hadronic")
    parser.add_argument("--pt-min", type=float, default=500.0)
    parser.add_argument("--jets", type=int, default=400)
    parser.add_argument("--seed", type=int, default=99)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    process, settings = get_process(args.process), GenerationSettings()
    selection = JetSelection(pt_min=args.pt_min)
    bare, generated, ours = float("inf"), float("inf"), float("inf")
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            events = generate_events(process, args.jets, selection, 0.8, args.seed, settings)
            generated = min(generated, time.perf_counter() - start)
            write_events(Path(tmp) / "events.root", events)
            jets = cluster_jets(events, process, selection, 0.8)
            write_jets(Path(tmp) / "jets.root", jets)
            ours = min(ours, time.perf_counter() - start)
        n_events = events.provenance["events_tried"]
        bare = min(bare, bare_generation(pythia_settings(process, args.pt_min, args.seed, settings), n_events))
    print(f"{args.process}, jet pT > {args.pt_min:g} GeV: {len(jets)} jets from {n_events} events, best of {args.repeat}")
    print(f"bare pythia.next():                 {1e3 * bare / n_events:6.2f} ms/event  {len(jets) / bare:7.1f} jets/s")
    print(f"ours, generation only:              {1e3 * generated / n_events:6.2f} ms/event  {len(jets) / generated:7.1f} jets/s")
    print(f"ours, generation+clustering+writing: {1e3 * ours / n_events:5.2f} ms/event  {len(jets) / ours:7.1f} jets/s")
    print(f"cost per jet, ours / bare Pythia:   {ours / bare:6.3f}")


if __name__ == "__main__":
    main()
