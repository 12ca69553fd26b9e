"""Stages: a distillation study's Table 1 (beside seed 003's), Figures 1, 2a and 2b, and the
seed's conclusions checked on the study's numbers. Every input is a mapping run name -> path."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from jettransfer.data.scores_file import read_scores
from jettransfer.distillation_study import (TEACHER_INPUT_LABELS, TableRow, boost_grid, boosted_test_sets,
                                            measured_run_of_rows, robustness_curves, student_task, table_rows,
                                            teacher_run_name)
from jettransfer.evaluate.metrics import BOOTSTRAP_SAMPLES, MIN_BACKGROUND_PAST_CUT, roc
from jettransfer.evaluate.published import DISTILLATION_SOURCE, PUBLISHED_DISTILLATION, published_tagger
from jettransfer.evaluate.tables import write_table
from jettransfer.plots.distillation import plot_accuracy_vs_boost, plot_distillation_rocs, plot_validation_loss
from jettransfer.plots.study import spread_curve
from jettransfer.stages.report import model_costs
from jettransfer.stages.study_report import mean_and_spread

Paths = Mapping[str, "str | os.PathLike"]
METRICS = (("accuracy", "accuracy", 3), ("auc", "AUC", 4), ("rejection_at_30", "Rej@30%", 0),
           ("rejection_at_50", "Rej@50%", 0))


def _json(path: str | os.PathLike) -> dict[str, Any]:
    with open(path) as handle:
        return json.load(handle)


def _spec(config: dict[str, Any], study: str) -> dict[str, Any]:
    return config["distillation_studies"][study]


def _member(spec: dict[str, Any], row: TableRow) -> dict[str, Any]:
    return spec["teacher"] if row.is_teacher else spec["students"][row.member]


def _mean_std(values: Sequence[float | None]) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation; None where any repeat has no value (a rejection not quoted)."""
    if any(v is None for v in values):
        return None, None
    return mean_and_spread(values)


def mean_cell(mean: float | None, std: float | None, digits: int, published: float | None = None) -> str:
    """'mean ± std' ('-' without a mean), with a published value in brackets when given."""
    text = "-" if mean is None else f"{mean:.{digits}f}" + (f" ± {std:.{digits}f}" if std is not None else "")
    return text + (f" [{published:.{digits}f}]" if published is not None else "")


def distillation_table(config: dict[str, Any], study: str, metrics: Paths, summaries: Paths, measurements: Paths,
                       csv_path: str | os.PathLike, markdown_path: str | os.PathLike) -> pd.DataFrame:
    """Table 1: parameters, FLOPs, accuracy, AUC, Rej@30% and Rej@50% of every student setting
    and the teacher (mean ± standard deviation over repeats), beside seed 003's row."""
    spec = _spec(config, study)
    rows, wide = [], []
    measured = measured_run_of_rows(config, study)
    for row in table_rows(config, study):
        member = _member(spec, row)
        run_metrics = [_json(metrics[r]) for r in row.runs]
        summary = _json(summaries[row.runs[0]])
        costs = model_costs(_json(measurements[measured[row.label]]))
        published_model = PUBLISHED_DISTILLATION.get(member.get("published", ""))
        published = published_tagger(member.get("published"), row.temperature) if row.teacher_input == "clean" else None
        out: dict[str, Any] = {"row": row.label, "model": member["model"], "temperature": row.temperature,
                               "repeats": len(row.runs), "parameters": costs["parameters"],
                               "MMACs/jet": costs["MMACs/jet"], "MFLOPs/jet": costs["MFLOPs/jet"],
                               "ms/jet batch 1": costs["ms/jet batch 1"], "ms/jet batch 1024": costs["ms/jet batch 1024"]}
        cells = {"model": row.label,
                 "#params [published]": f"{costs['parameters'] / 1e3:.1f}K"
                 + (f" [{published_model.parameters / 1e3:.1f}K]" if published_model else ""),
                 "MFLOPs/jet, fvcore convention [published]": f"{costs['MMACs/jet']:.3g}"
                 + (f" [{published_model.macs / 1e6:.3g}]" if published_model else "")}
        for key, name, digits in METRICS:
            mean, std = _mean_std([m.get(key) for m in run_metrics])
            quoted = getattr(published, key) if published else None
            out |= {f"{key}_mean": mean, f"{key}_std": std, f"published_{key}": quoted}
            cells[name] = mean_cell(mean, std, digits, quoted)
        out |= {"n_train": summary["n_train"], "epochs": summary["epochs"],
                "n_test": run_metrics[0]["n_signal"] + run_metrics[0]["n_background"], "device": summary["device"]}
        cells |= {"ms/jet at batch 1 / 1024": f"{costs['ms/jet batch 1']:.3g} / {costs['ms/jet batch 1024']:.3g}",
                  "training jets": summary["n_train"], "epochs": summary["epochs"]}
        rows.append(out)
        wide.append(cells)
    task = student_task(spec)
    title = f"{spec.get('title', study)}: students from scratch and distilled, and the teacher, on " \
            f"{config['tasks'][task].get('label', task)}"
    quoted = any(r["published_auc"] is not None for r in rows)
    trainings = f"{spec['repeats']} trainings" if spec["repeats"] > 1 else "1 training"
    notes = [f"Each cell: mean ± standard deviation over {trainings} with different seeds (the teacher: one)"
             + (f" [published: {DISTILLATION_SOURCE}]" if quoted else "") + f". Test jets: {rows[0]['n_test']}; device: "
             f"{', '.join(sorted({r['device'] for r in rows}))}.",
             "KD: the student learns alpha CE + (1 - alpha) T^2 KL(teacher || student) at temperature T (seed 003's lambda "
             "= 1 - alpha). FLOPs per jet counted by torch's FlopCounterMode on the test jets (matrix products only, "
             "particle sets padded to the batch's longest jet), quoted as multiply-adds, fvcore's convention in the "
             "paper (the CSV adds torch's FLOPs, 2 per multiply-add); latency: median per jet of model(batch) on one "
             "CPU thread, in eval mode.",
             f"Rej@X% = 1/eps_background at signal efficiency X%; '-' where a repeat's test set has fewer than "
             f"{MIN_BACKGROUND_PAST_CUT} background jets past the cut (their bootstrap errors, {BOOTSTRAP_SAMPLES} "
             "resamplings, are in each run's metrics)."]
    return write_table(rows, csv_path, markdown_path, title, notes=notes, markdown_rows=wide)


