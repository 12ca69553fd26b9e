"""A distillation study (seed 003's design) written once in the config and expanded into runs.

A study names a task, a teacher and its students. The teacher is trained once; every student is
trained `repeats` times from scratch and, at each temperature, distilled from the teacher. The
optional robustness experiment trains one student on training sets boosted along x by
beta ~ U(0, beta_max), with and without distillation, and scores every such run (and the
teacher) on test sets boosted by each beta of a grid. The study adds what that needs to the
config: its runs (e.g. `seed003_deepset_kd_T3_r1`: DeepSet distilled at T = 3, second repeat),
the boosted representations (`seed003_bmax0p1`, `seed003_boost0p5`) and the student's model on
each boosted training set. Runs the table and the robustness experiment share exist once.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from jettransfer.evaluate.published import PUBLISHED_STUDENT_ROWS
from jettransfer.models.registry import get_architecture
from jettransfer.transfer_study import REPEAT_SEED_STRIDE

SCRATCH = "scratch"


def number_tag(value: float) -> str:
    """0.1 -> '0p1', 3.0 -> '3', 0.25 -> '0p25': a number in a name."""
    return format(round(float(value), 6), "g").replace(".", "p").replace("-", "m")


def teacher_run_name(study: str) -> str:
    return f"{study}_teacher"


CLEAN, STUDENT_JETS = "clean", "student"  # where a distillation's teacher reads the student's jets
TEACHER_INPUT_TAGS = {CLEAN: "", STUDENT_JETS: "_studentjets"}
TEACHER_INPUT_LABELS = {CLEAN: "", STUDENT_JETS: ", teacher on the student's jets"}


def student_run_name(study: str, student: str, temperature: float | None, repeat: int, alpha_tag: str = "",
                     beta_max: float = 0.0, teacher_input: str = CLEAN) -> str:
    """`temperature` None: from scratch. `alpha_tag` marks a distillation whose alpha is not the
    student's own; `beta_max` > 0 a training set boosted by beta ~ U(0, beta_max);
    `teacher_input` 'student' a teacher that read the student's own (degraded) jets."""
    boost = f"_bmax{number_tag(beta_max)}" if beta_max > 0 else ""
    kind = SCRATCH if temperature is None else f"kd_T{number_tag(temperature)}{alpha_tag}{TEACHER_INPUT_TAGS[teacher_input]}"
    return f"{study}_{student}{boost}_{kind}_r{repeat}"


def boosted_training_representation(study: str, beta_max: float) -> str:
    return f"{study}_bmax{number_tag(beta_max)}"


def boosted_test_representation(study: str, beta: float) -> str:
    return f"{study}_boost{number_tag(beta)}"


def boosted_model(study: str, student: str, beta_max: float) -> str:
    return f"{study}_{student}_bmax{number_tag(beta_max)}"


@dataclass(frozen=True)
class TableRow:
    """One row of Table 1: a student from scratch or distilled at `temperature`, or the teacher."""

    label: str
    member: str  # the student's key, or "teacher"
    temperature: float | None
    runs: tuple[str, ...]  # one per repeat (the teacher: one)
    teacher_input: str = CLEAN

    @property
    def is_teacher(self) -> bool:
        return self.member == "teacher"


@dataclass(frozen=True)
class RobustnessCurve:
    """One curve of Figure 2a: the robustness student at one beta_max, distilled or not."""

    beta_max: float
    distilled: bool
    runs: tuple[str, ...]


def table_rows(config: dict[str, Any], study: str) -> list[TableRow]:
    spec = config["distillation_studies"][study]
    rows = []
    for student, student_spec in spec["students"].items():
        label = student_spec.get("label", student)
        rows.append(TableRow(f"{label} from scratch", student, None,
                             tuple(student_run_name(study, student, None, k) for k in range(spec["repeats"]))))
        for t in spec["temperatures"]:
            for source in student_spec["teacher_inputs"]:
                rows.append(TableRow(f"{label} KD T={t:g}{TEACHER_INPUT_LABELS[source]}", student, float(t), tuple(
                    student_run_name(study, student, t, k, teacher_input=source) for k in range(spec["repeats"])), source))
    teacher_label = spec["teacher"].get("label", spec["teacher"]["model"])
    rows.append(TableRow(f"{teacher_label} (teacher)", "teacher", None, (teacher_run_name(study),)))
    return rows


