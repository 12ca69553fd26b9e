"""Seed 002's conclusions, each checked on an event study's numbers: holds, does NOT hold, or
cannot be checked (and why). The published numbers are quoted from evaluate/published.py."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from jettransfer.evaluate.published import (PUBLISHED_EVENT_BASELINE_HOURS, PUBLISHED_EVENT_BREAK_EVEN,
                                            PUBLISHED_EVENT_CONVERGENCE_FRACTION, PUBLISHED_EVENT_FINETUNE_HOURS,
                                            PUBLISHED_EVENT_FULL_GAIN, PUBLISHED_EVENT_PRETRAIN_HOURS,
                                            PUBLISHED_EVENT_RESOURCES, PUBLISHED_EVENT_SCARCE_GAIN)
from jettransfer.event_study import BASELINE, KIND_LABELS
from jettransfer.stages.contrastive_report import RunResults
from jettransfer.stages.distillation_claims import verdict, within_spread
from jettransfer.stages.event_study_report import auc_rows, break_even, epochs, resources_rows, study_spec

# Claim 6: representations "clearly different" from the baseline's where the linear CKA of the
# layer the head reads (the decoder's output) is below this; a model with itself gives 1.
CKA_DIFFERENT_BELOW = 0.9
SELF_CKA_TOLERANCE = 1e-6  # a model's CKA with itself further than this from 1 means the CKA is wrong
LAST_LAYER = "decoder"


def definitions(config: dict[str, Any], study: str) -> list[str]:
    spec = study_spec(config, study)
    low, high = PUBLISHED_EVENT_FULL_GAIN
    return [
        "Means over the repeats; the spread of a difference is the two means' sample standard "
        "deviations added in quadrature (0 with one repeat). Relative gain: fine-tuned mean / baseline mean - 1.",
        "1. Scarce data: at the smallest training fraction, the fine-tuned test AUC exceeds the baseline's by more "
        "than the spread. 1b: its relative gain there is larger than at the largest fraction.",
        f"2. Full statistics: at the largest fraction the relative gain g lies within [{low * 100:g}%, "
        f"{high * 100:g}%] up to the spread s (relative to the baseline's mean): {low * 100:g}% - s <= g <= "
        f"{high * 100:g}% + s.",
        f"3. Immediate performance: at the largest fraction, the validation AUC after {epochs(spec['immediate_epoch'])} "
        "of the fine-tuned model is above the baseline's in every task.",
        f"4. Faster convergence: the fine-tuning reaches {spec['convergence_fraction'] * 100:g}% of the baseline's final "
        "validation AUC in fewer device-hours than the baseline takes to its final AUC (ratio < 1), every repeat "
        "reaching it.",
        "5. Break-even: pretraining once and fine-tuning N times costs less than N baselines for some finite N, at "
        "the resources table's mean over the tasks (one task's row when there is one).",
        f"6. Different representations: the linear CKA of the baseline's and the fine-tuned model's {LAST_LAYER} outputs "
        f"(the vector the head reads) on the same test events is below {CKA_DIFFERENT_BELOW}, while the baseline's "
        f"CKA with itself is 1 (within {SELF_CKA_TOLERANCE:g}).",
    ]


def _noise(*spreads: float | None) -> float:
    return math.sqrt(sum((s or 0.0) ** 2 for s in spreads))


def _pretraining(kind: str) -> str:
    return KIND_LABELS[kind]


class _Aucs:
    """auc_rows by (task, kind, fraction)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = {(r["task"], r["kind"], r["train_fraction"]): r for r in rows}

    def __call__(self, task: str, kind: str, fraction: float) -> dict[str, Any]:
        return self.rows[(task, kind, fraction)]


def _compare(tuned: dict[str, Any], base: dict[str, Any], key: str) -> tuple[float, float, float, float] | None:
    """(fine-tuned mean, baseline mean, difference, its spread) of `key`, None if either has no value."""
    if tuned[f"{key}_mean"] is None or base[f"{key}_mean"] is None:
        return None
    difference = tuned[f"{key}_mean"] - base[f"{key}_mean"]
    return tuned[f"{key}_mean"], base[f"{key}_mean"], difference, _noise(tuned[f"{key}_std"], base[f"{key}_std"])


