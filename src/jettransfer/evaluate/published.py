"""The seeds' published numbers, which their tables are set beside.

Seed 000 (Dreyer, Grabarczyk, Monni): trained with 5e5 jets per class, tested on 5e4, 30 epochs,
on an RTX 2080 Ti. Seed 001 (Ducharme, Serebriakov): statements, not tables, about its compressed
students. Seed 003 (Liu et al.): the Top Tagging reference set (1.2M training jets, 400k test),
100 epochs for the students.
"""

from __future__ import annotations

from dataclasses import dataclass

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


DISTILLATION_SOURCE = "seed 003, Table 1 (Top Tagging set: 1.2M training jets, 400k test; students 100 epochs)"


@dataclass(frozen=True)
class PublishedTagger:
    """One row of seed 003's Table 1. `macs` are fvcore's FLOPs (one multiply-add = 1)."""

    accuracy: float
    auc: float
    rejection_at_30: float
    rejection_at_50: float


@dataclass(frozen=True)
class PublishedModel:
    parameters: float
    macs: float
    rows: dict[float | None, PublishedTagger]  # by distillation temperature; None: from scratch


# Seed 003's Table 1, by model.
PUBLISHED_DISTILLATION: dict[str, PublishedModel] = {
    "DeepSet": PublishedModel(68.2e3, 1.67e6, {
        None: PublishedTagger(0.930, 0.9808, 747, 219), 1.0: PublishedTagger(0.932, 0.9818, 926, 241),
        3.0: PublishedTagger(0.932, 0.9819, 970, 255), 5.0: PublishedTagger(0.932, 0.9819, 970, 248)}),
    "MLP": PublishedModel(527e3, 529e3, {
        None: PublishedTagger(0.904, 0.9663, 256, 82), 1.0: PublishedTagger(0.914, 0.9726, 375, 119),
        3.0: PublishedTagger(0.918, 0.9751, 483, 144), 5.0: PublishedTagger(0.919, 0.9750, 503, 146)}),
    "LorentzNet": PublishedModel(224e3, 339e6, {None: PublishedTagger(0.942, 0.9868, 2195, 498)}),
}


def published_tagger(model: str | None, temperature: float | None) -> PublishedTagger | None:
    """Seed 003's row of `model` from scratch (None) or distilled at `temperature`."""
    if model not in PUBLISHED_DISTILLATION:
        return None
    rows = PUBLISHED_DISTILLATION[model].rows
    return next((v for t, v in rows.items() if t == temperature or (t is not None and temperature is not None
                                                                    and abs(t - temperature) < 1e-9)), None)


COMPRESSION_SOURCE = "seed 001 (ATLAS Top Tagging Open Data, GPUs of a cluster)"


@dataclass(frozen=True)
class PublishedCompression:
    """Seed 001's statements about a compressed student: the teacher's inference time per jet
    over the student's, and what distillation added to the student's AUC (None: not stated)."""

    speedup: float
    kd_auc_gain: float | None


# Seed 001, Section IV: "reduce the inference time by approximately 15%" (FCNN 5x400 -> 1x64)
# and "recover 0.03 AUC points ... inference time approximately three times smaller" (GNN).
PUBLISHED_COMPRESSION: dict[str, PublishedCompression] = {
    "FCNN": PublishedCompression(speedup=1.0 / 0.85, kd_auc_gain=None),
    "GNN": PublishedCompression(speedup=3.0, kd_auc_gain=0.03),
}

PUBLISHED_STUDENT_ROWS = sorted(PUBLISHED_DISTILLATION) + sorted(PUBLISHED_COMPRESSION)


LUNDNET_SOURCE = ("fdreyer/LundNet, models/*_INFO.txt (public LundNet json.gz test sets: top or W vs QCD, "
                  "pT > 500 GeV, anti-kt R = 1.0, 14 TeV, Pythia 8 tune 4C, no underlying event)")
# 1/eps_bkg = 50,000 at 30% signal efficiency is one background jet in 50,000: the public test
# sets hold 50,000 jets per class, which sets the published AUCs' statistical errors.
LUNDNET_TEST_JETS_PER_CLASS = 50_000

# The published taggers' INFO files (accuracy, AUC, 1/eps_bkg at 30% and 50%), by the names of
# models/published_names.py.
PUBLISHED_LUNDNET: dict[str, PublishedTagger] = {
    "LundNet5-top": PublishedTagger(0.95994, 0.9867899704, 49999.99999994999, 5000.00000000055),
    "LundNet3-top": PublishedTagger(0.9444, 0.982137023, 16666.666666680838, 1785.7142857142699),
    "LundNet5-W": PublishedTagger(0.87232, 0.9384987083999999, 5000.00000000055, 609.7560975609849),
    "LundNet3-W": PublishedTagger(0.87001, 0.9347001016, 2941.176470588175, 499.99999999999955),
}


# ----------------------------------------------------------------------------- seed 002
# Seed 002 (Han, Ho, Roberts, Wang, ML4Jets 2024): an event GNN pretrained on ~120M events of
# twelve Higgs and top processes, fine-tuned on analysis tasks of ~20M events each, on GPUs.
# The pretrainings' names are jettransfer.event_study's MULTICLASS and MULTILABEL.
EVENT_SOURCE = "seed 002 (~120M pretraining events, ~20M per analysis task, GPU hours)"

# "up to 15% improvement in AUC" when the training data are lacking (test AUC, full training);
# the backup's immediate performance (epoch 5): "up to 13%".
PUBLISHED_EVENT_SCARCE_GAIN = 0.15
PUBLISHED_EVENT_IMMEDIATE_SCARCE_GAIN = 0.13
# "Small increase in performance (0 to 2% increase in AUC)" with many training events.
PUBLISHED_EVENT_FULL_GAIN = (0.0, 0.02)

# "GPU hours to achieve performance of 99.9% of the baseline ultimate performance".
PUBLISHED_EVENT_CONVERGENCE_FRACTION = 0.999
PUBLISHED_EVENT_PRETRAIN_HOURS: dict[str, float] = {"multiclass": 45.5, "multilabel": 60.0}


@dataclass(frozen=True)
class PublishedEventResources:
    """One row of the seed's resources table: the baseline's GPU hours and each fine-tuning's
    GPU hours over the baseline's."""

    baseline_hours: float
    ratio: dict[str, float]


# The seed's resources table (full statistics), by its task names.
PUBLISHED_EVENT_RESOURCES: dict[str, PublishedEventResources] = {
    "ttH CP Even vs Odd": PublishedEventResources(2.71, {"multiclass": 2.20, "multilabel": 3.57}),
    "FCNC vs tHjb": PublishedEventResources(2.35, {"multiclass": 0.30, "multilabel": 4.17}),
    "ttW vs ttt": PublishedEventResources(3.33, {"multiclass": 0.15, "multilabel": 1.28}),
    "Stop vs ttH": PublishedEventResources(1.78, {"multiclass": 0.27, "multilabel": 1.01}),
    "WH vs ZH": PublishedEventResources(1.98, {"multiclass": 0.15, "multilabel": 2.52}),
}
# Its summary: "Baseline: 2.43 GPU hours", "Fine tuning based on a Multiclass pretraining: 1.59
# GPU hours" (the table's means over the tasks), and "the Multiclass setup will use less GPU
# hours after a total of 60 separate trainings".
PUBLISHED_EVENT_BASELINE_HOURS = 2.43
PUBLISHED_EVENT_FINETUNE_HOURS: dict[str, float] = {"multiclass": 1.59}
PUBLISHED_EVENT_BREAK_EVEN: dict[str, int] = {"multiclass": 60}
