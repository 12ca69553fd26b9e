"""Reconstructed objects of a whole event (seed 002): what an event graph's nodes are.

Each object is a row of EVENT_OBJECT_FEATURES: pT [GeV], eta, phi, E [GeV], b-tag (0/1),
charge (-1, 0, +1) and type (OBJECT_TYPES' index). jettransfer.physics.reconstruction makes
them from an event's visible particles (phi in [0, 2 pi), FastJet's convention), and
jettransfer.data.object_file stores them."""

from __future__ import annotations

EVENT_OBJECT_FEATURES = ("pt", "eta", "phi", "energy", "btag", "charge", "type")
OBJECT_TYPES = ("jet", "electron", "muon", "photon", "missing_momentum")
