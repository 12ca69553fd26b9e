"""Pythia 8 generation of whole events, reconstructed into objects as they are made (seed 002).

Per event, Python copies only what reconstruction needs: the visible final-state particles in
the acceptance, the weakly decaying B hadrons (for ghost b-tagging) and the truth of the hard
process (Higgs, top, antitop). Every `chunk_events` events the chunk is reconstructed at once,
so FastJet runs once per chunk, not once per event.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict

import awkward as ak
import numpy as np

from jettransfer.data.object_file import TRUTH_PARTICLES, ObjectRecord, truth_keys
from jettransfer.physics.event_processes import EventProcess, slha_path
from jettransfer.physics.generation import (MAX_CONSECUTIVE_FAILURES, GenerationSettings, SpeciesTable,
                                            charge_table, generator_version)
from jettransfer.physics.kinematics import azimuth, pseudorapidity
from jettransfer.physics.objects import OBJECT_TYPES
from jettransfer.physics.reconstruction import ReconstructionSettings, is_b_hadron, reconstruct_events

log = logging.getLogger(__name__)

_TRUTH_PDG = {"higgs": 25, "top": 6, "antitop": -6}
assert tuple(_TRUTH_PDG) == TRUTH_PARTICLES
# Status codes 21-29 mark the hardest subprocess, resonance decays included (Pythia's manual).
_HARD_STATUS = range(21, 30)
_MOMENTUM = ("px", "py", "pz", "energy")
_MISSING_MOMENTUM = OBJECT_TYPES.index("missing_momentum")


def event_pythia_settings(process: EventProcess, seed: int, settings: GenerationSettings) -> list[str]:
    """The Pythia lines for `process`: beams, the process, switches, seed, then the user's lines."""
    return [
        f"Beams:eCM = {settings.sqrt_s_gev}",
        *process.pythia_settings,
        # SLHA:verbose = 0: the spectrum's printout at init ignores Print:quiet.
        *([f"SLHA:file = {slha_path()}", "SLHA:verbose = 0"] if process.slha else []),
        f"PartonLevel:MPI = {'on' if settings.underlying_event else 'off'}",
        f"HadronLevel:all = {'on' if settings.hadronisation else 'off'}",
        "Random:setSeed = on",
        f"Random:seed = {seed}",
        "Print:quiet = on",
        "Next:numberCount = 0",
        *settings.extra_lines,
    ]


def generate_object_events(
    process: EventProcess,
    n_events: int,
    seed: int,
    settings: GenerationSettings,
    reconstruction: ReconstructionSettings,
    particle_eta_max: float = 5.0,
    progress_seconds: float = 30.0,
    chunk_events: int = 256,
) -> ObjectRecord:
    """Generate `n_events` events of `process` and reconstruct each into objects.

    Objects are made from the visible final-state particles with |eta| < particle_eta_max (the
    detector's acceptance). The b-tag draws use np.random.default_rng(seed), so one seed fixes
    the file's bytes. A failed Pythia event is skipped; event_number counts every attempt.
    """
    import pythia8mc
    from pythia8mc import Particle

    lines = event_pythia_settings(process, seed, settings)
    pythia = pythia8mc.Pythia("", False)
    for line in lines:
        if not pythia.readString(line):
            raise ValueError(f"Pythia rejected the setting {line!r}")
    if not pythia.init():
        raise RuntimeError(f"Pythia failed to initialise for process {process.name}")
    charge_of = charge_table(pythia)
    visible_species = SpeciesTable(lambda pid: bool(pythia.particleData.isVisible(pid)))
    rng = np.random.default_rng(seed)

    chunk = _Chunk(visible_species)
    parts: list[dict[str, ak.Array]] = []
    truth: dict[str, list] = {k: [] for k in truth_keys()}
    event_numbers: list[int] = []
    n_tried = failures = 0
    start = last_report = time.monotonic()
    while len(event_numbers) < n_events:
        n_tried += 1
        if not pythia.next():
            failures += 1
            if failures > MAX_CONSECUTIVE_FAILURES:
                raise RuntimeError(f"{process.name}: Pythia failed {failures} events in a row")
            continue
        failures = 0
        event = pythia.event
        entries = list(map(event.__getitem__, range(event.size())))
        ids = np.fromiter(map(Particle.id, entries), dtype=np.int64, count=len(entries))
        chunk.add(entries, ids, particle_eta_max)
        for key, value in _hard_truth(event, entries, ids).items():
            truth[key].append(value)
        event_numbers.append(n_tried - 1)
        if len(chunk) == chunk_events:
            parts.append(chunk.reconstruct(reconstruction, rng, charge_of))
            chunk = _Chunk(visible_species)
        now = time.monotonic()
        if now - last_report > progress_seconds:
            rate = len(event_numbers) / (now - start)
            log.info("%s: %d/%d events, %.1f events/s, ETA %.0f s", process.name, len(event_numbers), n_events, rate,
                     (n_events - len(event_numbers)) / max(rate, 1e-9))
            last_report = now
    if len(chunk) or not parts:
        parts.append(chunk.reconstruct(reconstruction, rng, charge_of))
    elapsed = time.monotonic() - start
    log.info("%s: %d events (%d tried) in %.1f s (%.1f events/s)", process.name, n_events, n_tried, elapsed,
             n_events / max(elapsed, 1e-9))

    objects = {k: ak.concatenate([p[k] for p in parts]) for k in parts[0]}
    # The missing momentum is each event's last object; the file also keeps it flat.
    last = ak.to_numpy(ak.num(objects["pt"])).cumsum() - 1
    flat = {k: ak.to_numpy(ak.flatten(objects[k])) for k in ("pt", "phi", "type")}
    assert np.all(flat["type"][last] == _MISSING_MOMENTUM)
    return ObjectRecord(
        event_number=np.asarray(event_numbers, dtype=np.int64),
        objects=objects,
        met=flat["pt"][last],
        met_phi=flat["phi"][last],
        truth={k: np.asarray(truth[k], dtype=t) for k, t in truth_keys().items()},
        provenance={
            "process": process.name, "seed": seed, "events": n_events, "events_tried": n_tried,
            "generator": generator_version(), "settings": lines, "particle_eta_max": particle_eta_max,
            "reconstruction": asdict(reconstruction),
        },
    )


