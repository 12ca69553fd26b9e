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
    """`spec` = {"architecture", "features", "params"}: enough to rebuild the model."""
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
    model = build_model(spec["architecture"], len(spec["features"]), spec.get("params"))
    model.load_state_dict(payload["state"])
    return model, spec


def load_compatible_weights(path: str | os.PathLike, model: nn.Module, spec: dict[str, Any]) -> None:
    """Load a source model's weights into `model`, refusing another architecture or feature set."""
    payload = load_checkpoint(path)
    source = payload["spec"]
    for key in ("architecture", "features", "params"):
        if source.get(key) != spec.get(key):
            raise InputFileError(path, f"spec.{key}", f"checkpoint has {source.get(key)!r}, this model needs {spec.get(key)!r}")
    model.load_state_dict(payload["state"])