def distillation_roc_figure(config: dict[str, Any], study: str, scores: Paths,
                            png_path: str | os.PathLike, pdf_path: str | os.PathLike, style: str | None = None) -> None:
    """Figure 1: ROC curves of each student from scratch and distilled at each temperature, and
    the teacher's, first repeat. `style` (here and in the other figures): the plot style, by
    default the config's plots.style."""
    spec = _spec(config, study)
    panels: dict[str, dict[str, Any]] = {}
    teacher = None
    for row in table_rows(config, study):
        labels_and_scores = read_scores(scores[row.runs[0]])
        curve = roc(labels_and_scores[1], labels_and_scores[0])
        if row.is_teacher:
            teacher = (row.label, curve)
        else:
            panel = spec["students"][row.member].get("label", row.member)
            panels.setdefault(panel, {})[_curve_label(row)] = curve
    plot_distillation_rocs(panels, teacher, f"{spec.get('title', study)}: ROC on the test jets (first repeat)",
                           png_path, pdf_path, style=style or config["plots"]["style"])


def _curve_label(row: TableRow) -> str:
    return "from scratch" if row.temperature is None else f"KD T={row.temperature:g}{TEACHER_INPUT_LABELS[row.teacher_input]}"


def accuracy_by_boost(config: dict[str, Any], study: str, run: str, shifted: Paths) -> list[float]:
    """A run's test accuracy on the boosted test sets, in order of increasing beta."""
    measured = _json(shifted[run])["test_on"]
    return [measured[rep]["accuracy"] for rep in boosted_test_sets(config, study, run).values()]


def boost_robustness_figure(config: dict[str, Any], study: str, shifted: Paths,
                            png_path: str | os.PathLike, pdf_path: str | os.PathLike, style: str | None = None) -> None:
    """Figure 2a: test accuracy vs beta for each beta_max, with and without distillation, and the teacher's."""
    spec = _spec(config, study)
    betas = boost_grid(config, study)
    curves = {(c.beta_max, c.distilled): spread_curve(betas, [accuracy_by_boost(config, study, r, shifted) for r in c.runs])
              for c in robustness_curves(config, study)}
    teacher = teacher_run_name(study)
    teacher_curve = spread_curve(betas, [accuracy_by_boost(config, study, teacher, shifted)])
    robustness = spec["robustness"]
    student = spec["students"][robustness["student"]].get("label", robustness["student"])
    title = (f"{spec.get('title', study)}: {student} trained on jets boosted by beta ~ U(0, beta_max),\n"
             f"KD at T={robustness['temperature']:g}, alpha={robustness['alpha']:g} ({spec['repeats']} trainings: mean, "
             "band min to max)")
    plot_accuracy_vs_boost(curves, teacher_curve, f"{spec['teacher'].get('label', 'teacher')} (teacher)", title,
                           png_path, pdf_path, style=style or config["plots"]["style"])


def hard_loss(history: pd.DataFrame) -> list[float]:
    """The validation loss on the labels alone: a distillation run logs it apart, a plain one it is."""
    return history["val_hard_loss" if "val_hard_loss" in history.columns else "val_loss"].tolist()


def validation_loss_figure(config: dict[str, Any], study: str, histories: Paths,
                           png_path: str | os.PathLike, pdf_path: str | os.PathLike, style: str | None = None) -> None:
    """Figure 2b: validation hard-target loss vs epoch, each student from scratch and distilled."""
    spec = _spec(config, study)
    panels: dict[str, dict[str, Any]] = {}
    for row in table_rows(config, study):
        if row.is_teacher:
            continue
        tables = [pd.read_csv(histories[r]) for r in row.runs]
        longest = max(tables, key=len)
        panel = spec["students"][row.member].get("label", row.member)
        panels.setdefault(panel, {})[_curve_label(row)] = spread_curve(longest["epoch"].tolist(), [hard_loss(t) for t in tables])
    plot_validation_loss(panels, f"{spec.get('title', study)}: validation loss on the labels "
                                 f"({spec['repeats']} trainings: mean, band min to max)", png_path, pdf_path,
                         style=style or config["plots"]["style"])
