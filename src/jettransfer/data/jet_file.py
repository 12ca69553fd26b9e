"""Jet files: one entry per selected jet, with its constituents. The input of every representation.

ROOT file, TTree `jets`:
  jet_{pt,eta,phi,mass,rapidity}  float64  anti-kt jet kinematics [GeV, rad]
  label          int32    1 signal (truth-matched resonance), 0 background
  truth_{pt,eta,phi,mass} float64  matched resonance (NaN for background)
  event_number   int64    event in the generating shard
  part_{px,py,pz,energy} float32 jagged  constituents [GeV]
  part_pid int32 jagged;  part_charge int8 jagged
Provenance (JSON string `provenance`): what produced the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import awkward as ak
import numpy as np

from jettransfer.data.root_tree import expected_kinds, read_tree, write_tree

TREE = "jets"
JET_FIELDS = {
    "jet_pt": np.float64, "jet_eta": np.float64, "jet_phi": np.float64, "jet_mass": np.float64,
    "jet_rapidity": np.float64, "label": np.int32, "truth_pt": np.float64, "truth_eta": np.float64,
    "truth_phi": np.float64, "truth_mass": np.float64, "event_number": np.int64,
}
CONSTITUENT_FIELDS = {"px": np.float32, "py": np.float32, "pz": np.float32, "energy": np.float32, "pid": np.int32, "charge": np.int8}


@dataclass
class JetTable:
    jets: dict[str, np.ndarray]  # JET_FIELDS
    constituents: dict[str, ak.Array]  # CONSTITUENT_FIELDS, jagged per jet
    provenance: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.jets["jet_pt"])

    def take(self, index: np.ndarray) -> "JetTable":
        return JetTable(
            {k: v[index] for k, v in self.jets.items()},
            {k: v[index] for k, v in self.constituents.items()},
            dict(self.provenance),
        )


def write_jets(path: str | os.PathLike, table: JetTable) -> None:
    write_tree(
        path,
        TREE,
        {k: np.asarray(table.jets[k], dtype=t) for k, t in JET_FIELDS.items()},
        {"part": {k: ak.values_astype(table.constituents[k], t) for k, t in CONSTITUENT_FIELDS.items()}},
        table.provenance,
    )


def read_jets(path: str | os.PathLike) -> JetTable:
    arrays, provenance = read_tree(path, TREE, expected_kinds(JET_FIELDS) | expected_kinds(CONSTITUENT_FIELDS, "part_"))
    return JetTable(
        {k: np.asarray(arrays[k]) for k in JET_FIELDS},
        {k: arrays[f"part_{k}"] for k in CONSTITUENT_FIELDS},
        provenance,
    )


def concatenate_jets(tables: list[JetTable]) -> JetTable:
    if not tables:
        raise ValueError("no jet tables to concatenate")
    return JetTable(
        {k: np.concatenate([t.jets[k] for t in tables]) for k in JET_FIELDS},
        {k: ak.concatenate([t.constituents[k] for t in tables]) for k in CONSTITUENT_FIELDS},
        {"parts": [t.provenance for t in tables]},
    )