def robustness_curves(config: dict[str, Any], study: str) -> list[RobustnessCurve]:
    spec = config["distillation_studies"][study]
    robustness = spec.get("robustness")
    if not robustness:
        return []
    student = robustness["student"]
    tag = _alpha_tag(spec, robustness)
    curves = []
    for beta_max in robustness["beta_max"]:
        for distilled in (False, True):
            temperature = robustness["temperature"] if distilled else None
            curves.append(RobustnessCurve(float(beta_max), distilled, tuple(
                student_run_name(study, student, temperature, k, tag if distilled else "", beta_max)
                for k in range(spec["repeats"]))))
    return curves


def boost_grid(config: dict[str, Any], study: str) -> list[float]:
    """The test jets' boosts of the robustness experiment, 0 (unboosted) first."""
    robustness = config["distillation_studies"][study].get("robustness") or {}
    return sorted({0.0, *map(float, robustness.get("test_betas", []))})


def boosted_test_sets(config: dict[str, Any], study: str, run: str) -> dict[float, str]:
    """beta -> the representation whose test split is `run`'s boosted by beta (0: unboosted)."""
    spec = config["distillation_studies"][study]
    reader = spec["teacher"] if run == teacher_run_name(study) else spec["students"][spec["robustness"]["student"]]
    plain = config["models"][reader["model"]]["representation"]
    return {beta: plain if beta == 0 else boosted_test_representation(study, beta) for beta in boost_grid(config, study)}


def robustness_run_names(config: dict[str, Any], study: str) -> list[str]:
    """The runs scored on the boosted test sets: the robustness experiment's and the teacher."""
    runs = [r for curve in robustness_curves(config, study) for r in curve.runs]
    return list(dict.fromkeys(runs + [teacher_run_name(study)])) if runs else []


def measured_run_names(config: dict[str, Any], study: str) -> list[str]:
    """One run per model of Table 1: parameters, FLOPs and latency depend on the model alone, not
    on its seed or objective, so a student's distilled rows share its scratch run's measurement."""
    return list(dict.fromkeys(measured_run_of_rows(config, study).values()))


def measured_run_of_rows(config: dict[str, Any], study: str) -> dict[str, str]:
    """Table 1's row label -> the run whose measurement the row shows (the first of its model)."""
    first: dict[str, str] = {}
    rows = {}
    for row in table_rows(config, study):
        model = config["runs"][row.runs[0]]["model"]
        rows[row.label] = first.setdefault(model, row.runs[0])
    return rows


def distillation_run_groups(config: dict[str, Any], study: str) -> dict[str, list[str]]:
    """The study's runs in the order the rules list their files: `table` (Table 1, Figures 1 and
    2b), `measured` (one per Table 1 model) and `robustness` (scored on the boosted test sets)."""
    return {"table": list(dict.fromkeys(r for row in table_rows(config, study) for r in row.runs)),
            "measured": measured_run_names(config, study), "robustness": robustness_run_names(config, study)}


def _alpha_tag(spec: dict[str, Any], robustness: dict[str, Any]) -> str:
    """'' where the robustness experiment distils with the student's own alpha, else '_a<alpha>'."""
    own = spec["students"][robustness["student"]]["alpha"]
    return "" if robustness["alpha"] == own else f"_a{number_tag(robustness['alpha'])}"


def expand_distillation_studies(config: dict[str, Any], need: Callable[[bool, str, str], None]) -> None:
    """Add every study's runs, boosted representations and models to the config; `need(condition,
    field, message)` records problems. Runs after the models' presets are expanded."""
    for study, spec in config["distillation_studies"].items():
        where = f"distillation_studies.{study}"
        need(study not in config["transfer_studies"], where, "a transfer study has the same name")
        if not _references_known(config, study, spec, need):
            continue
        additions: dict[str, dict[str, Any]] = {"representations": {}, "models": {}, "runs": {}}
        if spec.get("robustness"):
            _add_boosted_inputs(config, study, spec, additions, need)
        additions["runs"].update(_runs_of(config, study, spec))
        add_to_config(config, where, additions, need)


