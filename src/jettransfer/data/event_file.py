"""Generated-event files: the constituents of candidate jets and the truth partons.

ROOT file, TTree `events`, one entry per kept event:
  event_number  int64   index of the event in the shard's generation sequence
  part_{px,py,pz,energy}  float32 jagged  visible final-state particles of candidate jets [GeV]
  part_pid      int32   jagged  PDG id;  part_charge int8 jagged
  truth_{px,py,pz,energy} float64 jagged  signal resonances and their decay quarks [GeV]
  truth_pid     int32   jagged;  truth_mother int32 jagged  index of the resonance in the
                truth list, -1 for the resonance itself
Provenance (JSON string `provenance`): sample, process, seed, events tried, jets selected,
generator version, config hash.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import awkward as ak
import numpy as np

from jettransfer.data.root_tree import expected_kinds, read_tree, write_tree

TREE = "events"
PARTICLE_FIELDS = {"px": np.float32, "py": np.float32, "pz": np.float32, "energy": np.float32, "pid": np.int32, "charge": np.int8}
TRUTH_FIELDS = {"px": np.float64, "py": np.float64, "pz": np.float64, "energy": np.float64, "pid": np.int32, "mother": np.int32}


@dataclass
class EventRecord:
    event_number: np.ndarray
    particles: dict[str, ak.Array]  # PARTICLE_FIELDS, jagged per event
    truth: dict[str, ak.Array]  # TRUTH_FIELDS, jagged per event
    provenance: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.event_number)


def write_events(path: str | os.PathLike, record: EventRecord) -> None:
    write_tree(
        path,
        TREE,
        {"event_number": np.asarray(record.event_number, dtype=np.int64)},
        {
            "part": {k: ak.values_astype(record.particles[k], t) for k, t in PARTICLE_FIELDS.items()},
            "truth": {k: ak.values_astype(record.truth[k], t) for k, t in TRUTH_FIELDS.items()},
        },
        record.provenance,
    )


def read_events(path: str | os.PathLike) -> EventRecord:
    expected = {"event_number": "iu"} | expected_kinds(PARTICLE_FIELDS, "part_") | expected_kinds(TRUTH_FIELDS, "truth_")
    arrays, provenance = read_tree(path, TREE, expected)
    return EventRecord(
        event_number=np.asarray(arrays["event_number"]),
        particles={k: arrays[f"part_{k}"] for k in PARTICLE_FIELDS},
        truth={k: arrays[f"truth_{k}"] for k in TRUTH_FIELDS},
        provenance=provenance,
    )
