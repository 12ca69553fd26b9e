"""A transfer study (seed 000's design) written once in the config and expanded into runs.

A study names a target task and its source taggers. For every source it trains the source once,
then on the target, at each training fraction and for each repeat: the source's model from
scratch, fine-tuned from the source and with the source's EdgeConv blocks frozen. Its runs are
ordinary runs (train, evaluate, resume, SLURM), named by what they are, e.g.
`seed000_ln5_top_frozen_f10_r1` (10% of the training split, second repeat); runs that two parts
of a study share (the scratch runs of a model several sources use, the sweep's sizes that are
also table columns) exist once.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from jettransfer.evaluate.published import PUBLISHED_AUC

TRANSFER_MODES = ("finetune", "frozen")
SCRATCH = "scratch"
REPEAT_SEED_STRIDE = 1000  # repeat k trains with seed + k * this: far from any other run's seed


@dataclass(frozen=True)
class StudyRun:
    """One training of a study: `subject` is the source (transfers) or the model (scratch)."""

    name: str
    subject: str
    mode: str
    fraction: float
    repeat: int


def fraction_tag(fraction: float) -> str:
    """0.1 -> 'f10', 1.0 -> 'f100', 0.025 -> 'f2p5': a fraction as a percentage in a run name."""
    return "f" + format(round(fraction * 100, 6), "g").replace(".", "p")


def source_run_name(study: str, source: str) -> str:
    return f"{study}_{source}_source"


def study_run_name(study: str, subject: str, mode: str, fraction: float, repeat: int) -> str:
    return f"{study}_{subject}_{mode}_{fraction_tag(fraction)}_r{repeat}"


def all_fractions(spec: dict[str, Any]) -> list[float]:
    """The table's fractions, then the size sweep's others, in increasing order."""
    return sorted(set(spec["train_fractions"]) | set(spec["size_sweep"]["fractions"]))


def study_runs(config: dict[str, Any], study: str) -> Iterator[StudyRun]:
    """Every target training of the study, each once."""
    spec = config["transfer_studies"][study]
    seen: set[str] = set()
    sweep_sources = set(spec["size_sweep"]["sources"])
    for source, source_spec in spec["sources"].items():
        fractions = all_fractions(spec) if source in sweep_sources else spec["train_fractions"]
        for fraction in fractions:
            for repeat in range(spec["repeats"]):
                for mode, subject in [(SCRATCH, source_spec["model"])] + [(m, source) for m in spec["modes"]]:
                    name = study_run_name(study, subject, mode, fraction, repeat)
                    if name not in seen:
                        seen.add(name)
                        yield StudyRun(name, subject, mode, fraction, repeat)


def find_run(config: dict[str, Any], study: str, source: str, mode: str, fraction: float, repeat: int) -> str:
    """The run of `source`'s row in `mode` (scratch: the source's model from scratch)."""
    subject = config["transfer_studies"][study]["sources"][source]["model"] if mode == SCRATCH else source
    return study_run_name(study, subject, mode, fraction, repeat)


def study_run_names(config: dict[str, Any], study: str) -> list[str]:
    """The study's source runs and target runs."""
    spec = config["transfer_studies"][study]
    return [source_run_name(study, s) for s in spec["sources"]] + [r.name for r in study_runs(config, study)]


def expand_transfer_studies(config: dict[str, Any], need: Callable[[bool, str, str], None]) -> None:
    """Add every study's runs to config['runs']; `need(condition, field, message)` records problems."""
    for study, spec in config["transfer_studies"].items():
        where = f"transfer_studies.{study}"
        need(spec["target"] in config["tasks"], f"{where}.target",
             f"unknown task {spec['target']!r}; tasks: {sorted(config['tasks'])}")
        for source in spec["size_sweep"]["sources"]:
            need(source in spec["sources"], f"{where}.size_sweep.sources", f"unknown source {source!r}; sources: {sorted(spec['sources'])}")
        for source, source_spec in spec["sources"].items():
            for field, known in (("task", config["tasks"]), ("model", config["models"])):
                need(source_spec[field] in known, f"{where}.sources.{source}.{field}",
                     f"unknown {field} {source_spec[field]!r}; {field}s: {sorted(known)}")
            need(source_spec["task"] != spec["target"], f"{where}.sources.{source}.task",
                 "a source is trained on another task than the target")
            row = source_spec.get("published")
            need(row is None or row in PUBLISHED_AUC, f"{where}.sources.{source}.published",
                 f"unknown row {row!r}; seed 000's rows: {sorted(PUBLISHED_AUC)}")
        new_runs = dict(_runs_of(config, study, spec))
        for name in new_runs:
            need(name not in config["runs"], f"{where}", f"its run {name!r} is also given under runs")
        config["runs"].update(new_runs)


def _runs_of(config: dict[str, Any], study: str, spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for source, source_spec in spec["sources"].items():
        run = {"task": source_spec["task"], "model": source_spec["model"], "mode": SCRATCH,
               "label": source_spec.get("label", source)}
        if "training" in source_spec:
            run["training"] = copy.deepcopy(source_spec["training"])
        yield source_run_name(study, source), run
    seed = config["seed"]
    for item in study_runs(config, study):
        training = {"train_fraction": item.fraction, "seed": seed + REPEAT_SEED_STRIDE * item.repeat}
        if item.mode == SCRATCH:
            run = {"task": spec["target"], "model": item.subject, "mode": SCRATCH, "label": f"{item.subject} scratch"}
        else:
            source_spec = spec["sources"][item.subject]
            training = {**copy.deepcopy(source_spec.get("transfer_training", {})), **training}
            run = {"task": spec["target"], "model": source_spec["model"], "mode": item.mode,
                   "init_from": source_run_name(study, item.subject),
                   "label": f"{source_spec.get('label', item.subject)}, {MODE_NAMES[item.mode]}"}
        if spec.get("training"):
            training = {**copy.deepcopy(spec["training"]), **training}
        yield item.name, {**run, "training": training}


MODE_NAMES = {SCRATCH: "scratch", "finetune": "fine-tuned", "frozen": "frozen"}
