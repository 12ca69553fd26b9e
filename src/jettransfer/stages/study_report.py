"""Stages: a transfer study's tables (seed 000's Tables 1 and 2, beside the published numbers)
and figures (its Figures 3, 4 and 5), from the study's runs' summaries, metrics, histories and
scores. Every input is given as a mapping run name -> path."""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from jettransfer.evaluate.metrics import roc
from jettransfer.evaluate.published import PUBLISHED_SOURCE, published_auc, published_ms_per_sample_epoch
from jettransfer.data.atomic import atomic_path
from jettransfer.evaluate.tables import write_table
from jettransfer.plots.study import (Curve, plot_auc_vs_size, plot_transfer_rocs, plot_validation_accuracy,
                                     spread_curve)
from jettransfer.data.scores_file import read_scores
from jettransfer.transfer_study import MODE_NAMES, SCRATCH, all_fractions, find_run

Paths = Mapping[str, "str | os.PathLike"]


def _json(path: str | os.PathLike) -> dict[str, Any]:
    with open(path) as handle:
        return json.load(handle)


def _modes(spec: dict[str, Any]) -> list[str]:
    return [SCRATCH, *spec["modes"]]


def _source_label(spec: dict[str, Any], source: str) -> str:
    return spec["sources"][source].get("label", source)


def _repeat_runs(config: dict[str, Any], study: str, source: str, mode: str, fraction: float) -> list[str]:
    return [find_run(config, study, source, mode, fraction, k) for k in range(config["transfer_studies"][study]["repeats"])]


def mean_and_spread(values: Sequence[float]) -> tuple[float, float | None]:
    """Mean and sample standard deviation (None from a single value)."""
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else None)


def _cell(mean: float, spread: float | None, digits: int, published: float | None = None) -> str:
    text = f"{mean:.{digits}f}" + (f" ± {spread:.{digits}f}" if spread is not None else "")
    return text + (f" [{published:.{digits}f}]" if published is not None else " [-]")


def _rejection_at_50(run_metrics: list[dict[str, Any]]) -> dict[str, float | None]:
    """Mean Rej@50% over the repeats and the mean of their bootstrap errors; None unless every
    repeat quotes it (enough background jets past the cut)."""
    values = [m.get("rejection_at_50") for m in run_metrics]
    if any(v is None for v in values):
        return {"rej50_mean": None, "rej50_bootstrap_error": None}
    return {"rej50_mean": statistics.fmean(values),
            "rej50_bootstrap_error": statistics.fmean(m["rejection_at_50_error"] for m in run_metrics)}


def _full_fraction(spec: dict[str, Any]) -> float:
    """The fraction Table 1 and Figures 3 and 5 show: the table's largest."""
    return max(spec["train_fractions"])


def transfer_auc_table(config: dict[str, Any], study: str, metrics: Paths, summaries: Paths,
                       csv_path: str | os.PathLike, markdown_path: str | os.PathLike) -> pd.DataFrame:
    """Table 2: target AUC per source (rows) for scratch / fine-tuned / frozen at each training fraction."""
    spec = config["transfer_studies"][study]
    long_rows, wide_rows = [], []
    for source, source_spec in spec["sources"].items():
        wide = {"source": _source_label(spec, source), "model": source_spec["model"]}
        for fraction in sorted(spec["train_fractions"], reverse=True):
            for mode in _modes(spec):
                runs = _repeat_runs(config, study, source, mode, fraction)
                run_metrics = [_json(metrics[r]) for r in runs]
                auc_mean, auc_spread = mean_and_spread([m["auc"] for m in run_metrics])
                first = _json(summaries[runs[0]])
                published = published_auc(source_spec.get("published"), mode, fraction)
                long_rows.append({"source": source, "model": source_spec["model"], "mode": mode, "train_fraction": fraction,
                                  "n_train": first["n_train"], "epochs": first["epochs"], "repeats": len(runs),
                                  "auc_mean": auc_mean, "auc_std": auc_spread, "published_auc": published,
                                  **_rejection_at_50(run_metrics)})
                wide[f"{MODE_NAMES[mode]} {fraction:.0%}"] = _cell(auc_mean, auc_spread, 4, published)
        wide_rows.append(wide)
    devices = sorted({_device_label(_json(path)) for path in summaries.values()})
    n_train = {row["train_fraction"]: row["n_train"] for row in long_rows}
    sizes = ", ".join(f"{f:.0%}: {n_train[f]} jets" for f in sorted(n_train))
    title = spec.get("title", study) + ": test AUC on " + config["tasks"][spec["target"]].get("label", spec["target"])
    notes = [f"Each cell: mean ± standard deviation over {spec['repeats']} trainings with different seeds "
             f"[published: {PUBLISHED_SOURCE}; '-' where the paper has no number]. Training jets: {sizes}; "
             f"{long_rows[0]['epochs']} epochs; device: {', '.join(devices)}. A source's scratch cell is its model trained on the target from "
             "scratch, shared by the sources of the same model. The CSV adds Rej@50% (mean over the repeats and their "
             "bootstrap error), empty where a test set has too few background jets past the cut to quote it."]
    return write_table(long_rows, csv_path, markdown_path, title, notes=notes, markdown_rows=wide_rows)


