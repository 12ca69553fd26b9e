"""Whole events' objects -> packed event graphs (the event_graph representation, seed 002).

One graph per event, one row per object with EVENT_OBJECT_FEATURES (pT, eta, phi, E, b-tag,
charge, type) as the object file holds them; edges (every pair) and the global feature (the
number of objects) are made per batch by jettransfer.inputs.event_graphs. The multi-label
targets ride along as the packed file's target_* arrays:
  target_exists      float32 [J, K]     does the event have each of TRUTH_PARTICLES (Higgs, top, antitop)
  target_kinematics  float32 [J, K, 3]  their pT / KINEMATICS_PT_SCALE, eta, phi (0 where absent)
The pT is divided by a fixed scale so that the three regressed values have similar sizes and
the squared error of a 300 GeV top does not swamp its angles.
"""

from __future__ import annotations

import awkward as ak
import numpy as np

from jettransfer.data.object_file import TRUTH_PARTICLES, ObjectRecord
from jettransfer.data.packed_file import PackedJets, make_packed
from jettransfer.data.ranges import offsets_from_counts
from jettransfer.physics.objects import EVENT_OBJECT_FEATURES

KINEMATICS_PT_SCALE = 100.0  # GeV
REPRESENTATION = "event_graph"


def multilabel_targets(record: ObjectRecord) -> dict[str, np.ndarray]:
    """target_exists [J, K] and target_kinematics [J, K, 3] from the record's truth."""
    truth = record.truth
    exists = np.stack([np.asarray(truth[f"{p}_exists"], dtype=np.float32) for p in TRUTH_PARTICLES], axis=1)
    kinematics = np.stack([
        np.stack([np.asarray(truth[f"{p}_pt"], dtype=np.float32) / KINEMATICS_PT_SCALE,
                  np.asarray(truth[f"{p}_eta"], dtype=np.float32), np.asarray(truth[f"{p}_phi"], dtype=np.float32)],
                 axis=1)
        for p in TRUTH_PARTICLES], axis=1)
    return {"exists": exists, "kinematics": np.where(exists[:, :, None] > 0, kinematics, 0.0).astype(np.float32)}


def event_graphs(record: ObjectRecord, ids: np.ndarray | None = None, label: int = 0) -> PackedJets:
    """The record's events as packed event graphs, each labelled `label` (a task's datasets
    relabel them by class) and with the multi-label targets. The per-graph `jet_pt` field holds
    the event's leading object's pT."""
    counts = ak.to_numpy(ak.num(record.objects["pt"])).astype(np.int64)
    features = np.stack([ak.to_numpy(ak.flatten(record.objects[k])).astype(np.float32) for k in EVENT_OBJECT_FEATURES],
                        axis=1) if counts.sum() else np.zeros((0, len(EVENT_OBJECT_FEATURES)), np.float32)
    leading = ak.to_numpy(ak.fill_none(ak.max(record.objects["pt"], axis=1), 0.0)).astype(np.float32)
    return make_packed(features, offsets_from_counts(counts), np.full(len(counts), label, dtype=np.int64), leading,
                       EVENT_OBJECT_FEATURES, REPRESENTATION, ids=ids, targets=multilabel_targets(record))
