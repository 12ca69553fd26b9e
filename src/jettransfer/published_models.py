"""Models with published weights, runs that score them untrained, and comparisons of our scores
with the published ones: their config checks, run before any job starts.

Reads no torch: the registry of published weights is plain data, and file existence is a
path check.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from jettransfer.evaluate.published import PUBLISHED_LUNDNET
from jettransfer.models.published_names import PUBLISHED_WEIGHTS, published_weights_candidates, published_weights_path

PUBLISHED_MODE = "published"


def expand_published_model(config: dict[str, Any], name: str, model: dict[str, Any], need) -> None:
    """A model named after a published tagger gets its preset; one given by path needs a LundNet
    preset or architecture. The weights file must exist."""
    published = model["published"]
    where = f"models.{name}.published"
    if published in PUBLISHED_WEIGHTS:
        preset = PUBLISHED_WEIGHTS[published].preset
        need(model.setdefault("preset", preset) == preset, f"models.{name}.preset",
             f"{published} is a {preset}, not a {model['preset']}")
        need("features" not in model or list(model["features"]) == list(_preset_features(preset)), f"models.{name}.features",
             f"{published} reads {list(_preset_features(preset))}, in this order")
        need("params" not in model or not model["params"], f"models.{name}.params",
             f"{published} has its published architecture: no params")
        candidates = published_weights_candidates(published, config["published_weights_dir"])
        need(any(p.is_file() for p in candidates), where,
             f"the published weights are not at {candidates[0]} (nor {candidates[1]}): download fdreyer/LundNet's "
             "models/ folder and set published_weights_dir")
        return
    need("preset" in model or "architecture" in model, where,
         f"{published!r} is not a published tagger's name ({sorted(PUBLISHED_WEIGHTS)}): a state dict by path needs a preset")
    need(Path(published).is_file(), where, f"no state dict at {published!r} (published taggers by name: {sorted(PUBLISHED_WEIGHTS)})")


def check_published_run(config: dict[str, Any], name: str, need) -> None:
    """A run in mode published scores its model's weights: nothing to start from or train."""
    run = config["runs"][name]
    model = config["models"].get(run["model"], {})
    need("published" in model, f"runs.{name}.mode", f"model {run['model']!r} has no published weights (give it `published`)")
    need(model.get("architecture") == "lundnet", f"runs.{name}.model", "published weights load into a lundnet model only")
    for option in ("init_from", "training", "objective"):
        need(option not in run or (option == "objective" and run[option] == {"name": "cross_entropy"}),
             f"runs.{name}.{option}", "a published run is not trained")


def check_published_comparisons(config: dict[str, Any], need) -> None:
    runs, models = config["runs"], config["models"]
    for study, spec in config["published_comparisons"].items():
        for run in spec["runs"]:
            field = f"published_comparisons.{study}.runs"
            if run not in runs:
                need(False, field, f"unknown run {run!r}")
                continue
            published = models.get(runs[run]["model"], {}).get("published")
            need(runs[run]["mode"] == PUBLISHED_MODE and published in PUBLISHED_LUNDNET, field,
                 f"run {run!r} is not a published tagger's (mode published, a model with published: one of "
                 f"{sorted(PUBLISHED_LUNDNET)}): its published AUC is unknown")


def published_weights_file(config: dict[str, Any], run: str) -> str:
    """The state dict a published run's model loads."""
    model = config["models"][config["runs"][run]["model"]]
    return os.fspath(published_weights_path(model["published"], config["published_weights_dir"]))


def _preset_features(preset: str) -> tuple[str, ...]:
    from jettransfer.models.registry import get_preset

    return get_preset(preset).features
