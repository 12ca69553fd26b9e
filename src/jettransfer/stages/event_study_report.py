"""Stages: an event study's tables, claims and figures (seed 002): test and immediate AUC vs the
number of training events, validation AUC per epoch, and the resources table (device-hours to
the baseline's final AUC, and after how many trainings a pretraining pays for itself)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from jettransfer.config import event_study_defaults
from jettransfer.event_study import BASELINE, KIND_LABELS, pretrain_run_name, task_runs
from jettransfer.evaluate.tables import write_table
from jettransfer.plots.event_study import SHORT_LABELS
from jettransfer.plots.study import Curve, spread_curve
from jettransfer.stages.contrastive_report import RunResults
from jettransfer.stages.distillation_report import mean_cell
from jettransfer.stages.study_report import mean_and_spread

Paths = Mapping[str, "str | os.PathLike"]
SECONDS_PER_HOUR = 3600.0


def study_spec(config: dict[str, Any], study: str) -> dict[str, Any]:
    """The study's block with the defaults a hand-built config may leave out."""
    return {**event_study_defaults(), **config["event_studies"][study]}


def epochs(n: int) -> str:
    return f"{n} epoch" + ("" if n == 1 else "s")


def task_label(config: dict[str, Any], task: str) -> str:
    return config["tasks"][task].get("label", task)


# ----------------------------------------------------------------------------- one history


def immediate_val_auc(history: pd.DataFrame, epoch: int) -> tuple[float, int]:
    """The validation AUC after `epoch` epochs, or after the last one if the run had fewer; and the
    epoch it was read at."""
    rows = history[history["epoch"] <= epoch]
    row = rows.iloc[-1] if len(rows) else history.iloc[-1]
    return float(row["val_auc"]), int(row["epoch"])


def final_val_auc(history: pd.DataFrame) -> tuple[float, int]:
    """The run's best validation AUC (what it ends with: the analysis runs keep their best epoch)
    and the first epoch that reached it."""
    best = int(np.argmax(history["val_auc"].to_numpy()))
    return float(history["val_auc"].iloc[best]), int(history["epoch"].iloc[best])


def seconds_until(history: pd.DataFrame, epoch: int) -> float:
    """Training seconds of the epochs up to and including `epoch`."""
    return float(history.loc[history["epoch"] <= epoch, "seconds"].sum())


def seconds_to_reach(history: pd.DataFrame, target: float) -> float | None:
    """Training seconds until the first epoch whose validation AUC is at least `target`; None if none is."""
    reached = history.index[history["val_auc"].to_numpy() >= target]
    return None if len(reached) == 0 else seconds_until(history, int(history.loc[reached[0], "epoch"]))


def break_even(pretrain_hours: float, finetune_hours: float, baseline_hours: float) -> int | None:
    """The fewest trainings N for which pretraining once and fine-tuning N times costs less than
    training N baselines: pretrain + N finetune < N baseline. None (never) if a fine-tuning
    costs as much as a baseline or more."""
    saving = baseline_hours - finetune_hours
    if not saving > 0:
        return None
    n = max(1, math.floor(pretrain_hours / saving) + 1)
    # floor() of a rounded quotient can be one off where N * saving is close to pretrain_hours.
    while n > 1 and pretrain_hours + (n - 1) * finetune_hours < (n - 1) * baseline_hours:
        n -= 1
    while not pretrain_hours + n * finetune_hours < n * baseline_hours:
        n += 1
    return n


# ----------------------------------------------------------------------------- AUC table


def _mean(values: Sequence[float]) -> tuple[float | None, float | None]:
    return mean_and_spread(values) if values else (None, None)


def _gain(value: float | None, reference: float | None) -> float | None:
    """Relative gain over the baseline's mean."""
    return None if value is None or not reference else value / reference - 1.0


