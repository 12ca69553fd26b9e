"""A contrastive-pretraining study (seed 004's design) written once in the config and expanded
into runs.

An encoder is pretrained with SimCLR on the unlabelled training jets of `pretrain_task`, once
per pretraining size (`<study>_pretrain_p100`: the whole split). On the fine-tuning `task`, at
every number of labelled jets and every repeat, it is fine-tuned from the largest pretraining
with each head (`<study>_pretrained_linear_f1_r0`), probed frozen with a linear head
(`<study>_probe_f1_r0`) and trained from scratch with the same architecture and recipe
(`<study>_scratch_linear_f1_r0`); every smaller pretraining is fine-tuned at one number of
labels (`<study>_pretrained_p10_linear_f1_r0`). The study adds the encoder with each head as a
model (`<study>_encoder_linear`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from jettransfer.distillation_study import add_to_config
from jettransfer.transfer_study import REPEAT_SEED_STRIDE, fraction_tag

SCRATCH, PRETRAINED, PROBE = "scratch", "pretrained", "probe"
PROJECTION = "projection"
HEAD_ARCHITECTURES = ("transformer", "particle_transformer")  # encoders with a `head` choice and a `representation`


def encoder_model(study: str, head: str) -> str:
    return f"{study}_encoder_{head}"


def pretrain_run_name(study: str, fraction: float) -> str:
    return f"{study}_pretrain_p{fraction_tag(fraction)[1:]}"


def finetune_run_name(study: str, kind: str, head: str, label_fraction: float, repeat: int,
                      pretrain_fraction: float | None = None) -> str:
    """`pretrain_fraction`: a pretraining other than the largest (the size sweep)."""
    size = "" if pretrain_fraction is None else f"_p{fraction_tag(pretrain_fraction)[1:]}"
    kind_head = PROBE if kind == PROBE else f"{kind}{size}_{head}"
    return f"{study}_{kind_head}_{fraction_tag(label_fraction)}_r{repeat}"


@dataclass(frozen=True)
class Series:
    """Runs of one curve over the label fractions: a kind (scratch, pretrained, probe) and head,
    from one pretraining size; runs[label_fraction] has one run per repeat."""

    kind: str
    head: str
    pretrain_fraction: float | None
    runs: dict[float, tuple[str, ...]]

    @property
    def label(self) -> str:
        if self.kind == PROBE:
            return "pretrained, frozen (linear probe)"
        head = f"{self.head} head"
        return f"from scratch, {head}" if self.kind == SCRATCH else f"pretrained, {head}"


def largest_pretraining(spec: dict[str, Any]) -> float:
    return max(spec["pretrain_fractions"])


def size_sweep_label_fraction(spec: dict[str, Any]) -> float:
    return spec.get("size_sweep_label_fraction") or min(spec["label_fractions"])


def label_series(config: dict[str, Any], study: str) -> list[Series]:
    """The curves over the number of labels: scratch and pretrained per head, and the probe."""
    spec = config["contrastive_studies"][study]
    fractions = sorted(spec["label_fractions"])

    def runs(kind: str, head: str) -> dict[float, tuple[str, ...]]:
        return {f: tuple(finetune_run_name(study, kind, head, f, r) for r in range(spec["repeats"])) for f in fractions}

    series = []
    for head in spec["heads"]:
        series.append(Series(SCRATCH, head, None, runs(SCRATCH, head)))
        series.append(Series(PRETRAINED, head, largest_pretraining(spec), runs(PRETRAINED, head)))
    if spec["probe"]:
        series.append(Series(PROBE, "linear", largest_pretraining(spec), runs(PROBE, "linear")))
    return series


def size_sweep(config: dict[str, Any], study: str) -> dict[float, tuple[str, ...]]:
    """Pretraining fraction -> its fine-tuned runs (first head, size_sweep_label_fraction), per repeat."""
    spec = config["contrastive_studies"][study]
    head, labels = spec["heads"][0], size_sweep_label_fraction(spec)
    return {p: tuple(finetune_run_name(study, PRETRAINED, head, labels, r, None if p == largest_pretraining(spec) else p)
                     for r in range(spec["repeats"]))
            for p in sorted(spec["pretrain_fractions"])}


def embedding_runs(config: dict[str, Any], study: str) -> dict[str, str]:
    """The encoders the embedding figure compares: trained from scratch (first head, most labels,
    first repeat) and pretrained (the largest pretraining, before any fine-tuning)."""
    spec = config["contrastive_studies"][study]
    return {SCRATCH: finetune_run_name(study, SCRATCH, spec["heads"][0], max(spec["label_fractions"]), 0),
            PRETRAINED: pretrain_run_name(study, largest_pretraining(spec))}


def contrastive_run_names(config: dict[str, Any], study: str) -> list[str]:
    """Every run of the study, each once: pretrainings, then the fine-tuning task's runs."""
    spec = config["contrastive_studies"][study]
    names = [pretrain_run_name(study, p) for p in sorted(spec["pretrain_fractions"])]
    for series in label_series(config, study):
        names += [r for runs in series.runs.values() for r in runs]
    names += [r for runs in size_sweep(config, study).values() for r in runs]
    return list(dict.fromkeys(names))


def scored_run_names(config: dict[str, Any], study: str) -> list[str]:
    """The runs with test scores: all but the pretrainings."""
    pretrainings = {pretrain_run_name(study, p) for p in config["contrastive_studies"][study]["pretrain_fractions"]}
    return [r for r in contrastive_run_names(config, study) if r not in pretrainings]