class _Chunk:
    """The particles and B hadrons of the events not yet reconstructed, flat per event."""

    def __init__(self, visible_species: SpeciesTable) -> None:
        self.visible_species = visible_species
        self.particles: dict[str, list[np.ndarray]] = {k: [] for k in (*_MOMENTUM, "pid")}
        self.b_hadrons: dict[str, list[float]] = {k: [] for k in _MOMENTUM}
        self.particle_counts: list[int] = []
        self.b_hadron_counts: list[int] = []

    def __len__(self) -> int:
        return len(self.particle_counts)

    def add(self, entries: list, ids: np.ndarray, particle_eta_max: float) -> None:
        """Copy the visible final-state particles in the acceptance and the weakly decaying B
        hadrons of one event (its record's `entries`, of PDG ids `ids`). Each getter is mapped
        over the entries at once, so the loops over particles run in C, not in Python bytecode."""
        from pythia8mc import Particle

        final = np.flatnonzero(np.fromiter(map(Particle.isFinal, entries), dtype=bool, count=len(entries)))
        # Visibility is a property of the species: a dictionary look-up is cheaper than asking
        # each particle.
        seen = final[np.fromiter(map(self.visible_species.__getitem__, ids[final].tolist()), dtype=bool,
                                 count=len(final))]
        visible = list(map(entries.__getitem__, seen.tolist()))
        momenta = {k: np.fromiter(map(getter, visible), dtype=np.float64, count=len(visible))
                   for k, getter in zip(_MOMENTUM, (Particle.px, Particle.py, Particle.pz, Particle.e))}
        inside = np.abs(pseudorapidity(momenta["px"], momenta["py"], momenta["pz"])) < particle_eta_max
        for k, v in momenta.items():
            self.particles[k].append(v[inside])
        self.particles["pid"].append(ids[seen][inside])
        self.particle_counts.append(int(inside.sum()))

        n_b = 0
        b_hadron = is_b_hadron(ids)
        for i in np.flatnonzero(b_hadron).tolist():
            # Only the last b hadron of its decay chain, the one whose decay a b-tagger sees:
            # weakly_decaying_b_hadron's rule, with the record's b hadrons found once.
            if b_hadron[entries[i].daughterList()].any():
                continue
            b = entries[i]
            for k, value in zip(_MOMENTUM, (b.px(), b.py(), b.pz(), b.e())):
                self.b_hadrons[k].append(value)
            n_b += 1
        self.b_hadron_counts.append(n_b)

    def reconstruct(self, settings: ReconstructionSettings, rng: np.random.Generator,
                    charge_of: SpeciesTable) -> dict[str, ak.Array]:
        counts = np.asarray(self.particle_counts, dtype=np.int64)
        flat = {k: np.concatenate(v) if v else np.zeros(0) for k, v in self.particles.items()}
        # Charges once per chunk, by species: a few dozen look-ups instead of one per particle.
        species, inverse = np.unique(flat["pid"].astype(np.int64), return_inverse=True)
        flat["charge"] = np.asarray([charge_of[p] for p in species.tolist()], dtype=np.int64)[inverse]
        particles = {k: ak.unflatten(v, counts) for k, v in flat.items()}
        b_counts = np.asarray(self.b_hadron_counts, dtype=np.int64)
        b_hadrons = {k: ak.unflatten(np.asarray(v, dtype=np.float64), b_counts) for k, v in self.b_hadrons.items()}
        return reconstruct_events(particles, b_hadrons, settings, rng)


def _hard_truth(event, entries: list, ids: np.ndarray) -> dict[str, float | int]:
    """exists, pT, eta, phi of the hard process's Higgs, top and antitop: the last copy before
    decay (iBotCopyId) of the first entry with a status of the hardest subprocess.

    The event record, not pythia.process, is searched: a resonance's decay products (the H of
    t -> H q) sit at other indices in the event record than in the process record.
    """
    first: dict[int, int] = {}
    for i in np.flatnonzero(np.isin(ids, tuple(_TRUTH_PDG.values()))).tolist():
        if int(ids[i]) not in first and entries[i].statusAbs() in _HARD_STATUS:
            first[int(ids[i])] = i
    out: dict[str, float | int] = {}
    for name, pdg in _TRUTH_PDG.items():
        if pdg not in first:
            out |= {f"{name}_exists": 0, f"{name}_pt": 0.0, f"{name}_eta": 0.0, f"{name}_phi": 0.0}
            continue
        last = event[entries[first[pdg]].iBotCopyId()]
        px, py, pz = last.px(), last.py(), last.pz()
        out |= {f"{name}_exists": 1, f"{name}_pt": float(np.hypot(px, py)),
                f"{name}_eta": float(pseudorapidity(px, py, pz)), f"{name}_phi": float(azimuth(px, py))}
    return out
