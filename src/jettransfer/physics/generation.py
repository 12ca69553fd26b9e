"""Pythia 8 generation of one shard: events are kept until the shard holds the jets asked for.

Pythia's SlowJet (FastJet's core, inside C++) finds the anti-kt jets of each event, so Python
only touches the constituents of the one or two candidate jets, not the ~700 particles.
The clustering stage reclusters those constituents with FastJet itself.
"""

from __future__ import annotations

import array
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any
from dataclasses import dataclass

import awkward as ak
import numpy as np

from jettransfer.data.event_file import PARTICLE_FIELDS, TRUTH_FIELDS, EventRecord
from jettransfer.physics.processes import Process
from jettransfer.physics.selection import JetSelection, leading_in_window, truth_match

log = logging.getLogger(__name__)

# Pythia's Random:seed accepts 1 .. 900,000,000.
_MAX_PYTHIA_SEED = 900_000_000
# Candidate jets are stored with a margin below the cuts so FastJet re-finds every selected jet.
_CANDIDATE_PT_FRACTION = 0.9
_CANDIDATE_RAPIDITY_MARGIN = 0.2
MAX_CONSECUTIVE_FAILURES = 100


@dataclass(frozen=True)
class GenerationSettings:
    sqrt_s_gev: float = 14000.0
    pthat_min_fraction: float = 0.85
    underlying_event: bool = True
    hadronisation: bool = True
    max_events_per_jet: int = 2000
    # The user's own Pythia lines (a tune, particles kept stable, a decay table), read after
    # ours so that they win: the study's, then the sample's.
    extra_lines: tuple[str, ...] = ()


def shard_seed(base_seed: int, sample: str, shard: int) -> int:
    """A stable seed for shard `shard` of `sample`: independent shards, same config -> same bytes."""
    digest = hashlib.sha256(f"{base_seed}/{sample}/{shard}".encode()).digest()
    return int.from_bytes(digest[:8], "little") % _MAX_PYTHIA_SEED + 1


def pythia_settings(process: Process, jet_pt_min: float, seed: int, settings: GenerationSettings) -> list[str]:
    return [
        f"Beams:eCM = {settings.sqrt_s_gev}",
        *process.pythia_settings,
        f"PhaseSpace:pTHatMin = {settings.pthat_min_fraction * jet_pt_min}",
        f"PartonLevel:MPI = {'on' if settings.underlying_event else 'off'}",
        f"HadronLevel:all = {'on' if settings.hadronisation else 'off'}",
        "Random:setSeed = on",
        f"Random:seed = {seed}",
        "Print:quiet = on",
        "Next:numberCount = 0",
        *settings.extra_lines,
    ]


def check_pythia_lines(lines: Sequence[str], where: str) -> None:
    """Refuse, naming it, the first line Pythia does not accept, before any event is made."""
    if not lines:
        return
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    for line in lines:
        if not pythia.readString(line):
            raise ValueError(f"{where}: Pythia rejects the line {line!r}")


def generator_version() -> str:
    import pythia8mc

    return f"pythia8mc {getattr(pythia8mc, '__version__', 'unknown')}"


