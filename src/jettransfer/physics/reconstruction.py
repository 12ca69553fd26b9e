"""Whole events' visible final-state particles -> reconstructed objects (seed 002).

A simple particle-level detector: isolated electrons, muons and photons are objects of their
own; every other visible particle goes into anti-kt jets; jets are b-tagged at random with a
probability that depends on whether a weakly decaying B hadron is ghost-associated to them; the
missing transverse momentum balances the visible particles. Pure numpy, awkward and FastJet (no
Pythia), so hand-built events test it.

Each event's objects are rows of EVENT_OBJECT_FEATURES, in the order jets, electrons, muons,
photons (each by decreasing pT), then the missing momentum. phi is in [0, 2 pi), FastJet's
convention, for every object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import awkward as ak
import numpy as np

from jettransfer.data.ranges import offsets_from_counts
from jettransfer.physics.kinematics import azimuth, delta_phi, pseudorapidity, transverse_momentum
from jettransfer.physics.objects import EVENT_OBJECT_FEATURES, OBJECT_TYPES

# Ghosts carry a B hadron's direction with a momentum too small to move any jet.
GHOST_SCALE = 1e-18
_TYPE = {name: np.int8(i) for i, name in enumerate(OBJECT_TYPES)}
# |PDG id| of the candidates for isolated objects, by object type.
_CANDIDATE_PDG = {"electron": 11, "muon": 13, "photon": 22}
_FLOAT_FEATURES = ("pt", "eta", "phi", "energy")
# PDG numbers of 10^6 and above are not Standard-Model hadrons (SUSY, excited, technicolour ...).
_FIRST_NON_HADRON = 1_000_000


@dataclass(frozen=True)
class ReconstructionSettings:
    """How events become objects; no defaults here: the config schema is their one source."""

    jet_radius: float
    jet_pt_min: float  # GeV
    jet_eta_max: float
    electron_pt_min: float  # GeV
    electron_eta_max: float
    muon_pt_min: float  # GeV
    muon_eta_max: float
    photon_pt_min: float  # GeV
    photon_eta_max: float
    isolation_radius: float  # the cone (dR in eta-phi) around a lepton or photon candidate
    # Isolated if the scalar pT sum of the other visible particles in the cone, over the
    # candidate's own pT, is below this.
    isolation_max: float
    btag_efficiency: float  # P(tag | jet with a ghost-associated B hadron)
    mistag_rate: float  # P(tag | any other jet)

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> ReconstructionSettings:
        """From the config's `reconstruction` section, which must hold exactly these fields."""
        names = {f.name for f in fields(cls)}
        if set(section) != names:
            missing, extra = sorted(names - set(section)), sorted(set(section) - names)
            raise ValueError(f"reconstruction settings: missing {missing}, unknown {extra}")
        return cls(**{name: float(section[name]) for name in names})


