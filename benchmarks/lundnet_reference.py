"""The original LundNet training loop (fdreyer/LundNet: lundnet/LundNet.py, EdgeConv.py,
dgl_dataset.py, scripts/lundnet.py), written out here as the yardstick of
benchmarks/training_throughput.py --reference. DGL environment only (make dgl-env).

What it keeps of the original, since each is a cost the comparison must include:
- one DGLGraph per jet, built once before training (the original builds them from networkx
  trees while reading its files; the tree links count both ways, as from_networkx of an
  undirected graph gives them);
- a torch DataLoader (shuffle, drop_last) whose collate calls dgl.batch on the jets' graphs
  and concatenates their node features, every batch;
- the EdgeConv block as published: on every edge theta(x_dst - x_src) + phi(x_src) by
  apply_edges, then BatchNorm and ReLU per edge layer, the mean over incoming edges by
  update_all(copy_e, mean), a BatchNorm'd linear shortcut where the width changes;
- BatchNorm of the inputs, the fusion block Linear -> ReLU -> BatchNorm, dgl.mean_nodes, the
  fully connected head (Linear, ReLU, Dropout 0.1, Linear);
- Adam, cross-entropy, and the per-step loss.item() and accuracy of its progress bar.
Float32 throughout, as the original trains.
"""

from __future__ import annotations

import time

import dgl
import dgl.function as fn
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from jettransfer.data.packed_file import PackedJets


class OriginalEdgeConv(nn.Module):
    def __init__(self, in_features: int, channels: list[int]) -> None:
        super().__init__()
        self.theta = nn.Linear(in_features, channels[0], bias=False)
        self.phi = nn.Linear(in_features, channels[0], bias=False)
        self.linears = nn.ModuleList(nn.Linear(channels[i - 1], channels[i], bias=False) for i in range(1, len(channels)))
        self.norms = nn.ModuleList(nn.BatchNorm1d(c) for c in channels)
        self.shortcut = None if in_features == channels[-1] else nn.Linear(in_features, channels[-1], bias=False)
        self.shortcut_norm = None if self.shortcut is None else nn.BatchNorm1d(channels[-1])

    def message(self, edges):
        return {"e": self.theta(edges.dst["x"] - edges.src["x"]) + self.phi(edges.src["x"])}

    def forward(self, graph, h: torch.Tensor) -> torch.Tensor:
        with graph.local_scope():
            graph.ndata["x"] = h
            graph.apply_edges(self.message)
            e = torch.relu(self.norms[0](graph.edata["e"]))
            for linear, norm in zip(self.linears, self.norms[1:]):
                e = torch.relu(norm(linear(e)))
            graph.edata["e"] = e
            graph.update_all(fn.copy_e("e", "e"), fn.mean("e", "x"))
            aggregated = graph.ndata.pop("x")
            skip = h if self.shortcut is None else self.shortcut_norm(self.shortcut(h))
            return torch.relu(aggregated + skip)


class OriginalLundNet(nn.Module):
    def __init__(self, input_dim: int, conv_channels: list[list[int]], fc_dim: int = 256, dropout: float = 0.1,
                 num_classes: int = 2) -> None:
        super().__init__()
        self.input_norm = nn.BatchNorm1d(input_dim)
        widths = [input_dim] + [c[-1] for c in conv_channels]
        self.blocks = nn.ModuleList(OriginalEdgeConv(widths[i], c) for i, c in enumerate(conv_channels))
        fused = sum(c[-1] for c in conv_channels)
        fusion = int(np.clip((fused // 128) * 128, 128, 1024))
        self.fusion = nn.Sequential(nn.Linear(fused, fusion), nn.ReLU(), nn.BatchNorm1d(fusion))
        self.head = nn.Sequential(nn.Linear(fusion, fc_dim), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(fc_dim, num_classes))

    def forward(self, graph, features: torch.Tensor) -> torch.Tensor:
        h, outputs = self.input_norm(features), []
        for block in self.blocks:
            h = block(graph, h)
            outputs.append(h)
        graph.ndata["fts"] = self.fusion(torch.cat(outputs, dim=1))
        return self.head(dgl.mean_nodes(graph, "fts"))


def jet_graphs(jets: PackedJets, features: list[int]) -> list[tuple[object, torch.Tensor, int]]:
    """One (DGLGraph, node features, label) per jet, built once, as the original's dataset does."""
    graphs = []
    for j in range(len(jets)):
        start, stop = int(jets.node_offsets[j]), int(jets.node_offsets[j + 1])
        parent = jets.parent[start:stop].astype(np.int64)
        child = np.flatnonzero(parent >= 0)
        src = torch.from_numpy(np.concatenate([child, parent[child]]))
        dst = torch.from_numpy(np.concatenate([parent[child], child]))
        graphs.append((dgl.graph((src, dst), num_nodes=stop - start),
                       torch.from_numpy(np.ascontiguousarray(jets.node_features[start:stop][:, features])),
                       int(jets.labels[j])))
    return graphs


class _TreeBatch:
    def __init__(self, items) -> None:
        graphs, features, labels = zip(*items)
        self.graph = dgl.batch(graphs)
        self.features = torch.cat(features)
        self.label = torch.tensor(labels)


def train_original(jets: PackedJets, features: list[int], conv_channels: list[list[int]], batch_size: int,
                   epochs: int, seed: int = 0) -> tuple[float, nn.Module]:
    """Samples/s of the original loop over `epochs` epochs (graphs built before the clock starts),
    and the trained model."""
    torch.manual_seed(seed)
    data = jet_graphs(jets, features)
    loader = DataLoader(data, batch_size=batch_size, shuffle=True, drop_last=True, collate_fn=_TreeBatch)
    model = OriginalLundNet(len(features), conv_channels)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = nn.CrossEntropyLoss()
    model.train()
    seen, start = 0, time.perf_counter()
    for _ in range(epochs):
        correct = 0
        for batch in loader:
            optimiser.zero_grad()
            logits = model(batch.graph, batch.features)
            loss = loss_function(logits, batch.label.long())
            loss.backward()
            optimiser.step()
            loss.item()  # the original's progress bar reads both every step
            correct += (logits.argmax(1) == batch.label).sum().item()
            seen += len(batch.label)
    return seen / (time.perf_counter() - start), model
