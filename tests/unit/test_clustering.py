import awkward as ak
import fastjet
import numpy as np

from jettransfer.physics.kinematics import rapidity, transverse_momentum


def test_fastjet_finds_every_jet_generation_counted(top_sample, qcd_sample):
    for events, jets in (top_sample, qcd_sample):
        assert len(jets) == events.provenance["jets_selected"]


def test_jets_pass_the_cuts_and_constituents_sum_to_the_jet(top_sample, qcd_sample):
    for _, jets in (top_sample, qcd_sample):
        assert np.all(jets.jets["jet_pt"] > 500.0)
        assert np.all(np.abs(jets.jets["jet_rapidity"]) < 2.5)
        c = jets.constituents
        px, py = ak.to_numpy(ak.sum(c["px"], axis=1)), ak.to_numpy(ak.sum(c["py"], axis=1))
        np.testing.assert_allclose(transverse_momentum(px, py), jets.jets["jet_pt"], rtol=1e-4)
        pts = [np.hypot(ak.to_numpy(x), ak.to_numpy(y)) for x, y in zip(c["px"][:10], c["py"][:10])]
        assert all(np.all(np.diff(p) <= 1e-4) for p in pts), "constituents ordered by decreasing pT"


def test_jets_agree_with_a_direct_fastjet_clustering(qcd_sample):
    events, jets = qcd_sample
    # Recluster event 0 independently with FastJet's classic interface.
    p = events.particles
    pseudojets = [fastjet.PseudoJet(float(a), float(b), float(c), float(d))
                  for a, b, c, d in zip(p["px"][0], p["py"][0], p["pz"][0], p["energy"][0])]
    reference = sorted(fastjet.JetDefinition(fastjet.antikt_algorithm, 0.8)(pseudojets), key=lambda j: -j.pt())
    ours = jets.jets["jet_pt"][jets.jets["event_number"] == events.event_number[0]]
    expected = [j.pt() for j in reference[:2] if j.pt() > 500 and abs(j.rap()) < 2.5]
    np.testing.assert_allclose(np.sort(ours)[::-1], expected, rtol=1e-5)


def test_top_jets_are_matched_and_qcd_has_no_truth(top_sample, qcd_sample):
    _, top = top_sample
    _, qcd = qcd_sample
    assert np.all(top.jets["label"] == 1) and np.all(qcd.jets["label"] == 0)
    assert np.all(np.isnan(qcd.jets["truth_pt"]))
    # The matched top lies inside the jet and carries most of its momentum; the jet mass peaks near m_top.
    dr = np.hypot(top.jets["jet_rapidity"] - rapidity_of_truth(top), wrap(top.jets["jet_phi"] - top.jets["truth_phi"]))
    assert np.all(dr < 0.8)
    assert 120 < np.median(top.jets["jet_mass"]) < 220
    assert np.median(qcd.jets["jet_mass"]) < np.median(top.jets["jet_mass"])


def test_matched_fraction_of_top_candidates_is_high(top_sample):
    events, jets = top_sample
    # Every selected top jet is matched by construction; most events with a candidate give one.
    assert len(jets) >= 0.5 * len(events)


def rapidity_of_truth(table):
    pt, eta, phi, m = (table.jets[k] for k in ("truth_pt", "truth_eta", "truth_phi", "truth_mass"))
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    return rapidity(px, py, pz, np.sqrt(px**2 + py**2 + pz**2 + m**2))


def wrap(x):
    return (x + np.pi) % (2 * np.pi) - np.pi
