"""A distillation study's claims.md: the conclusions of the seed its config names (`claims`),
each checked on the study's own numbers and saying whether it holds. Never assumed: a conclusion
whose numbers are missing says it cannot be checked and why."""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from jettransfer.data.atomic import atomic_path
from jettransfer.distillation_study import (CLEAN, STUDENT_JETS, RobustnessCurve, TableRow, robustness_curves,
                                            table_rows, boost_grid)
from jettransfer.evaluate.published import PUBLISHED_COMPRESSION
from jettransfer.stages.distillation_report import accuracy_by_boost, hard_loss

Paths = Mapping[str, "str | os.PathLike"]
LATE_FRACTION = 0.25  # "late in training": the last quarter of the epochs
LATE_RISE_TOLERANCE = 0.02  # a validation loss within 2% of its minimum there has not risen
CLOSE_AUC = 0.01  # seed 001: a degraded student "almost as good as" the teacher is within this AUC


def late_rise(losses: Sequence[float]) -> float:
    """How far the loss of the last quarter of the epochs (its mean) sits above the minimum, relative."""
    late = losses[-max(1, round(LATE_FRACTION * len(losses))):]
    return statistics.fmean(late) / min(losses) - 1.0


def verdict(holds: bool) -> str:
    return "holds" if holds else "does NOT hold"


class _Numbers:
    """Table 1's means and spreads by row."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.by_row = table.set_index("row")

    def mean(self, row: TableRow, key: str) -> float | None:
        value = self.by_row.loc[row.label, f"{key}_mean"] if f"{key}_mean" in self.by_row else self.by_row.loc[row.label, key]
        return None if pd.isna(value) else float(value)

    def spread(self, row: TableRow, key: str) -> float:
        value = self.by_row.loc[row.label, f"{key}_std"]
        return 0.0 if pd.isna(value) else float(value)

    def noise_note(self, a: TableRow, b: TableRow, key: str = "auc") -> str:
        noise = (self.spread(a, key) ** 2 + self.spread(b, key) ** 2) ** 0.5
        difference = self.mean(a, key) - self.mean(b, key)
        return within_spread(difference, noise)


def within_spread(difference: float, noise: float) -> str:
    """', within the seed-to-seed spread' where a difference of means is smaller than their spreads combined."""
    return ", within the seed-to-seed spread" if noise and abs(difference) < noise else ""


def _label(spec: dict[str, Any], student: str) -> str:
    return spec["students"][student].get("label", student)


def _rows_of(rows: list[TableRow], student: str) -> tuple[TableRow, list[TableRow]]:
    scratch = next(r for r in rows if r.member == student and r.temperature is None)
    return scratch, [r for r in rows if r.member == student and r.temperature is not None]


def seed003_claims(config: dict[str, Any], study: str, table: pd.DataFrame, histories: Paths, shifted: Paths) -> list[str]:
    """Distillation raises both students' AUC and Rej@50%, the MLP's more; distilled DeepSets lose
    less accuracy under boosts; the distilled students' validation loss does not rise late."""
    spec = config["distillation_studies"][study]
    numbers, rows = _Numbers(table), [r for r in table_rows(config, study) if not r.is_teacher]
    lines = ["1. Distillation raises the AUC and Rej@50% of every student (mean over repeats, every temperature):"]
    gains: dict[str, float] = {}
    for student in spec["students"]:
        scratch, distilled = _rows_of(rows, student)
        checks, measurable = [], True
        for row in distilled:
            d_auc = numbers.mean(row, "auc") - numbers.mean(scratch, "auc")
            rej_kd, rej_scratch = numbers.mean(row, "rejection_at_50"), numbers.mean(scratch, "rejection_at_50")
            if rej_kd is None or rej_scratch is None:
                measurable = False
                rej_text = "Rej@50% not quoted (too few background jets past the cut in the test set)"
            else:
                rej_text = f"Rej@50% {rej_kd:.1f} vs {rej_scratch:.1f}"
            checks.append(d_auc > 0 and (rej_kd or 0) > (rej_scratch or 0))
            lines.append(f"   - {row.label}: AUC {numbers.mean(row, 'auc'):.4f} vs {numbers.mean(scratch, 'auc'):.4f} "
                         f"from scratch ({d_auc:+.4f}{numbers.noise_note(row, scratch)}), {rej_text}")
        gains[student] = max(numbers.mean(r, "auc") for r in distilled) - numbers.mean(scratch, "auc")
        auc_up = all(numbers.mean(r, "auc") > numbers.mean(scratch, "auc") for r in distilled)
        text = verdict(all(checks)) if measurable else \
            ("cannot be checked: Rej@50% is not quoted on this test set" if auc_up else verdict(False))
        lines.append(f"   - {_label(spec, student)}: {text}")
    presets = {spec["students"][s].get("published"): s for s in spec["students"]}
    if "MLP" in presets and "DeepSet" in presets:
        mlp, deepset = presets["MLP"], presets["DeepSet"]
        lines.append(f"2. Distillation helps the MLP more than the DeepSet (AUC gain at the best temperature): "
                     f"{gains[mlp]:+.4f} vs {gains[deepset]:+.4f}: {verdict(gains[mlp] > max(gains[deepset], 0.0))}")
    else:
        lines.append("2. Distillation helps the MLP more than the DeepSet: cannot be checked (the study has not both "
                     "students marked published: MLP and published: DeepSet)")
    if spec.get("robustness"):
        lines += _robustness_claim(config, study, spec, shifted)
    else:
        lines.append("3. Distilled DeepSets lose less accuracy under boosts: cannot be checked (the study has no "
                     "robustness experiment)")
    lines += _late_rise_claim(spec, rows, histories, number=4)
    return lines + ["", "Conclusion 3 compares the drop in test accuracy from unboosted to boosted test jets, averaged "
                        "over the boosts of the grid."]


