"""A transfer study's figures, one panel per source: seed 000's Figures 3, 4 and 5."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from jettransfer.evaluate.metrics import RocCurve  # noqa: E402
from jettransfer.plots.roc import LINESTYLES, RATIO_GAP, draw_roc_with_ratio, save_figure  # noqa: E402
from jettransfer.plots.style import DEFAULT_STYLE, PANEL, RATIO_COLUMN, style_context, wrapped_title  # noqa: E402

MODE_COLOURS = {"scratch": "tab:blue", "finetune": "tab:orange", "frozen": "tab:green"}
MODE_LEGEND = {"scratch": "scratch", "finetune": "fine-tuned", "frozen": "frozen"}
MIN_WIDTH = 6.0  # inches: a figure of one panel is widened a little, for its title


@dataclass(frozen=True)
class Curve:
    """One mode's curve in a panel: y per x, as mean and spread (min, max) over repeats."""

    x: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


def panel_grid(count: int, panel: tuple[float, float] = PANEL) -> tuple[plt.Figure, list[plt.Axes]]:
    """Up to four panels a row, each of size `panel` (inches); call it inside a style context."""
    columns = min(count, 4)
    rows = math.ceil(count / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(max(panel[0] * columns, MIN_WIDTH), panel[1] * rows),
                                squeeze=False)
    for extra in axes.flat[count:]:
        extra.set_visible(False)
    return figure, list(axes.flat[:count])


def figure_title(figure: plt.Figure, title: str) -> None:
    """The figure's title above its panels, broken into lines that fit its width."""
    figure.suptitle(wrapped_title(title, figure.get_figwidth()))


def plot_validation_accuracy(panels: Mapping[str, Mapping[str, Curve]], title: str,
                             png_path: str | os.PathLike, pdf_path: str | os.PathLike, *,
                             style: str = DEFAULT_STYLE) -> plt.Figure:
    """Figure 3: validation accuracy vs epoch; scratch solid, fine-tuned dashed, frozen dotted."""
    with style_context(style):
        figure, axes = panel_grid(len(panels))
        for ax, (panel, curves) in zip(axes, panels.items()):
            for mode, curve in curves.items():
                ax.plot(curve.x, curve.mean, LINESTYLES[mode], color=MODE_COLOURS[mode], label=MODE_LEGEND[mode])
                ax.fill_between(curve.x, curve.low, curve.high, color=MODE_COLOURS[mode], alpha=0.15, lw=0)
            ax.set_title(panel)
            ax.set_xlabel("Epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylabel("Validation accuracy")
            ax.grid(alpha=0.3)
            ax.legend(frameon=False, loc="lower right")  # accuracy rises with the epochs
        figure_title(figure, title)
        save_figure(figure, png_path, pdf_path)
    return figure


def plot_auc_vs_size(panels: Mapping[str, Mapping[str, Curve]], title: str,
                     png_path: str | os.PathLike, pdf_path: str | os.PathLike, *,
                     style: str = DEFAULT_STYLE) -> plt.Figure:
    """Figure 4: test AUC vs number of training jets, mean with error bars spanning the repeats."""
    with style_context(style):
        figure, axes = panel_grid(len(panels))
        for ax, (panel, curves) in zip(axes, panels.items()):
            for mode, curve in curves.items():
                ax.errorbar(curve.x, curve.mean, yerr=[curve.mean - curve.low, curve.high - curve.mean],
                            fmt="o" + LINESTYLES[mode], color=MODE_COLOURS[mode], label=MODE_LEGEND[mode])
            ax.set_xscale("log")
            ax.set_title(panel)
            ax.set_xlabel("Training jets")
            ax.set_ylabel("Test AUC")
            ax.grid(alpha=0.3, which="both")
            ax.legend(frameon=False, loc="lower right")  # AUC rises with the training jets
        figure_title(figure, title)
        save_figure(figure, png_path, pdf_path)
    return figure


def plot_transfer_rocs(panels: Mapping[str, tuple[Mapping[str, tuple[RocCurve, str]], str]],
                       png_path: str | os.PathLike, pdf_path: str | os.PathLike,
                       signal_name: str = "top", background_name: str = "QCD", *,
                       style: str = DEFAULT_STYLE) -> plt.Figure:
    """Figure 5: per source, ROC curves (1/eps_background vs eps_signal) over a ratio-to-scratch panel.
    `panels` maps a title to (curves by legend label, the reference label)."""
    columns = len(panels)
    with style_context(style):
        figure, axes = plt.subplots(2, columns, figsize=(RATIO_COLUMN[0] * columns, RATIO_COLUMN[1]), sharex="col",
                                    squeeze=False, gridspec_kw={"height_ratios": [3, 1.3]})
        for column, (panel, (curves, reference)) in enumerate(panels.items()):
            draw_roc_with_ratio(axes[0, column], axes[1, column], curves, reference, panel, signal_name, background_name)
        save_figure(figure, png_path, pdf_path, h_pad=RATIO_GAP)
    return figure


def spread_curve(x: Sequence[float], repeats: Sequence[Sequence[float]]) -> Curve:
    """Mean and (min, max) over repeats (rows) of y values at the points x (columns); rows may be short
    (a run stopped early), points beyond a short row use the rows that reach them."""
    width = max(len(r) for r in repeats)
    values = np.full((len(repeats), width), np.nan)
    for i, row in enumerate(repeats):
        values[i, : len(row)] = row
    return Curve(np.asarray(x[:width], float), np.nanmean(values, 0), np.nanmin(values, 0), np.nanmax(values, 0))