def generate_events(
    process: Process,
    n_jets: int,
    selection: JetSelection,
    jet_radius: float,
    seed: int,
    settings: GenerationSettings,
    progress_seconds: float = 30.0,
    particle_eta_max: float = 5.0,
) -> EventRecord:
    """Generate events until `n_jets` jets pass `selection` (and, for signal, truth matching).

    Jets are built from the visible final-state particles with |eta| < particle_eta_max (the
    detector's acceptance).
    """
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    for line in pythia_settings(process, selection.pt_min, seed, settings):
        if not pythia.readString(line):
            raise ValueError(f"Pythia rejected the setting {line!r}")
    if not pythia.init():
        raise RuntimeError(f"Pythia failed to initialise for process {process.name}")
    # power -1 = anti-kt; select 2 = visible final-state particles; massSet 2 = their true masses,
    # so rapidities and distances are those FastJet computes from the stored four-vectors.
    slow_jet = pythia8mc.SlowJet(-1, jet_radius, _CANDIDATE_PT_FRACTION * selection.pt_min, particle_eta_max, 2, 2)
    charge_of = charge_table(pythia)
    candidate_cut = JetSelection(
        pt_min=_CANDIDATE_PT_FRACTION * selection.pt_min,
        pt_max=None,
        rapidity_max=selection.rapidity_max + _CANDIDATE_RAPIDITY_MARGIN,
        max_jets_per_event=selection.max_jets_per_event,
    )

    # Flat, event after event, in typed buffers of the file's dtypes: no Python object per value.
    particles = {k: array.array(np.dtype(t).char, []) for k, t in PARTICLE_FIELDS.items()}
    particle_counts: list[int] = []
    truth: dict[str, list] = {k: [] for k in TRUTH_FIELDS}
    event_numbers: list[int] = []
    n_selected = n_tried = failures = 0
    start = last_report = time.monotonic()
    max_events = settings.max_events_per_jet * n_jets
    while n_selected < n_jets:
        if n_tried >= max_events:
            raise RuntimeError(
                f"{process.name}: only {n_selected} of {n_jets} jets after {n_tried} events; "
                "are the jet cuts reachable at this pTHatMin?"
            )
        n_tried += 1
        if not pythia.next():
            failures += 1
            if failures > MAX_CONSECUTIVE_FAILURES:
                raise RuntimeError(f"{process.name}: Pythia failed {failures} events in a row")
            continue
        failures = 0
        event = pythia.event
        slow_jet.analyze(event)
        n_found = slow_jet.sizeJet()
        if n_found == 0:
            continue
        pt = [slow_jet.pT(i) for i in range(n_found)]
        y = [slow_jet.y(i) for i in range(n_found)]
        # An event without a selected jet is dropped before anything more is asked of Pythia.
        selected = leading_in_window(pt, y, selection)
        if len(selected) == 0:
            continue
        if process.signal_pdg is not None and selection.match_radius is not None:
            event_truth = _truth_partons(pythia, process)
            matched = truth_match(
                [y[i] for i in selected], [slow_jet.phi(int(i)) for i in selected],
                *(event_truth[k] for k in ("px", "py", "pz", "energy", "mother")), radius=selection.match_radius,
            )
            selected = selected[matched >= 0]
            if len(selected) == 0:
                continue
        else:
            event_truth = _NO_TRUTH
        candidates = leading_in_window(pt, y, candidate_cut)
        indices = [i for c in candidates for i in slow_jet.constituents(int(c))]
        _append_particles(particles, event, indices, charge_of)
        particle_counts.append(len(indices))
        for k in TRUTH_FIELDS:
            truth[k].append(event_truth[k])
        event_numbers.append(n_tried - 1)
        n_selected += len(selected)
        now = time.monotonic()
        if now - last_report > progress_seconds:
            rate = n_selected / (now - start)
            log.info("%s: %d/%d jets, %d events, %.1f jets/s, ETA %.0f s", process.name, n_selected, n_jets,
                     n_tried, rate, (n_jets - n_selected) / max(rate, 1e-9))
            last_report = now
    elapsed = time.monotonic() - start
    log.info("%s: %d jets from %d events in %.1f s (%.1f jets/s)", process.name, n_selected, n_tried, elapsed,
             n_selected / elapsed)
    return EventRecord(
        event_number=np.asarray(event_numbers, dtype=np.int64),
        particles={k: ak.unflatten(np.asarray(v), np.asarray(particle_counts, dtype=np.int64))
                   for k, v in particles.items()},
        truth={k: _jagged(v, TRUTH_FIELDS[k]) for k, v in truth.items()},
        provenance={
            "process": process.name, "seed": seed, "events_tried": n_tried, "jets_selected": n_selected,
            "generator": generator_version(), "settings": pythia_settings(process, selection.pt_min, seed, settings),
        },
    )


