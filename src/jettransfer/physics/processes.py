"""The registry of generated processes: Pythia settings and which resonance makes a signal jet."""

from __future__ import annotations

from dataclasses import dataclass

HADRONIC_W = ("24:onMode = off", "24:onIfAny = 1 2 3 4 5")


@dataclass(frozen=True)
class Process:
    name: str
    description: str
    pythia_settings: tuple[str, ...]
    # |PDG id| of the resonance a signal jet must contain (with all its decay quarks); None = QCD.
    signal_pdg: int | None


PROCESSES: dict[str, Process] = {
    p.name: p
    for p in (
        Process("qcd_dijet", "QCD 2->2 dijets", ("HardQCD:all = on",), None),
        Process(
            "ttbar_hadronic",
            "ttbar, both W decaying to quarks",
            ("Top:gg2ttbar = on", "Top:qqbar2ttbar = on", *HADRONIC_W),
            6,
        ),
        Process(
            "ww_hadronic",
            "W+W-, both decaying to quarks",
            ("WeakDoubleBoson:ffbar2WW = on", *HADRONIC_W),
            24,
        ),
    )
}


def get_process(name: str) -> Process:
    try:
        return PROCESSES[name]
    except KeyError:
        raise KeyError(f"unknown process {name!r}; known: {sorted(PROCESSES)}") from None
