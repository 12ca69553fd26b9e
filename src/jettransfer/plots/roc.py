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

LINESTYLES = {"scratch": "-", "finetune": "--", "frozen": ":"}  # seed 000's figures
EFFICIENCY_GRID = np.linspace(0.05, 1.0, 400)


def plot_roc_with_ratio(curves: Mapping[str, tuple[RocCurve, str]], reference: str, title: str,
                        png_path: str | os.PathLike, pdf_path: str | os.PathLike,
                        signal_name: str = "top", background_name: str = "QCD") -> None:
    """`curves` maps a legend label to (curve, mode); `reference` is the label the ratio divides by."""
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(6, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
    draw_roc_with_ratio(top, bottom, curves, reference, title, signal_name, background_name)
    save_figure(figure, png_path, pdf_path)


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
    top.set_ylabel(rf"$1/\varepsilon_\mathrm{{{background_name}}}$")
    top.set_title(title)
    top.legend(frameon=False)
    top.grid(alpha=0.3, which="both")
    bottom.axhline(1.0, color="grey", lw=0.8)
    bottom.set_ylabel(f"ratio to\n{reference}")
    bottom.set_xlabel(rf"$\varepsilon_\mathrm{{{signal_name}}}$")
    bottom.set_xlim(EFFICIENCY_GRID[0], 1.0)
    bottom.grid(alpha=0.3)


def save_figure(figure: plt.Figure, png_path: str | os.PathLike, pdf_path: str | os.PathLike) -> None:
    """Both formats, each written whole or not at all; the figure is closed."""
    figure.tight_layout()
    for path in (png_path, pdf_path):
        with atomic_path(path) as tmp:
            figure.savefig(tmp, dpi=150)
    plt.close(figure)


def rejection_on_grid(curve: RocCurve) -> np.ndarray:
    eps_b = np.interp(EFFICIENCY_GRID, curve.signal_efficiency, curve.background_efficiency)
    with np.errstate(divide="ignore"):
        return np.where(eps_b > 0, 1.0 / eps_b, np.nan)
