"""Seed 000's published numbers (Dreyer, Grabarczyk, Monni), which its tables are set beside.

Trained with 5e5 jets per class, tested on 5e4, 30 epochs, on an RTX 2080 Ti.
"""

from __future__ import annotations

PUBLISHED_SOURCE = "seed 000 (RTX 2080 Ti, 5e5 jets per class, 30 epochs)"

# Table 2: AUC on top vs QCD at 500 GeV, by source row, mode and training fraction. A source's
# scratch column is its model trained from scratch on the target (not quoted for the W row).
PUBLISHED_AUC: dict[str, dict[tuple[str, float], float]] = {
    "LundNet3 top 2 TeV": {("scratch", 1.0): 0.9820, ("finetune", 1.0): 0.9820, ("frozen", 1.0): 0.9816,
                           ("scratch", 0.1): 0.9773, ("finetune", 0.1): 0.9802, ("frozen", 0.1): 0.9791},
    "LundNet5 top 2 TeV": {("scratch", 1.0): 0.9866, ("finetune", 1.0): 0.9865, ("frozen", 1.0): 0.9863,
                           ("scratch", 0.1): 0.9826, ("finetune", 0.1): 0.9850, ("frozen", 0.1): 0.9845},
    "LundNet5 W 500 GeV": {("finetune", 1.0): 0.9863, ("frozen", 1.0): 0.9858,
                           ("finetune", 0.1): 0.9834, ("frozen", 0.1): 0.9832},
    "ParticleNet top 2 TeV": {("scratch", 1.0): 0.9826, ("finetune", 1.0): 0.9826, ("frozen", 1.0): 0.9793,
                              ("scratch", 0.1): 0.9765, ("finetune", 0.1): 0.9795, ("frozen", 0.1): 0.9772},
}

# Table 1: training time in ms per sample per epoch, by model preset and mode.
PUBLISHED_MS_PER_SAMPLE_EPOCH: dict[str, dict[str, float]] = {
    "LundNet5": {"scratch": 0.46, "frozen": 0.15, "finetune": 0.46},
    "ParticleNet": {"scratch": 3.60, "frozen": 2.16, "finetune": 3.60},
}


def published_auc(row: str | None, mode: str, fraction: float) -> float | None:
    if row is None:
        return None
    return next((v for (m, f), v in PUBLISHED_AUC[row].items() if m == mode and abs(f - fraction) < 1e-9), None)


def published_ms_per_sample_epoch(preset: str | None, mode: str) -> float | None:
    return PUBLISHED_MS_PER_SAMPLE_EPOCH.get(preset or "", {}).get(mode)
