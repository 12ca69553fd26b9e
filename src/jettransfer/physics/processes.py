"""The registry of generated processes: Pythia settings and which resonance makes a signal jet.

Besides seed 000's samples (QCD dijets, hadronic ttbar, hadronic WW) it holds JetClass-like
classes for pretraining: a boosted Z, W or H recoiling against a jet (H -> bb, cc, gg, and
H -> WW* -> 4q or l nu qq'), and tops decaying hadronically (t -> bqq') or leptonically
(t -> b l nu): with QCD, JetClass's ten classes.
"""

from __future__ import annotations

from dataclasses import dataclass

HADRONIC_W = ("24:onMode = off", "24:onIfAny = 1 2 3 4 5")
HADRONIC_Z = ("23:onMode = off", "23:onIfAny = 1 2 3 4 5", "WeakZ0:gmZmode = 2")
V_PLUS_JET = {
    "Z": ("WeakBosonAndParton:qqbar2gmZg = on", "WeakBosonAndParton:qg2gmZq = on"),
    "W": ("WeakBosonAndParton:qqbar2Wg = on", "WeakBosonAndParton:qg2Wq = on"),
}
H_PLUS_JET = ("HiggsSM:gg2Hg(l:t) = on", "HiggsSM:qg2Hq(l:t) = on", "25:onMode = off")
TTBAR = ("Top:gg2ttbar = on", "Top:qqbar2ttbar = on")


@dataclass(frozen=True)
class Process:
    name: str
    description: str
    pythia_settings: tuple[str, ...]
    # |PDG id| of the resonance a signal jet must contain (with all its visible decay partons); None = QCD.
    signal_pdg: int | None
    # The number of charged leptons among a signal resonance's decay products (0: hadronic,
    # 1: semi-leptonic); None: any. Resonances with another number are not signal.
    charged_leptons: int | None = None


PROCESSES: dict[str, Process] = {
    p.name: p
    for p in (
        Process("qcd_dijet", "QCD 2->2 dijets", ("HardQCD:all = on",), None),
        Process("ttbar_hadronic", "ttbar, both W decaying to quarks (t -> bqq')", (*TTBAR, *HADRONIC_W), 6, charged_leptons=0),
        Process("ww_hadronic", "W+W-, both decaying to quarks", ("WeakDoubleBoson:ffbar2WW = on", *HADRONIC_W), 24),
        Process("z_qq", "Z + jet, Z -> qq", (*V_PLUS_JET["Z"], *HADRONIC_Z), 23),
        Process("w_qq", "W + jet, W -> qq'", (*V_PLUS_JET["W"], *HADRONIC_W), 24),
        Process("h_bb", "H + jet, H -> bb", (*H_PLUS_JET, "25:onIfAny = 5"), 25),
        Process("h_cc", "H + jet, H -> cc", (*H_PLUS_JET, "25:onIfAny = 4"), 25),
        Process("h_gg", "H + jet, H -> gg", (*H_PLUS_JET, "25:onIfAny = 21"), 25),
        Process("h_4q", "H + jet, H -> WW* -> 4q", (*H_PLUS_JET, "25:onIfMatch = 24 -24", *HADRONIC_W), 25),
        Process("t_blv", "ttbar, t -> b l nu (l = e, mu) beside t -> bqq'; the leptonic top is the signal",
                (*TTBAR, "24:onMode = off", "24:onPosIfAny = 11 13", "24:onNegIfAny = 1 2 3 4 5"), 6, charged_leptons=1),
        # Both W charges decay either way, so that W+ and W- each give the lepton (JetClass's
        # class is charge-symmetric); only Higgs bosons with exactly one leptonic W are signal.
        Process("h_lvqq", "H + jet, H -> WW* -> l nu qq' (l = e, mu, tau)",
                (*H_PLUS_JET, "25:onIfMatch = 24 -24", "24:onMode = off", "24:onIfAny = 1 2 3 4 5 11 13 15"), 25,
                charged_leptons=1),
    )
}


def get_process(name: str) -> Process:
    try:
        return PROCESSES[name]
    except KeyError:
        raise KeyError(f"unknown process {name!r}; known: {sorted(PROCESSES)}") from None
