"""Lund-graph preprocessing throughput on real Pythia jets, one core.

Prints jets/s of the full declustering tree (lund_tree) beside FastJet's own primary-only
declustering of the same jets (exclusive_jets_lund_declusterings, all jets in one C++ call),
as a ratio, and the bytes per stored graph.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import awkward as ak
import fastjet
import numpy as np

from jettransfer.data.graph_file import graphs_from_trees, write_graphs
from jettransfer.physics.clustering import cluster_jets
from jettransfer.physics.generation import GenerationSettings, generate_events
from jettransfer.physics.lund import LUND_FEATURES, lund_tree
from jettransfer.physics.processes import get_process
from jettransfer.physics.selection import JetSelection


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jets", type=int, default=1000)
    parser.add_argument("--pt-min", type=float, default=500.0)
    args = parser.parse_args()

    selection = JetSelection(pt_min=args.pt_min)
    process = get_process("ttbar_hadronic")
    events = generate_events(process, args.jets, selection, 0.8, seed=2024, settings=GenerationSettings())
    jets = cluster_jets(events, process, selection, 0.8)
    c = jets.constituents
    columns = [[ak.to_numpy(c[k][i]).astype(np.float64) for k in ("px", "py", "pz", "energy")] for i in range(len(jets))]

    start = time.perf_counter()
    trees = [lund_tree(*cols) for cols in columns]
    ours = time.perf_counter() - start

    vectors = ak.with_name(ak.values_astype(ak.zip({"px": c["px"], "py": c["py"], "pz": c["pz"], "E": c["energy"]}), np.float64), "Momentum4D")
    start = time.perf_counter()
    fastjet.ClusterSequence(vectors, fastjet.JetDefinition(fastjet.cambridge_algorithm, 1000.0)).exclusive_jets_lund_declusterings(1)
    primary_only = time.perf_counter() - start

    graphs = graphs_from_trees([t.parent for t in trees], [t.features for t in trees], jets.jets["label"], jets.jets["jet_pt"], LUND_FEATURES)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graphs.npz"
        write_graphs(path, graphs)
        size = path.stat().st_size

    n = len(jets)
    mean_nodes = len(graphs.node_features) / n
    print(f"jets: {n} top jets, pT > {args.pt_min:g} GeV, {mean_nodes:.1f} Lund nodes per jet")
    print(f"full Lund tree (ours):             {n / ours:8.0f} jets/s")
    print(f"FastJet primary declusterings only: {n / primary_only:8.0f} jets/s")
    print(f"ratio ours / FastJet primary:       {primary_only / ours:8.3f}")
    print(f"graph file: {size / n:.0f} bytes per jet -> {size / n * 1e6 / 1e9:.2f} GB per million jets")


if __name__ == "__main__":
    main()