def _scarce_and_full(config: dict[str, Any], study: str, aucs: _Aucs) -> list[str]:
    spec = study_spec(config, study)
    fewest, most = min(spec["train_fractions"]), max(spec["train_fractions"])
    low, high = PUBLISHED_EVENT_FULL_GAIN
    lines, gains = [], []
    for task in spec["tasks"]:
        for kind in spec["pretrainings"]:
            base, tuned = aucs(task, BASELINE, fewest), aucs(task, kind, fewest)
            where = f"{base['task_label']}, {_pretraining(kind)}"
            numbers = _compare(tuned, base, "test_auc")
            if numbers is None:
                lines.append(f"1. Scarce data ({where}): cannot be checked (no test AUC)")
                continue
            t, b, d, s = numbers
            lines.append(f"1. Scarce data ({where}; {base['n_train']:.0f} training events, {fewest * 100:g}%): test AUC "
                         f"{t:.4f} vs baseline {b:.4f}, {tuned['test_auc_gain'] * 100:+.2f}% (difference {d:+.4f}, spread "
                         f"{s:.4f}): {verdict(d > s)}")
            full = _compare(aucs(task, kind, most), aucs(task, BASELINE, most), "test_auc")
            if fewest != most and full is not None:
                gain_full = aucs(task, kind, most)["test_auc_gain"]
                lines.append(f"1b. The gain is larger with scarce data ({where}): {tuned['test_auc_gain'] * 100:+.2f}% at "
                             f"{fewest * 100:g}% vs {gain_full * 100:+.2f}% at {most * 100:g}% of the training events: "
                             f"{verdict(tuned['test_auc_gain'] > gain_full)}")
    for row in aucs.rows.values():
        if row["kind"] != BASELINE and row["test_auc_gain"] is not None:
            gains.append((row["test_auc_gain"], row))
    if gains:
        gain, row = max(gains, key=lambda g: g[0])
        lines.append(f"1c. Largest relative test-AUC gain, over tasks, pretrainings and sizes: {gain * 100:+.2f}% "
                     f"({row['task_label']}, {_pretraining(row['kind'])}, {row['train_fraction'] * 100:g}% of the training "
                     f"events); published: up to +{PUBLISHED_EVENT_SCARCE_GAIN * 100:g}% (a number to compare, not a claim)")
    for task in spec["tasks"]:
        for kind in spec["pretrainings"]:
            base, tuned = aucs(task, BASELINE, most), aucs(task, kind, most)
            where = f"{base['task_label']}, {_pretraining(kind)}"
            numbers = _compare(tuned, base, "test_auc")
            if numbers is None:
                lines.append(f"2. Full statistics ({where}): cannot be checked (no test AUC)")
                continue
            t, b, d, s = numbers
            g, spread = tuned["test_auc_gain"], s / b
            lines.append(f"2. Small gain at full statistics ({where}; {base['n_train']:.0f} training events): test AUC "
                         f"{t:.4f} vs {b:.4f}, gain {g * 100:+.2f}% against the published {low * 100:g} to "
                         f"{high * 100:g}% with a spread of {spread * 100:.2f}%: {verdict(low - spread <= g <= high + spread)}")
    return lines


def _immediate(config: dict[str, Any], study: str, aucs: _Aucs) -> list[str]:
    spec = study_spec(config, study)
    most = max(spec["train_fractions"])
    lines = []
    for kind in spec["pretrainings"]:
        parts, above = [], []
        for task in spec["tasks"]:
            base, tuned = aucs(task, BASELINE, most), aucs(task, kind, most)
            t, b, d, s = _compare(tuned, base, "immediate_val_auc")
            parts.append(f"{base['task_label']} {t:.4f} vs {b:.4f} (epoch {min(base['immediate_epoch'], tuned['immediate_epoch'])}"
                         f"{within_spread(d, s)})")
            above.append(d > 0)
        lines.append(f"3. Immediate performance, {_pretraining(kind)} above the baseline after "
                     f"{epochs(spec['immediate_epoch'])} in every task (validation AUC): {'; '.join(parts)}: {verdict(all(above))}")
    return lines


