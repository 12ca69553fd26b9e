"""A distillation study's figures: seed 003's Figure 1 (ROC), 2a (accuracy vs boost) and 2b
(validation loss vs epoch)."""

from __future__ import annotations

import os
from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from jettransfer.evaluate.metrics import RocCurve  # noqa: E402
from jettransfer.plots.roc import EFFICIENCY_GRID, rejection_on_grid, save_figure  # noqa: E402
from jettransfer.plots.study import Curve, figure_title, panel_grid  # noqa: E402
from jettransfer.plots.style import (DEFAULT_STYLE, ROC_PANEL, WIDE, rejection_label,  # noqa: E402
                                     signal_efficiency_label, style_context, wrapped_title)

TEACHER_STYLE = {"color": "black", "linestyle": "-", "linewidth": 1.6}
SCRATCH_COLOUR = "tab:blue"
KD_COLOURS = ("tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")
BETA_MAX_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple")


def plot_distillation_rocs(panels: Mapping[str, Mapping[str, RocCurve]], teacher: tuple[str, RocCurve], title: str,
                           png_path: str | os.PathLike, pdf_path: str | os.PathLike,
                           signal_name: str = "top", background_name: str = "QCD", *,
                           style: str = DEFAULT_STYLE) -> plt.Figure:
    """Figure 1: one panel per student, 1/eps_background vs eps_signal of the student from
    scratch (first curve of each panel), distilled (the others) and the teacher."""
    with style_context(style):
        figure, axes = panel_grid(len(panels), ROC_PANEL)
        teacher_label, teacher_curve = teacher
        for ax, (panel, curves) in zip(axes, panels.items()):
            for i, (label, curve) in enumerate(curves.items()):
                colour = SCRATCH_COLOUR if i == 0 else KD_COLOURS[(i - 1) % len(KD_COLOURS)]
                ax.plot(EFFICIENCY_GRID, rejection_on_grid(curve), color=colour, linestyle="-" if i == 0 else "--",
                        label=label)
            ax.plot(EFFICIENCY_GRID, rejection_on_grid(teacher_curve), label=teacher_label, **TEACHER_STYLE)
            ax.set_yscale("log")
            ax.set_xlim(EFFICIENCY_GRID[0], 1.0)
            ax.set_xlabel(signal_efficiency_label(signal_name))
            ax.set_ylabel(rejection_label(background_name))
            ax.set_title(panel)
            ax.grid(alpha=0.3, which="both")
            ax.legend(frameon=False, loc="upper right")  # save_figure raises the axis until no curve passes behind it
        figure_title(figure, title)
        save_figure(figure, png_path, pdf_path)
    return figure


def plot_accuracy_vs_boost(curves: Mapping[tuple[float, bool], Curve], teacher: Curve | None, teacher_label: str,
                           title: str, png_path: str | os.PathLike, pdf_path: str | os.PathLike, *,
                           style: str = DEFAULT_STYLE) -> plt.Figure:
    """Figure 2a: test accuracy vs the test jets' boost beta, a colour per beta_max, distilled
    solid and from scratch dashed, with a band from the lowest to the highest repeat."""
    with style_context(style):
        figure, ax = plt.subplots(figsize=WIDE)
        colours = {b: BETA_MAX_COLOURS[i % len(BETA_MAX_COLOURS)] for i, b in enumerate(sorted({b for b, _ in curves}))}
        for (beta_max, distilled), curve in sorted(curves.items()):
            colour = colours[beta_max]
            ax.plot(curve.x, curve.mean, "-" if distilled else "--", marker="o", markersize=4, color=colour,
                    label=rf"$\beta_\mathrm{{max}}={beta_max:g}$, {'KD' if distilled else 'scratch'}")
            ax.fill_between(curve.x, curve.low, curve.high, color=colour, alpha=0.12, lw=0)
        if teacher is not None:
            ax.plot(teacher.x, teacher.mean, marker="s", markersize=4, label=teacher_label, **TEACHER_STYLE)
        ax.set_xlabel(r"Boost of the test jets along $x$, $\beta$")
        ax.set_ylabel("Test accuracy")
        ax.grid(alpha=0.3)
        # Many entries, curves of any shape: beside the axes, where it covers none of them.
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
        figure.suptitle(wrapped_title(title, figure.get_figwidth()))
        save_figure(figure, png_path, pdf_path)
    return figure


def plot_validation_loss(panels: Mapping[str, Mapping[str, Curve]], title: str,
                         png_path: str | os.PathLike, pdf_path: str | os.PathLike, *,
                         style: str = DEFAULT_STYLE) -> plt.Figure:
    """Figure 2b: validation hard-target loss (cross-entropy on the labels) vs epoch, one panel
    per student, from scratch (first curve) and distilled."""
    with style_context(style):
        figure, axes = panel_grid(len(panels))
        for ax, (panel, curves) in zip(axes, panels.items()):
            for i, (label, curve) in enumerate(curves.items()):
                colour = SCRATCH_COLOUR if i == 0 else KD_COLOURS[(i - 1) % len(KD_COLOURS)]
                ax.plot(curve.x, curve.mean, "-" if i == 0 else "--", color=colour, label=label)
                ax.fill_between(curve.x, curve.low, curve.high, color=colour, alpha=0.12, lw=0)
            ax.set_title(panel)
            ax.set_xlabel("Epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylabel("Validation cross-entropy\n(hard targets)")
            ax.grid(alpha=0.3)
            ax.legend(frameon=False, loc="upper right")  # the loss falls with the epochs
        figure_title(figure, title)
        save_figure(figure, png_path, pdf_path)
    return figure