def auc_rows(config: dict[str, Any], study: str, results: RunResults) -> list[dict[str, Any]]:
    """One row per task, kind and training fraction: training events, test AUC and immediate
    validation AUC (mean and spread over the repeats) and their relative gains over the baseline."""
    spec = study_spec(config, study)
    wanted = spec["immediate_epoch"]
    rows = []
    for task in spec["tasks"]:
        baseline: dict[float, dict[str, Any]] = {}
        for kind, by_fraction in task_runs(config, study, task).items():
            for fraction, runs in by_fraction.items():
                immediate = [immediate_val_auc(results.histories[r], wanted) for r in runs]
                at = min(epoch for _, epoch in immediate)
                auc, auc_std = _mean(results.values(runs, "auc"))
                early, early_std = _mean([value for value, _ in immediate])
                row = {"task": task, "task_label": task_label(config, task), "kind": kind, "kind_label": KIND_LABELS[kind],
                       "train_fraction": fraction, "repeats": len(runs), "n_train": _mean(results.values(runs, "n_train"))[0],
                       "test_auc_mean": auc, "test_auc_std": auc_std, "immediate_epoch": at,
                       "immediate_note": "" if at >= wanted else f"last epoch: the runs had fewer than {wanted}",
                       "immediate_val_auc_mean": early, "immediate_val_auc_std": early_std}
                if kind == BASELINE:
                    baseline[fraction] = row
                row["test_auc_gain"] = _gain(auc, baseline[fraction]["test_auc_mean"])
                row["immediate_val_auc_gain"] = _gain(early, baseline[fraction]["immediate_val_auc_mean"])
                rows.append(row)
    return rows


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.2f}%"


def auc_table(config: dict[str, Any], study: str, results: RunResults, csv_path: str | os.PathLike,
              markdown_path: str | os.PathLike) -> pd.DataFrame:
    spec = study_spec(config, study)
    rows = auc_rows(config, study, results)
    shown = [{"task": r["task_label"], "model": r["kind_label"], "training fraction": f"{r['train_fraction'] * 100:g}%",
              "training events": mean_cell(r["n_train"], None, 0),
              "test AUC": mean_cell(r["test_auc_mean"], r["test_auc_std"], 4),
              "test AUC vs baseline": "" if r["kind"] == BASELINE else _percent(r["test_auc_gain"]),
              "immediate val AUC": mean_cell(r["immediate_val_auc_mean"], r["immediate_val_auc_std"], 4),
              "immediate vs baseline": "" if r["kind"] == BASELINE else _percent(r["immediate_val_auc_gain"]),
              "after epoch": f"{r['immediate_epoch']}" + (f" ({r['immediate_note']})" if r["immediate_note"] else "")}
             for r in rows]
    return write_table(rows, csv_path, markdown_path, f"{spec.get('title', study)}: AUC vs training events",
                       markdown_rows=shown,
                       notes=[f"Mean ± standard deviation over {spec['repeats']} repeats with different seeds. Test AUC "
                              "on each task's test split; immediate val AUC: the validation AUC after "
                              f"{epochs(spec['immediate_epoch'])} (the seed's 'immediate performance'). 'vs baseline': "
                              "the mean's relative difference from the baseline's at the same training fraction."])


# ----------------------------------------------------------------------------- resources


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / SECONDS_PER_HOUR


def _devices(results: RunResults, runs: Sequence[str]) -> str:
    return ", ".join(sorted({str(results.summaries[r].get("device", "unknown")) for r in runs}))