def add_to_config(config: dict[str, Any], where: str, additions: dict[str, dict[str, Any]], need) -> None:
    """A study's expansion ({"runs": {...}, "models": {...}, ...}) added to the config; a name
    the config already gives is a problem of the study `where`."""
    for kind, new in additions.items():
        for name in new:
            need(name not in config[kind], where, f"its {kind[:-1]} {name!r} is also given under {kind}")
        config[kind].update(new)


def _references_known(config: dict[str, Any], study: str, spec: dict[str, Any], need) -> bool:
    where = f"distillation_studies.{study}"
    ok = spec["task"] in config["tasks"]
    need(ok, f"{where}.task", f"unknown task {spec['task']!r}; tasks: {sorted(config['tasks'])}")
    if spec.get("student_task") is not None:
        known = spec["student_task"] in config["tasks"]
        need(known, f"{where}.student_task", f"unknown task {spec['student_task']!r}; tasks: {sorted(config['tasks'])}")
        ok = ok and known
    members = {"teacher": spec["teacher"], **{f"students.{s}": v for s, v in spec["students"].items()}}
    for field, member in members.items():
        known = member["model"] in config["models"]
        need(known, f"{where}.{field}.model", f"unknown model {member['model']!r}; models: {sorted(config['models'])}")
        ok = ok and known
        row = member.get("published")
        need(row is None or row in PUBLISHED_STUDENT_ROWS, f"{where}.{field}.published",
             f"unknown row {row!r}; published rows: {PUBLISHED_STUDENT_ROWS}")
    labels = [s.get("label", name) for name, s in spec["students"].items()]
    need(len(set(labels)) == len(labels), f"{where}.students", f"two students share a label: {labels}")
    robustness = spec.get("robustness")
    if robustness:
        need(any(b > 0 for b in robustness["test_betas"]), f"{where}.robustness.test_betas",
             "give at least one boost beta > 0 (beta = 0, the unboosted test set, is always included)")
        known = robustness["student"] in spec["students"]
        need(known, f"{where}.robustness.student",
             f"unknown student {robustness['student']!r}; students: {sorted(spec['students'])}")
        ok = ok and known
    return ok


def _add_boosted_inputs(config: dict[str, Any], study: str, spec: dict[str, Any], additions: dict[str, Any],
                        need) -> None:
    """The boosted training sets (one per beta_max > 0), boosted test sets (one per beta > 0) and
    the robustness student's model on each boosted training set. They are the student's
    representation with the boost added, and carry four-momenta when the teacher needs them
    (the teacher reads them: the boosted test sets, and the training sets with teacher_input
    'boosted')."""
    robustness, where = spec["robustness"], f"distillation_studies.{study}.robustness"
    student_model = config["models"][spec["students"][robustness["student"]]["model"]]
    teacher_model = config["models"][spec["teacher"]["model"]]
    base = config["representations"][student_model["representation"]]
    teacher_needs_momenta = get_architecture(teacher_model["architecture"]).needs_four_momenta
    teacher_kind = config["representations"][teacher_model["representation"]]["kind"]
    need(teacher_kind == base["kind"], where,
         f"the teacher reads {teacher_kind} jets, the student {base['kind']}: the boosted sets serve both")
    from jettransfer.config import representation_features  # the config module imports this one

    missing = [f for f in teacher_model["features"] if f not in representation_features(base)]
    need(not missing, where, f"the teacher reads {missing}, which the student's representation "
                             f"{student_model['representation']!r} lacks: the boosted sets serve both")
    for name, options in ([(boosted_training_representation(study, b), {"boost_beta_max": b})
                           for b in robustness["beta_max"] if b > 0]
                          + [(boosted_test_representation(study, b), {"boost_beta": b})
                             for b in robustness["test_betas"] if b > 0]):
        boosted = copy.deepcopy(base)
        boosted["degrade"] = {**boosted.get("degrade", {}), **options}
        boosted["four_momenta"] = bool(boosted.get("four_momenta")) or teacher_needs_momenta
        additions["representations"][name] = boosted
    for beta_max in robustness["beta_max"]:
        if beta_max > 0:
            additions["models"][boosted_model(study, robustness["student"], beta_max)] = {
                **copy.deepcopy(student_model), "representation": boosted_training_representation(study, beta_max)}


