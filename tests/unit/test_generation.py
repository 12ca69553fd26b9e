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
    ("h_lvqq", 25, 3),
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
            if name in ("t_blv", "h_lvqq"):
                assert np.isin(decay, (11, 13, 15)).sum() == 1, "only resonances with one leptonic W are signal"
            if name == "h_gg":
                assert (decay == 21).all()


def test_user_pythia_lines_come_last_and_change_the_events():
    """A stable pi0 (the public LundNet data's setting) leaves pi0s among the final-state particles."""
    selection = JetSelection(pt_min=500.0)
    plain = generate_events(get_process("qcd_dijet"), 4, selection, 0.8, seed=2, settings=GenerationSettings())
    stable = generate_events(get_process("qcd_dijet"), 4, selection, 0.8, seed=2,
                             settings=GenerationSettings(extra_lines=("111:mayDecay = off",)))
    assert stable.provenance["settings"][-1] == "111:mayDecay = off"
    assert 111 not in np.abs(np.concatenate(plain.particles["pid"].tolist())).tolist()
    assert 111 in np.abs(np.concatenate(stable.particles["pid"].tolist())).tolist()


def test_a_rejected_pythia_line_is_named_before_any_event():
    with pytest.raises(ValueError, match=r"Pythia rejected the setting 'Tune:pp = banana'"):
        generate_events(get_process("qcd_dijet"), 4, JetSelection(pt_min=500.0), 0.8, seed=2,
                        settings=GenerationSettings(extra_lines=("Tune:pp = banana",)))


def test_without_truth_matching_every_selected_jet_of_a_signal_event_is_signal():
    """W jets at 500 GeV with R = 0.4: the W's two quarks are rarely both inside, so matching drops
    most jets; without it, the two leading jets of every event are kept as signal."""
    from jettransfer.physics.clustering import cluster_jets

    process = get_process("ww_hadronic")
    matched, unmatched = JetSelection(pt_min=500.0, match_radius=0.4), JetSelection(pt_min=500.0, match_radius=None)
    with_matching = generate_events(process, 20, matched, 0.4, seed=4, settings=GenerationSettings())
    without = generate_events(process, 20, unmatched, 0.4, seed=4, settings=GenerationSettings())
    assert without.provenance["events_tried"] < with_matching.provenance["events_tried"]
    jets = cluster_jets(without, process, unmatched, 0.4)
    assert len(jets) >= 20 and np.all(jets.jets["label"] == 1) and np.isnan(jets.jets["truth_pt"]).all()
    assert len(cluster_jets(without, process, matched, 0.4)) < len(jets)
