"""A pretrained-event-classifier study (seed 002's design) written once in the config and
expanded into runs.

One event GNN is pretrained on the training events of `pretrain_task` (every pretraining
process) twice: multi-class (which process made the event: `<study>_pretrain_multiclass`) and
multi-label (does the event have a Higgs, a top, an antitop, and their pT, eta, phi:
`<study>_pretrain_multilabel`). On every analysis task, at every training-set size and
repeat, the same architecture is trained from scratch (`<study>_<task>_baseline_f1_r0`) and
fine-tuned from each pretraining with a re-initialised head and the backbone at a fraction of
the learning rate (`<study>_<task>_multiclass_f1_r0`, `<study>_<task>_multilabel_f1_r0`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from jettransfer.distillation_study import add_to_config
from jettransfer.transfer_study import REPEAT_SEED_STRIDE, fraction_tag

BASELINE, MULTICLASS, MULTILABEL = "baseline", "multiclass", "multilabel"
PRETRAININGS = (MULTICLASS, MULTILABEL)
KINDS = (BASELINE, *PRETRAININGS)
KIND_LABELS = {BASELINE: "baseline (from scratch)", MULTICLASS: "fine-tuned from multi-class",
               MULTILABEL: "fine-tuned from multi-label"}
# The multi-label targets: these truth particles' existence, then their (pT, eta, phi)
# (jettransfer.data.object_file.TRUTH_PARTICLES, in the event-graph files' target_* arrays).
MULTILABEL_OBJECTS, MULTILABEL_KINEMATICS = 3, 3
EVENT_ARCHITECTURE = "event_gnn"


def pretrain_run_name(study: str, kind: str) -> str:
    return f"{study}_pretrain_{kind}"


def task_run_name(study: str, task: str, kind: str, fraction: float, repeat: int) -> str:
    return f"{study}_{task}_{kind}_{fraction_tag(fraction)}_r{repeat}"


def task_runs(config: dict[str, Any], study: str, task: str) -> dict[str, dict[float, tuple[str, ...]]]:
    """kind -> training fraction -> one run per repeat, for one analysis task."""
    spec = config["event_studies"][study]
    return {kind: {f: tuple(task_run_name(study, task, kind, f, r) for r in range(spec["repeats"]))
                   for f in sorted(spec["train_fractions"])}
            for kind in (BASELINE, *spec["pretrainings"])}


def cka_runs(config: dict[str, Any], study: str, task: str) -> dict[str, str]:
    """kind -> the run whose representations the CKA compares: full statistics, first repeat."""
    return {kind: runs[max(runs)][0] for kind, runs in task_runs(config, study, task).items()}


def pretrain_run_names(config: dict[str, Any], study: str) -> list[str]:
    return [pretrain_run_name(study, kind) for kind in config["event_studies"][study]["pretrainings"]]


def scored_run_names(config: dict[str, Any], study: str) -> list[str]:
    """Every analysis-task run (they have test scores), task by task, kind by kind."""
    names = []
    for task in config["event_studies"][study]["tasks"]:
        for runs in task_runs(config, study, task).values():
            names += [r for repeats in runs.values() for r in repeats]
    return names


def event_run_names(config: dict[str, Any], study: str) -> list[str]:
    """Every run of the study: the pretrainings, then the analysis tasks' runs."""
    return pretrain_run_names(config, study) + scored_run_names(config, study)


def expand_event_studies(config: dict[str, Any], need: Callable[[bool, str, str], None]) -> None:
    """Add every study's runs to the config; `need(condition, field, message)` records problems.
    Runs after the models' presets are expanded."""
    for study, spec in config["event_studies"].items():
        where = f"event_studies.{study}"
        for other in ("transfer_studies", "distillation_studies", "published_comparisons", "contrastive_studies"):
            need(study not in config[other], where, f"a study of {other} has the same name")
        if _references_known(config, study, spec, need):
            add_to_config(config, where, {"runs": dict(_runs_of(config, study, spec))}, need)


def _references_known(config: dict[str, Any], study: str, spec: dict[str, Any], need) -> bool:
    where = f"event_studies.{study}"
    tasks = config["tasks"]
    ok = spec["pretrain_task"] in tasks
    need(ok, f"{where}.pretrain_task", f"unknown task {spec['pretrain_task']!r}; tasks: {sorted(tasks)}")
    if ok:
        need("classes" in tasks[spec["pretrain_task"]], f"{where}.pretrain_task",
             "multi-class pretraining needs a task with classes (one per pretraining process)")
    for i, task in enumerate(spec["tasks"]):
        known = task in tasks
        need(known, f"{where}.tasks[{i}]", f"unknown task {task!r}; tasks: {sorted(tasks)}")
        ok = ok and known
        if known:
            need("classes" not in tasks[task], f"{where}.tasks[{i}]", "an analysis task is binary (signal, background)")
    model = config["models"].get(spec["model"])
    need(model is not None, f"{where}.model", f"unknown model {spec['model']!r}; models: {sorted(config['models'])}")
    if model is None:
        return False
    is_event_gnn = model.get("architecture") == EVENT_ARCHITECTURE
    need(is_event_gnn, f"{where}.model", f"model {spec['model']!r} is a {model.get('architecture')}; "
         f"the study trains an {EVENT_ARCHITECTURE}")
    representation = config["representations"].get(model["representation"], {})
    need(representation.get("kind") == "event_graph", f"{where}.model",
         f"model {spec['model']!r} reads {model['representation']!r}, not an event_graph representation")
    return ok and is_event_gnn


def _runs_of(config: dict[str, Any], study: str, spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    pretraining = copy.deepcopy(spec["pretraining"])
    objectives = {MULTICLASS: None,
                  MULTILABEL: {"name": "multilabel", "n_objects": MULTILABEL_OBJECTS,
                               "n_kinematics": MULTILABEL_KINEMATICS, **spec["multilabel"]}}
    for kind in spec["pretrainings"]:
        run: dict[str, Any] = {"task": spec["pretrain_task"], "model": spec["model"], "mode": "scratch",
                               "label": f"{kind} pretraining", "training": copy.deepcopy(pretraining)}
        if objectives[kind] is not None:
            run["objective"] = copy.deepcopy(objectives[kind])
        yield pretrain_run_name(study, kind), run
    for task in spec["tasks"]:
        for fraction in sorted(spec["train_fractions"]):
            for repeat in range(spec["repeats"]):
                training = {**copy.deepcopy(spec["training"]), "train_fraction": fraction,
                            "seed": config["seed"] + REPEAT_SEED_STRIDE * repeat}
                for kind in (BASELINE, *spec["pretrainings"]):
                    label = f"{KIND_LABELS[kind]}, {fraction * 100:g}% of the training events"
                    run = {"task": task, "model": spec["model"], "label": label}
                    if kind == BASELINE:
                        run |= {"mode": "scratch", "training": training}
                    else:
                        # The head is new: the pretraining's has another number of outputs.
                        run |= {"mode": "finetune", "init_from": pretrain_run_name(study, kind),
                                "training": {**training, **copy.deepcopy(spec["finetuning"]), "reinit_head": True}}
                    yield task_run_name(study, task, kind, fraction, repeat), run
