"""Stages: the configured tables (CSV + Markdown) and ROC figures (PNG + PDF)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from jettransfer.evaluate.metrics import BOOTSTRAP_SAMPLES, MIN_BACKGROUND_PAST_CUT, roc
from jettransfer.evaluate.tables import write_table
from jettransfer.plots.roc import plot_roc_with_ratio
from jettransfer.data.scores_file import read_scores


def metrics_table(config: dict[str, Any], table: str, metrics_paths: Mapping[str, str], summary_paths: Mapping[str, str],
                  csv_path: str | os.PathLike, markdown_path: str | os.PathLike,
                  measurement_paths: Mapping[str, str] | None = None) -> None:
    """The table's runs, one row each; with `measurement_paths` (the measure_model rule's JSON)
    also parameters, FLOPs per jet in both conventions and CPU latency per jet."""
    spec = config["tables"][table]
    rows = []
    for run in spec["runs"]:
        metrics = json.loads(open(metrics_paths[run]).read())
        summary = json.loads(open(summary_paths[run]).read())
        run_spec = config["runs"][run]
        rows.append({
            "run": run, "task": run_spec["task"], "model": run_spec["model"], "mode": run_spec["mode"],
            "source": run_spec.get("init_from", "-"), "n_train": summary["n_train"], "epochs": summary["epochs"],
            "AUC": metrics["auc"], "accuracy": metrics["accuracy"],
            # A multi-class run has no background rejection: its cells stay empty.
            "Rej@30%": metrics.get("rejection_at_30"), "Rej@30% error": metrics.get("rejection_at_30_error"),
            "Rej@50%": metrics.get("rejection_at_50"), "Rej@50% error": metrics.get("rejection_at_50_error"),
            "n_test": metrics["n_signal"] + metrics["n_background"] if "n_signal" in metrics else sum(metrics["n_per_class"]),
            "ms/sample/epoch": summary["ms_per_sample_epoch"], "device": summary["device"],
        } | (model_costs(json.loads(open(measurement_paths[run]).read())) if measurement_paths else {}))
    write_table(rows, csv_path, markdown_path, spec.get("title", table),
                formats={"AUC": ".4f", "accuracy": ".4f", "Rej@30%": ".1f", "Rej@50%": ".1f", "ms/sample/epoch": ".3f",
                         "MFLOPs/jet": ".4g", "MMACs/jet": ".4g", "ms/jet batch 1": ".4f", "ms/jet batch 1024": ".4f"},
                errors={"Rej@30%": "Rej@30% error", "Rej@50%": "Rej@50% error"},
                notes=[f"Rej@X% = 1/eps_background at signal efficiency X%, on the test split (n_test jets, half of them "
                       f"background), ± its standard deviation over {BOOTSTRAP_SAMPLES} bootstrap resamplings of the "
                       f"test set; '-' where fewer than {MIN_BACKGROUND_PAST_CUT} background jets pass the cut "
                       "(a larger test set is needed to quote it)."]
                + (["FLOPs by torch's FlopCounterMode, one multiply-add = 2 FLOPs (MMACs: the papers' convention, "
                    "1 per multiply-add); latency: median per jet of model(batch) on one CPU thread."]
                   if measurement_paths else []))


def model_costs(measured: dict[str, Any]) -> dict[str, Any]:
    """A measurement's table columns: parameters, FLOPs and MACs per jet, CPU latency per jet."""
    cpu = next(entry for entry in measured["latency"] if entry["device"] == "cpu")
    return {"parameters": measured["parameters"], "MFLOPs/jet": measured["flops_per_jet"] / 1e6,
            "MMACs/jet": measured["macs_per_jet"] / 1e6, "ms/jet batch 1": cpu["batch_1"]["median_ms_per_jet"],
            "ms/jet batch 1024": cpu["batch_1024"]["median_ms_per_jet"]}


def roc_figure(config: dict[str, Any], figure: str, score_paths: Mapping[str, str],
               png_path: str | os.PathLike, pdf_path: str | os.PathLike, style: str | None = None) -> None:
    """`style`: the plot style, by default the config's plots.style."""
    spec = config["figures"][figure]
    curves = {}
    for run in spec["runs"]:
        scores, labels = read_scores(score_paths[run])
        curves[config["runs"][run].get("label", run)] = (roc(labels, scores), config["runs"][run]["mode"])
    reference = config["runs"][spec["reference"]].get("label", spec["reference"])
    plot_roc_with_ratio(curves, reference, spec.get("title", figure), png_path, pdf_path,
                        style=style or config["plots"]["style"])