class SpeciesTable(dict):
    """PDG id -> a property of the species (its charge, whether it is visible), asked of
    Pythia's particle data once per species: a dictionary look-up is cheaper than asking each
    particle."""

    def __init__(self, ask: Callable[[int], Any]) -> None:
        super().__init__()
        self.ask = ask

    def __missing__(self, pid: int) -> Any:
        self[pid] = value = self.ask(pid)
        return value


def charge_table(pythia) -> SpeciesTable:
    """PDG id -> integer charge."""
    return SpeciesTable(lambda pid: round(pythia.particleData.charge(pid)))


def _append_particles(particles: dict[str, array.array], event, indices: list[int], charge_of: SpeciesTable) -> None:
    """Append the four-momenta, ids and charges of event[indices] to the flat buffers in `particles`.

    Each getter is mapped over all the particles at once, so the loop over particles runs in
    C, not in Python bytecode: a fifth less time per particle."""
    from pythia8mc import Particle

    chosen = list(map(event.__getitem__, indices))
    for key, getter in (("px", Particle.px), ("py", Particle.py), ("pz", Particle.pz), ("energy", Particle.e)):
        particles[key].extend(map(getter, chosen))
    species = list(map(Particle.id, chosen))
    particles["pid"].extend(species)
    particles["charge"].extend(map(charge_of.__getitem__, species))


def _truth_partons(pythia, process: Process) -> dict[str, list]:
    """The signal resonances (last copy before decay) and their visible decay partons.

    The event record starts with a copy of the hard process, so resonances are found among the
    first `process.size()` entries; decays are followed through W and Z bosons to quarks,
    gluons and charged leptons (neutrinos leave no trace in a jet).
    """
    out: dict[str, list] = {k: [] for k in TRUTH_FIELDS}
    if process.signal_pdg is None:
        return out
    event, hard = pythia.event, pythia.process
    for i in range(hard.size()):
        # The first copy in the hard record only: a copy's mother is the same resonance.
        if hard[i].idAbs() != process.signal_pdg or hard[hard[i].mother1()].idAbs() == process.signal_pdg:
            continue
        last = event[i].iBotCopyId()
        products = _decay_products(event, last)
        if process.charged_leptons is not None:
            if sum(event[p].idAbs() in _CHARGED_LEPTONS for p in products) != process.charged_leptons:
                continue
        resonance_index = len(out["px"])
        _append_truth(out, event[last], -1)
        for product in products:
            _append_truth(out, event[product], resonance_index)
    return out


_NO_TRUTH: dict[str, list] = {k: [] for k in TRUTH_FIELDS}
_CHARGED_LEPTONS = (11, 13, 15)
_NEUTRINOS = (12, 14, 16)
_INTERMEDIATE_BOSONS = (23, 24)


def _decay_products(event, index: int) -> list[int]:
    products = []
    for d in event[index].daughterList():
        daughter = event[d]
        if daughter.idAbs() in _INTERMEDIATE_BOSONS:
            products.extend(_decay_products(event, daughter.iBotCopyId()))
        elif daughter.idAbs() not in _NEUTRINOS:
            products.append(d)
    return products


def _append_truth(out: dict[str, list], particle, mother: int) -> None:
    out["px"].append(particle.px()); out["py"].append(particle.py()); out["pz"].append(particle.pz())
    out["energy"].append(particle.e()); out["pid"].append(particle.id()); out["mother"].append(mother)


def _jagged(rows: list[list], dtype) -> ak.Array:
    flat = np.asarray([x for row in rows for x in row], dtype=dtype)
    counts = np.asarray([len(row) for row in rows], dtype=np.int64)
    return ak.unflatten(flat, counts)
