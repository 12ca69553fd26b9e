"""Model checkpoints: weights plus what is needed to rebuild and to refuse a mismatched load."""

from __future__ import annotations

import os
from typing import Any

import torch
from torch import nn

from jettransfer.data.atomic import atomic_path
from jettransfer.data.errors import InputFileError
from jettransfer.models.registry import build_model


def save_checkpoint(path: str | os.PathLike, model: nn.Module, spec: dict[str, Any], extra: dict[str, Any] | None = None) -> None:
    """`spec` = {"architecture", "features", "params", "num_classes"}: enough to rebuild the
    model (num_classes, its outputs per jet, defaults to 2)."""
    with atomic_path(path) as tmp:
        torch.save({"spec": spec, "state": model.state_dict(), **(extra or {})}, tmp)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    if not os.path.exists(path):
        raise InputFileError(path, None, "checkpoint does not exist")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise InputFileError(path, None, f"not a readable checkpoint ({err})") from err
    for key in ("spec", "state"):
        if key not in payload:
            raise InputFileError(path, key, "missing from checkpoint")
    return payload


def load_model(path: str | os.PathLike) -> tuple[nn.Module, dict[str, Any]]:
    payload = load_checkpoint(path)
    spec = payload["spec"]
    model = build_model(spec["architecture"], len(spec["features"]), spec.get("params"), spec.get("num_classes", 2))
    model.load_state_dict(payload["state"])
    return model, spec


def load_compatible_weights(path: str | os.PathLike, model: nn.Module, spec: dict[str, Any],
                            backbone_only: bool = False) -> None:
    """Load a source model's weights into `model`, refusing another architecture or feature set.

    With `backbone_only` (the head is re-initialised anyway), the head's weights are not
    loaded, so the source may have another head: other head parameters or number of outputs;
    every other weight must then fit, the first that does not is named."""
    payload = load_checkpoint(path)
    source = payload["spec"]
    for key in ("architecture", "features") if backbone_only else ("architecture", "features", "params", "num_classes"):
        if source.get(key, 2 if key == "num_classes" else None) != spec.get(key, 2 if key == "num_classes" else None):
            raise InputFileError(path, f"spec.{key}", f"checkpoint has {source.get(key)!r}, this model needs {spec.get(key)!r}")
    state = payload["state"]
    if not backbone_only:
        model.load_state_dict(state)
        return
    head = {f"head.{name}" for name in model.head.state_dict()}
    wanted = {name: value for name, value in model.state_dict().items() if name not in head}
    for name, value in wanted.items():
        if name not in state:
            raise InputFileError(path, name, "weight missing from the checkpoint (another architecture?)")
        if state[name].shape != value.shape:
            raise InputFileError(path, name, f"shape {tuple(state[name].shape)}, this model needs {tuple(value.shape)}")
    model.load_state_dict({**model.state_dict(), **{name: state[name] for name in wanted}})
