"""Study configuration: schema validation (with defaults) and the cross-references a schema
cannot express. Both run before any job starts, from the Snakefile or from `load_config`."""

from __future__ import annotations

import copy
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from jettransfer.models.registry import ARCHITECTURES, PRESETS, get_architecture
from jettransfer.physics.constituents import FOUR_VECTOR, PARTICLE_FEATURES, SET_FEATURES
from jettransfer.physics.event_processes import get_event_process
from jettransfer.physics.generation import GenerationSettings, check_pythia_lines
from jettransfer.physics.lund import LUND_FEATURES
from jettransfer.physics.objects import EVENT_OBJECT_FEATURES
from jettransfer.physics.processes import PROCESSES, get_process
from jettransfer.physics.selection import JetSelection
from jettransfer.train.settings import TrainingSettings
from jettransfer.contrastive_study import expand_contrastive_studies
from jettransfer.distillation_study import expand_distillation_studies
from jettransfer.event_study import expand_event_studies
from jettransfer.published_models import (PUBLISHED_MODE, check_published_comparisons, check_published_run,
                                          expand_published_model)
from jettransfer.transfer_study import expand_transfer_studies

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"


def representation_features(spec: dict[str, Any]) -> tuple[str, ...]:
    """The feature columns a representation's files hold."""
    if spec["kind"] == "lund_graph":
        return LUND_FEATURES
    if spec["kind"] == "event_graph":
        return EVENT_OBJECT_FEATURES
    if spec["kind"] == "constituents" and spec.get("features") in CONSTITUENT_FEATURES:
        return CONSTITUENT_FEATURES[spec["features"]]
    return PARTICLE_FEATURES


CONSTITUENT_FEATURES = {"particle": PARTICLE_FEATURES, "four_vector": FOUR_VECTOR, "set": SET_FEATURES}


class ConfigError(ValueError):
    """A config problem, with the dotted path of the offending field."""


def load_config(path: str | os.PathLike) -> dict[str, Any]:
    with open(path) as handle:
        config = yaml.safe_load(handle) or {}
    return validate_config(config, source=str(path))


def _schema() -> dict[str, Any]:
    with open(SCHEMA_PATH) as handle:
        return yaml.safe_load(handle)


def training_defaults() -> dict[str, Any]:
    """Every training option's default, as the schema declares it."""
    overrides = _schema()["properties"]["training"]["allOf"][1]["properties"]
    return {name: copy.deepcopy(option["default"]) for name, option in overrides.items()}


def event_study_defaults() -> dict[str, Any]:
    """Every event-study option's default, as the schema declares it."""
    options = _schema()["properties"]["event_studies"]["additionalProperties"]["properties"]
    return {name: copy.deepcopy(option["default"]) for name, option in options.items() if "default" in option}


def validate_config(config: dict[str, Any], source: str = "config") -> dict[str, Any]:
    """Return a validated copy of `config` with schema defaults filled in; raise ConfigError."""
    config = copy.deepcopy(config)
    schema = _schema()
    validator = _validator_filling_defaults(jsonschema.Draft7Validator)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  {_dotted(e.absolute_path)}: {e.message}" for e in errors]
        raise ConfigError(f"{source}: invalid configuration\n" + "\n".join(lines))
    _check_references(config, source)
    return config


