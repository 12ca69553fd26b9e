"""Reconstruction of hand-built events into objects: isolation, jets, b-tags, missing momentum."""

import awkward as ak
import fastjet
import numpy as np
import pytest

from jettransfer.physics.objects import EVENT_OBJECT_FEATURES, OBJECT_TYPES
from jettransfer.physics.reconstruction import (ReconstructionSettings, is_b_hadron, reconstruct_events,
                                                weakly_decaying_b_hadron)

JET, ELECTRON, MUON, PHOTON, MISSING = range(len(OBJECT_TYPES))
SETTINGS = ReconstructionSettings(
    jet_radius=0.4, jet_pt_min=20.0, jet_eta_max=2.5, electron_pt_min=10.0, electron_eta_max=2.47,
    muon_pt_min=10.0, muon_eta_max=2.5, photon_pt_min=20.0, photon_eta_max=2.37, isolation_radius=0.3,
    isolation_max=0.15, btag_efficiency=1.0, mistag_rate=0.0,
)
CHARGE = {211: 1, -211: -1, 22: 0, 11: -1, -11: 1, 13: -1, -13: 1, 130: 0}


def particle(pt, eta, phi, pid, mass=0.0):
    """(px, py, pz, E, pid, charge) of one particle."""
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    return px, py, pz, np.sqrt(px * px + py * py + pz * pz + mass * mass), pid, CHARGE[pid]


def spray(pt, eta, phi, n=5, spread=0.05, pid=211):
    """n pions of total pT ~pt close to (eta, phi): a jet's worth."""
    offsets = np.linspace(-spread, spread, n)
    return [particle(pt / n, eta + d, phi - d, pid if i % 2 else -pid, 0.14) for i, d in enumerate(offsets)]


def events(*particle_lists):
    """The `particles` mapping of reconstruct_events from one list of particle tuples per event."""
    counts = [len(p) for p in particle_lists]
    columns = np.array([row for p in particle_lists for row in p], dtype=np.float64).reshape(-1, 6)
    names = ("px", "py", "pz", "energy", "pid", "charge")
    return {k: ak.unflatten(columns[:, i].astype(np.int32 if k in ("pid", "charge") else np.float64), counts)
            for i, k in enumerate(names)}


def ghosts(*hadron_lists):
    """The `b_hadrons` mapping: B hadrons given as (pt, eta, phi) per event."""
    rows = [[particle(*h, pid=211, mass=5.3)[:4] for h in hadrons] for hadrons in hadron_lists]
    counts = [len(r) for r in rows]
    flat = np.array([x for r in rows for x in r], dtype=np.float64).reshape(-1, 4)
    return {k: ak.unflatten(flat[:, i], counts) for i, k in enumerate(("px", "py", "pz", "energy"))}


def reconstruct(particle_lists, hadron_lists=None, settings=SETTINGS, seed=0):
    hadron_lists = hadron_lists or [[] for _ in particle_lists]
    return reconstruct_events(events(*particle_lists), ghosts(*hadron_lists), settings, np.random.default_rng(seed))


def of_type(objects, event, kind):
    selected = np.asarray(objects["type"][event]) == kind
    return {k: np.asarray(objects[k][event])[selected] for k in EVENT_OBJECT_FEATURES}


def test_an_isolated_muon_and_electron_are_found_with_their_charges():
    event = [particle(50.0, 0.5, 1.0, 13), particle(30.0, -1.0, 4.0, -11), *spray(100.0, 0.0, 2.5)]
    objects = reconstruct([event])
    muon, electron = of_type(objects, 0, MUON), of_type(objects, 0, ELECTRON)
    assert muon["charge"].tolist() == [-1] and electron["charge"].tolist() == [1]
    np.testing.assert_allclose(muon["pt"], [50.0], rtol=1e-6)
    np.testing.assert_allclose(muon["eta"], [0.5], atol=1e-6)
    np.testing.assert_allclose(electron["phi"], [4.0], atol=1e-6)
    np.testing.assert_allclose(electron["pt"], [30.0], rtol=1e-6)