def resources_rows(config: dict[str, Any], study: str, results: RunResults) -> list[dict[str, Any]]:
    """Per task at full statistics (the largest training fraction), means over the repeats: the
    baseline's device-hours to its final validation AUC; each fine-tuning's device-hours to reach
    convergence_fraction of it (repeat r against baseline repeat r: same events and seed), their
    ratio, the pretraining's own device-hours and the trainings after which it pays off. With
    several tasks, a last row of the means over the tasks (the seed's summary)."""
    spec = study_spec(config, study)
    kinds = list(spec["pretrainings"])
    pretrain = {k: _hours(results.summaries[pretrain_run_name(study, k)]["total_train_seconds"]) for k in kinds}
    rows = []
    for task in spec["tasks"]:
        runs = {kind: by_fraction[max(by_fraction)] for kind, by_fraction in task_runs(config, study, task).items()}
        finals = [final_val_auc(results.histories[r]) for r in runs[BASELINE]]
        targets = [spec["convergence_fraction"] * auc for auc, _ in finals]
        baseline = [_hours(seconds_until(results.histories[r], epoch)) for r, (_, epoch) in zip(runs[BASELINE], finals)]
        row: dict[str, Any] = {"task": task, "task_label": task_label(config, task), "train_fraction": max(spec["train_fractions"]),
                               "repeats": len(runs[BASELINE]),
                               "device": _devices(results, [r for rs in runs.values() for r in rs]),
                               "baseline_final_val_auc": float(np.mean([auc for auc, _ in finals])),
                               "target_val_auc": float(np.mean(targets)), "baseline_hours": float(np.mean(baseline))}
        for kind in kinds:
            hours = [_hours(seconds_to_reach(results.histories[r], t)) for r, t in zip(runs[kind], targets)]
            reached = [h for h in hours if h is not None]
            row[f"{kind}_runs"], row[f"{kind}_runs_reached"] = len(hours), len(reached)
            # A mean over the repeats that reached the target would flatter the fine-tuning.
            row[f"{kind}_hours"] = float(np.mean(reached)) if len(reached) == len(hours) else None
        rows.append(row)
    if len(rows) > 1:
        mean_row: dict[str, Any] = {"task": "mean", "task_label": "mean over the tasks",
                                    "train_fraction": rows[0]["train_fraction"], "repeats": rows[0]["repeats"],
                                    "device": ", ".join(sorted({d for r in rows for d in r["device"].split(", ")})),
                                    **{k: float(np.mean([r[k] for r in rows]))
                                       for k in ("baseline_final_val_auc", "target_val_auc", "baseline_hours")}}
        for kind in kinds:
            for key in (f"{kind}_runs", f"{kind}_runs_reached"):
                mean_row[key] = sum(r[key] for r in rows)
            hours = [r[f"{kind}_hours"] for r in rows]
            mean_row[f"{kind}_hours"] = None if None in hours else float(np.mean(hours))
        rows.append(mean_row)
    for row in rows:
        for kind in kinds:
            hours = row[f"{kind}_hours"]
            row[f"{kind}_ratio"] = None if hours is None or not row["baseline_hours"] else hours / row["baseline_hours"]
            row[f"{kind}_pretrain_hours"] = pretrain[kind]
            row[f"{kind}_pretrain_device"] = _devices(results, [pretrain_run_name(study, kind)])
            row[f"{kind}_break_even"] = None if hours is None else break_even(pretrain[kind], hours, row["baseline_hours"])
    return rows


def _hours_cell(hours: float | None) -> str:
    return "-" if hours is None else f"{hours:.3g}"


def resources_table(config: dict[str, Any], study: str, results: RunResults, csv_path: str | os.PathLike,
                    markdown_path: str | os.PathLike) -> pd.DataFrame:
    from jettransfer.evaluate.published import EVENT_SOURCE, PUBLISHED_EVENT_PRETRAIN_HOURS, PUBLISHED_EVENT_RESOURCES

    spec = study_spec(config, study)
    kinds = list(spec["pretrainings"])
    rows = resources_rows(config, study, results)
    percent = f"{spec['convergence_fraction'] * 100:g}%"
    shown = []
    for r in rows:
        cells = {"task": r["task_label"], "device": r["device"], "baseline final val AUC": f"{r['baseline_final_val_auc']:.4f}",
                 "baseline device-hours": _hours_cell(r["baseline_hours"])}
        for kind in kinds:
            name = SHORT_LABELS[kind]
            not_reached = f"not reached (reached in {r[f'{kind}_runs_reached']} of {r[f'{kind}_runs']} runs)"
            cells[f"{name}: hours to {percent}"] = (not_reached if r[f"{kind}_hours"] is None
                                                          else _hours_cell(r[f"{kind}_hours"]))
            cells[f"{name} / baseline"] = "-" if r[f"{kind}_ratio"] is None else f"{r[f'{kind}_ratio']:.2f}"
            cells[f"{name}: pays off after"] = ("-" if r[f"{kind}_hours"] is None else "never" if r[f"{kind}_break_even"] is None
                                                else f"{r[f'{kind}_break_even']} trainings")
        shown.append(cells)
    pretraining = "; ".join(f"{SHORT_LABELS[k]} {_hours_cell(rows[0][f'{k}_pretrain_hours'])} "
                            f"device-hours on {rows[0][f'{k}_pretrain_device']}" for k in kinds)
    published = ["", f"Published, {EVENT_SOURCE}; pretrainings: "
                 + "; ".join(f"{SHORT_LABELS[k]} {h:g} GPU hours" for k, h in PUBLISHED_EVENT_PRETRAIN_HOURS.items()) + ":", "",
                 "| task | baseline GPU hours | multi-class / baseline | multi-label / baseline |", "|---|---|---|---|"]
    published += [f"| {task} | {row.baseline_hours:.2f} | {row.ratio['multiclass']:.2f} | {row.ratio['multilabel']:.2f} |"
                  for task, row in PUBLISHED_EVENT_RESOURCES.items()]
    return write_table(rows, csv_path, markdown_path, f"{spec.get('title', study)}: training resources at full statistics",
                       markdown_rows=shown,
                       notes=[f"At the largest training fraction ({max(spec['train_fractions']) * 100:g}% of each task's "
                              f"training split), means over {spec['repeats']} repeats. Device-hours are the epochs' "
                              "training seconds (history.csv), validation excluded, on the device named (a CPU here, "
                              "GPUs in the seed). Baseline: until the epoch of its best validation AUC (its final AUC). "
                              f"Fine-tuning: until the first epoch whose validation AUC reaches {percent} of the final "
                              "validation AUC of the baseline trained on the same events with the same seed; 'not "
                              "reached' if a repeat never does. Pays off after: the fewest trainings N with pretraining + "
                              "N x fine-tuning < N x baseline ('never' if a fine-tuning costs as much as a baseline). "
                              f"Pretrainings: {pretraining}.", *published])


