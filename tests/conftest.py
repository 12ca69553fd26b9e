"""Shared fixtures: small real Pythia samples, generated once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettransfer.physics.clustering import cluster_jets
from jettransfer.physics.generation import GenerationSettings, generate_events
from jettransfer.physics.processes import get_process
from jettransfer.physics.selection import JetSelection

REPO = Path(__file__).resolve().parents[1]
SELECTION_500 = JetSelection(pt_min=500.0)


def _sample(process: str, n_jets: int, seed: int):
    events = generate_events(get_process(process), n_jets, SELECTION_500, 0.8, seed, GenerationSettings())
    return events, cluster_jets(events, get_process(process), SELECTION_500, 0.8)


@pytest.fixture(scope="session")
def top_sample():
    """(EventRecord, JetTable) of 60 truth-matched top jets, pT > 500 GeV."""
    return _sample("ttbar_hadronic", 60, seed=11)


@pytest.fixture(scope="session")
def qcd_sample():
    """(EventRecord, JetTable) of 60 QCD jets, pT > 500 GeV."""
    return _sample("qcd_dijet", 60, seed=12)
