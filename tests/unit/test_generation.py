import numpy as np
import pytest

from jettransfer.data.event_file import read_events, write_events
from jettransfer.physics.generation import GenerationSettings, generate_events, shard_seed
from jettransfer.physics.processes import get_process
from jettransfer.physics.selection import JetSelection


def test_shard_seeds_are_stable_distinct_and_in_pythia_range():
    seeds = {shard_seed(1, s, i) for s in ("top", "qcd") for i in range(50)}
    assert len(seeds) == 100
    assert all(1 <= s <= 900_000_000 for s in seeds)
    assert shard_seed(1, "top", 3) == shard_seed(1, "top", 3)


def test_same_seed_gives_identical_file_bytes(tmp_path):
    selection = JetSelection(pt_min=500.0)
    paths = []
    for i in range(2):
        record = generate_events(get_process("qcd_dijet"), 10, selection, 0.8, seed=5, settings=GenerationSettings())
        paths.append(tmp_path / f"run{i}" / "events.root")
        write_events(paths[-1], record)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    other = generate_events(get_process("qcd_dijet"), 10, selection, 0.8, seed=6, settings=GenerationSettings())
    assert other.particles["px"].tolist() != read_events(paths[0]).particles["px"].tolist()


def test_top_events_record_top_and_its_three_decay_quarks(top_sample):
    events, _ = top_sample
    with_b = total = 0
    for pid, mother in zip(events.truth["pid"].tolist(), events.truth["mother"].tolist()):
        pid, mother = np.array(pid), np.array(mother)
        resonances = np.flatnonzero(mother == -1)
        assert len(resonances) == 2 and set(np.abs(pid[resonances])) == {6}
        for r in resonances:
            quarks = pid[mother == r]
            assert len(quarks) == 3 and np.all(np.abs(quarks) <= 5)
            with_b += 5 in np.abs(quarks)
            total += 1
    # t -> W b nearly always; Pythia also decays t -> W s, W d with their CKM weights.
    assert with_b / total > 0.95


def test_generation_stops_at_requested_jets(qcd_sample):
    events, jets = qcd_sample
    assert events.provenance["jets_selected"] >= 60
    # At most max_jets_per_event - 1 beyond the request: the last event may add two.
    assert events.provenance["jets_selected"] <= 61


def test_unreachable_cut_fails_clearly():
    settings = GenerationSettings(max_events_per_jet=2)
    selection = JetSelection(pt_min=500.0, pt_max=500.5)
    with pytest.raises(RuntimeError, match="only .* jets after"):
        generate_events(get_process("qcd_dijet"), 5, selection, 0.8, seed=3, settings=settings)


@pytest.mark.parametrize("name, resonance, products", [
    ("z_qq", 23, 2), ("w_qq", 24, 2), ("h_bb", 25, 2), ("h_cc", 25, 2), ("h_gg", 25, 2), ("h_4q", 25, 4), ("t_blv", 6, 2),
])
def test_jetclass_like_processes_give_matched_jets_of_their_class(name, resonance, products):
    from jettransfer.physics.clustering import cluster_jets

    process, selection = get_process(name), JetSelection(pt_min=500.0)
    events = generate_events(process, 4, selection, 0.8, seed=1, settings=GenerationSettings())
    jets = cluster_jets(events, process, selection, 0.8)
    assert len(jets) >= 4 and np.all(jets.jets["label"] == 1)
    for pid, mother in zip(events.truth["pid"].tolist(), events.truth["mother"].tolist()):
        pid, mother = np.abs(np.array(pid)), np.array(mother)
        for r in np.flatnonzero(mother == -1):
            assert pid[r] == resonance
            decay = pid[mother == r]
            assert len(decay) == products and not np.isin(decay, (12, 14, 16)).any()
            if name == "t_blv":
                assert np.isin(decay, (11, 13)).sum() == 1, "only the leptonic top is signal"
            if name == "h_gg":
                assert (decay == 21).all()
