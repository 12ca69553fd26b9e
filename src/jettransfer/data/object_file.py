"""Object files (seed 002): whole events reconstructed into objects, with their truth.

ROOT file, TTree `objects`, one entry per generated event:
  event_number  int64   index of the event in the shard's generation sequence
  nobj          int32   number of objects in the event
  obj_pt, obj_eta, obj_phi, obj_energy  float32 jagged  [GeV, -, rad in [0, 2 pi), GeV]
  obj_btag      int8    jagged  1 if b-tagged (jets only), else 0
  obj_charge    int8    jagged  -1 / +1 for leptons, 0 otherwise
  obj_type      int8    jagged  index in jettransfer.physics.objects.OBJECT_TYPES (0 jet,
                1 electron, 2 muon, 3 photon, 4 missing momentum); per event: jets, electrons,
                muons, photons, each by decreasing pT, then the missing momentum last
  met, met_phi  float32  the missing transverse momentum [GeV] and its direction (also the
                last object of each event, repeated here for a quick look)
  truth_{higgs,top,antitop}_exists       int8     1 if the hard process has that particle
  truth_{higgs,top,antitop}_{pt,eta,phi} float32  its last copy before decay; 0 when absent
Provenance (JSON string `provenance`): sample, shard, process, seed, events, generator version,
Pythia settings, reconstruction settings, config hash.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import awkward as ak
import numpy as np

from jettransfer.data.root_tree import expected_kinds, read_tree, write_tree
from jettransfer.physics.objects import EVENT_OBJECT_FEATURES

TREE = "objects"
OBJECT_FIELDS = {"pt": np.float32, "eta": np.float32, "phi": np.float32, "energy": np.float32, "btag": np.int8,
                 "charge": np.int8, "type": np.int8}
# The file's object branches are the objects' features, in their order.
assert tuple(OBJECT_FIELDS) == EVENT_OBJECT_FEATURES
TRUTH_PARTICLES = ("higgs", "top", "antitop")
TRUTH_FIELDS = {"exists": np.int8, "pt": np.float32, "eta": np.float32, "phi": np.float32}
MET_FIELDS = {"met": np.float32, "met_phi": np.float32}


def truth_keys() -> dict[str, Any]:
    """Truth key ("higgs_exists", "higgs_pt", ...) -> dtype, in the file's order."""
    return {f"{p}_{k}": t for p in TRUTH_PARTICLES for k, t in TRUTH_FIELDS.items()}


@dataclass
class ObjectRecord:
    event_number: np.ndarray
    objects: dict[str, ak.Array]  # OBJECT_FIELDS, jagged per event
    met: np.ndarray
    met_phi: np.ndarray
    truth: dict[str, np.ndarray]  # truth_keys(), one value per event
    provenance: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.event_number)


def write_objects(path: str | os.PathLike, record: ObjectRecord) -> None:
    """Write `record` to `path` atomically; the same record gives the same bytes."""
    flat = {"event_number": np.asarray(record.event_number, dtype=np.int64),
            "met": np.asarray(record.met, dtype=np.float32), "met_phi": np.asarray(record.met_phi, dtype=np.float32)}
    flat |= {f"truth_{k}": np.asarray(record.truth[k], dtype=t) for k, t in truth_keys().items()}
    jagged = {"obj": {k: ak.values_astype(record.objects[k], t) for k, t in OBJECT_FIELDS.items()}}
    write_tree(path, TREE, flat, jagged, record.provenance)


def read_objects(path: str | os.PathLike) -> ObjectRecord:
    """The record in `path`; a missing file or branch or a wrong dtype raises InputFileError."""
    expected = ({"event_number": "iu"} | expected_kinds(OBJECT_FIELDS, "obj_") | expected_kinds(MET_FIELDS)
                | expected_kinds(truth_keys(), "truth_"))
    arrays, provenance = read_tree(path, TREE, expected)
    return ObjectRecord(
        event_number=ak.to_numpy(arrays["event_number"]),
        objects={k: arrays[f"obj_{k}"] for k in OBJECT_FIELDS},
        met=ak.to_numpy(arrays["met"]),
        met_phi=ak.to_numpy(arrays["met_phi"]),
        truth={k: ak.to_numpy(arrays[f"truth_{k}"]) for k in truth_keys()},
        provenance=provenance,
    )


def concatenate_objects(records: Sequence[ObjectRecord]) -> ObjectRecord:
    """The events of `records`, one after the other; provenance keeps each part's."""
    if not records:
        raise ValueError("no object records to concatenate")
    return ObjectRecord(
        event_number=np.concatenate([r.event_number for r in records]),
        objects={k: ak.concatenate([r.objects[k] for r in records]) for k in OBJECT_FIELDS},
        met=np.concatenate([r.met for r in records]),
        met_phi=np.concatenate([r.met_phi for r in records]),
        truth={k: np.concatenate([r.truth[k] for r in records]) for k in truth_keys()},
        provenance={"parts": [r.provenance for r in records]},
    )
