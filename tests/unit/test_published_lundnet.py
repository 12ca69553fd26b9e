"""The published LundNet taggers load into our LundNet and give the original code's outputs.

The oracle is the original forward pass written out in plain torch from fdreyer/LundNet
(LundNet.py, EdgeConv.py): message theta(x_dst - x_src) + phi(x_src), mean at dst, shortcut,
fusion Linear(bias) -> ReLU -> BatchNorm, mean over nodes, fc.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from jettransfer.data.errors import InputFileError
from jettransfer.inputs.graphs import GraphBatches
from jettransfer.models.published_lundnet import load_original_lundnet, original_to_ours
from jettransfer.models.published_names import PUBLISHED_WEIGHTS, published_weights_path
from jettransfer.models.registry import build_preset, count_parameters, get_preset
from tests.toy_jets import random_graphs

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "lundnet"
CONV = ((32, 32), (32, 32), (64, 64), (64, 64), (128, 128), (128, 128))
needs_reference = pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"published LundNet weights not at {REFERENCE}")


def _batch_norm_state(prefix: str, width: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
    return {f"{prefix}.weight": 1 + 0.1 * torch.randn(width, generator=generator),
            f"{prefix}.bias": 0.1 * torch.randn(width, generator=generator),
            f"{prefix}.running_mean": 0.2 * torch.randn(width, generator=generator),
            f"{prefix}.running_var": 0.5 + torch.rand(width, generator=generator),
            f"{prefix}.num_batches_tracked": torch.tensor(100)}


def random_original_state(input_dim: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """A state dict in the original layout with random weights and BatchNorm statistics."""
    g = torch.Generator().manual_seed(seed)
    state = _batch_norm_state("bn_fts", input_dim, g)
    width = input_dim
    for k, channels in enumerate(CONV):
        state[f"edge_convs.{k}.theta.weight"] = torch.randn(channels[0], width, generator=g) / width ** 0.5
        state[f"edge_convs.{k}.phi.weight"] = torch.randn(channels[0], width, generator=g) / width ** 0.5
        for i in range(1, len(channels)):
            state[f"edge_convs.{k}.fcs.{i - 1}.weight"] = torch.randn(channels[i], channels[i - 1], generator=g) / channels[i - 1] ** 0.5
        for i, c in enumerate(channels):
            state |= _batch_norm_state(f"edge_convs.{k}.bns.{i}", c, g)
        if width != channels[-1]:
            state[f"edge_convs.{k}.sc.weight"] = torch.randn(channels[-1], width, generator=g) / width ** 0.5
            state |= _batch_norm_state(f"edge_convs.{k}.sc_bn", channels[-1], g)
        width = channels[-1]
    state["fusion_block.0.weight"] = torch.randn(384, 448, generator=g) / 448 ** 0.5
    state["fusion_block.0.bias"] = 0.1 * torch.randn(384, generator=g)
    state |= _batch_norm_state("fusion_block.2", 384, g)
    state["fc.0.0.weight"] = torch.randn(256, 384, generator=g) / 384 ** 0.5
    state["fc.0.0.bias"] = 0.1 * torch.randn(256, generator=g)
    state["fc.1.weight"] = torch.randn(2, 256, generator=g) / 16
    state["fc.1.bias"] = 0.1 * torch.randn(2, generator=g)
    return state


def _norm(state, prefix, x):
    return torch.nn.functional.batch_norm(x, state[f"{prefix}.running_mean"], state[f"{prefix}.running_var"],
                                          state[f"{prefix}.weight"], state[f"{prefix}.bias"], training=False, eps=1e-5)


def original_forward(state, x, src, dst, graph_index, n_graphs):
    """The original LundNet in eval mode, message by message."""
    x = _norm(state, "bn_fts", x)
    outputs = []
    for k, channels in enumerate(CONV):
        e = (x[dst] - x[src]) @ state[f"edge_convs.{k}.theta.weight"].t() + x[src] @ state[f"edge_convs.{k}.phi.weight"].t()
        for i in range(len(channels)):
            if i > 0:
                e = e @ state[f"edge_convs.{k}.fcs.{i - 1}.weight"].t()
            e = torch.relu(_norm(state, f"edge_convs.{k}.bns.{i}", e))
        total = torch.zeros(len(x), channels[-1], dtype=e.dtype).index_add_(0, dst, e)
        mean = total / torch.bincount(dst, minlength=len(x)).clamp(min=1)[:, None]
        shortcut = x if f"edge_convs.{k}.sc.weight" not in state else _norm(
            state, f"edge_convs.{k}.sc_bn", x @ state[f"edge_convs.{k}.sc.weight"].t())
        x = torch.relu(mean + shortcut)
        outputs.append(x)
    fused = torch.cat(outputs, dim=1) @ state["fusion_block.0.weight"].t() + state["fusion_block.0.bias"]
    fused = _norm(state, "fusion_block.2", torch.relu(fused))
    pooled = torch.zeros(n_graphs, fused.shape[1], dtype=fused.dtype).index_add_(0, graph_index, fused)
    pooled = pooled / torch.bincount(graph_index, minlength=n_graphs)[:, None]
    hidden = torch.relu(pooled @ state["fc.0.0.weight"].t() + state["fc.0.0.bias"])
    return hidden @ state["fc.1.weight"].t() + state["fc.1.bias"]


def _batch(features, n=12):
    batch, _ = GraphBatches(random_graphs(n), list(features), batch_size=n).batch(np.arange(n))
    return batch


@pytest.mark.parametrize("preset", ["LundNet5", "LundNet3"])
def test_original_layout_gives_the_original_outputs(preset, tmp_path):
    features = get_preset(preset).features
    state = random_original_state(len(features))
    torch.save(state, tmp_path / "state.pt")
    model = build_preset(preset).eval()
    load_original_lundnet(model, tmp_path / "state.pt")
    batch = _batch(features)
    with torch.no_grad():
        expected = original_forward({k: v.double() for k, v in state.items()}, batch.x.double(), batch.src, batch.dst,
                                    batch.graph_index, batch.n_graphs)
        torch.testing.assert_close(model(batch).double(), expected, rtol=1e-4, atol=1e-4)


def test_fusion_follows_the_original_order():
    fusion = build_preset("LundNet5").head["fusion"]
    assert [type(layer).__name__ for layer in fusion] == ["Linear", "ReLU", "BatchNorm1d"]
    assert fusion[0].bias is not None
    assert count_parameters(build_preset("LundNet5")) == sum(
        v.numel() for k, v in random_original_state(5).items() if "running" not in k and "num_batches" not in k)


def test_another_architecture_is_refused_naming_the_first_key(tmp_path):
    lund3 = random_original_state(3)
    with pytest.raises(InputFileError, match=r"field 'bn_fts.weight': shape \(3,\), this model needs \(5,\)"):
        original_to_ours(lund3, build_preset("LundNet5"), tmp_path / "x.pt")
    foreign = {"conv1.weight": torch.zeros(3), **random_original_state(5)}
    with pytest.raises(InputFileError, match=r"field 'conv1.weight': not a key of the original LundNet layout"):
        original_to_ours(foreign, build_preset("LundNet5"), tmp_path / "x.pt")
    short = {k: v for k, v in random_original_state(5).items() if not k.startswith("fc.1.")}
    with pytest.raises(InputFileError, match=r"field 'head.dense.3.weight': this model's weight has no counterpart"):
        original_to_ours(short, build_preset("LundNet5"), tmp_path / "x.pt")
    no_phi = {k: v for k, v in random_original_state(5).items() if k != "edge_convs.2.phi.weight"}
    with pytest.raises(InputFileError, match=r"field 'edge_convs.2.phi.weight': missing beside its partner"):
        original_to_ours(no_phi, build_preset("LundNet5"), tmp_path / "x.pt")
    torch.save([1, 2], tmp_path / "list.pt")
    with pytest.raises(InputFileError, match=r"list.pt.*holds a list, not a state dict"):
        load_original_lundnet(build_preset("LundNet5"), tmp_path / "list.pt")


def test_names_resolve_flat_or_in_the_original_folders(tmp_path):
    entry = PUBLISHED_WEIGHTS["LundNet5-W"]
    nested = tmp_path / "models" / entry.folder / entry.file
    nested.parent.mkdir(parents=True)
    nested.write_bytes(b"")
    assert published_weights_path("LundNet5-W", tmp_path / "models") == nested
    with pytest.raises(InputFileError, match=r"published LundNet5-top weights are not there"):
        published_weights_path("LundNet5-top", tmp_path / "models")
    with pytest.raises(InputFileError, match=r"nope.pt.*no such state dict"):
        published_weights_path(str(tmp_path / "nope.pt"), tmp_path)


@needs_reference
@pytest.mark.parametrize("name", sorted(PUBLISHED_WEIGHTS))
def test_published_weights_load_and_match_the_original_forward(name):
    entry = PUBLISHED_WEIGHTS[name]
    path = published_weights_path(name, REFERENCE)
    state = torch.load(path, map_location="cpu", weights_only=True)
    model = build_preset(entry.preset).eval()
    load_original_lundnet(model, path)
    # The published parameter counts: 391,724 (LundNet5) and 391,528 (LundNet3).
    published = sum(v.numel() for k, v in state.items() if "running" not in k and "num_batches" not in k)
    assert count_parameters(model) == published == {"LundNet5": 391_724, "LundNet3": 391_528}[entry.preset]
    batch = _batch(get_preset(entry.preset).features)
    with torch.no_grad():
        expected = original_forward({k: v.double() for k, v in state.items()}, batch.x.double(), batch.src, batch.dst,
                                    batch.graph_index, batch.n_graphs)
        torch.testing.assert_close(model(batch).double(), expected, rtol=1e-4, atol=1e-4)
