"""Stages: a contrastive study's table, figures and embedding (seed 004)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from jettransfer.contrastive_study import PRETRAINED, label_series, pretrain_run_name, size_sweep
from jettransfer.evaluate.tables import write_table
from jettransfer.stages.distillation_report import mean_cell
from jettransfer.stages.study_report import mean_and_spread

Paths = Mapping[str, "str | os.PathLike"]
CONVERGED_WITHIN = 0.01  # "epochs to reach within 1% of the final accuracy"


def epochs_to_converge(val_accuracy: Sequence[float], within: float = CONVERGED_WITHIN) -> int:
    """The first epoch (1-based) whose validation accuracy is within `within` (relative) of the
    last epoch's."""
    final = val_accuracy[-1]
    return next(i + 1 for i, value in enumerate(val_accuracy) if value >= (1.0 - within) * final)


@dataclass(frozen=True)
class RunResults:
    """What the report reads of every run: test metrics, summary and history by run name."""

    metrics: dict[str, dict[str, Any]]
    summaries: dict[str, dict[str, Any]]
    histories: dict[str, pd.DataFrame]

    @classmethod
    def read(cls, metrics: Paths, summaries: Paths, histories: Paths) -> "RunResults":
        return cls({r: json.loads(open(p).read()) for r, p in metrics.items()},
                   {r: json.loads(open(p).read()) for r, p in summaries.items()},
                   {r: pd.read_csv(p) for r, p in histories.items()})

    def values(self, runs: Sequence[str], key: str) -> list[float]:
        """`key` of each run: a test metric (accuracy, auc, rejection_at_50), n_train, or
        epochs_to_converge and final_val_accuracy from its history. Runs without it are left out."""
        out = []
        for run in runs:
            if key == "epochs_to_converge":
                value = epochs_to_converge(self.histories[run]["val_accuracy"].tolist())
            elif key == "final_val_accuracy":
                value = float(self.histories[run]["val_accuracy"].iloc[-1])
            elif key == "n_train":
                value = self.summaries[run]["n_train"]
            else:
                value = self.metrics[run].get(key)
            if value is not None:
                out.append(float(value))
        return out


TABLE_KEYS = ("n_train", "accuracy", "auc", "rejection_at_50", "epochs_to_converge", "final_val_accuracy")