def _resources(config: dict[str, Any], study: str, results: RunResults) -> list[str]:
    spec = study_spec(config, study)
    rows = resources_rows(config, study, results)
    percent = f"{spec['convergence_fraction'] * 100:g}%"
    lines = []
    for row in rows[:len(spec["tasks"])]:
        for kind in spec["pretrainings"]:
            where = f"{row['task_label']}, {_pretraining(kind)}"
            if row[f"{kind}_hours"] is None:
                lines.append(f"4. Faster convergence ({where}): {percent} of the baseline's final validation AUC "
                             f"({row['target_val_auc']:.4f}) reached in {row[f'{kind}_runs_reached']} of "
                             f"{row[f'{kind}_runs']} runs: {verdict(False)}")
                continue
            lines.append(f"4. Faster convergence ({where}): {row[f'{kind}_hours']:.3g} device-hours to {percent} of the "
                         f"baseline's final validation AUC vs the baseline's {row['baseline_hours']:.3g} to its final AUC, "
                         f"ratio {row[f'{kind}_ratio']:.2f} ({row['device']}): {verdict(row[f'{kind}_ratio'] < 1.0)}")
    summary = rows[-1]
    published_n = {k: break_even(PUBLISHED_EVENT_PRETRAIN_HOURS[k], hours, PUBLISHED_EVENT_BASELINE_HOURS)
                   for k, hours in PUBLISHED_EVENT_FINETUNE_HOURS.items()}
    for kind in spec["pretrainings"]:
        hours, n = summary[f"{kind}_hours"], summary[f"{kind}_break_even"]
        where = summary["task_label"]
        if kind in PUBLISHED_EVENT_BREAK_EVEN:
            published = (f"; published: after {PUBLISHED_EVENT_BREAK_EVEN[kind]} trainings ({PUBLISHED_EVENT_PRETRAIN_HOURS[kind]:g} "
                         f"+ N x {PUBLISHED_EVENT_FINETUNE_HOURS[kind]:g} < N x {PUBLISHED_EVENT_BASELINE_HOURS:g} GPU hours, "
                         f"which gives N = {published_n[kind]})")
        else:
            published = f"; published: {PUBLISHED_EVENT_PRETRAIN_HOURS[kind]:g} GPU hours of pretraining, no break-even quoted"
        if hours is None:
            lines.append(f"5. Break-even ({where}, {_pretraining(kind)}): the fine-tuning does not reach {percent} of the "
                         f"baseline in every run, so it never pays off{published}: {verdict(False)}")
            continue
        paid = "never" if n is None else f"after {n} trainings"
        lines.append(f"5. Break-even ({where}, {_pretraining(kind)}): pretraining {summary[f'{kind}_pretrain_hours']:.3g} "
                     f"device-hours, fine-tuning {hours:.3g}, baseline {summary['baseline_hours']:.3g}: pays off "
                     f"{paid}{published}: {verdict(n is not None)}")
    return lines


def _cka_value(cka: pd.DataFrame, task: str, a: str, b: str, layer: str) -> float | None:
    rows = cka[(cka["task"] == task) & (cka["model_a"] == a) & (cka["model_b"] == b)
               & (cka["layer_a"] == layer) & (cka["layer_b"] == layer)]
    return None if rows.empty or pd.isna(rows["cka"].iloc[0]) else float(rows["cka"].iloc[0])


def _representations(config: dict[str, Any], study: str, cka: pd.DataFrame) -> list[str]:
    spec = study_spec(config, study)
    lines = []
    for task in spec["tasks"]:
        label = config["tasks"][task].get("label", task)
        own = _cka_value(cka, task, BASELINE, BASELINE, LAST_LAYER)
        layers = list(dict.fromkeys(cka.loc[cka["task"] == task, "layer_a"]))
        before = layers[-2] if len(layers) > 1 else None
        for kind in spec["pretrainings"]:
            where = f"{label}, {_pretraining(kind)}"
            value = _cka_value(cka, task, BASELINE, kind, LAST_LAYER)
            if value is None or own is None:
                lines.append(f"6. Different representations ({where}): cannot be checked (no CKA of the {LAST_LAYER})")
                continue
            if abs(own - 1.0) > SELF_CKA_TOLERANCE:
                lines.append(f"6. Different representations ({where}): cannot be checked (the baseline's CKA with itself "
                             f"is {own:.6f}, not 1)")
                continue
            earlier = _cka_value(cka, task, BASELINE, kind, before) if before else None
            also = f"; at the {before}: {earlier:.3f}" if earlier is not None else ""
            lines.append(f"6. Different representations ({where}): CKA with the baseline at the {LAST_LAYER} {value:.3f} "
                         f"(the baseline with itself {own:.3f}){also}; below {CKA_DIFFERENT_BELOW}: "
                         f"{verdict(value < CKA_DIFFERENT_BELOW)}")
    return lines


def seed002_claims(config: dict[str, Any], study: str, results: RunResults, cka: pd.DataFrame) -> list[str]:
    aucs = _Aucs(auc_rows(config, study, results))
    return (_scarce_and_full(config, study, aucs) + _immediate(config, study, aucs) + _resources(config, study, results)
            + _representations(config, study, cka))


CLAIMS = {"seed002": seed002_claims}


def event_study_claims(config: dict[str, Any], study: str, results: RunResults, cka: pd.DataFrame) -> str:
    spec = study_spec(config, study)
    ratios = "; ".join(f"{task} {row.baseline_hours:g} h, ratios {row.ratio['multiclass']:g} (multi-class), "
                       f"{row.ratio['multilabel']:g} (multi-label)" for task, row in PUBLISHED_EVENT_RESOURCES.items())
    lines = [f"# {spec.get('title', study)}: seed 002's conclusions on our numbers", "", "## Definitions", "",
             *(f"- {line}" for line in definitions(config, study)), "",
             f"Published resources (GPU hours to {PUBLISHED_EVENT_CONVERGENCE_FRACTION * 100:g}% of the baseline's final "
             f"AUC): {ratios}.", "", "## Checks", ""]
    checks = CLAIMS[spec["claims"]](config, study, results, cka)
    return "\n".join(lines + [f"- {line}" for line in checks]) + "\n"
