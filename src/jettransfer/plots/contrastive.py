"""A contrastive study's figures (seed 004): performance vs labels, convergence, pretraining
size, heads, and a 2-D embedding of the encoder's features."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator, NullFormatter  # noqa: E402

from jettransfer.plots.roc import save_figure  # noqa: E402
from jettransfer.plots.study import figure_title, panel_grid  # noqa: E402
from jettransfer.plots.style import DEFAULT_STYLE, style_context  # noqa: E402

Curve = Mapping[str, np.ndarray]  # x, mean, low, high (over repeats)
KIND_LINES = {"scratch": "-", "pretrained": "--", "probe": ":"}


def _draw(ax: plt.Axes, label: str, curve: Curve, colour: str, line: str = "-", markers: bool = False) -> None:
    ax.plot(curve["x"], curve["mean"], line, marker="o" if markers else None, color=colour, label=label)
    ax.fill_between(curve["x"], curve["low"], curve["high"], color=colour, alpha=0.15, lw=0)


def _log_axis(ax: plt.Axes, which: str) -> None:
    """A log axis (call it after drawing). Over a decade or more it is labelled at the decades only:
    matplotlib also labels some minor ticks up to about a decade, and there they collide."""
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    low, high = ax.get_xlim() if which == "x" else ax.get_ylim()
    if low > 0 and np.log10(high / low) >= 0.9:
        (ax.xaxis if which == "x" else ax.yaxis).set_minor_formatter(NullFormatter())


def _label_axes(ax: plt.Axes, xlabel: str, ylabel: str, legend_loc: str, grid_which: str = "both") -> None:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, which=grid_which)
    ax.legend(frameon=False, loc=legend_loc, fontsize="small")


def _colours(labels: Sequence[str]) -> dict[str, str]:
    return {label: f"C{i}" for i, label in enumerate(labels)}


def plot_label_sweep(accuracy: Mapping[str, Curve], rejection: Mapping[str, Curve], title: str,
                     png_path: str | os.PathLike, pdf_path: str | os.PathLike, *, style: str = DEFAULT_STYLE) -> plt.Figure:
    """Test accuracy and Rej@50% vs the number of labelled training jets, each series' mean with a
    band spanning its repeats."""
    colours = _colours(list(accuracy))
    with style_context(style):
        figure, axes = panel_grid(2)
        for ax, curves, ylabel in ((axes[0], accuracy, "Test accuracy"),
                                   (axes[1], rejection, r"$1/\varepsilon_{\mathrm{bkg}}$ at $\varepsilon_{\mathrm{sig}} = 50\%$")):
            for label, curve in curves.items():
                _draw(ax, label, curve, colours[label], KIND_LINES.get(curve.get("kind", ""), "-"), markers=True)
            _log_axis(ax, "x")
            if ax is axes[1] and curves:
                _log_axis(ax, "y")
            _label_axes(ax, "Labelled training jets", ylabel, "lower right")
        figure_title(figure, title)
        save_figure(figure, png_path, pdf_path)
    return figure


def plot_validation_panels(panels: Mapping[str, Mapping[str, Curve]], title: str, png_path: str | os.PathLike,
                           pdf_path: str | os.PathLike, *, style: str = DEFAULT_STYLE) -> plt.Figure:
    """Validation accuracy vs epoch, one panel per number of labels, a band over the repeats."""
    labels = list(dict.fromkeys(label for curves in panels.values() for label in curves))
    colours = _colours(labels)
    with style_context(style):
        figure, axes = panel_grid(len(panels))
        for ax, (panel, curves) in zip(axes, panels.items()):
            for label, curve in curves.items():
                _draw(ax, label, curve, colours[label], "--" if label.startswith("pretrained") else "-")
            ax.set_title(panel)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            _label_axes(ax, "Epoch", "Validation accuracy", "lower right", grid_which="major")
        figure_title(figure, title)
        save_figure(figure, png_path, pdf_path)
    return figure


def plot_pretraining_size(points: Mapping[str, Curve], title: str, png_path: str | os.PathLike,
                          pdf_path: str | os.PathLike, *, style: str = DEFAULT_STYLE) -> plt.Figure:
    """Rej@50% and epochs to within 1% of the final accuracy vs the number of pretraining jets."""
    with style_context(style):
        figure, axes = panel_grid(2)
        for ax, key, ylabel in ((axes[0], "rejection_at_50", r"$1/\varepsilon_{\mathrm{bkg}}$ at $\varepsilon_{\mathrm{sig}} = 50\%$"),
                                (axes[1], "epochs_to_converge", "Epochs to 1% of the final accuracy")):
            curve = points[key]
            ax.errorbar(curve["x"], curve["mean"], yerr=[curve["mean"] - curve["low"], curve["high"] - curve["mean"]],
                        fmt="o-", color="C1", label="pretrained, fine-tuned")
            _log_axis(ax, "x")
            _label_axes(ax, "Pretraining jets", ylabel, "best")
        figure_title(figure, title)
        save_figure(figure, png_path, pdf_path)
    return figure


def plot_embedding(embeddings: Mapping[str, np.ndarray], classes: np.ndarray, class_names: Sequence[str], title: str,
                   png_path: str | os.PathLike, pdf_path: str | os.PathLike, *, style: str = DEFAULT_STYLE) -> plt.Figure:
    """2-D embeddings [n, 2] of the same jets by each encoder, one panel each, coloured by class."""
    with style_context(style):
        figure, axes = panel_grid(len(embeddings))
        cmap = plt.get_cmap("tab10")
        for ax, (panel, points) in zip(axes, embeddings.items()):
            for c, name in enumerate(class_names):
                chosen = classes == c
                ax.scatter(points[chosen, 0], points[chosen, 1], s=6, color=cmap(c % 10), label=name, alpha=0.7, lw=0)
            ax.set_title(panel)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel("t-SNE 1")
            ax.set_ylabel("t-SNE 2")
        axes[-1].legend(frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small", markerscale=2)
        figure_title(figure, title)
        save_figure(figure, png_path, pdf_path)
    return figure
