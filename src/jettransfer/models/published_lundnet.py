"""The published LundNet taggers (fdreyer/LundNet, `models/`) as our LundNet's weights.

The original's layout and ours differ only in names, except the first layer of each EdgeConv
block. The original's edge message is theta(x_dst - x_src) + phi(x_src); ours is
W [x_dst, x_src - x_dst] with W = [W_a | W_b], i.e. (W_a - W_b) x_dst + W_b x_src. The two are
the same map when W_a = phi and W_b = phi - theta: an exact linear reparametrisation, so the
published weights give the published tagger's outputs to float rounding.

The taggers' names and files are in models/published_names.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

import torch
from torch import nn

from jettransfer.data.errors import InputFileError


# Original key -> ours, by pattern; the EdgeConv blocks' theta and phi are handled apart.
_RENAMES = (
    (r"bn_fts\.(.+)", r"input_norm.\1"),
    (r"edge_convs\.(\d+)\.bns\.(\d+)\.(.+)", r"blocks.\1.norms.\2.\3"),
    (r"edge_convs\.(\d+)\.sc\.weight", r"blocks.\1.shortcut.0.weight"),
    (r"edge_convs\.(\d+)\.sc_bn\.(.+)", r"blocks.\1.shortcut.1.\2"),
    (r"fusion_block\.0\.(.+)", r"head.fusion.0.\1"),
    (r"fusion_block\.2\.(.+)", r"head.fusion.2.\1"),
    (r"fc\.0\.0\.(.+)", r"head.dense.0.\1"),
    (r"fc\.1\.(.+)", r"head.dense.3.\1"),
)
_EDGE_FIRST = re.compile(r"edge_convs\.(\d+)\.(theta|phi)\.weight")
_EDGE_LATER = re.compile(r"edge_convs\.(\d+)\.fcs\.(\d+)\.weight")


def original_to_ours(state: Mapping[str, torch.Tensor], model: nn.Module, source: str | os.PathLike) -> dict[str, torch.Tensor]:
    """`state` (the original layout) as a state dict of `model`; the first key that does not fit
    (unknown, missing, or of another shape) is named, with `source`."""
    ours = model.state_dict()
    mapped: dict[str, torch.Tensor] = {}

    def put(original_key: str, our_key: str, value: torch.Tensor) -> None:
        if our_key not in ours:
            raise InputFileError(source, original_key, f"has no place in this model (would be {our_key!r}: another architecture?)")
        if tuple(value.shape) != tuple(ours[our_key].shape):
            raise InputFileError(source, original_key, f"shape {tuple(value.shape)}, this model needs {tuple(ours[our_key].shape)} "
                                 f"(as {our_key!r})")
        mapped[our_key] = value

    halves: dict[str, dict[str, torch.Tensor]] = {}
    for key, value in state.items():
        if match := _EDGE_FIRST.fullmatch(key):
            halves.setdefault(match.group(1), {})[match.group(2)] = value
            continue
        if match := _EDGE_LATER.fullmatch(key):
            put(key, f"blocks.{match.group(1)}.linears.{int(match.group(2)) + 1}.weight", value)
            continue
        renamed = next((re.sub(pattern, target, key) for pattern, target in _RENAMES if re.fullmatch(pattern, key)), None)
        if renamed is None:
            raise InputFileError(source, key, "not a key of the original LundNet layout")
        put(key, renamed, value)
    for block, pair in halves.items():
        if set(pair) != {"theta", "phi"}:
            missing = ({"theta", "phi"} - set(pair)).pop()
            raise InputFileError(source, f"edge_convs.{block}.{missing}.weight", "missing beside its partner")
        if pair["theta"].shape != pair["phi"].shape:
            raise InputFileError(source, f"edge_convs.{block}.theta.weight",
                                 f"shape {tuple(pair['theta'].shape)}, its phi has {tuple(pair['phi'].shape)}")
        put(f"edge_convs.{block}.theta.weight", f"blocks.{block}.linears.0.weight",
            torch.cat([pair["phi"], pair["phi"] - pair["theta"]], dim=1))
    for our_key in ours:
        if our_key not in mapped:
            raise InputFileError(source, our_key, "this model's weight has no counterpart in the state dict "
                                 "(another architecture or feature set?)")
    return mapped


def load_original_lundnet(model: nn.Module, path: str | os.PathLike) -> None:
    """Load a state dict in the original layout into our LundNet `model`."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise InputFileError(path, None, f"not a readable state dict ({err})") from err
    if not isinstance(state, Mapping):
        raise InputFileError(path, None, f"holds a {type(state).__name__}, not a state dict")
    model.load_state_dict(original_to_ours(state, model, path))