def test_a_lepton_inside_a_jet_is_no_lepton_and_its_momentum_joins_the_jet():
    jet_particles = spray(100.0, 0.3, 1.0)
    muon = particle(15.0, 0.32, 1.02, 13)
    objects = reconstruct([[*jet_particles, muon]])
    assert len(of_type(objects, 0, MUON)["pt"]) == 0
    (jet_pt,) = of_type(objects, 0, JET)["pt"]
    total = np.array([p[:4] for p in (*jet_particles, muon)]).sum(axis=0)
    np.testing.assert_allclose(jet_pt, np.hypot(total[0], total[1]), rtol=1e-6)


def test_an_isolated_photon_is_found_with_no_charge():
    objects = reconstruct([[particle(40.0, 1.0, 3.0, 22), *spray(80.0, -1.0, 0.0)]])
    photon = of_type(objects, 0, PHOTON)
    np.testing.assert_allclose(photon["pt"], [40.0], rtol=1e-6)
    assert photon["charge"].tolist() == [0] and photon["btag"].tolist() == [0]


def test_soft_or_forward_leptons_and_photons_are_not_objects():
    event = [particle(5.0, 0.0, 1.0, 13), particle(50.0, 2.6, 3.0, 11), particle(15.0, 0.0, 5.0, 22)]
    assert of_type(reconstruct([event]), 0, JET)["pt"].size == 0
    assert reconstruct([event])["type"][0].tolist() == [MISSING]


def test_a_jet_with_a_ghost_b_hadron_is_tagged_and_others_by_the_mistag_rate():
    event = [*spray(120.0, 0.0, 1.0), *spray(60.0, 1.0, 4.0)]
    b_hadron = [(30.0, 0.01, 0.99)]
    tagged = of_type(reconstruct([event], [b_hadron]), 0, JET)
    assert tagged["pt"][0] > tagged["pt"][1] and tagged["btag"].tolist() == [1, 0]
    everything = SETTINGS.__class__(**{**SETTINGS.__dict__, "mistag_rate": 1.0})
    assert of_type(reconstruct([event], [b_hadron], everything), 0, JET)["btag"].tolist() == [1, 1]
    # The ghost moves no jet: its momentum is 1e-18 of the hadron's.
    untagged = of_type(reconstruct([event]), 0, JET)
    np.testing.assert_array_equal(untagged["pt"], tagged["pt"])
    assert untagged["btag"].tolist() == [0, 0]


def test_jets_outside_the_pt_and_eta_window_are_dropped():
    event = [*spray(100.0, 0.0, 0.0), *spray(15.0, 0.0, 3.0), *spray(100.0, 3.0, 1.5)]
    jets = of_type(reconstruct([event]), 0, JET)
    assert len(jets["pt"]) == 1 and abs(jets["eta"][0]) < 0.1


def test_missing_momentum_is_minus_the_visible_vector_sum_and_comes_last():
    event = [particle(50.0, 0.5, 1.0, 13), *spray(100.0, 0.0, 3.0), particle(2.0, 4.0, 5.0, 130)]
    momenta = np.array([p[:2] for p in event])
    met_x, met_y = -momenta[:, 0].sum(), -momenta[:, 1].sum()
    objects = reconstruct([event])
    assert objects["type"][0][-1] == MISSING
    last = {k: objects[k][0][-1] for k in EVENT_OBJECT_FEATURES}
    np.testing.assert_allclose(last["pt"], np.hypot(met_x, met_y), rtol=1e-5)
    np.testing.assert_allclose(last["phi"], np.arctan2(met_y, met_x) % (2 * np.pi), atol=1e-5)
    assert last["eta"] == 0 and last["energy"] == last["pt"] and last["btag"] == 0 and last["charge"] == 0


def test_objects_are_ordered_jets_electrons_muons_photons_then_missing_momentum():
    event = [*spray(60.0, 0.0, 0.0), *spray(150.0, 1.0, 2.0), particle(20.0, -1.0, 4.0, 11),
             particle(45.0, 1.5, 5.0, -11), particle(30.0, -2.0, 1.0, 13), particle(25.0, 2.0, 3.5, 22),
             particle(70.0, -0.5, 5.8, 22)]
    objects = reconstruct([event])
    assert objects["type"][0].tolist() == [JET, JET, ELECTRON, ELECTRON, MUON, PHOTON, PHOTON, MISSING]
    pt = np.asarray(objects["pt"][0])
    for kind in (JET, ELECTRON, PHOTON):
        same = pt[np.asarray(objects["type"][0]) == kind]
        assert np.all(np.diff(same) < 0), "decreasing pT within each type"


