"""Whole-event generation with real Pythia: truth, every process family, reproducibility."""

import awkward as ak
import numpy as np
import pytest

from jettransfer.data.object_file import read_objects, write_objects
from jettransfer.physics.event_generation import generate_object_events
from jettransfer.physics.event_processes import EVENT_PROCESSES, NOT_AVAILABLE, get_event_process, slha_path
from jettransfer.physics.generation import GenerationSettings
from jettransfer.physics.objects import OBJECT_TYPES
from jettransfer.physics.reconstruction import ReconstructionSettings
from jettransfer.config import jets_in_shard
from jettransfer.stages.generate_objects import generate_object_shard

RECONSTRUCTION = {
    "jet_radius": 0.4, "jet_pt_min": 25.0, "jet_eta_max": 2.5, "electron_pt_min": 10.0, "electron_eta_max": 2.47,
    "muon_pt_min": 10.0, "muon_eta_max": 2.5, "photon_pt_min": 20.0, "photon_eta_max": 2.37,
    "isolation_radius": 0.3, "isolation_max": 0.15, "btag_efficiency": 0.77, "mistag_rate": 0.01,
}
SETTINGS = ReconstructionSettings.from_config(RECONSTRUCTION)
GENERATION = GenerationSettings(sqrt_s_gev=13000.0)
MISSING = OBJECT_TYPES.index("missing_momentum")


def generate(name, n_events=4, seed=3, reconstruction=SETTINGS, **options):
    return generate_object_events(get_event_process(name), n_events, seed, GENERATION, reconstruction, **options)


def replay(record):
    """The record's events again, from a fresh Pythia with the settings and seed it reports."""
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    for line in record.provenance["settings"]:
        assert pythia.readString(line)
    assert pythia.init()
    wanted, attempt = set(record.event_number.tolist()), 0
    while wanted:
        ok = pythia.next()
        if attempt in wanted:
            assert ok
            wanted.discard(attempt)
            yield pythia.event
        attempt += 1


def last_copies(event, pdg):
    """Entries of id `pdg` that decay into something else: the last copies, found by their daughters."""
    return [i for i in range(event.size()) if event[i].id() == pdg
            and all(event[d].id() != pdg for d in event[i].daughterList())]


@pytest.fixture(scope="module")
def tth():
    return generate("tth", n_events=5, chunk_events=2)


def test_tth_truth_is_the_last_copies_of_the_higgs_and_both_tops(tth):
    for row, event in enumerate(replay(tth)):
        for name, pdg in (("higgs", 25), ("top", 6), ("antitop", -6)):
            (last,) = last_copies(event, pdg)
            particle = event[last]
            assert tth.truth[f"{name}_exists"][row] == 1
            np.testing.assert_allclose(tth.truth[f"{name}_pt"][row], particle.pT(), rtol=1e-5)
            np.testing.assert_allclose(tth.truth[f"{name}_eta"][row], particle.eta(), rtol=1e-5, atol=1e-5)
            np.testing.assert_allclose(tth.truth[f"{name}_phi"][row], particle.phi() % (2 * np.pi), atol=1e-5)


def test_every_event_has_objects_ending_in_the_missing_momentum(tth):
    assert len(tth) == 5 and np.all(np.diff(tth.event_number) > 0)
    assert ak.all(tth.objects["type"][:, -1] == MISSING)
    np.testing.assert_array_equal(tth.met, ak.to_numpy(tth.objects["pt"][:, -1]))
    # ttH has jets: more than the missing momentum in every event.
    assert ak.all(ak.num(tth.objects["pt"]) > 1)


def test_missing_momentum_balances_the_visible_particles_in_the_acceptance(tth):
    for row, event in enumerate(replay(tth)):
        px = py = 0.0
        for i in range(event.size()):
            p = event[i]
            if p.isFinal() and p.isVisible() and abs(p.eta()) < 5.0:
                px, py = px + p.px(), py + p.py()
        np.testing.assert_allclose(tth.met[row], np.hypot(px, py), rtol=1e-4)


# Which of (Higgs, top, antitop) each process's events have; None: either top, not both.
EXPECTED_TRUTH = {
    "ggf": (1, 0, 0), "vbf": (1, 0, 0), "wh": (1, 0, 0), "zh": (1, 0, 0), "tth": (1, 1, 1), "tth_diphoton": (1, 1, 1),
    "ttbar": (0, 1, 1), "single_top_t": (0, None, None), "single_top_s": (0, None, None), "fcnc_thq": (1, 1, 1),
    "stop_pairs": (0, 1, 1),
}


