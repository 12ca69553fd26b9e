"""ROC figure in the style of seed 000, Fig. 5: 1/eps_QCD vs eps_signal, with a ratio panel."""

from __future__ import annotations

import os
from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from jettransfer.data.atomic import atomic_path  # noqa: E402
from jettransfer.evaluate.metrics import RocCurve  # noqa: E402
from jettransfer.plots.style import (DEFAULT_STYLE, PNG_DPI, ROC_WITH_RATIO, make_room_for_legends,  # noqa: E402
                                     rejection_label, signal_efficiency_label, style_context, wrapped_title)

LINESTYLES = {"scratch": "-", "finetune": "--", "frozen": ":"}  # seed 000's figures
EFFICIENCY_GRID = np.linspace(0.05, 1.0, 400)
RATIO_GAP = 0.3  # between a ROC panel and its ratio panel, in font sizes: the two read as one


def plot_roc_with_ratio(curves: Mapping[str, tuple[RocCurve, str]], reference: str, title: str,
                        png_path: str | os.PathLike, pdf_path: str | os.PathLike,
                        signal_name: str = "top", background_name: str = "QCD", *,
                        style: str = DEFAULT_STYLE) -> plt.Figure:
    """`curves` maps a legend label to (curve, mode); `reference` is the label the ratio divides by.
    Drawn in the plot style `style`; returns the (closed) figure."""
    with style_context(style):
        figure, (top, bottom) = plt.subplots(2, 1, figsize=ROC_WITH_RATIO, sharex=True,
                                             gridspec_kw={"height_ratios": [3, 1.3]})
        draw_roc_with_ratio(top, bottom, curves, reference, title, signal_name, background_name)
        save_figure(figure, png_path, pdf_path, h_pad=RATIO_GAP)
    return figure


def draw_roc_with_ratio(top: plt.Axes, bottom: plt.Axes, curves: Mapping[str, tuple[RocCurve, str]], reference: str,
                        title: str, signal_name: str = "top", background_name: str = "QCD") -> None:
    """ROC curves on `top` (log 1/eps_background), their ratio to `reference` on `bottom`; line style by mode."""
    rejection = {label: rejection_on_grid(curve) for label, (curve, _) in curves.items()}
    for label, (_, mode) in curves.items():
        style = LINESTYLES.get(mode, "-")
        top.plot(EFFICIENCY_GRID, rejection[label], style, label=label)
        with np.errstate(divide="ignore", invalid="ignore"):
            bottom.plot(EFFICIENCY_GRID, rejection[label] / rejection[reference], style)
    top.set_yscale("log")
    top.set_ylabel(rejection_label(background_name))
    top.set_title(wrapped_title(title, top.get_position().width * top.figure.get_figwidth()))
    top.legend(frameon=False, loc="upper right")  # save_figure raises the axis until no curve passes behind it
    top.grid(alpha=0.3, which="both")
    bottom.axhline(1.0, color="grey", lw=0.8)
    bottom.set_ylabel(f"Ratio to\n{reference}")
    bottom.set_xlabel(signal_efficiency_label(signal_name))
    bottom.set_xlim(EFFICIENCY_GRID[0], 1.0)
    bottom.grid(alpha=0.3)


def save_figure(figure: plt.Figure, png_path: str | os.PathLike, pdf_path: str | os.PathLike,
                h_pad: float | None = None) -> None:
    """Both formats, each written whole or not at all; the figure is closed. Call it inside the
    figure's style context (savefig reads rcParams too); `h_pad`: tight_layout's gap between rows.
    A legend inside a panel gets room of its own (style.make_room_for_legends)."""
    figure.tight_layout(h_pad=h_pad)
    if make_room_for_legends(figure):
        figure.tight_layout(h_pad=h_pad)  # the new limits may have other tick labels
    figure.align_ylabels()
    for path in (png_path, pdf_path):
        with atomic_path(path) as tmp:
            figure.savefig(tmp, dpi=PNG_DPI)
    plt.close(figure)


def rejection_on_grid(curve: RocCurve) -> np.ndarray:
    eps_b = np.interp(EFFICIENCY_GRID, curve.signal_efficiency, curve.background_efficiency)
    with np.errstate(divide="ignore"):
        return np.where(eps_b > 0, 1.0 / eps_b, np.nan)
