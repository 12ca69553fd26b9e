"""An event study's figures (seed 002): AUC vs training events, validation AUC vs epoch, and
the layer-by-layer CKA heat maps of the baseline and the fine-tuned models."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from jettransfer.event_study import BASELINE, KIND_LABELS, MULTICLASS, MULTILABEL  # noqa: E402
from jettransfer.plots.contrastive import _log_axis  # noqa: E402
from jettransfer.plots.roc import save_figure  # noqa: E402
from jettransfer.plots.study import Curve, figure_title, panel_grid  # noqa: E402
from jettransfer.plots.style import DEFAULT_STYLE, style_context  # noqa: E402

KIND_COLOURS = {BASELINE: "C0", MULTICLASS: "C1", MULTILABEL: "C2"}
KIND_LINES = {BASELINE: "-", MULTICLASS: "--", MULTILABEL: ":"}
SHORT_LABELS = {BASELINE: "baseline", MULTICLASS: "multi-class", MULTILABEL: "multi-label"}
CKA_PANEL = (3.6, 3.6)  # inches per heat map
CKA_COLUMNS = 3  # heat maps a line: three pairs of different models
COLOUR_BAR_WIDTH = 0.07  # of a heat map's width


def _draw(ax: plt.Axes, kind: str, curve: Curve, markers: bool) -> None:
    """The mean over the repeats, with a band from their lowest to their highest value."""
    ax.plot(curve.x, curve.mean, KIND_LINES[kind], marker="o" if markers else None, color=KIND_COLOURS[kind],
            label=KIND_LABELS[kind])
    ax.fill_between(curve.x, curve.low, curve.high, color=KIND_COLOURS[kind], alpha=0.15, lw=0)


def _finish(ax: plt.Axes, panel: str, xlabel: str, ylabel: str) -> None:
    ax.set_title(panel)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, which="both")
    ax.legend(frameon=False, loc="lower right", fontsize="small")  # AUC rises with events and epochs


def plot_auc_vs_events(panels: Mapping[str, Mapping[str, Curve]], ylabel: str, title: str,
                       png_path: str | os.PathLike, pdf_path: str | os.PathLike, *,
                       style: str = DEFAULT_STYLE) -> plt.Figure:
    """An AUC vs the number of training events (log), one panel per task, a curve per kind
    (baseline, fine-tuned from each pretraining) with a band spanning the repeats."""
    with style_context(style):
        figure, axes = panel_grid(len(panels))
        for ax, (panel, curves) in zip(axes, panels.items()):
            for kind, curve in curves.items():
                _draw(ax, kind, curve, markers=True)
            _log_axis(ax, "x")
            _finish(ax, panel, "Training events", ylabel)
        figure_title(figure, title)
        save_figure(figure, png_path, pdf_path)
    return figure


def plot_validation_auc(panels: Mapping[str, Mapping[str, Curve]], title: str, png_path: str | os.PathLike,
                        pdf_path: str | os.PathLike, *, style: str = DEFAULT_STYLE) -> plt.Figure:
    """Validation AUC vs epoch, one panel per task, a curve per kind with a band over the repeats."""
    with style_context(style):
        figure, axes = panel_grid(len(panels))
        for ax, (panel, curves) in zip(axes, panels.items()):
            for kind, curve in curves.items():
                _draw(ax, kind, curve, markers=len(curve.x) < 15)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            _finish(ax, panel, "Epoch", "Validation AUC")
        figure_title(figure, title)
        save_figure(figure, png_path, pdf_path)
    return figure


@dataclass(frozen=True)
class CkaPanel:
    """One heat map: CKA [layers of model_a, layers of model_b]."""

    model_a: str
    model_b: str
    layers_a: Sequence[str]
    layers_b: Sequence[str]
    matrix: np.ndarray


def _heat_map(ax: plt.Axes, panel: CkaPanel, title: str) -> matplotlib.image.AxesImage:
    image = ax.imshow(panel.matrix, vmin=0.0, vmax=1.0, cmap="viridis", origin="lower", aspect="auto")
    small = len(panel.layers_a) * len(panel.layers_b) > 49
    for (i, j), value in np.ndenumerate(panel.matrix):
        # Dark text on the light (high) end of viridis, light text on its dark end.
        ax.text(j, i, "-" if np.isnan(value) else f"{value:.2f}", ha="center", va="center",
                fontsize=6 if small else 8, color="black" if value > 0.6 else "white")
    ax.set_xticks(range(len(panel.layers_b)), panel.layers_b, rotation=45, ha="right", fontsize=9)
    ax.set_yticks(range(len(panel.layers_a)), panel.layers_a, fontsize=9)
    ax.minorticks_off()
    ax.tick_params(which="major", length=0)
    ax.set_xlabel(SHORT_LABELS.get(panel.model_b, panel.model_b), fontsize=11)
    ax.set_ylabel(SHORT_LABELS.get(panel.model_a, panel.model_a), fontsize=11)
    ax.set_title(title, fontsize=10)
    return image


def plot_cka(rows: Mapping[str, Sequence[CkaPanel]], title: str, png_path: str | os.PathLike,
             pdf_path: str | os.PathLike, *, style: str = DEFAULT_STYLE) -> plt.Figure:
    """Per task a block of heat maps, one per pair of models (CKA_COLUMNS a line: the three
    cross-model pairs, then the three models with themselves), layers on the axes, values
    written in the cells, and a colour bar from 0 to 1 at the end of every line."""
    columns = min(CKA_COLUMNS, max(len(panels) for panels in rows.values()))
    lines = [(task, panels[i:i + columns]) for task, panels in rows.items() for i in range(0, len(panels), columns)]
    with style_context(style):
        figure, axes = plt.subplots(len(lines), columns + 1, squeeze=False,
                                    figsize=(CKA_PANEL[0] * (columns + COLOUR_BAR_WIDTH), CKA_PANEL[1] * len(lines)),
                                    gridspec_kw={"width_ratios": [1.0] * columns + [COLOUR_BAR_WIDTH]})
        for line, (task, panels) in enumerate(lines):
            image = None
            for column, panel in enumerate(panels):
                name = f"{SHORT_LABELS.get(panel.model_a, panel.model_a)} vs {SHORT_LABELS.get(panel.model_b, panel.model_b)}"
                image = _heat_map(axes[line, column], panel, f"{task}\n{name}")
            for extra in axes[line, len(panels):columns]:
                extra.set_visible(False)
            colour_bar = figure.colorbar(image, cax=axes[line, columns])
            colour_bar.set_label("Linear CKA")
            colour_bar.ax.minorticks_off()
        figure_title(figure, title)
        save_figure(figure, png_path, pdf_path)
    return figure