def _dotted(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _validator_filling_defaults(base):
    """jsonschema validator that also writes `default` values into the instance."""
    validate_properties = base.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(base, {"properties": set_defaults})


def _check_references(config: dict[str, Any], source: str) -> None:
    problems: list[str] = []

    def need(condition: bool, field: str, message: str) -> None:
        if not condition:
            problems.append(f"  {field}: {message}")

    splits = config["splits"]
    need(abs(sum(splits.values()) - 1.0) < 1e-9, "splits", f"fractions must sum to 1, got {sum(splits.values()):g}")
    samples, tasks, models, runs = config["samples"], config["tasks"], config["models"], config["runs"]
    for name, sample in samples.items():
        _check_sample(name, sample, need)
    _check_pythia_lines(config, need)
    for name, task in tasks.items():
        members = task["classes"] if "classes" in task else [task["signal"], task["background"]]
        known = [s for s in members if s in samples]
        need(len({is_event_sample(samples[s]) for s in known}) <= 1, f"tasks.{name}",
             "mixes samples of whole events (n_events) with samples of jets")
        if "classes" in task:
            for i, sample in enumerate(task["classes"]):
                need(sample in samples, f"tasks.{name}.classes.{i}", f"unknown sample {sample!r}; samples: {sorted(samples)}")
            continue
        for role, wanted in (("signal", 1), ("background", 0)):
            sample = task[role]
            need(sample in samples, f"tasks.{name}.{role}", f"unknown sample {sample!r}; samples: {sorted(samples)}")
            # Events have no signal or background of their own: an analysis decides (WH vs ZH).
            if sample in samples and not problems and not is_event_sample(samples[sample]):
                need(sample_label(samples[sample]) == wanted, f"tasks.{name}.{role}",
                     f"sample {sample!r} holds {'signal' if wanted == 0 else 'background'} jets")
    representations = config["representations"]
    for name, spec in representations.items():
        kind = spec["kind"]
        if kind != "lund_graph":
            need("ln_kt_min" not in spec, f"representations.{name}.ln_kt_min", "only a lund_graph has declusterings")
        if kind != "constituents":
            need("features" not in spec, f"representations.{name}.features", "only constituents choose their features")
        if kind not in ("particle_cloud", "constituents"):
            need(not spec.get("four_momenta"), f"representations.{name}.four_momenta", "only particles have four-momenta")
        degrade = spec.get("degrade", {})
        need(not ("boost_beta" in degrade and "boost_beta_max" in degrade), f"representations.{name}.degrade",
             "boost_beta (every jet by one beta) and boost_beta_max (beta ~ U(0, max)) exclude each other")
        if kind in ("lund_graph", "event_graph"):
            for option in ("frame", "max_constituents"):
                need(option not in spec, f"representations.{name}.{option}", f"does not apply to a {kind}")
        if kind == "event_graph":
            need("degrade" not in spec, f"representations.{name}.degrade", "degradations act on jets' constituents")
    for name, model in models.items():
        if "published" in model:
            expand_published_model(config, name, model, need)
        if "preset" in model:
            _expand_preset(name, model, need)
        if model.get("architecture") not in ARCHITECTURES:
            need(False, f"models.{name}.architecture",
                 f"unknown architecture {model.get('architecture')!r}; known: {sorted(ARCHITECTURES)}")
            continue
        rep = model["representation"]
        if rep not in representations:
            need(False, f"models.{name}.representation", f"unknown representation {rep!r}; representations: {sorted(representations)}")
            continue
        kind = representations[rep]["kind"]
        inputs = get_architecture(model["architecture"]).inputs
        need(kind in inputs, f"models.{name}.representation", f"{model['architecture']} reads {' or '.join(inputs)}, {rep!r} is a {kind}")
        available = representation_features(representations[rep])
        unknown = [f for f in model["features"] if f not in available]
        need(not unknown, f"models.{name}.features", f"{unknown} not in representation {rep!r}; it has {list(available)}")
        if get_architecture(model["architecture"]).needs_four_momenta:
            need(representations[rep].get("four_momenta", False), f"models.{name}.representation",
                 f"{model['architecture']} reads four-momenta: give representation {rep!r} four_momenta: true")
    expand_transfer_studies(config, need)
    if not problems:  # a study's expansion reads models whose presets are known
        expand_distillation_studies(config, need)
        expand_contrastive_studies(config, need)
        expand_event_studies(config, need)
    need(bool(runs), "runs",
         "no runs: give runs, transfer_studies, distillation_studies, contrastive_studies or event_studies")
    for name, run in runs.items():
        need(run["task"] in tasks, f"runs.{name}.task", f"unknown task {run['task']!r}; tasks: {sorted(tasks)}")
        need(run["model"] in models, f"runs.{name}.model", f"unknown model {run['model']!r}; models: {sorted(models)}")
        if run["mode"] == "scratch":
            need("init_from" not in run, f"runs.{name}.init_from", "a scratch run starts from no other run")
        elif run["mode"] == PUBLISHED_MODE:
            if run["model"] in models:
                check_published_run(config, name, need)
        else:
            source_run = run.get("init_from")
            need(source_run in runs, f"runs.{name}.init_from",
                 f"mode {run['mode']!r} needs init_from naming another run; runs: {sorted(runs)}")
            if source_run in runs and run["model"] in models and runs[source_run]["model"] in models:
                need(source_run != name, f"runs.{name}.init_from", "a run cannot start from itself")
                _check_transfer_source(config, name, source_run, need)
        if run["task"] in tasks:
            _check_objective(config, name, need)
        if run["task"] in tasks and run["model"] in models and not problems:
            _check_inputs_match(config, name, need)
        if run["model"] in models:
            for i, rep in enumerate(run.get("test_on", [])):
                _check_reads(config, run["model"], rep, f"runs.{name}.test_on.{i}", need)
    for kind in ("tables", "figures"):
        for name, item in config[kind].items():
            for run in item["runs"]:
                need(run in runs, f"{kind}.{name}.runs", f"unknown run {run!r}")
                if run in runs:
                    need(run_objective(config, run)["name"] in SCORED_OBJECTIVES, f"{kind}.{name}.runs",
                         f"run {run!r} ({run_objective(config, run)['name']}) has no test scores to show")
                if run in runs and kind == "figures" and runs[run]["task"] in tasks:
                    need(num_classes(config, runs[run]["task"]) == 2, f"{kind}.{name}.runs",
                         f"run {run!r} has {num_classes(config, runs[run]['task'])} classes: a ROC curve needs a binary task")
            if "reference" in item:
                need(item["reference"] in item["runs"], f"{kind}.{name}.reference", "must be one of the figure's runs")
    check_published_comparisons(config, need)
    if not problems:
        _check_acyclic(runs, problems)
    if problems:
        raise ConfigError(f"{source}: invalid configuration\n" + "\n".join(problems))


SCORED_OBJECTIVES = ("cross_entropy", "distillation")  # the objectives whose test scores tables and ROC curves show


def _check_transfer_source(config: dict[str, Any], name: str, source_run: str, need) -> None:
    """The source of a transfer has this run's model, or, where the head starts anew (frozen,
    reinit_head), the same architecture and features (its head may differ)."""
    run, source = config["runs"][name], config["runs"][source_run]
    new_head = run["mode"] == "frozen" or training_block(config, name)["reinit_head"]
    if not new_head:
        need(source["model"] == run["model"], f"runs.{name}.init_from",
             f"source run {source_run!r} uses model {source['model']!r}, this run {run['model']!r}")
        need(run_objective(config, source_run)["name"] != "contrastive", f"runs.{name}.training.reinit_head",
             f"source run {source_run!r} learnt a contrastive projection: fine-tune it with reinit_head: true")
        return
    mine, theirs = config["models"][run["model"]], config["models"][source["model"]]
    for key in ("architecture", "features"):
        need(mine.get(key) == theirs.get(key), f"runs.{name}.init_from",
             f"source run {source_run!r}'s model has {key} {theirs.get(key)!r}, this run's {mine.get(key)!r}")


def _check_objective(config: dict[str, Any], name: str, need) -> None:
    """An objective that fits its run: a teacher for distillation, no labels read by a
    contrastive run."""
    runs, objective = config["runs"], run_objective(config, name)
    where = f"runs.{name}.objective"
    if objective["name"] == "distillation":
        teacher = objective.get("teacher")
        need(teacher is not None, f"{where}.teacher", "distillation needs a teacher run")
        if teacher is None:
            return
        need(teacher in runs and teacher != name, f"{where}.teacher", f"unknown teacher run {teacher!r}; runs: {sorted(runs)}")
        if teacher in runs and teacher != name:
            need(run_objective(config, teacher)["name"] in SCORED_OBJECTIVES, f"{where}.teacher",
                 f"teacher run {teacher!r} is not a classifier")
            need(num_classes(config, runs[teacher]["task"]) == num_classes(config, runs[name]["task"]), f"{where}.teacher",
                 f"teacher run {teacher!r} has {num_classes(config, runs[teacher]['task'])} classes, "
                 f"this run {num_classes(config, runs[name]['task'])}")
            rep = objective.get("teacher_representation")
            if rep is not None and runs[teacher]["model"] in config["models"]:
                _check_reads(config, runs[teacher]["model"], rep, f"{where}.teacher_representation", need)
    if objective["name"] == "contrastive":
        need(training_block(config, name)["select_best"] != "val_auc", f"runs.{name}.training.select_best",
             "a contrastive run reads no labels: choose its best epoch by val_loss or val_accuracy (of the views)")
        model = config["models"].get(runs[name]["model"], {})
        representation = config["representations"].get(model.get("representation"), {})
        if objective.get("views", "gaussian_noise") != "gaussian_noise" and representation:
            # Physics views transform the jets' four-momenta and recompute the model's columns from them.
            need(bool(representation.get("four_momenta")), f"runs.{name}.objective.views",
                 f"views {objective['views']!r} transform four-momenta: give representation "
                 f"{model['representation']!r} four_momenta: true")


def _check_inputs_match(config: dict[str, Any], name: str, need) -> None:
    """A run on whole events reads an event_graph; a run on jets reads a jet representation."""
    run = config["runs"][name]
    events = any(is_event_sample(config["samples"][s]) for s, _ in task_members(config, run["task"]))
    representation = config["models"][run["model"]]["representation"]
    graph_of_events = config["representations"][representation]["kind"] == "event_graph"
    if events != graph_of_events:
        need(False, f"runs.{name}.model", f"task {run['task']!r} holds {'events' if events else 'jets'}; model "
             f"{run['model']!r} reads {representation!r}, " + ("not an event_graph" if events else "an event_graph"))
    if run_objective(config, name)["name"] == "multilabel":
        need(events, f"runs.{name}.objective", "multi-label targets (Higgs, top, antitop) exist for whole events only")


def _check_reads(config: dict[str, Any], model: str, representation: str, field: str, need) -> None:
    """A run's model can read another representation's files: same kind, its features, momenta."""
    representations = config["representations"]
    if representation not in representations:
        need(False, field, f"unknown representation {representation!r}; representations: {sorted(representations)}")
        return
    spec, mine = representations[representation], config["models"][model]
    own = representations[mine["representation"]]
    need(spec["kind"] == own["kind"], field, f"model {model!r} reads {own['kind']} jets, {representation!r} is a {spec['kind']}")
    missing = [f for f in mine["features"] if f not in representation_features(spec)]
    need(not missing, field, f"model {model!r} reads {missing}, which {representation!r} lacks")
    if get_architecture(mine["architecture"]).needs_four_momenta:
        need(spec.get("four_momenta", False), field, f"model {model!r} reads four-momenta: {representation!r} has none")


def run_objective(config: dict[str, Any], run: str) -> dict[str, Any]:
    """A run's objective block (cross-entropy where none is given)."""
    return config["runs"][run].get("objective") or {"name": "cross_entropy"}


def task_members(config: dict[str, Any], task: str) -> list[tuple[str, int]]:
    """(sample, label) of a task's classes, in the order its splits draw them: signal (1), then
    background (0), for a binary task; class i (label i) in order for a multi-class one."""
    spec = config["tasks"][task]
    if "classes" in spec:
        return [(sample, i) for i, sample in enumerate(spec["classes"])]
    return [(spec["signal"], 1), (spec["background"], 0)]


def num_classes(config: dict[str, Any], task: str) -> int:
    return len(task_members(config, task))


def teacher_representation(config: dict[str, Any], run: str) -> str:
    """The representation of the student's jets a distillation run's teacher reads."""
    objective = run_objective(config, run)
    return objective.get("teacher_representation") or config["models"][config["runs"][objective["teacher"]]["model"]]["representation"]


READ_LABEL_OPTION = {"top_tagging": "keep_label", "atlas_top_tagging": "keep_label", "jetclass": "label_branch",
                     "lundnet_json": "label"}


def _expand_preset(name: str, model: dict[str, Any], need) -> None:
    """Fill architecture, features and params from a named preset; the model's own params win."""
    if model["preset"] not in PRESETS:
        need(False, f"models.{name}.preset", f"unknown preset {model['preset']!r}; known: {sorted(PRESETS)}")
        return
    preset = PRESETS[model["preset"]]
    given = model.setdefault("architecture", preset.architecture)
    need(given == preset.architecture, f"models.{name}.architecture",
         f"preset {model['preset']} is a {preset.architecture}, not a {given}")
    model.setdefault("features", list(preset.features))
    model["params"] = {**copy.deepcopy(preset.params), **model.get("params", {})}


def is_event_sample(sample: dict[str, Any]) -> bool:
    """A sample of whole events reconstructed into objects (seed 002), not of jets."""
    return "n_events" in sample


def _check_sample(name: str, sample: dict[str, Any], need) -> None:
    if is_event_sample(sample):
        for field in ("jet_pt_min", "jet_pt_max", "n_jets", "read"):
            need(sample.get(field) is None, f"samples.{name}.{field}", "does not apply to a sample of whole events (n_events)")
        need("process" in sample, f"samples.{name}.process", "required for a sample of whole events")
        if "process" in sample:
            try:
                get_event_process(sample["process"])
            except KeyError as err:
                need(False, f"samples.{name}.process", err.args[0])
        need(sample["shards"] <= sample["n_events"], f"samples.{name}.shards", "more shards than events")
        return
    if "read" in sample:
        need("process" not in sample and "jet_pt_min" not in sample, f"samples.{name}",
             "a sample is either generated (process, jet_pt_min) or read, not both")
        need(sample["shards"] == 1, f"samples.{name}.shards", "a read sample is converted as one shard")
        read = sample["read"]
        option = READ_LABEL_OPTION[read["format"]]
        need(option in read, f"samples.{name}.read.{option}", f"format {read['format']!r} needs {option!r} to say which class")
        for other in set(READ_LABEL_OPTION.values()) - {option}:
            need(other not in read, f"samples.{name}.read.{other}", f"does not apply to format {read['format']!r}")
        return
    for field in ("process", "jet_pt_min", "n_jets"):
        need(field in sample, f"samples.{name}.{field}", "required for a generated sample (or give `read` instead)")
    if "process" in sample:
        need(sample["process"] in PROCESSES, f"samples.{name}.process",
             f"unknown process {sample['process']!r}; known: {sorted(PROCESSES)}")
    if "jet_pt_min" in sample and sample.get("jet_pt_max") is not None:
        need(sample["jet_pt_max"] > sample["jet_pt_min"], f"samples.{name}.jet_pt_max", "must exceed jet_pt_min")
    if "n_jets" in sample:
        need(sample["shards"] <= sample["n_jets"], f"samples.{name}.shards", "more shards than jets")


def _check_pythia_lines(config: dict[str, Any], need) -> None:
    """Every line of generation.pythia_settings and samples.*.pythia_settings is one Pythia
    accepts, asked of Pythia itself (only when lines are given: it reads Pythia's database)."""
    fields = {"generation.pythia_settings": config["generation"].get("pythia_settings", [])}
    for name, sample in config["samples"].items():
        if "read" in sample:
            need("pythia_settings" not in sample, f"samples.{name}.pythia_settings", "a read sample is not generated")
        fields[f"samples.{name}.pythia_settings"] = sample.get("pythia_settings", [])
    if not any(fields.values()):
        return
    try:
        for field, lines in fields.items():
            try:
                check_pythia_lines(lines, field)
            except ValueError as err:
                need(False, field, str(err).split(": ", 1)[1])
    except ImportError:  # no pythia8mc beside Snakemake (--sdm conda): generation checks before its first event
        return


def sample_label(sample: dict[str, Any]) -> int:
    """1 if the sample's jets are signal, 0 if background."""
    if "read" not in sample:
        return int(get_process(sample["process"]).signal_pdg is not None)
    read = sample["read"]
    if read["format"] == "jetclass":
        return int(read["label_branch"] != "label_QCD")
    return int(read[READ_LABEL_OPTION[read["format"]]])


def _check_acyclic(runs: dict[str, Any], problems: list[str]) -> None:
    for name in runs:
        seen, current = {name}, runs[name].get("init_from")
        while current is not None:
            if current in seen:
                problems.append(f"  runs.{name}.init_from: runs start from each other in a cycle")
                break
            seen.add(current)
            current = runs[current].get("init_from")


# Accessors: the rest of the code reads the config only through these.

def jet_selection(config: dict[str, Any], sample: str) -> JetSelection:
    s, c = config["samples"][sample], config["clustering"]
    return JetSelection(pt_min=float(s["jet_pt_min"]), pt_max=s.get("jet_pt_max"), rapidity_max=c["rapidity_max"],
                        max_jets_per_event=c["max_jets_per_event"], match_radius=c["truth_match_radius"])


def generation_settings(config: dict[str, Any], sample: str | None = None) -> GenerationSettings:
    """The generator's settings for `sample`: the study's, with the sample's own Pythia lines last."""
    options = dict(config["generation"])
    lines = [*options.pop("pythia_settings", []), *(config["samples"][sample].get("pythia_settings", []) if sample else [])]
    return GenerationSettings(**options, extra_lines=tuple(lines))


def jets_in_shard(config: dict[str, Any], sample: str, shard: int) -> int:
    """Jets (or, for a sample of whole events, events) that shard `shard` generates."""
    spec = config["samples"][sample]
    n, shards = spec["n_events"] if is_event_sample(spec) else spec["n_jets"], spec["shards"]
    return n // shards + (1 if shard < n % shards else 0)


def training_block(config: dict[str, Any], run: str) -> dict[str, Any]:
    """A run's training options: the study's, under the run's own."""
    return {"seed": config["seed"], **config["training"], **config["runs"][run].get("training", {})}


def training_settings(config: dict[str, Any], run: str, threads: int = 1) -> TrainingSettings:
    return TrainingSettings.from_config({**training_block(config, run), "threads": threads})


def model_spec(config: dict[str, Any], model: str) -> dict[str, Any]:
    m = config["models"][model]
    return {"architecture": m["architecture"], "features": list(m["features"]), "params": dict(m.get("params", {})),
            "representation": config["representations"][m["representation"]]}


def config_hash(*parts: Any) -> str:
    """A short stable hash of config fragments, recorded in every file's provenance."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]
