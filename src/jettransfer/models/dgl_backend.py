"""The DGL backend: the same models and weights, with messages passed by DGL.

Used the way DGL's documentation and the original LundNet code use it: one DGLGraph per jet,
built once; `dgl.batch` in the DataLoader's collate; edge features by `apply_edges` on the
concatenation (x_i, x_j - x_i); aggregation by `update_all` with built-in message and reduce
functions. It runs only in the DGL environment (torch 2.2.1, dgl 2.1.0, numpy<2) and exists to
cross-check the native engine and to measure it against.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import torch

from jettransfer.data.packed_file import PackedJets, tree_links
from jettransfer.models.graph import knn_edges, summation_dtype

try:
    import dgl
    import dgl.function as fn
except Exception as err:  # ImportError, or DGL's own failure beside an unsupported torch
    dgl = None
    _IMPORT_ERROR = err
else:
    _IMPORT_ERROR = None


def require_dgl() -> None:
    if dgl is None:
        raise RuntimeError(
            "graph_backend 'dgl' needs DGL, which imports only beside torch 2.2.1 and numpy<2: "
            f"create that environment with `make dgl-env` ({_IMPORT_ERROR})")


class DGLJetBatch:
    """A batched DGLGraph with the methods the taggers call on a native GraphBatch."""

    def __init__(self, graph: "dgl.DGLGraph") -> None:
        self.graph = graph

    @cached_property
    def _graph_index(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(jet of each node, nodes per jet): once per batch, for every block's kNN search."""
        nodes = self.graph.batch_num_nodes()
        return torch.repeat_interleave(torch.arange(len(nodes), device=nodes.device), nodes), nodes

    @property
    def x(self) -> torch.Tensor:
        return self.graph.ndata["x"]

    @property
    def fixed_edges(self) -> "dgl.DGLGraph":
        return self.graph

    def to(self, device: torch.device) -> "DGLJetBatch":
        return DGLJetBatch(self.graph.to(device))

    def mean_over_graph(self, node_values: torch.Tensor) -> torch.Tensor:
        with self.graph.local_scope():
            self.graph.ndata["pooled"] = _summable(node_values)
            return dgl.mean_nodes(self.graph, "pooled")

    def knn_edges(self, points: torch.Tensor, k: int) -> "dgl.DGLGraph":
        # The neighbour search is the native one, so both backends see the same neighbours
        # (ties included); DGL then passes the messages.
        edges = knn_edges(points, *self._graph_index, k)
        return dgl.graph((edges.src, edges.dst), num_nodes=points.shape[0])


def dgl_edge_conv(block: Any, x: torch.Tensor, graph: "dgl.DGLGraph") -> torch.Tensor:
    """EdgeConvBlock.forward through DGL message passing (no per-node rewrite of layer one)."""
    with graph.local_scope():
        graph.ndata["h"] = x
        graph.apply_edges(lambda edges: {"e": torch.cat([edges.dst["h"], edges.src["h"] - edges.dst["h"]], dim=1)})
        messages = block.edge_mlp_tail(block.linears[0](graph.edata["e"]))
        graph.edata["m"] = _summable(messages)
        graph.update_all(fn.copy_e("m", "m"), fn.mean("m", "aggregated"))
        # In the messages' dtype, as the native mean_over_incoming returns it.
        return block.combine(x, graph.ndata["aggregated"].to(messages.dtype))


def _summable(values: torch.Tensor) -> torch.Tensor:
    """`values` in the native engine's summation_dtype; DGL's CPU reductions have no bf16 kernels."""
    return values.to(summation_dtype(values.dtype))


def jet_graphs(jets: PackedJets, features: Sequence[str]) -> list["dgl.DGLGraph"]:
    """One DGLGraph per jet: Lund-tree links both ways, or bare nodes for a particle cloud."""
    require_dgl()
    columns = jets.feature_columns(features)
    graphs = []
    for j in range(len(jets)):
        start, stop = int(jets.node_offsets[j]), int(jets.node_offsets[j + 1])
        if jets.parent is not None:
            src, dst = tree_links(jets.parent[start:stop])
        else:
            src = dst = np.zeros(0, dtype=np.int64)
        graph = dgl.graph((torch.from_numpy(src), torch.from_numpy(dst)), num_nodes=stop - start)
        graph.ndata["x"] = torch.from_numpy(np.ascontiguousarray(jets.node_features[start:stop, columns]))
        graphs.append(graph)
    return graphs


class DGLGraphBatches:
    """(DGLJetBatch, targets) from a torch DataLoader over per-jet graphs, collated by dgl.batch."""

    def __init__(self, jets: PackedJets, features: Sequence[str], batch_size: int, shuffle: bool = False,
                 seed: int = 0, num_workers: int = 0) -> None:
        from jettransfer.inputs.batches import target_tensors

        self.graphs = jet_graphs(jets, features)
        self.targets = target_tensors(jets)
        self.batch_size, self.shuffle, self.seed, self.epoch = batch_size, shuffle, seed, 0
        self.num_workers = num_workers

    @property
    def n_samples(self) -> int:
        return len(self.graphs)

    def __len__(self) -> int:
        return -(-len(self.graphs) // self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[tuple[DGLJetBatch, dict[str, torch.Tensor]]]:
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        loader = torch.utils.data.DataLoader(
            list(zip(self.graphs, range(len(self.graphs)))), batch_size=self.batch_size, shuffle=self.shuffle,
            generator=generator, collate_fn=self._collate, num_workers=self.num_workers)
        return iter(loader)

    def _collate(self, items: list[tuple["dgl.DGLGraph", int]]) -> tuple[DGLJetBatch, dict[str, torch.Tensor]]:
        graphs, index = zip(*items)
        selected = torch.tensor(index, dtype=torch.long)
        return DGLJetBatch(dgl.batch(graphs)), {name: values[selected] for name, values in self.targets.items()}