def _device_label(summary: dict[str, Any]) -> str:
    """The device a run trained on, and bf16 where its matrix products ran in it."""
    return summary["device"] + (", bf16 mixed precision" if summary.get("mixed_precision") else "")


def training_time_table(config: dict[str, Any], study: str, summaries: Paths,
                        csv_path: str | os.PathLike, markdown_path: str | os.PathLike) -> pd.DataFrame:
    """Table 1: ms per training sample per epoch and total training time, per model and mode, at full size."""
    spec = config["transfer_studies"][study]
    fraction = _full_fraction(spec)
    rows, wide_rows, seen = [], [], set()
    for source, source_spec in spec["sources"].items():
        preset = config["models"][source_spec["model"]].get("preset")
        scratch_ms = None
        for mode in _modes(spec):
            runs = _repeat_runs(config, study, source, mode, fraction)
            summary = [_json(summaries[r]) for r in runs]
            ms_mean, ms_spread = mean_and_spread([s["ms_per_sample_epoch"] for s in summary])
            scratch_ms = ms_mean if mode == SCRATCH else scratch_ms
            if runs[0] in seen:  # a model's scratch runs, already listed under an earlier source
                continue
            seen.add(runs[0])
            total_mean, total_spread = mean_and_spread([s["total_train_seconds"] for s in summary])
            published = published_ms_per_sample_epoch(preset, mode)
            row = {"model": source_spec["model"], "mode": mode, "source": "-" if mode == SCRATCH else source,
                   "ms_per_sample_epoch": ms_mean, "ms_per_sample_epoch_std": ms_spread,
                   "speed_vs_scratch": scratch_ms / ms_mean, "total_seconds": total_mean, "total_seconds_std": total_spread,
                   "published_ms_per_sample_epoch": published, "n_train": summary[0]["n_train"],
                   "epochs": summary[0]["epochs"], "device": _device_label(summary[0]), "repeats": len(runs)}
            rows.append(row)
            wide_rows.append({
                "model": row["model"], "mode": MODE_NAMES[mode],
                "source": "-" if mode == SCRATCH else _source_label(spec, source),
                "ms/sample/epoch [published]": _cell(ms_mean, ms_spread, 3, published),
                "x scratch speed": f"{row['speed_vs_scratch']:.2f}",
                "total training [s]": _cell(total_mean, total_spread, 1).removesuffix(" [-]"),
                "training jets": row["n_train"], "epochs": row["epochs"], "device": row["device"]})
    title = spec.get("title", study) + ": training time"
    notes = [f"Mean ± standard deviation over {spec['repeats']} trainings, on the device named; published: "
             f"{PUBLISHED_SOURCE}. 'x scratch speed' is the scratch run's ms/sample/epoch over this run's. Total "
             "training is the epochs' wall time, validation included."]
    return write_table(rows, csv_path, markdown_path, title, notes=notes, markdown_rows=wide_rows)


def _panel_per_source(spec: dict[str, Any], sources: list[str], value: Callable[[str, str], Any]) -> dict[str, dict[str, Any]]:
    """{source label: {mode: value(source, mode)}}: a figure's panels, one per source, a curve per mode."""
    return {_source_label(spec, source): {mode: value(source, mode) for mode in _modes(spec)} for source in sources}


def validation_accuracy_figure(config: dict[str, Any], study: str, histories: Paths,
                               png_path: str | os.PathLike, pdf_path: str | os.PathLike, style: str | None = None) -> None:
    """Figure 3: validation accuracy per epoch at full training size, a panel per source. `style`
    (here and in the other figures): the plot style, by default the config's plots.style."""
    spec = config["transfer_studies"][study]
    fraction = _full_fraction(spec)

    def accuracy(source: str, mode: str) -> Curve:
        tables = [pd.read_csv(histories[r]) for r in _repeat_runs(config, study, source, mode, fraction)]
        longest = max(tables, key=len)
        return spread_curve(longest["epoch"].tolist(), [t["val_accuracy"].tolist() for t in tables])

    panels = _panel_per_source(spec, list(spec["sources"]), accuracy)
    plot_validation_accuracy(panels, f"{spec.get('title', study)}: validation accuracy "
                                     f"({spec['repeats']} trainings: mean, band from min to max)", png_path, pdf_path,
                             style=style or config["plots"]["style"])