def expand_contrastive_studies(config: dict[str, Any], need: Callable[[bool, str, str], None]) -> None:
    """Add every study's models (the encoder with each head) and runs to the config; `need(condition,
    field, message)` records problems. Runs after the models' presets are expanded."""
    for study, spec in config["contrastive_studies"].items():
        where = f"contrastive_studies.{study}"
        for other in ("transfer_studies", "distillation_studies", "published_comparisons"):
            need(study not in config[other], where, f"a study of {other} has the same name")
        if not _references_known(config, study, spec, need):
            continue
        add_to_config(config, where, {"models": dict(_models_of(config, study, spec)),
                                      "runs": dict(_runs_of(config, study, spec))}, need)


def _references_known(config: dict[str, Any], study: str, spec: dict[str, Any], need) -> bool:
    where = f"contrastive_studies.{study}"
    ok = True
    for field in ("pretrain_task", "task"):
        known = spec[field] in config["tasks"]
        need(known, f"{where}.{field}", f"unknown task {spec[field]!r}; tasks: {sorted(config['tasks'])}")
        ok = ok and known
    if spec["task"] in config["tasks"]:
        task = config["tasks"][spec["task"]]
        need("classes" not in task, f"{where}.task", "fine-tuning needs a binary task (signal, background)")
    model = config["models"].get(spec["encoder"])
    need(model is not None, f"{where}.encoder", f"unknown model {spec['encoder']!r}; models: {sorted(config['models'])}")
    if model is None:
        return False
    need(model.get("architecture") in HEAD_ARCHITECTURES, f"{where}.encoder",
         f"model {spec['encoder']!r} is a {model.get('architecture')}; the encoder must be one of {HEAD_ARCHITECTURES}")
    sweep = spec.get("size_sweep_label_fraction")
    need(sweep is None or sweep in spec["label_fractions"], f"{where}.size_sweep_label_fraction",
         f"must be one of label_fractions {spec['label_fractions']}")
    return ok and model.get("architecture") in HEAD_ARCHITECTURES


def _models_of(config: dict[str, Any], study: str, spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    encoder = config["models"][spec["encoder"]]
    for head in (PROJECTION, *spec["heads"], *(["linear"] if spec["probe"] else [])):
        model = copy.deepcopy(encoder)
        model["params"] = {**model.get("params", {}), "head": head}
        if head == PROJECTION:
            model["params"]["projection_dim"] = spec["pretraining"]["projection_dim"]
        model.pop("preset", None)  # expanded already: architecture, features and params are explicit
        yield encoder_model(study, head), model


def _runs_of(config: dict[str, Any], study: str, spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    pretraining = spec["pretraining"]
    objective = {"name": "contrastive", "temperature": pretraining["temperature"],
                 "projection_dim": pretraining["projection_dim"], "views": pretraining["views"],
                 "view_options": copy.deepcopy(pretraining["view_options"])}
    for fraction in sorted(spec["pretrain_fractions"]):
        yield pretrain_run_name(study, fraction), {
            "task": spec["pretrain_task"], "model": encoder_model(study, PROJECTION), "mode": SCRATCH,
            "label": f"pretraining on {fraction:.0%} of the pretraining set", "objective": copy.deepcopy(objective),
            "training": {**copy.deepcopy(pretraining.get("training", {})), "train_fraction": fraction}}

    def run(kind: str, head: str, label_fraction: float, repeat: int, source_fraction: float) -> dict[str, Any]:
        training = {**copy.deepcopy(spec.get("training", {})), "train_fraction": label_fraction,
                    "seed": config["seed"] + REPEAT_SEED_STRIDE * repeat}
        out: dict[str, Any] = {"task": spec["task"], "model": encoder_model(study, head), "label":
                               f"{Series(kind, head, None, {}).label}, {label_fraction * 100:g}% of the labels"}
        if kind == SCRATCH:
            return out | {"mode": SCRATCH, "training": training}
        out |= {"init_from": pretrain_run_name(study, source_fraction)}
        if kind == PROBE:
            return out | {"mode": "frozen", "training": training}
        # The head is new: the pretraining's projection has another shape and another purpose.
        return out | {"mode": "finetune", "training": {**training, **copy.deepcopy(spec.get("finetuning", {})),
                                                       "reinit_head": True}}

    largest = largest_pretraining(spec)
    for label_fraction in sorted(spec["label_fractions"]):
        for repeat in range(spec["repeats"]):
            for head in spec["heads"]:
                yield finetune_run_name(study, SCRATCH, head, label_fraction, repeat), run(
                    SCRATCH, head, label_fraction, repeat, largest)
                yield finetune_run_name(study, PRETRAINED, head, label_fraction, repeat), run(
                    PRETRAINED, head, label_fraction, repeat, largest)
            if spec["probe"]:
                yield finetune_run_name(study, PROBE, "linear", label_fraction, repeat), run(
                    PROBE, "linear", label_fraction, repeat, largest)
    head, labels = spec["heads"][0], size_sweep_label_fraction(spec)
    for fraction in sorted(spec["pretrain_fractions"]):
        if fraction == largest:
            continue  # the label sweep's own runs
        for repeat in range(spec["repeats"]):
            yield finetune_run_name(study, PRETRAINED, head, labels, repeat, fraction), run(
                PRETRAINED, head, labels, repeat, fraction)