# ----------------------------------------------------------------------------- figures


def auc_curves(config: dict[str, Any], study: str, results: RunResults, key: str) -> dict[str, dict[str, Curve]]:
    """Per task label, per kind: `key` ("auc": test AUC; "immediate": the immediate validation AUC)
    vs the mean training events, with the repeats' lowest and highest values."""
    wanted = study_spec(config, study)["immediate_epoch"]
    panels: dict[str, dict[str, Curve]] = {}
    for task in config["event_studies"][study]["tasks"]:
        panels[task_label(config, task)] = curves = {}
        for kind, by_fraction in task_runs(config, study, task).items():
            x, values = [], []
            for runs in by_fraction.values():
                got = (results.values(runs, "auc") if key == "auc" else
                       [immediate_val_auc(results.histories[r], wanted)[0] for r in runs])
                if got:
                    x.append(float(np.mean(results.values(runs, "n_train"))))
                    values.append(got)
            if values:
                curves[kind] = Curve(np.array(x), np.array([np.mean(v) for v in values]),
                                     np.array([np.min(v) for v in values]), np.array([np.max(v) for v in values]))
    return panels


def validation_panels(config: dict[str, Any], study: str, results: RunResults) -> dict[str, dict[str, Curve]]:
    """Per task label, per kind: validation AUC per epoch at full statistics over the repeats."""
    panels = {}
    for task in config["event_studies"][study]["tasks"]:
        curves = {}
        for kind, by_fraction in task_runs(config, study, task).items():
            histories = [results.histories[r] for r in by_fraction[max(by_fraction)]]
            longest = max(histories, key=len)["epoch"].to_numpy()
            curves[kind] = spread_curve(longest, [h["val_auc"].to_numpy() for h in histories])
        panels[task_label(config, task)] = curves
    return panels


def event_study_outputs(config: dict[str, Any], study: str, metrics: Paths, summaries: Paths, histories: Paths,
                        cka_csv: str | os.PathLike, outputs: Mapping[str, str | os.PathLike],
                        style: str | None = None) -> None:
    """The study's tables, claims and figures from its runs' results and its CKA table. `outputs`:
    auc_csv, auc_md, resources_csv, resources_md, claims, and {auc_vs_events,immediate_auc,
    validation_auc}_{png,pdf}."""
    from jettransfer.data.atomic import atomic_path
    from jettransfer.plots.event_study import plot_auc_vs_events, plot_validation_auc
    from jettransfer.stages.event_study_claims import event_study_claims

    spec = study_spec(config, study)
    style = style or config["plots"]["style"]
    title = spec.get("title", study)
    results = RunResults.read(metrics, summaries, histories)
    auc_table(config, study, results, outputs["auc_csv"], outputs["auc_md"])
    resources_table(config, study, results, outputs["resources_csv"], outputs["resources_md"])
    with atomic_path(outputs["claims"]) as tmp:
        tmp.write_text(event_study_claims(config, study, results, pd.read_csv(cka_csv)))
    plot_auc_vs_events(auc_curves(config, study, results, "auc"), "Test AUC", f"{title}: test AUC vs training events",
                       outputs["auc_vs_events_png"], outputs["auc_vs_events_pdf"], style=style)
    plot_auc_vs_events(auc_curves(config, study, results, "immediate"), f"Validation AUC after epoch {spec['immediate_epoch']}",
                       f"{title}: immediate performance (validation AUC after {epochs(spec['immediate_epoch'])})",
                       outputs["immediate_auc_png"], outputs["immediate_auc_pdf"], style=style)
    plot_validation_auc(validation_panels(config, study, results),
                        f"{title}: validation AUC per epoch at full statistics", outputs["validation_auc_png"],
                        outputs["validation_auc_pdf"], style=style)