@pytest.mark.parametrize("name", sorted(EVENT_PROCESSES))
def test_every_process_generates_events_with_its_truth(name):
    record = generate(name, n_events=3)
    assert len(record) == 3
    exists = np.stack([record.truth[f"{p}_exists"] for p in ("higgs", "top", "antitop")], axis=1)
    higgs, top, antitop = EXPECTED_TRUTH[name]
    assert np.all(exists[:, 0] == higgs)
    if top is None:
        assert np.all(exists[:, 1] + exists[:, 2] == 1)
    else:
        assert np.all(exists[:, 1] == top) and np.all(exists[:, 2] == antitop)
    assert np.all(record.truth["higgs_pt"][exists[:, 0] == 0] == 0)


def test_stop_pairs_read_the_shipped_spectrum_and_leave_large_missing_momentum():
    assert slha_path().is_file()
    record = generate("stop_pairs", n_events=4)
    assert f"SLHA:file = {slha_path()}" in record.provenance["settings"]
    # Two invisible 100 GeV neutralinos from 800 GeV stops.
    assert np.median(record.met) > 100.0


def test_fcnc_events_have_a_higgs_from_the_top_decay():
    record = generate("fcnc_thq", n_events=4)
    for row, event in enumerate(replay(record)):
        (last,) = last_copies(event, 25)
        first = event[last].iTopCopyId()
        assert event[event[first].mother1()].id() == 6, "the Higgs comes from the top, not the antitop"
        np.testing.assert_allclose(record.truth["higgs_pt"][row], event[last].pT(), rtol=1e-5)


def test_ttbar_has_no_higgs_and_b_jets_are_tagged():
    always = ReconstructionSettings.from_config({**RECONSTRUCTION, "btag_efficiency": 1.0, "mistag_rate": 0.0})
    record = generate("ttbar", n_events=6, reconstruction=always)
    assert not record.truth["higgs_exists"].any() and record.truth["top_exists"].all()
    # Two b quarks per event: most events have a ghost-tagged jet within the cuts.
    tagged = ak.to_numpy(ak.sum(record.objects["btag"], axis=1))
    assert (tagged > 0).sum() >= 4
    never = ReconstructionSettings.from_config({**RECONSTRUCTION, "btag_efficiency": 0.0, "mistag_rate": 0.0})
    assert ak.sum(generate("ttbar", n_events=6, reconstruction=never).objects["btag"]) == 0


def test_same_seed_gives_identical_file_bytes(tmp_path):
    paths = [tmp_path / run / "objects.root" for run in ("a", "b")]
    for path in paths:
        write_objects(path, generate("wh", n_events=5, seed=9, chunk_events=2))
    assert paths[0].read_bytes() == paths[1].read_bytes()
    other = generate("wh", n_events=5, seed=10)
    assert other.objects["pt"].tolist() != read_objects(paths[0]).objects["pt"].tolist()


@pytest.mark.parametrize("name", sorted(NOT_AVAILABLE))
def test_processes_pythia_lacks_give_a_clear_error(name):
    with pytest.raises(KeyError, match=f"process '{name}' is not available: .*Pythia"):
        get_event_process(name)


def test_unknown_process_lists_the_known_ones():
    with pytest.raises(KeyError, match="known: .*'tth'"):
        get_event_process("tth_made_up")


CONFIG = {
    "seed": 1,
    "samples": {"zh": {"process": "zh", "n_events": 5, "shards": 2, "pythia_settings": ["25:onMode = off",
                                                                                    "25:onIfMatch = 5 -5"]}},
    "generation": {"sqrt_s_gev": 13000.0, "pthat_min_fraction": 0.85, "underlying_event": True,
                   "hadronisation": True, "max_events_per_jet": 2000},
    "reconstruction": RECONSTRUCTION,
    "clustering": {"particle_eta_max": 5.0},
}


def test_shards_split_the_events_evenly():
    config = {"samples": {"s": {"process": "tth", "n_events": 11, "shards": 4}}}
    assert [jets_in_shard(config, "s", i) for i in range(4)] == [3, 3, 3, 2]


def test_a_shard_is_written_with_its_provenance_and_the_sample_lines_last(tmp_path):
    generate_object_shard(CONFIG, "zh", 1, tmp_path / "shard1.root")
    record = read_objects(tmp_path / "shard1.root")
    assert len(record) == 2 and record.truth["higgs_exists"].all()
    assert record.provenance["sample"] == "zh" and record.provenance["shard"] == 1
    assert len(record.provenance["config_hash"]) == 16
    assert record.provenance["settings"][-2:] == CONFIG["samples"]["zh"]["pythia_settings"]
    assert record.provenance["reconstruction"] == RECONSTRUCTION
