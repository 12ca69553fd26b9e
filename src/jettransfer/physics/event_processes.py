"""The registry of whole-event processes (seed 002): what Pythia generates for an event sample.

Unlike the jet processes (jettransfer.physics.processes) nothing here picks a signal jet: the
whole event is reconstructed into objects, and its truth (Higgs, top, antitop) rides along.
Decays are Pythia's defaults unless a process forces them. Processes the seed used that
Pythia 8 cannot make are in NOT_AVAILABLE, with the reason and a substitute where one exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TTBAR = ("Top:gg2ttbar = on", "Top:qqbar2ttbar = on")
TTH = ("HiggsSM:gg2Httbar = on", "HiggsSM:qqbar2Httbar = on")
# Pythia's top has no t -> H q channel: all channels off, then W b for the antitop only
# (onNegIfMatch) and added channels H c, H u with onMode 2 (on for the top, off for the
# antitop). Each event thus has t -> H q and tbar -> W- bbar; the branching ratios given are
# renormalised among the channels that are on, so they only set H c : H u.
FCNC_TOP_TO_HQ = ("6:onMode = off", "6:onNegIfMatch = 24 5", "6:addChannel = 2 0.01 100 25 4",
                  "6:addChannel = 2 0.01 100 25 2")
STOP_PAIRS = ("SUSY:gg2squarkantisquark = on", "SUSY:qqbar2squarkantisquark = on", "SUSY:idA = 1000006",
              "SUSY:idB = 1000006")


@dataclass(frozen=True)
class EventProcess:
    name: str
    description: str
    pythia_settings: tuple[str, ...]
    # The process needs the shipped SLHA spectrum: the generator adds `SLHA:file = <slha_path()>`.
    slha: bool = False


EVENT_PROCESSES: dict[str, EventProcess] = {
    p.name: p
    for p in (
        EventProcess("ggf", "gluon-fusion Higgs, H inclusive", ("HiggsSM:gg2H = on",)),
        EventProcess("vbf", "vector-boson-fusion Higgs (WW and ZZ fusion), H inclusive",
                     ("HiggsSM:ff2Hff(t:WW) = on", "HiggsSM:ff2Hff(t:ZZ) = on")),
        EventProcess("wh", "Higgs-strahlung WH, H and W inclusive", ("HiggsSM:ffbar2HW = on",)),
        EventProcess("zh", "Higgs-strahlung ZH, H and Z inclusive", ("HiggsSM:ffbar2HZ = on",)),
        EventProcess("tth", "ttH (gg and qqbar), H and tops inclusive", TTH),
        EventProcess("tth_diphoton", "ttH with H -> gamma gamma forced, tops inclusive",
                     (*TTH, "25:onMode = off", "25:onIfMatch = 22 22")),
        EventProcess("ttbar", "ttbar (gg and qqbar), tops inclusive", TTBAR),
        EventProcess("single_top_t", "t-channel single top (t or tbar with a light quark)", ("Top:qq2tq(t:W) = on",)),
        EventProcess("single_top_s", "s-channel single top (t bbar or tbar b)", ("Top:ffbar2tqbar(s:W) = on",)),
        EventProcess("fcnc_thq", "ttbar with the top (PDG +6) decaying t -> H q (q = c, u) by flavour-changing "
                     "neutral current and the antitop decaying tbar -> W- bbar; H inclusive",
                     (*TTBAR, *FCNC_TOP_TO_HQ)),
        EventProcess("stop_pairs", "pair-produced 800 GeV stops, each t~ -> t + 100 GeV neutralino "
                     "(stable, invisible), from the shipped SLHA spectrum", STOP_PAIRS, slha=True),
    )
}

NOT_AVAILABLE: dict[str, str] = {
    "thq": "Pythia 8 has no tHq / tHjb hard process (only single top and ttH); no substitute",
    "ttw": "Pythia 8 has no ttW hard process (only weak-shower or double-parton-scattering stand-ins, "
           "not the process); no substitute",
    "tttt": "Pythia 8 has no four-top hard process (double parton scattering of two ttbar pairs is a "
            "different process); no substitute",
    "tt_diphoton": "Pythia 8 has no tt + gamma gamma hard process; the nearest is tth_diphoton, whose photons "
                   "come from a Higgs",
    "tth_cp_odd": "Pythia 8's CP-odd ttH (HiggsBSM:gg2A3ttbar) uses the same scalar matrix element as ttH, so "
                  "its kinematics equal tth's; a CP-odd ttH needs reweighting, which is not done; no substitute",
}


def get_event_process(name: str) -> EventProcess:
    """The registered process `name`; a KeyError says why for processes Pythia cannot make."""
    if name in NOT_AVAILABLE:
        raise KeyError(f"process {name!r} is not available: {NOT_AVAILABLE[name]}")
    try:
        return EVENT_PROCESSES[name]
    except KeyError:
        raise KeyError(f"unknown whole-event process {name!r}; known: {sorted(EVENT_PROCESSES)}") from None


def slha_path() -> Path:
    """The SUSY spectrum shipped with the package (stop_pairs)."""
    return Path(__file__).resolve().parent / "data" / "stop_pairs.slha"
