"""FastJet clustering of generated events into selected, truth-labelled jets."""

from __future__ import annotations

import awkward as ak
import numpy as np

from jettransfer.data.event_file import EventRecord
from jettransfer.data.jet_file import CONSTITUENT_FIELDS, JET_FIELDS, JetTable
from jettransfer.data.ranges import offsets_from_counts
from jettransfer.physics.kinematics import azimuth, invariant_mass, pseudorapidity, rapidity, transverse_momentum
from jettransfer.physics.processes import Process
from jettransfer.physics.selection import JetSelection, leading_in_window, truth_match

# FastJet's awkward interface clusters all events in one C++ call; a loose pT floor keeps only
# jets that can pass the selection.
_PT_FLOOR_FRACTION = 0.5


def cluster_jets(record: EventRecord, process: Process, selection: JetSelection, jet_radius: float) -> JetTable:
    """Anti-kt jets of each event; the leading ones in the window, truth-matched for signal."""
    import fastjet

    fields = {"px": record.particles["px"], "py": record.particles["py"], "pz": record.particles["pz"],
              "E": record.particles["energy"]}
    events = ak.zip({k: ak.values_astype(v, np.float64) for k, v in fields.items()}, with_name="Momentum4D")
    sequence = fastjet.ClusterSequence(events, fastjet.JetDefinition(fastjet.antikt_algorithm, jet_radius))
    floor = _PT_FLOOR_FRACTION * selection.pt_min
    jets = sequence.inclusive_jets(min_pt=floor)
    constituent_index = sequence.constituent_index(min_pt=floor)

    counts = ak.to_numpy(ak.num(jets["px"]))
    jx, jy, jz, je = (ak.to_numpy(ak.flatten(jets[k])) for k in ("px", "py", "pz", "E"))
    pt, y, phi = transverse_momentum(jx, jy), rapidity(jx, jy, jz, je), azimuth(jx, jy)
    offsets = offsets_from_counts(counts)
    # Each event's truth as Python lists, sliced from flat ones: per-event awkward indexing
    # would cost more than the clustering.
    truth = {k: ak.to_numpy(ak.flatten(record.truth[k])).tolist() for k in ("px", "py", "pz", "energy", "mother")}
    truth_offsets = offsets_from_counts(ak.to_numpy(ak.num(record.truth["px"])))

    chosen_event, chosen_jet, chosen_truth = [], [], []
    for event in range(len(counts)):
        lo = offsets[event]
        picked = leading_in_window(pt[lo:offsets[event + 1]], y[lo:offsets[event + 1]], selection)
        if len(picked) == 0:
            continue
        if process.signal_pdg is not None and selection.match_radius is not None:
            first, last = truth_offsets[event], truth_offsets[event + 1]
            event_truth = [truth[k][first:last] for k in ("px", "py", "pz", "energy", "mother")]
            matched = truth_match(y[lo + picked], phi[lo + picked], *event_truth, radius=selection.match_radius)
            picked, matched = picked[matched >= 0], matched[matched >= 0]
        else:
            matched = np.full(len(picked), -1)
        chosen_event.extend([event] * len(picked))
        chosen_jet.extend((lo + picked).tolist())
        chosen_truth.extend(matched.tolist())

    ev_idx = np.asarray(chosen_event, dtype=np.int64)
    jet_idx = np.asarray(chosen_jet, dtype=np.int64)
    truth_idx = np.asarray(chosen_truth, dtype=np.int64)
    return JetTable(
        jets=_jet_columns(jx[jet_idx], jy[jet_idx], jz[jet_idx], je[jet_idx], ev_idx, truth_idx, record, process),
        constituents=_constituents(record, constituent_index, ev_idx, jet_idx - offsets[ev_idx]),
        provenance={"process": process.name, "events": record.provenance, "jet_radius": jet_radius},
    )


def _jet_columns(px, py, pz, energy, ev_idx, truth_idx, record: EventRecord, process: Process) -> dict[str, np.ndarray]:
    columns = {
        "jet_pt": transverse_momentum(px, py), "jet_eta": pseudorapidity(px, py, pz), "jet_phi": azimuth(px, py),
        "jet_mass": invariant_mass(px, py, pz, energy), "jet_rapidity": rapidity(px, py, pz, energy),
        "label": np.full(len(px), 0 if process.signal_pdg is None else 1, dtype=np.int32),
        "event_number": record.event_number[ev_idx],
    }
    has_truth = truth_idx >= 0
    t = {}
    for k in ("px", "py", "pz", "energy"):
        t[k] = np.full(len(px), np.nan)
        t[k][has_truth] = _pick(record.truth[k], ev_idx[has_truth], truth_idx[has_truth])
    columns |= {
        "truth_pt": transverse_momentum(t["px"], t["py"]), "truth_eta": pseudorapidity(t["px"], t["py"], t["pz"]),
        "truth_phi": np.where(has_truth, azimuth(t["px"], t["py"]), np.nan),
        "truth_mass": np.where(has_truth, invariant_mass(t["px"], t["py"], t["pz"], t["energy"]), np.nan),
    }
    assert set(columns) == set(JET_FIELDS)
    return columns


def _pick(jagged: ak.Array, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """jagged[rows[i]][cols[i]] for every i, through the flat buffer."""
    starts = offsets_from_counts(ak.to_numpy(ak.num(jagged)))
    return ak.to_numpy(ak.flatten(jagged))[starts[rows] + cols]


def _constituents(record: EventRecord, constituent_index: ak.Array, ev_idx: np.ndarray, local_jet: np.ndarray) -> dict[str, ak.Array]:
    """Constituents of each chosen jet, ordered by decreasing pT."""
    # constituent_index is [event][jet][particle]; pick [ev_idx[i]][local_jet[i]] as a jagged [jet][particle].
    per_jet = ak.flatten(constituent_index, axis=1)
    jets_before = offsets_from_counts(ak.to_numpy(ak.num(constituent_index)))
    index = per_jet[jets_before[ev_idx] + local_jet]
    counts = ak.to_numpy(ak.num(index))
    particle_starts = offsets_from_counts(ak.to_numpy(ak.num(record.particles["px"])))
    flat = ak.to_numpy(ak.flatten(index)) + np.repeat(particle_starts[ev_idx], counts)
    columns = {k: ak.to_numpy(ak.flatten(record.particles[k]))[flat] for k in CONSTITUENT_FIELDS}
    pt = transverse_momentum(columns["px"].astype(np.float64), columns["py"].astype(np.float64))
    jet_of = np.repeat(np.arange(len(counts)), counts)
    order = np.lexsort((-pt, jet_of))  # by jet, then decreasing pT
    return {k: ak.unflatten(v[order], counts) for k, v in columns.items()}
