"""Stages: a published tagger as a run's checkpoint, and our scores of it beside the published ones."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

from jettransfer.config import model_spec, num_classes
from jettransfer.data.atomic import atomic_path
from jettransfer.evaluate.metrics import auc_standard_error
from jettransfer.evaluate.published import LUNDNET_SOURCE, LUNDNET_TEST_JETS_PER_CLASS, PUBLISHED_LUNDNET
from jettransfer.evaluate.tables import write_table
from jettransfer.models.published_lundnet import load_original_lundnet
from jettransfer.models.registry import build_model, count_parameters
from jettransfer.published_models import published_weights_file
from jettransfer.train.checkpoint import save_checkpoint

log = logging.getLogger(__name__)


def import_published(config: dict[str, Any], run: str, checkpoint: str | os.PathLike, summary: str | os.PathLike) -> None:
    """Write the run's checkpoint from its model's published weights (nothing is trained)."""
    spec_run = config["runs"][run]
    spec = model_spec(config, spec_run["model"]) | {"num_classes": num_classes(config, spec_run["task"])}
    model = build_model(spec["architecture"], len(spec["features"]), spec["params"], spec["num_classes"])
    source = published_weights_file(config, run)
    load_original_lundnet(model, source)
    log.info("run %s: %s from %s, %d parameters", run, spec_run["model"], source, count_parameters(model))
    save_checkpoint(checkpoint, model, spec, {"run": run, "mode": spec_run["mode"], "published": source})
    with atomic_path(summary) as tmp:
        tmp.write_text(json.dumps({
            "run": run, "model": spec_run["model"], "mode": spec_run["mode"], "task": spec_run["task"],
            "objective": "cross_entropy", "published": source, "parameters": count_parameters(model),
            "trainable_parameters": count_parameters(model), "n_train": None, "epochs": 0, "best_epoch": None,
            "ms_per_sample_epoch": None, "peak_memory_mb": None, "device": "-", "total_train_seconds": 0.0,
        }, indent=2))


def comparison_rows(config: dict[str, Any], study: str, metrics: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per run: our AUC and its statistical error beside the published tagger's."""
    tolerance = config["published_comparisons"][study]["tolerance"]
    rows = []
    for run in config["published_comparisons"][study]["runs"]:
        name = config["models"][config["runs"][run]["model"]]["published"]
        ours, published = metrics[run], PUBLISHED_LUNDNET[name]
        error = ours["auc_error"]
        published_error = auc_standard_error(published.auc, LUNDNET_TEST_JETS_PER_CLASS, LUNDNET_TEST_JETS_PER_CLASS)
        difference = ours["auc"] - published.auc
        rows.append({
            "tagger": name, "run": run, "task": config["runs"][run]["task"],
            "n_signal": ours["n_signal"], "n_background": ours["n_background"],
            "AUC": ours["auc"], "AUC error": error, "published AUC": published.auc, "published AUC error": published_error,
            "difference": difference, "difference / error": difference / (error**2 + published_error**2) ** 0.5,
            "agrees": abs(difference) < tolerance,
            "accuracy": ours["accuracy"], "published accuracy": published.accuracy,
            "Rej@50%": ours.get("rejection_at_50"), "Rej@50% error": ours.get("rejection_at_50_error"),
            "published Rej@50%": published.rejection_at_50,
        })
    return rows


def published_comparison(config: dict[str, Any], study: str, metrics_paths: Mapping[str, str],
                         csv_path: str | os.PathLike, markdown_path: str | os.PathLike,
                         claims_path: str | os.PathLike) -> None:
    """auc.{csv,md} and claims.md of a published comparison."""
    spec = config["published_comparisons"][study]
    metrics = {run: json.loads(open(metrics_paths[run]).read()) for run in spec["runs"]}
    rows = comparison_rows(config, study, metrics)
    write_table(rows, csv_path, markdown_path, spec.get("title", study),
                formats={"AUC": ".4f", "AUC error": ".4f", "published AUC": ".4f", "published AUC error": ".4f",
                         "difference": "+.4f", "difference / error": "+.1f", "accuracy": ".4f",
                         "published accuracy": ".4f", "Rej@50%": ".0f", "published Rej@50%": ".0f"},
                errors={"AUC": "AUC error", "published AUC": "published AUC error", "Rej@50%": "Rej@50% error"},
                notes=[f"Published: {LUNDNET_SOURCE}; their errors are the statistical ones of "
                       f"{LUNDNET_TEST_JETS_PER_CLASS:,} test jets per class (Hanley and McNeil 1982, from the AUC alone, "
                       "an upper bound); ours from our scores (DeLong et al. 1988). "
                       f"Agreement: |difference| < {spec['tolerance']}."])
    lines = [f"# {spec.get('title', study)}: claims", "",
             f"The published LundNet taggers, scored on this pipeline's jets, against their published AUC "
             f"(agreement: within {spec['tolerance']}).", ""]
    for row in rows:
        if row["AUC error"] > spec["tolerance"] / 2:
            lines.append(f"- {row['tagger']} reaches its published AUC {row['published AUC']:.4f} within {spec['tolerance']}: "
                         f"**cannot be checked** on {row['n_signal']:,} signal and {row['n_background']:,} background jets "
                         f"(our AUC {row['AUC']:.4f} has a statistical error of {row['AUC error']:.4f}, more than half the "
                         "tolerance: generate more jets).")
            continue
        verdict = "holds" if row["agrees"] else "does NOT hold"
        lines.append(f"- {row['tagger']} reaches its published AUC {row['published AUC']:.4f} within {spec['tolerance']}: "
                     f"**{verdict}** (ours {row['AUC']:.4f} ± {row['AUC error']:.4f} on {row['n_signal']:,} signal and "
                     f"{row['n_background']:,} background jets; difference {row['difference']:+.4f}, "
                     f"{row['difference / error']:+.1f} standard errors).")
    with atomic_path(claims_path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")
