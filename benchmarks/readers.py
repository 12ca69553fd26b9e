"""Conversion throughput of each reader (read the user's file + write our jet file), one core.

Writes a synthetic file of each format (jets of ~50 constituents, the multiplicity of the
public top-tagging sets, ordered by decreasing pT as those sets store them), converts it with
the pipeline's code path (read + write our jet file), prints jets/s. Each reader first
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
from tests.unit.test_readers import FORMATS  # noqa: E402  (the writers of the test fixtures)


def synthetic(n_jets: int, mean_constituents: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    counts = np.clip(rng.poisson(mean_constituents, n_jets), 2, 200)
    momenta = []
    for n in counts:
        pt = np.sort(rng.exponential(10.0, n) + 0.5)[::-1]
        eta, phi = rng.normal(0, 0.3, n), rng.normal(0, 0.3, n)
        px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
        momenta.append(np.stack([px, py, pz, np.sqrt(px**2 + py**2 + pz**2)], axis=1))
    labels = (np.arange(n_jets) % 2).astype(np.int32)
    nan = np.full(n_jets, np.nan)
    jets = {"label": labels, "truth_pt": nan, "truth_eta": nan, "truth_phi": nan, "truth_mass": nan,
            "jet_pt": nan, "jet_eta": nan, "jet_phi": nan, "jet_mass": nan}
    import awkward as ak

    flat = np.concatenate(momenta)
    constituents = {k: ak.unflatten(flat[:, i], counts) for i, k in enumerate(("px", "py", "pz", "energy"))}
    constituents["charge"] = ak.unflatten(np.zeros(len(flat), np.int8), counts)
    return JetTable(jets, constituents), momenta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jets", type=int, default=20000)
    parser.add_argument("--constituents", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    table, momenta = synthetic(args.jets, args.constituents)
    small_table, small_momenta = synthetic(100, args.constituents, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, (writer, name, options) in FORMATS.items():
            path = Path(tmp) / name
            writer(path, small_table, small_momenta)
            read_dataset({"format": fmt, "path": str(path), **options})
            writer(path, table, momenta)
            read_seconds = total = float("inf")
            for _ in range(args.repeats):
                start = time.perf_counter()
                converted = read_dataset({"format": fmt, "path": str(path), **options})
                read_seconds = min(read_seconds, time.perf_counter() - start)
                write_jets(Path(tmp) / f"{fmt}.root", converted)
                total = min(total, time.perf_counter() - start)
            print(f"{fmt:18s} {len(converted):6d} jets: {len(converted) / total:9.0f} jets/s converted "
                  f"(read {len(converted) / read_seconds:9.0f} jets/s)")


if __name__ == "__main__":
    main()