def test_dtypes_and_keys():
    objects = reconstruct([[*spray(100.0, 0.0, 0.0)], []])
    assert tuple(objects) == EVENT_OBJECT_FEATURES
    for k in EVENT_OBJECT_FEATURES:
        expected = np.float32 if k in ("pt", "eta", "phi", "energy") else np.int8
        assert ak.to_numpy(ak.flatten(objects[k])).dtype == expected, k
    # An empty event still has its missing momentum, of zero.
    assert objects["type"][1].tolist() == [MISSING] and objects["pt"][1].tolist() == [0.0]


def test_same_seed_gives_the_same_tags_and_ghosts_stay_in_their_event():
    rng = np.random.default_rng(4)
    event_lists = [[p for j in range(4) for p in spray(40.0 + 30 * j, rng.uniform(-2, 2), 1.5 * j)]
                   for _ in range(30)]
    half = SETTINGS.__class__(**{**SETTINGS.__dict__, "mistag_rate": 0.5})
    first = reconstruct(event_lists, settings=half, seed=7)["btag"].tolist()
    assert first == reconstruct(event_lists, settings=half, seed=7)["btag"].tolist()
    assert first != reconstruct(event_lists, settings=half, seed=8)["btag"].tolist()
    # A ghost in event 1 only tags event 1's jet in that direction, whatever event 0 holds.
    two = [[*spray(80.0, 0.0, 1.0), *spray(50.0, 0.0, 3.0)], [*spray(80.0, 0.0, 1.0)]]
    tags = reconstruct(two, [[], [(20.0, 0.0, 1.0)]])["btag"]
    assert tags.tolist() == [[0, 0, 0], [1, 0]]


def test_jets_agree_with_a_direct_single_event_fastjet_clustering():
    rng = np.random.default_rng(1)
    n = 300
    event = [particle(pt, eta, phi, 211, 0.14) for pt, eta, phi in
             zip(rng.exponential(5.0, n), rng.uniform(-3, 3, n), rng.uniform(0, 2 * np.pi, n))]
    objects = reconstruct([event, spray(50.0, 0.0, 0.0)])
    jets = of_type(objects, 0, JET)
    pseudojets = [fastjet.PseudoJet(*map(float, p[:4])) for p in event]
    reference = sorted(fastjet.JetDefinition(fastjet.antikt_algorithm, 0.4)(pseudojets), key=lambda j: -j.pt())
    reference = [j for j in reference if j.pt() > 20.0 and abs(j.eta()) < 2.5]
    assert len(reference) >= 2
    np.testing.assert_allclose(jets["pt"], [j.pt() for j in reference], rtol=1e-5)
    np.testing.assert_allclose(jets["eta"], [j.eta() for j in reference], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(jets["phi"], [j.phi() for j in reference], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(jets["energy"], [j.E() for j in reference], rtol=1e-5)


def test_settings_from_config_need_exactly_the_fields():
    section = dict(SETTINGS.__dict__)
    assert ReconstructionSettings.from_config(section) == SETTINGS
    with pytest.raises(ValueError, match="missing \\['mistag_rate'\\]"):
        ReconstructionSettings.from_config({k: v for k, v in section.items() if k != "mistag_rate"})
    with pytest.raises(ValueError, match="unknown \\['cone'\\]"):
        ReconstructionSettings.from_config({**section, "cone": 0.4})


def test_b_hadrons_by_pdg_number():
    assert is_b_hadron(511) and is_b_hadron(-521) and is_b_hadron(5122) and is_b_hadron(-5332) and is_b_hadron(10521)
    assert not any(is_b_hadron(p) for p in (5, -5, 411, 4122, 5101, 5503, 1000005, 22, 11, 2212))
    np.testing.assert_array_equal(is_b_hadron(np.array([511, 211, -5122])), [True, False, True])
    assert not weakly_decaying_b_hadron(513, [511, 22])
    assert weakly_decaying_b_hadron(511, [-411, 211, 111])
    assert weakly_decaying_b_hadron(-531, [])
    assert not weakly_decaying_b_hadron(421, [-321, 211])