def _robustness_claim(config: dict[str, Any], study: str, spec: dict[str, Any], shifted: Paths) -> list[str]:
    robustness = spec["robustness"]
    label = _label(spec, robustness["student"])
    lines = [f"3. Distilled {label}s lose less accuracy under boosts than those from scratch (mean drop from beta = 0 to "
             f"the boosted test sets, beta in {[b for b in boost_grid(config, study) if b > 0]}):"]
    curves: dict[tuple[float, bool], RobustnessCurve] = {(c.beta_max, c.distilled): c for c in robustness_curves(config, study)}

    def drops(curve: RobustnessCurve) -> list[float]:
        per_run = []
        for run in curve.runs:
            accuracy = accuracy_by_boost(config, study, run, shifted)
            per_run.append(accuracy[0] - statistics.fmean(accuracy[1:]))
        return per_run

    for beta_max in robustness["beta_max"]:
        kd, scratch = drops(curves[(float(beta_max), True)]), drops(curves[(float(beta_max), False)])
        noise = sum(statistics.stdev(d) ** 2 for d in (kd, scratch) if len(d) > 1) ** 0.5
        kd_mean, scratch_mean = statistics.fmean(kd), statistics.fmean(scratch)
        lines.append(f"   - beta_max = {beta_max:g}: drop {kd_mean:.4f} with KD vs {scratch_mean:.4f} from scratch"
                     f"{within_spread(kd_mean - scratch_mean, noise)}: {verdict(kd_mean < scratch_mean)}")
    return lines


def _late_rise_claim(spec: dict[str, Any], rows: list[TableRow], histories: Paths, number: int) -> list[str]:
    lines = [f"{number}. The distilled students' validation loss on the labels does not rise late in training (mean of "
             f"the last {LATE_FRACTION:.0%} of the epochs within {LATE_RISE_TOLERANCE:.0%} of the minimum; mean over "
             "repeats):"]
    for student in spec["students"]:
        scratch, distilled = _rows_of(rows, student)

        def rise(row: TableRow) -> float:
            return statistics.fmean(late_rise(hard_loss(pd.read_csv(histories[r]))) for r in row.runs)

        kd = {row.label: rise(row) for row in distilled}
        text = ", ".join(f"{label.removeprefix(_label(spec, student) + ' ')}: {v:+.1%}" for label, v in kd.items())
        lines.append(f"   - {_label(spec, student)}: {text} (from scratch: {rise(scratch):+.1%}): "
                     f"{verdict(all(v <= LATE_RISE_TOLERANCE for v in kd.values()))}")
    return lines