def auc_vs_size_figure(config: dict[str, Any], study: str, metrics: Paths, summaries: Paths,
                       png_path: str | os.PathLike, pdf_path: str | os.PathLike, style: str | None = None) -> None:
    """Figure 4: test AUC vs training jets for the size sweep's sources (all sources if it names none)."""
    spec = config["transfer_studies"][study]
    sources = spec["size_sweep"]["sources"] or list(spec["sources"])

    def auc_by_size(source: str, mode: str) -> Curve:
        fractions = all_fractions(spec) if source in spec["size_sweep"]["sources"] else sorted(spec["train_fractions"])
        per_fraction = [_repeat_runs(config, study, source, mode, f) for f in fractions]
        sizes = [_json(summaries[runs[0]])["n_train"] for runs in per_fraction]
        aucs = [[_json(metrics[r])["auc"] for r in runs] for runs in per_fraction]
        return spread_curve(sizes, [list(row) for row in zip(*aucs)])

    panels = _panel_per_source(spec, sources, auc_by_size)
    plot_auc_vs_size(panels, f"{spec.get('title', study)}: AUC vs training size "
                             f"({spec['repeats']} trainings: mean, bars from min to max)", png_path, pdf_path,
                     style=style or config["plots"]["style"])


def transfer_roc_figure(config: dict[str, Any], study: str, scores: Paths,
                        png_path: str | os.PathLike, pdf_path: str | os.PathLike, style: str | None = None) -> None:
    """Figure 5: ROC and ratio to scratch for each source's transfers, full size, first repeat."""
    spec = config["transfer_studies"][study]
    fraction = _full_fraction(spec)
    panels = {}
    for source in spec["sources"]:
        curves = {}
        for mode in _modes(spec):
            run = find_run(config, study, source, mode, fraction, 0)
            score, labels = read_scores(scores[run])
            curves[MODE_NAMES[mode]] = (roc(labels, score), mode)
        panels[_source_label(spec, source)] = (curves, MODE_NAMES[SCRATCH])
    plot_transfer_rocs(panels, png_path, pdf_path, style=style or config["plots"]["style"])


def seed000_claims(config: dict[str, Any], study: str, auc: pd.DataFrame, times: pd.DataFrame,
                   markdown_path: str | os.PathLike) -> list[str]:
    """The seed's three conclusions, each checked on this study's numbers: fine-tuning beats
    scratch with the smallest table fraction; frozen epochs are at least twice as fast as
    scratch ones; freezing costs LundNet less AUC than ParticleNet. Returns the lines written."""
    spec = config["transfer_studies"][study]
    small, full = min(spec["train_fractions"]), max(spec["train_fractions"])

    def mean_auc(source: str, mode: str, fraction: float) -> float:
        rows = auc[(auc["source"] == source) & (auc["mode"] == mode) & (auc["train_fraction"] == fraction)]
        return float(rows["auc_mean"].iloc[0])

    def verdict(holds: bool) -> str:
        return "holds" if holds else "does NOT hold"

    lines = [f"# {spec.get('title', study)}: seed 000's conclusions, checked on these numbers", ""]
    if "finetune" in spec["modes"] and small < full:
        lines.append(f"1. Fine-tuning with {small:.0%} of the training jets beats scratch with {small:.0%} (mean AUC):")
        for source in spec["sources"]:
            tuned, scratch = mean_auc(source, "finetune", small), mean_auc(source, SCRATCH, small)
            lines.append(f"   - {_source_label(spec, source)}: {tuned:.4f} vs {scratch:.4f}: {verdict(tuned > scratch)}")
    if "frozen" in spec["modes"]:
        lines.append("2. A frozen epoch is at least twice as fast as a scratch one (ms/sample/epoch):")
        for _, row in times[times["mode"] == "frozen"].iterrows():
            lines.append(f"   - {_source_label(spec, row['source'])}: {row['speed_vs_scratch']:.2f} times faster: "
                         f"{verdict(row['speed_vs_scratch'] >= 2.0)}")
        loss = {source: mean_auc(source, SCRATCH, full) - mean_auc(source, "frozen", full) for source in spec["sources"]}
        family = {source: config["models"][s["model"]]["architecture"] for source, s in spec["sources"].items()}
        lund = {s: v for s, v in loss.items() if family[s] == "lundnet"}
        particle = {s: v for s, v in loss.items() if family[s] == "particlenet"}
        if lund and particle:
            lines.append(f"3. Freezing costs LundNet less AUC than ParticleNet (scratch minus frozen, {full:.0%} of the jets):")
            lines += [f"   - {_source_label(spec, s)}: {v:+.4f}" for s, v in loss.items()]
            lines.append(f"   - largest LundNet loss {max(lund.values()):+.4f} vs smallest ParticleNet loss "
                         f"{min(particle.values()):+.4f}: {verdict(max(lund.values()) < min(particle.values()))}")
    lines += ["", f"Means over {spec['repeats']} trainings each; the spreads are in auc.md and training_time.md."]
    with atomic_path(markdown_path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")
    return lines
