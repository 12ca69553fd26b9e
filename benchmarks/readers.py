"""Conversion throughput of each reader (read the user's file + write our jet file), one core.

Writes a synthetic file of each format (jets of ~60 constituents, the multiplicity of LundNet's
500 GeV jets, ordered by decreasing pT as the public sets store them, each value rounded to
float32 as they store it, massless particles), converts it with the pipeline's code path (read,
check every particle, write our jet file), prints jets/s. LundNet's file is written in its real
format (one JSON array per line: the jet's own {"E", "px", "py", "pz"} object, then its
constituents'), and once more with each particle a list [px, py, pz, E]. Each reader first
converts a 100-jet file, so the one-off cost of a job (imports, loading compiled kernels) is
not counted in the rate. The rate is the best of --repeats conversions: on a shared machine the
slower ones measure the neighbours.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from jettransfer.data.jet_file import JetTable, write_jets
from jettransfer.data.readers import read_dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.unit.test_readers import FORMATS, write_lundnet  # the test fixtures' writers

BENCHMARKED = {**FORMATS, "lundnet_json (lists)": (
    lambda path, table, momenta: write_lundnet(path, table, momenta, lists=True), "lists.json.gz", {"label": 1})}


def synthetic(n_jets: int, mean_constituents: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    counts = np.clip(rng.poisson(mean_constituents, n_jets), 2, 200)
    momenta = []
    for n in counts:
        pt = np.sort(rng.exponential(10.0, n) + 0.5)[::-1]
        eta, phi = rng.normal(0, 0.3, n), rng.normal(0, 0.3, n)
        px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
        m = np.stack([px, py, pz, np.sqrt(px**2 + py**2 + pz**2)], axis=1)
        momenta.append(m.astype(np.float32).astype(np.float64))
    labels = (np.arange(n_jets) % 2).astype(np.int32)
    nan = np.full(n_jets, np.nan)
    # A top for the signal jets' truth (the readers refuse a NaN in it); the jet columns are not read.
    jets = {"label": labels, "truth_pt": np.full(n_jets, 500.0), "truth_eta": np.full(n_jets, 0.1),
            "truth_phi": np.full(n_jets, 0.2), "truth_mass": np.full(n_jets, 173.0),
            "jet_pt": nan, "jet_eta": nan, "jet_phi": nan, "jet_mass": nan}
    import awkward as ak

    flat = np.concatenate(momenta)
    constituents = {k: ak.unflatten(flat[:, i], counts) for i, k in enumerate(("px", "py", "pz", "energy"))}
    constituents["charge"] = ak.unflatten(np.zeros(len(flat), np.int8), counts)
    return JetTable(jets, constituents), momenta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jets", type=int, default=20000)
    parser.add_argument("--constituents", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    table, momenta = synthetic(args.jets, args.constituents)
    small_table, small_momenta = synthetic(100, args.constituents, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (writer, file_name, options) in BENCHMARKED.items():
            spec = {"format": name.split()[0], "path": str(Path(tmp) / file_name), **options}
            writer(Path(tmp) / file_name, small_table, small_momenta)
            read_dataset(spec)
            writer(Path(tmp) / file_name, table, momenta)
            read_seconds = total = float("inf")
            for _ in range(args.repeats):
                start = time.perf_counter()
                converted = read_dataset(spec)
                read_seconds = min(read_seconds, time.perf_counter() - start)
                write_jets(Path(tmp) / "converted.root", converted)
                total = min(total, time.perf_counter() - start)
            constituents = sum(len(m) for m in momenta) / len(momenta)
            print(f"{name:21s} {len(converted):6d} jets of {constituents:4.1f}: {len(converted) / total:7.0f} jets/s "
                  f"converted (read {len(converted) / read_seconds:7.0f} jets/s)")


if __name__ == "__main__":
    main()