def table_rows(config: dict[str, Any], study: str, results: RunResults) -> list[dict[str, Any]]:
    """One row per curve point: each series at each label fraction, then the pretraining-size sweep."""
    rows = []

    def row(label: str, kind: str, head: str, pretrain: float | None, labels: float, runs: Sequence[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"row": label, "kind": kind, "head": head, "pretrain_fraction": pretrain,
                               "label_fraction": labels, "repeats": len(runs)}
        for key in TABLE_KEYS:
            values = results.values(runs, key)
            mean, spread = mean_and_spread(values) if len(values) == len(runs) else (None, None)
            out[f"{key}_mean"], out[f"{key}_std"] = mean, spread
        return out

    for series in label_series(config, study):
        for fraction, runs in series.runs.items():
            rows.append(row(series.label, series.kind, series.head, series.pretrain_fraction, fraction, runs))
    spec = config["contrastive_studies"][study]
    head = spec["heads"][0]
    for pretrain, runs in size_sweep(config, study).items():
        labels = config["runs"][runs[0]]["training"]["train_fraction"]
        rows.append(row(f"pretrained on {pretrain * 100:g}% of the pretraining set, {head} head", "size_sweep", head,
                        pretrain, labels, runs))
    return rows


def contrastive_table(config: dict[str, Any], study: str, results: RunResults, csv_path: str | os.PathLike,
                      markdown_path: str | os.PathLike) -> pd.DataFrame:
    rows = table_rows(config, study, results)
    shown = [{"row": r["row"], "labelled jets": mean_cell(r["n_train_mean"], None, 0),
              "accuracy": mean_cell(r["accuracy_mean"], r["accuracy_std"], 4),
              "AUC": mean_cell(r["auc_mean"], r["auc_std"], 4),
              "Rej@50%": mean_cell(r["rejection_at_50_mean"], r["rejection_at_50_std"], 1),
              "epochs to 1% of final": mean_cell(r["epochs_to_converge_mean"], r["epochs_to_converge_std"], 1)}
             for r in rows]
    spec = config["contrastive_studies"][study]
    return write_table(rows, csv_path, markdown_path, spec.get("title", study), markdown_rows=shown,
                       notes=[f"Mean ± standard deviation over {spec['repeats']} repeats with different seeds, "
                              "on the fine-tuning task's test split. 'Epochs to 1% of final': the first epoch whose "
                              "validation accuracy is within 1% of the last epoch's. Pretrained rows start from the "
                              f"largest pretraining ({max(spec['pretrain_fractions']) * 100:g}% of the pretraining set) "
                              "unless they say otherwise."])


def label_curves(config: dict[str, Any], study: str, results: RunResults, key: str) -> dict[str, dict[str, np.ndarray]]:
    """Per series label: x (mean labelled jets), mean, low and high of `key` over the repeats."""
    curves = {}
    for series in label_series(config, study):
        points = [(results.values(runs, "n_train"), results.values(runs, key)) for runs in series.runs.values()]
        points = [(np.mean(n), v) for n, v in points if len(v) == len(n) and v]
        if points:
            curves[series.label] = {"x": np.array([p[0] for p in points]), "mean": np.array([np.mean(p[1]) for p in points]),
                                    "low": np.array([np.min(p[1]) for p in points]),
                                    "high": np.array([np.max(p[1]) for p in points]), "kind": series.kind}
    return curves


def validation_curves(results: RunResults, runs: Sequence[str]) -> dict[str, np.ndarray]:
    """Validation accuracy per epoch over `runs` (repeats): epoch, mean, low, high."""
    table = np.array([results.histories[r]["val_accuracy"].to_numpy() for r in runs])
    return {"x": results.histories[runs[0]]["epoch"].to_numpy(), "mean": table.mean(axis=0),
            "low": table.min(axis=0), "high": table.max(axis=0)}


def convergence_panels(config: dict[str, Any], study: str, results: RunResults,
                       kinds: Sequence[str]) -> dict[str, dict[str, dict[str, np.ndarray]]]:
    """One panel per label fraction (the smallest and the largest): the series of `kinds`' validation curves."""
    spec = config["contrastive_studies"][study]
    fractions = sorted({min(spec["label_fractions"]), max(spec["label_fractions"])})
    series = [s for s in label_series(config, study) if s.kind in kinds]
    return {f"{fraction * 100:g}% of the labels": {s.label: validation_curves(results, s.runs[fraction]) for s in series}
            for fraction in fractions}


def head_panels(config: dict[str, Any], study: str, results: RunResults) -> dict[str, dict[str, dict[str, np.ndarray]]]:
    """Linear vs MLP head of the pretrained encoder: validation curves per label fraction."""
    spec = config["contrastive_studies"][study]
    pretrained = [s for s in label_series(config, study) if s.kind == PRETRAINED]
    return {f"{fraction * 100:g}% of the labels": {s.label: validation_curves(results, s.runs[fraction]) for s in pretrained}
            for fraction in sorted(spec["label_fractions"])}


def size_points(config: dict[str, Any], study: str, results: RunResults) -> dict[str, dict[str, np.ndarray]]:
    """Rej@50% and epochs to converge vs the number of pretraining jets."""
    sweep = size_sweep(config, study)
    spec = config["contrastive_studies"][study]
    pretrain_jets = {p: results.summaries[pretrain_run_name(study, p)]["n_train"] for p in sweep}
    out = {}
    for key in ("rejection_at_50", "epochs_to_converge", "accuracy"):
        values = [results.values(runs, key) for runs in sweep.values()]
        keep = [i for i, v in enumerate(values) if len(v) == spec["repeats"]]
        fractions = list(sweep)
        out[key] = {"x": np.array([pretrain_jets[fractions[i]] for i in keep], dtype=float),
                    "mean": np.array([np.mean(values[i]) for i in keep]), "low": np.array([np.min(values[i]) for i in keep]),
                    "high": np.array([np.max(values[i]) for i in keep])}
    return out


def contrastive_outputs(config: dict[str, Any], study: str, metrics: Paths, summaries: Paths, histories: Paths,
                        outputs: Mapping[str, str | os.PathLike], style: str | None = None) -> None:
    """table.{csv,md}, claims.md and the figures of a study from its runs' results. `outputs`:
    csv, markdown, claims, and {labels,validation_accuracy,pretraining_size,heads}_{png,pdf}."""
    from jettransfer.data.atomic import atomic_path
    from jettransfer.plots.contrastive import plot_label_sweep, plot_pretraining_size, plot_validation_panels
    from jettransfer.stages.contrastive_claims import contrastive_claims

    spec = config["contrastive_studies"][study]
    style = style or config["plots"]["style"]
    title = spec.get("title", study)
    results = RunResults.read(metrics, summaries, histories)
    contrastive_table(config, study, results, outputs["csv"], outputs["markdown"])
    with atomic_path(outputs["claims"]) as tmp:
        tmp.write_text(contrastive_claims(config, study, results))
    plot_label_sweep(label_curves(config, study, results, "accuracy"), label_curves(config, study, results, "rejection_at_50"),
                     f"{title}: performance vs labelled jets", outputs["labels_png"], outputs["labels_pdf"], style=style)
    plot_validation_panels(convergence_panels(config, study, results, ("scratch", "pretrained")),
                           f"{title}: convergence, pretrained vs scratch", outputs["validation_accuracy_png"],
                           outputs["validation_accuracy_pdf"], style=style)
    plot_pretraining_size(size_points(config, study, results), f"{title}: pretraining-set size",
                          outputs["pretraining_size_png"], outputs["pretraining_size_pdf"], style=style)
    plot_validation_panels(head_panels(config, study, results), f"{title}: linear vs MLP head",
                           outputs["heads_png"], outputs["heads_pdf"], style=style)


def encoder_embedding(config: dict[str, Any], study: str, checkpoints: Mapping[str, str | os.PathLike],
                      test_path: str | os.PathLike, npz_path: str | os.PathLike, png_path: str | os.PathLike,
                      pdf_path: str | os.PathLike, style: str | None = None, threads: int = 1) -> None:
    """t-SNE (scikit-learn) of the encoders' pooled features on the pretraining task's first
    embedding_jets test jets (its split interleaves the classes), scratch vs pretrained."""
    import torch
    from sklearn.manifold import TSNE

    from jettransfer.config import task_members
    from jettransfer.data.atomic import atomic_path
    from jettransfer.data.packed_file import read_packed
    from jettransfer.inputs.loaders import model_batches
    from jettransfer.plots.contrastive import plot_embedding
    from jettransfer.train.checkpoint import load_model

    spec = config["contrastive_studies"][study]
    torch.set_num_threads(threads)
    jets = read_packed(test_path)
    jets = jets.take(np.arange(min(spec["embedding_jets"], len(jets))))
    embeddings, features = {}, {}
    for kind, checkpoint in checkpoints.items():
        model, model_spec = load_model(checkpoint)
        model.eval()
        batches = model_batches(jets, model_spec["architecture"], model_spec["features"], batch_size=512,
                                pad_to=getattr(model, "n_particles", None))
        with torch.no_grad():
            features[kind] = torch.cat([model.representation(batch) for batch, _ in batches]).numpy()
        perplexity = min(30.0, (len(jets) - 1) / 3)
        embeddings[kind] = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=config["seed"]).fit_transform(
            features[kind])
    with atomic_path(npz_path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, labels=jets.labels, ids=jets.ids, **{f"{k}_tsne": v for k, v in embeddings.items()},
                     **{f"{k}_features": v for k, v in features.items()})
    task_label = config["tasks"][spec["pretrain_task"]].get("label", spec["pretrain_task"])
    class_names = [sample for sample, _ in task_members(config, spec["pretrain_task"])]
    plot_embedding({"encoder trained from scratch (labels)" if k == "scratch" else "encoder pretrained (no labels)": v
                    for k, v in embeddings.items()}, jets.labels, class_names,
                   f"{spec.get('title', study)}: encoder features, {task_label} test jets (t-SNE)", png_path, pdf_path,
                   style=style or config["plots"]["style"])
