import numpy as np
import pytest
import yaml

from jettransfer.data.jet_file import read_jets
from jettransfer.data.ranges import offsets_from_counts
from jettransfer.physics.constituents import Constituents
from jettransfer.physics.detector import smear_constituents
from jettransfer.physics.kinematics import pt_y_phi_m


def test_energy_and_angular_resolutions_are_as_configured():
    n = 20000
    rng = np.random.default_rng(0)
    y, phi = rng.uniform(-1, 1, n), rng.uniform(0, 6, n)
    momenta = np.stack([100 * np.cos(phi) / np.cosh(y), 100 * np.sin(phi) / np.cosh(y), 100 * np.tanh(y), np.full(n, 100.0)], axis=1)
    c = Constituents(momenta, offsets_from_counts([n]))
    smeared = smear_constituents(c, stochastic=0.5, constant=0.05, angle=0.02, rng=np.random.default_rng(1))
    expected = np.sqrt(0.5**2 / 100 + 0.05**2)  # 0.0707 at E = 100 GeV
    assert np.std(smeared.momenta[:, 3] / 100.0) == pytest.approx(expected, rel=0.05)
    _, y_after, phi_after, _ = pt_y_phi_m(smeared.momenta)
    _, y_before, phi_before, _ = pt_y_phi_m(momenta)
    assert np.std(y_after - y_before) == pytest.approx(0.02, rel=0.05)
    again = smear_constituents(c, 0.5, 0.05, 0.02, np.random.default_rng(1))
    np.testing.assert_array_equal(again.momenta, smeared.momenta)


def test_clustering_stage_with_a_detector(tmp_path, top_sample):
    from jettransfer.config import load_config
    from jettransfer.data.event_file import write_events
    from jettransfer.stages.cluster import cluster_shard
    from tests.conftest import REPO

    config = yaml.safe_load((REPO / "tests" / "config" / "tiny.yaml").read_text())
    config["samples"]["top_500gev"]["n_jets"] = 60
    config["clustering"] = {"smearing": {"stochastic": 0.5, "constant": 0.05, "angle": 0.05}}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    events, clean = top_sample
    write_events(tmp_path / "events.root", events)
    outputs = [tmp_path / name / "jets.root" for name in ("a", "b")]
    for out in outputs:
        cluster_shard(load_config(path), "top_500gev", tmp_path / "events.root", out)
    assert outputs[0].read_bytes() == outputs[1].read_bytes(), "the same shard smears the same way"
    smeared = read_jets(outputs[0])
    assert smeared.provenance["smearing"]["angle"] == 0.05
    assert 0.8 * len(clean) <= len(smeared) <= 1.2 * len(clean)
    # Jet masses blur: the spread about the top mass grows.
    assert np.std(smeared.jets["jet_mass"]) > 0.9 * np.std(clean.jets["jet_mass"])
    assert not np.allclose(np.sort(smeared.jets["jet_pt"])[:5], np.sort(clean.jets["jet_pt"])[:5])