def _runs_of(config: dict[str, Any], study: str, spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The study's runs by name; a robustness run that is also a table run (beta_max = 0) is
    listed once, with the boosted test sets added."""
    runs: dict[str, dict[str, Any]] = {}
    for name, run in _run_items(config, study, spec):
        if name in runs:
            runs[name]["test_on"] = run["test_on"]
        else:
            runs[name] = run
    return runs


def _run_items(config: dict[str, Any], study: str, spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    teacher = teacher_run_name(study)
    teacher_spec = spec["teacher"]
    run: dict[str, Any] = {"task": spec["task"], "model": teacher_spec["model"], "mode": SCRATCH,
                           "label": f"{teacher_spec.get('label', teacher_spec['model'])} (teacher)"}
    if teacher_spec.get("training"):
        run["training"] = copy.deepcopy(teacher_spec["training"])
    robustness = spec.get("robustness")
    if robustness:
        run["test_on"] = _test_sets(config, study, teacher_spec["model"])
    yield teacher, run

    def student_run(student: str, model: str, temperature: float | None, alpha: float, repeat: int,
                    teacher_representation: str | None, label: str) -> dict[str, Any]:
        student_spec = spec["students"][student]
        training = {**copy.deepcopy(spec.get("training", {})), **copy.deepcopy(student_spec.get("training", {})),
                    "seed": config["seed"] + REPEAT_SEED_STRIDE * repeat}
        out: dict[str, Any] = {"task": student_task(spec), "model": model, "mode": SCRATCH, "label": label,
                               "training": training}
        if temperature is not None:
            objective = {"name": "distillation", "teacher": teacher, "temperature": float(temperature), "alpha": alpha}
            if teacher_representation is not None:
                objective["teacher_representation"] = teacher_representation
            out["objective"] = objective
        return out

    for student, student_spec in spec["students"].items():
        label = student_spec.get("label", student)
        for repeat in range(spec["repeats"]):
            yield student_run_name(study, student, None, repeat), student_run(
                student, student_spec["model"], None, student_spec["alpha"], repeat, None, f"{label} from scratch")
            for t in spec["temperatures"]:
                for source in student_spec["teacher_inputs"]:
                    # The teacher reads the clean version of each jet by id (its own representation),
                    # or the student's own jets, degraded as the student sees them (seed 001's way).
                    teacher_representation = (config["models"][student_spec["model"]]["representation"]
                                              if source == STUDENT_JETS else None)
                    yield student_run_name(study, student, t, repeat, teacher_input=source), student_run(
                        student, student_spec["model"], t, student_spec["alpha"], repeat, teacher_representation,
                        f"{label} KD T={t:g}{TEACHER_INPUT_LABELS[source]}")
    if not robustness:
        return
    student = robustness["student"]
    student_spec = spec["students"][student]
    label, tag, t = student_spec.get("label", student), _alpha_tag(spec, robustness), robustness["temperature"]
    test_on = _test_sets(config, study, student_spec["model"])
    for beta_max in robustness["beta_max"]:
        model = boosted_model(study, student, beta_max) if beta_max > 0 else student_spec["model"]
        # The teacher reads the student's own boosted jets (the seed's code), or their clean versions by id.
        teacher_representation = (boosted_training_representation(study, beta_max)
                                  if beta_max > 0 and robustness["teacher_input"] == "boosted" else None)
        boost = f", beta_max={beta_max:g}" if beta_max > 0 else ""
        for repeat in range(spec["repeats"]):
            for temperature in (None, t):
                name = student_run_name(study, student, temperature, repeat, tag if temperature else "", beta_max)
                run = student_run(student, model, temperature, robustness["alpha"], repeat, teacher_representation,
                                  f"{label} {'KD T=' + format(t, 'g') if temperature else 'from scratch'}{boost}")
                run["test_on"] = test_on
                yield name, run


def student_task(spec: dict[str, Any]) -> str:
    """The task the students learn: the teacher's, or a disjoint set of its own (seed 001)."""
    return spec.get("student_task") or spec["task"]


def _test_sets(config: dict[str, Any], study: str, model: str) -> list[str]:
    spec = config["distillation_studies"][study]
    plain = config["models"][model]["representation"]
    return [plain] + [boosted_test_representation(study, b) for b in sorted(spec["robustness"]["test_betas"]) if b > 0]
