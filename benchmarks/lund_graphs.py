"""Lund-graph preprocessing throughput on real Pythia jets, one core.

Prints jets/s of the full declustering tree from the compiled C/A path (lund_forest, what the
pipeline runs) beside the same trees built from FastJet's own clustering history one jet at a
time, as a ratio; and the bytes per jet of the stored graphs, on disk and in memory.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import awkward as ak
import numpy as np

from jettransfer.data.packed_file import make_packed, read_packed, write_packed
from jettransfer.data.ranges import offsets_from_counts
from jettransfer.physics.clustering import cluster_jets
from jettransfer.physics.generation import GenerationSettings, generate_events
from jettransfer.physics.lund import LUND_FEATURES, fastjet_cambridge_history, forest_from_histories, lund_forest
from jettransfer.physics.processes import get_process
from jettransfer.physics.selection import JetSelection


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jets", type=int, default=2000)
    parser.add_argument("--pt-min", type=float, default=500.0)
    parser.add_argument("--process", default="ttbar_hadronic")
    parser.add_argument("--no-ue", action="store_true", help="hadron level without the underlying event (as the LundNet data)")
    args = parser.parse_args()

    selection = JetSelection(pt_min=args.pt_min)
    process = get_process(args.process)
    settings = GenerationSettings(underlying_event=not args.no_ue)
    events = generate_events(process, args.jets, selection, 0.8, seed=2024, settings=settings)
    jets = cluster_jets(events, process, selection, 0.8)
    c = jets.constituents
    momenta = np.stack([ak.to_numpy(ak.flatten(c[k])).astype(np.float64) for k in ("px", "py", "pz", "energy")], axis=1)
    offsets = offsets_from_counts(ak.to_numpy(ak.num(c["px"])))
    lund_forest(momenta[: offsets[2]], offsets[:3])  # compile (cached on disk after the first run)

    start = time.perf_counter()
    forest = lund_forest(momenta, offsets)
    compiled = time.perf_counter() - start

    start = time.perf_counter()
    for i in range(len(jets)):
        m = momenta[offsets[i]:offsets[i + 1]]
        parents, history = fastjet_cambridge_history(m)
        forest_from_histories(parents, history, np.array([len(m)]))
    reference = time.perf_counter() - start

    graphs = make_packed(forest.features, forest.node_offsets, jets.jets["label"], jets.jets["jet_pt"], LUND_FEATURES,
                         "lund_graph", parent=forest.parent)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graphs.npz"
        write_packed(path, graphs)
        disk = path.stat().st_size
        loaded = read_packed(path)
        memory = sum(a.nbytes for a in (loaded.node_features, loaded.node_offsets, loaded.parent, loaded.labels, loaded.jet_pt))

    n = len(jets)
    print(f"{n} {args.process} jets, pT > {args.pt_min:g} GeV, {'no ' if args.no_ue else ''}UE, "
          f"{len(graphs.node_features) / n:.1f} Lund nodes per jet")
    print(f"compiled C/A + vectorised features (pipeline): {n / compiled:9.0f} jets/s")
    print(f"FastJet history, one jet at a time (reference): {n / reference:9.0f} jets/s")
    print(f"ratio compiled / reference:                     {reference / compiled:9.1f}")
    print(f"stored graphs: {disk / n:.0f} bytes per jet on disk, {memory / n:.0f} in memory "
          f"-> {disk / n * 1e6 / 1e9:.2f} GB / {memory / n * 1e6 / 1e9:.2f} GB per million jets")


if __name__ == "__main__":
    main()