def is_b_hadron(pid: np.ndarray | int) -> np.ndarray | bool:
    """Whether each PDG id is a hadron with a b quark (PDG numbering: the heaviest quark of a
    meson is the hundreds digit, of a baryon the thousands digit; diquarks have no tens digit)."""
    a = np.abs(np.asarray(pid))
    hadron = (a < _FIRST_NON_HADRON) & ((a // 10) % 10 != 0)
    result = hadron & (((a // 100) % 10 == 5) | ((a // 1000) % 10 == 5))
    return bool(result) if result.ndim == 0 else result


def weakly_decaying_b_hadron(pid: int, daughter_pids: np.ndarray | list[int]) -> bool:
    """A b hadron whose decay gives no b hadron: the last of its chain, the one a b-tagger sees
    (a stable one, with no daughters, counts too)."""
    return bool(is_b_hadron(pid)) and not np.any(is_b_hadron(np.asarray(daughter_pids, dtype=np.int64)))


def reconstruct_events(
    particles: Mapping[str, ak.Array],
    b_hadrons: Mapping[str, ak.Array],
    settings: ReconstructionSettings,
    rng: np.random.Generator,
) -> dict[str, ak.Array]:
    """The objects of each event, jagged, with keys EVENT_OBJECT_FEATURES.

    particles: jagged px, py, pz, energy [GeV], pid, charge of the visible final-state
    particles; b_hadrons: jagged px, py, pz, energy of the weakly decaying B hadrons. The b-tag
    draws come from `rng` in the order of the output (events, then jets by decreasing pT), so
    the same seed gives the same tags.
    """
    counts = ak.to_numpy(ak.num(particles["px"])).astype(np.int64)
    n_events = len(counts)
    flat = {k: ak.to_numpy(ak.flatten(particles[k])) for k in ("px", "py", "pz", "energy", "pid", "charge")}
    px, py, pz, energy = (flat[k].astype(np.float64) for k in ("px", "py", "pz", "energy"))
    event_of = np.repeat(np.arange(n_events), counts)
    pt, eta, phi = transverse_momentum(px, py), pseudorapidity(px, py, pz), azimuth(px, py)

    isolated = _isolated_objects(flat["pid"], pt, eta, phi, event_of, counts, settings)
    jet_inputs = np.ones(len(px), dtype=bool)
    jet_inputs[isolated["index"]] = False
    jets = _jets(px, py, pz, energy, jet_inputs, event_of, n_events, b_hadrons, settings, rng)

    # The missing momentum balances every visible particle, isolated or not.
    met_x = -np.bincount(event_of, weights=px, minlength=n_events)
    met_y = -np.bincount(event_of, weights=py, minlength=n_events)
    met = transverse_momentum(met_x, met_y)
    missing = {"event": np.arange(n_events), "pt": met, "eta": np.zeros(n_events), "phi": azimuth(met_x, met_y),
               "energy": met, "btag": np.zeros(n_events, np.int8), "charge": np.zeros(n_events, np.int8),
               "type": np.full(n_events, _TYPE["missing_momentum"])}

    leptons = {k: v[isolated["index"]] for k, v in
               (("pt", pt), ("eta", eta), ("phi", phi), ("energy", energy), ("charge", flat["charge"]))}
    leptons |= {"event": event_of[isolated["index"]], "type": isolated["type"],
                "btag": np.zeros(len(isolated["index"]), np.int8)}
    leptons["charge"] = np.where(leptons["type"] == _TYPE["photon"], 0, leptons["charge"])
    return _ordered([jets, leptons, missing], n_events)


def _isolated_objects(pid, pt, eta, phi, event_of, counts, settings: ReconstructionSettings) -> dict[str, np.ndarray]:
    """Indices (into the flat particles) and types of the isolated electrons, muons and photons."""
    abs_pid = np.abs(pid)
    candidate = np.zeros(len(pid), dtype=bool)
    types = np.zeros(len(pid), dtype=np.int8)
    for name, code in _CANDIDATE_PDG.items():
        pt_min, eta_max = getattr(settings, f"{name}_pt_min"), getattr(settings, f"{name}_eta_max")
        chosen = (abs_pid == code) & (pt > pt_min) & (np.abs(eta) < eta_max)
        candidate |= chosen
        types[chosen] = _TYPE[name]
    index = np.flatnonzero(candidate)
    # Every candidate against every particle of its own event: a few candidates per event, so
    # the pairs number a few times the particles.
    starts = offsets_from_counts(counts)
    per_candidate = counts[event_of[index]]
    pair_candidate = np.repeat(np.arange(len(index)), per_candidate)
    within = np.arange(per_candidate.sum()) - np.repeat(offsets_from_counts(per_candidate)[:-1], per_candidate)
    other = starts[event_of[index]][pair_candidate] + within
    owner = index[pair_candidate]
    d_eta, d_phi = eta[other] - eta[owner], delta_phi(phi[owner], phi[other])
    in_cone = (d_eta * d_eta + d_phi * d_phi < settings.isolation_radius ** 2) & (other != owner)
    cone_pt = np.bincount(pair_candidate, weights=np.where(in_cone, pt[other], 0.0), minlength=len(index))
    keep = cone_pt < settings.isolation_max * pt[index]
    return {"index": index[keep], "type": types[index[keep]]}


def _jets(px, py, pz, energy, jet_inputs, event_of, n_events, b_hadrons, settings: ReconstructionSettings,
          rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Anti-kt jets in the pT and |eta| window, b-tagged, with the event each belongs to."""
    import fastjet

    inputs_per_event = np.bincount(event_of[jet_inputs], minlength=n_events)
    inputs = {k: ak.unflatten(v[jet_inputs], inputs_per_event) for k, v in
              (("px", px), ("py", py), ("pz", pz), ("E", energy))}
    ghosts = {k: ak.values_astype(b_hadrons[source], np.float64) * GHOST_SCALE
              for k, source in (("px", "px"), ("py", "py"), ("pz", "pz"), ("E", "energy"))}
    # Each event's real inputs first, its ghosts after them: a constituent index at or beyond
    # the event's number of inputs is a ghost.
    events = ak.zip({k: ak.concatenate([inputs[k], ghosts[k]], axis=1) for k in inputs}, with_name="Momentum4D")
    empty = {k: np.zeros(0, np.float64) for k in ("px", "py", "pz", "E")}
    if n_events and ak.sum(ak.num(events)) > 0:
        sequence = fastjet.ClusterSequence(events, fastjet.JetDefinition(fastjet.antikt_algorithm, settings.jet_radius))
        found = sequence.inclusive_jets(min_pt=settings.jet_pt_min)
        constituents = sequence.constituent_index(min_pt=settings.jet_pt_min)
        jets_per_event = ak.to_numpy(ak.num(found["px"])).astype(np.int64)
        columns = {k: ak.to_numpy(ak.flatten(found[k])).astype(np.float64) for k in empty}
        jet_event = np.repeat(np.arange(n_events), jets_per_event)
        # A constituent index at or beyond the event's number of inputs is a ghost: the largest
        # says whether a jet holds one, the smallest whether it holds anything real.
        real_inputs = inputs_per_event[jet_event]
        b_truth = _per_jet(ak.max(constituents, axis=2)) >= real_inputs
        real = _per_jet(ak.min(constituents, axis=2)) < real_inputs
    else:
        columns, jet_event = empty, np.zeros(0, np.int64)
        b_truth = real = np.zeros(0, bool)
    pt = transverse_momentum(columns["px"], columns["py"])
    eta = pseudorapidity(columns["px"], columns["py"], columns["pz"])
    kept = real & (pt > settings.jet_pt_min) & (np.abs(eta) < settings.jet_eta_max)
    order = np.lexsort((-pt[kept], jet_event[kept]))  # the order of the output, for the tag draws
    selected = np.flatnonzero(kept)[order]
    probability = np.where(b_truth[selected], settings.btag_efficiency, settings.mistag_rate)
    n = len(selected)
    return {"event": jet_event[selected], "pt": pt[selected], "eta": eta[selected],
            "phi": azimuth(columns["px"][selected], columns["py"][selected]), "energy": columns["E"][selected],
            "btag": (rng.random(n) < probability).astype(np.int8), "charge": np.zeros(n, np.int8),
            "type": np.full(n, _TYPE["jet"])}


def _per_jet(values: ak.Array) -> np.ndarray:
    """A [event][jet] array of one number per jet, flat."""
    return ak.to_numpy(ak.fill_none(ak.flatten(values, axis=1), -1)).astype(np.int64)


def _ordered(groups: list[dict[str, np.ndarray]], n_events: int) -> dict[str, ak.Array]:
    """The groups' objects per event: by event, then type (jets, electrons, muons, photons,
    missing momentum: OBJECT_TYPES' order), then decreasing pT."""
    merged = {k: np.concatenate([np.asarray(g[k]) for g in groups]) for k in ("event", *EVENT_OBJECT_FEATURES)}
    order = np.lexsort((-merged["pt"], merged["type"], merged["event"]))
    counts = np.bincount(merged["event"], minlength=n_events)
    return {k: ak.unflatten(merged[k][order].astype(np.float32 if k in _FLOAT_FEATURES else np.int8), counts)
            for k in EVENT_OBJECT_FEATURES}