def seed001_claims(config: dict[str, Any], study: str, table: pd.DataFrame, histories: Paths, shifted: Paths) -> list[str]:
    """Students on degraded jets alone come close to the teacher, and distillation does not help
    them; distillation helps compressed students; compressed students are faster."""
    spec = config["distillation_studies"][study]
    numbers, all_rows = _Numbers(table), table_rows(config, study)
    teacher = next(r for r in all_rows if r.is_teacher)
    rows = [r for r in all_rows if not r.is_teacher]
    degraded = [s for s, v in spec["students"].items() if v["role"] == "degraded"]
    compressed = [s for s, v in spec["students"].items() if v["role"] == "compressed"]
    teacher_auc = numbers.mean(teacher, "auc")
    lines = [f"1. A student of the teacher's architecture trained alone on degraded jets comes close to the teacher "
             f"(test AUC within {CLOSE_AUC}; the teacher: {teacher_auc:.4f} on clean jets):"]
    lines += _none_with_role(degraded, "degraded")
    for student in degraded:
        scratch, _ = _rows_of(rows, student)
        gap = teacher_auc - numbers.mean(scratch, "auc")
        lines.append(f"   - {_label(spec, student)}: AUC {numbers.mean(scratch, 'auc'):.4f} (teacher minus student: {gap:+.4f}): "
                     f"{verdict(gap < CLOSE_AUC)}")
    lines.append("2. Distillation does not help the students on degraded jets (no distilled setting's mean AUC above the "
                 "student alone), for either source of the teacher's soft targets:")
    lines += _none_with_role(degraded, "degraded")
    for student in degraded:
        scratch, distilled = _rows_of(rows, student)
        lines += _distilled_vs_alone(numbers, scratch, distilled)
        lines.append(f"   - {_label(spec, student)}: "
                     f"{verdict(all(numbers.mean(r, 'auc') <= numbers.mean(scratch, 'auc') for r in distilled))}")
        lines += _which_source_helps(numbers, spec, student, distilled)
    lines.append("3. Distillation helps the compressed students (every distilled setting's mean AUC above the student "
                 "alone):")
    lines += _none_with_role(compressed, "compressed")
    for student in compressed:
        scratch, distilled = _rows_of(rows, student)
        published = PUBLISHED_COMPRESSION.get(spec["students"][student].get("published", ""))
        quoted = f" [published: {published.kd_auc_gain:+.2f}]" if published and published.kd_auc_gain else ""
        lines += _distilled_vs_alone(numbers, scratch, distilled, quoted)
        lines.append(f"   - {_label(spec, student)}: "
                     f"{verdict(all(numbers.mean(r, 'auc') > numbers.mean(scratch, 'auc') for r in distilled))}")
    lines.append("4. The compressed students are faster than the teacher (median inference time per jet on one CPU "
                 "thread, teacher / student):")
    lines += _none_with_role(compressed, "compressed")
    for student in compressed:
        scratch, _ = _rows_of(rows, student)
        published = PUBLISHED_COMPRESSION.get(spec["students"][student].get("published", ""))
        ratios = {batch: numbers.mean(teacher, f"ms/jet batch {batch}") / numbers.mean(scratch, f"ms/jet batch {batch}")
                  for batch in (1, 1024)}
        quoted = f" [published: {published.speedup:.2f}x]" if published else ""
        lines.append(f"   - {_label(spec, student)}: {ratios[1]:.2f}x at batch 1, {ratios[1024]:.2f}x at batch 1024"
                     f"{quoted}: {verdict(min(ratios.values()) > 1.0)}")
    return lines + ["", "A student's AUC is on its own test jets (degraded where it is trained on degraded jets), the "
                        "teacher's on clean ones."]


def _none_with_role(students: list[str], role: str) -> list[str]:
    return [] if students else [f"   - cannot be checked: the study has no student with role: {role}"]


def _distilled_vs_alone(numbers: _Numbers, scratch: TableRow, distilled: list[TableRow], quoted: str = "") -> list[str]:
    lines = []
    for row in distilled:
        d_auc = numbers.mean(row, "auc") - numbers.mean(scratch, "auc")
        lines.append(f"   - {row.label}: AUC {numbers.mean(row, 'auc'):.4f} vs {numbers.mean(scratch, 'auc'):.4f} alone "
                     f"({d_auc:+.4f}{numbers.noise_note(row, scratch)}){quoted}")
    return lines


def _which_source_helps(numbers: _Numbers, spec: dict[str, Any], student: str, distilled: list[TableRow]) -> list[str]:
    """Seed 001's question: soft targets from the student's degraded jets (as it did) or from their clean versions?"""
    by_source = {source: [r for r in distilled if r.teacher_input == source] for source in (CLEAN, STUDENT_JETS)}
    if not all(by_source.values()):
        return []
    mean_auc = {s: statistics.fmean(numbers.mean(r, "auc") for r in rs) for s, rs in by_source.items()}
    names = {CLEAN: "the teacher on the clean jets", STUDENT_JETS: "the teacher on the student's degraded jets"}
    better = "neither" if mean_auc[CLEAN] == mean_auc[STUDENT_JETS] else names[max(mean_auc, key=mean_auc.get)]
    return [f"   - which helps {_label(spec, student)} more: {better} (mean AUC {mean_auc[CLEAN]:.4f} with soft targets "
            f"from clean jets, {mean_auc[STUDENT_JETS]:.4f} from degraded ones)"]


CLAIMS: dict[str, Callable[..., list[str]]] = {"seed003": seed003_claims, "seed001": seed001_claims}


def distillation_claims(config: dict[str, Any], study: str, table: pd.DataFrame, histories: Paths, shifted: Paths,
                        markdown_path: str | os.PathLike) -> list[str]:
    """The conclusions of the seed the study names, checked; returns the lines written."""
    spec = config["distillation_studies"][study]
    lines = [f"# {spec.get('title', study)}: {spec['claims'].replace('seed', 'seed ')}'s conclusions, checked on these "
             "numbers", ""]
    lines += CLAIMS[spec["claims"]](config, study, table, histories, shifted)
    trainings = f"{spec['repeats']} trainings" if spec["repeats"] > 1 else "1 training"
    lines += ["", f"Means over {trainings} each; spreads in table1.md."]
    with atomic_path(markdown_path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")
    return lines

