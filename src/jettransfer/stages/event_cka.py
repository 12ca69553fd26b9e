"""Stage: seed 002's model similarity, the linear CKA of every pair of an event study's models
(the baseline and the fine-tuned ones) layer by layer, on the same test events of each task."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Collection, Mapping, Sequence
from itertools import combinations_with_replacement
from typing import Any

import numpy as np

from jettransfer.config import event_study_defaults
from jettransfer.event_study import KINDS

log = logging.getLogger(__name__)

BATCH_SIZE = 1024
CSV_COLUMNS = ("task", "model_a", "model_b", "layer_a", "layer_b", "cka", "events")


def layer_names(count: int) -> list[str]:
    """EventGNN.layer_representations' layers: the encoder, each message-passing step, the decoder."""
    return ["encoder", *(f"step {i}" for i in range(1, count - 1)), "decoder"]


def model_pairs(kinds: Collection[str]) -> list[tuple[str, str]]:
    """Every pair of kinds in KINDS' order, each kind with itself too (a sanity diagonal of 1)."""
    ordered = [k for k in KINDS if k in kinds]
    return list(combinations_with_replacement(ordered, 2))


def layer_representations(checkpoint: str | os.PathLike, events: Any, batch_size: int = BATCH_SIZE) -> list[np.ndarray]:
    """The event's global vector after every layer of the model in `checkpoint`: [events, hidden] each."""
    import torch

    from jettransfer.inputs.loaders import model_batches
    from jettransfer.train.checkpoint import load_model

    model, spec = load_model(checkpoint)
    model.eval()
    layers: list[list[np.ndarray]] = []
    with torch.no_grad():
        for batch, _ in model_batches(events, spec["architecture"], spec["features"], batch_size=batch_size):
            for i, values in enumerate(model.layer_representations(batch)):
                if i == len(layers):
                    layers.append([])
                layers[i].append(values.float().numpy())
    return [np.concatenate(parts) for parts in layers]


def cka_rows(task: str, representations: Mapping[str, Sequence[np.ndarray]]) -> list[dict[str, Any]]:
    """The long table's rows of one task: every pair of kinds, every layer of one with every layer
    of the other."""
    from jettransfer.evaluate.cka import cka_matrix

    rows = []
    for a, b in model_pairs(list(representations)):
        matrix = cka_matrix(representations[a], representations[b])
        names_a, names_b = layer_names(matrix.shape[0]), layer_names(matrix.shape[1])
        events = len(representations[a][0])
        rows += [{"task": task, "model_a": a, "model_b": b, "layer_a": names_a[i], "layer_b": names_b[j],
                  "cka": float(matrix[i, j]), "events": events} for (i, j) in np.ndindex(matrix.shape)]
    return rows


def cka_panels(frame: Any, task: str) -> list[Any]:
    """The heat maps of one task, from the long table (layers in the table's order)."""
    from jettransfer.plots.event_study import CkaPanel

    of_task = frame[frame["task"] == task]
    panels = []
    for a, b in model_pairs(set(of_task["model_a"]) | set(of_task["model_b"])):
        part = of_task[(of_task["model_a"] == a) & (of_task["model_b"] == b)]
        if part.empty:
            continue
        rows, columns = list(dict.fromkeys(part["layer_a"])), list(dict.fromkeys(part["layer_b"]))
        matrix = part["cka"].to_numpy().reshape(len(rows), len(columns))  # written row by row
        panels.append(CkaPanel(a, b, rows, columns, matrix))
    # The cross-model comparisons first, the self-similarity diagonals after them.
    return sorted(panels, key=lambda p: p.model_a == p.model_b)


def event_cka(config: dict[str, Any], study: str, checkpoints: Mapping[str, Mapping[str, str | os.PathLike]],
              test_splits: Mapping[str, str | os.PathLike], outputs: Mapping[str, str | os.PathLike],
              style: str | None = None, threads: int = 1) -> None:
    """cka.csv (task, model_a, model_b, layer_a, layer_b, cka, events) and its heat maps (png, pdf)
    of `checkpoints` (task -> kind -> the cka_runs' checkpoints) on the first cka_events events of
    each task's test split (the split interleaves the classes, so both are there)."""
    import pandas as pd
    import torch

    from jettransfer.data.atomic import atomic_path
    from jettransfer.data.packed_file import read_packed
    from jettransfer.plots.event_study import plot_cka

    spec = {**event_study_defaults(), **config["event_studies"][study]}
    torch.set_num_threads(threads)
    rows = []
    for task, kinds in checkpoints.items():
        events = read_packed(test_splits[task], "event_graph")
        events = events.take(np.arange(min(spec["cka_events"], len(events))))
        start = time.perf_counter()
        representations = {kind: layer_representations(path, events) for kind, path in kinds.items()}
        forward = time.perf_counter() - start
        start = time.perf_counter()
        rows += cka_rows(task, representations)
        log.info("%s: CKA of %d models' layers on %d events: %.2f s (their forward passes: %.1f s)",
                 task, len(representations), len(events), time.perf_counter() - start, forward)
    frame = pd.DataFrame(rows, columns=list(CSV_COLUMNS))
    with atomic_path(outputs["csv"]) as tmp:
        frame.to_csv(tmp, index=False)
    labels = {task: config["tasks"][task].get("label", task) for task in checkpoints}
    events = frame.groupby("task")["events"].first().to_dict()
    plot_cka({f"{labels[task]} ({events[task]} events)": cka_panels(frame, task) for task in checkpoints},
             f"{spec.get('title', study)}: linear CKA of the models' event representations, layer by layer",
             outputs["png"], outputs["pdf"], style=style or config["plots"]["style"])
