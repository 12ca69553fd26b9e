"""How every figure looks: the config's `plots.style` (an mplhep style, or matplotlib's own
defaults), with one set of sizes on top so that a figure reads on screen and in a paper.

A figure is drawn and saved inside `style_context(name)`; nothing global changes, so two
figures in one process can have different styles and the caller's rcParams stay as they were.

The experiments' mplhep styles are made for one large figure (CMS: 10 x 10 inches at 26 pt);
the figures here are smaller panels, so the shared layer below sets the sizes (fonts, lines,
ticks) and the style keeps what makes it recognisable: its fonts, ticks inside on all four
sides with minor ticks, axis labels at the axes' ends, its colour cycle and its legend layout.
Sizes are for a panel about 4.5 inches wide, shown at about 3.4 inches in a single column of a
paper: 14 pt axis labels print at about 10.5 pt, 12 pt tick labels at about 9 pt.
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Iterator
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# The config schema's `plots.style` choices; each an attribute of mplhep.style, but "matplotlib".
STYLES = ("ATLAS", "CMS", "LHCb2", "ALICE", "ROOT", "matplotlib")
MATPLOTLIB = "matplotlib"
DEFAULT_STYLE = "ROOT"  # the schema's default

PNG_DPI = 200  # the PDF is vector; dpi only sets its few raster parts
PANEL = (4.6, 4.0)  # inches, one panel of a grid of panels
ROC_PANEL = (4.6, 4.6)  # a grid panel with a log ROC curve: taller, the rejection spans decades
ROC_WITH_RATIO = (5.2, 5.8)  # one ROC over its ratio panel
RATIO_COLUMN = (4.6, 5.6)  # a column of a grid of ROC-over-ratio panels
WIDE = (8.4, 4.8)  # one panel with a long legend beside it

TITLE_SIZE = 13
SIZES: dict[str, Any] = {
    "font.size": 14, "axes.labelsize": 14, "axes.titlesize": TITLE_SIZE, "figure.titlesize": TITLE_SIZE,
    "xtick.labelsize": 12, "ytick.labelsize": 12, "legend.fontsize": 11, "legend.title_fontsize": 11,
    "axes.labelpad": 4.0, "axes.linewidth": 1.0, "lines.linewidth": 1.8, "lines.markersize": 5.0,
    "lines.markeredgewidth": 1.0, "patch.linewidth": 1.0, "errorbar.capsize": 3.0,
    "axes.ymargin": 0.05,  # LHCb2 has none: a curve at its maximum would run along the frame
    **{f"{axis}tick.{which}.{key}": value for axis in "xy" for which, size, width in (("major", 6.0, 1.0), ("minor", 3.0, 0.8))
       for key, value in (("size", size), ("width", width), ("pad", 4.0))},
}


def style_rc(name: str) -> dict[str, Any] | str:
    """The rcParams (or matplotlib's style name) of the style `name`; ValueError for an unknown name."""
    if name not in STYLES:
        raise ValueError(f"unknown plot style {name!r}: choose one of {', '.join(STYLES)} (config: plots.style)")
    if name == MATPLOTLIB:
        return "default"
    import mplhep  # here, not at import: a table job that imports the plots module does not pay for it

    return getattr(mplhep.style, name)


@contextlib.contextmanager
def style_context(name: str) -> Iterator[None]:
    """The style `name` with the shared sizes, for the block; rcParams are restored after it."""
    with plt.style.context(style_rc(name)), plt.rc_context(SIZES):
        yield


def wrapped_title(text: str, width_inches: float, fontsize: float = TITLE_SIZE) -> str:
    """`text` broken into lines that fit `width_inches` at `fontsize` (about 0.55 em a character)."""
    characters = max(int(width_inches * 72 / (0.55 * fontsize)), 20)
    return "\n".join(textwrap.fill(line, characters) for line in text.split("\n"))


def subscript(name: str) -> str:
    r"""`name` for \mathrm{...}: spaces and underscores kept."""
    return name.replace(" ", r"\ ").replace("_", r"\_")


def signal_efficiency_label(signal_name: str) -> str:
    return rf"Signal efficiency $\varepsilon_{{\mathrm{{{subscript(signal_name)}}}}}$"


def rejection_label(background_name: str) -> str:
    return rf"Background rejection $1/\varepsilon_{{\mathrm{{{subscript(background_name)}}}}}$"


def make_room_for_legends(figure: plt.Figure, margin: float = 0.02, most: float = 3.0) -> bool:
    """For every panel whose legend lies inside it: stretch the y axis away from the legend (up for
    a legend in the upper half, down for one in the lower half) until no curve or band passes
    behind it, by at most `most` times the axis's span (a legend too tall for that stays as it is).
    Call it once the layout is done: it measures the legend as drawn. Whether it changed a limit."""
    renderer = figure.canvas.get_renderer()
    changed = False
    for ax in figure.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent(renderer).transformed(ax.transAxes.inverted())
        if box.x0 < -1e-3 or box.x1 > 1 + 1e-3 or box.y0 < -1e-3 or box.y1 > 1 + 1e-3:
            continue  # beside the axes, in no curve's way
        low, high = curve_extent(ax, box.x0, box.x1)
        upper = box.y0 + box.y1 > 1.0
        reach, room = (high, box.y0 - margin) if upper else (1.0 - low, 1.0 - box.y1 - margin)
        if not reach > room or room * most < reach:
            continue
        scale = ax.yaxis.get_transform()  # data -> the axis's linear coordinate (log10 on a log axis)
        bottom, top = scale.transform(np.asarray(ax.get_ylim(), float))
        span = (top - bottom) * reach / room
        limits = (bottom, bottom + span) if upper else (top - span, top)
        ax.set_ylim(*scale.inverted().transform(np.asarray(limits)))
        changed = True
    return changed


def curve_extent(ax: plt.Axes, x0: float, x1: float) -> tuple[float, float]:
    """Lowest and highest point, in axes fractions, of the axes' lines and filled or line
    collections between x0 and x1 (axes fractions); (1, 0) if none reaches there."""
    low, high = 1.0, 0.0
    to_axes = ax.transAxes.inverted()
    paths = [(line.get_transform(), line.get_path()) for line in ax.lines]
    paths += [(c.get_transform(), p) for c in ax.collections for p in c.get_paths()]
    for transform, path in paths:
        points = to_axes.transform(transform.transform(path.vertices))
        start, end = points[:-1], points[1:]
        keep = np.isfinite(start).all(1) & np.isfinite(end).all(1)
        start, end = start[keep], end[keep]
        left, right = np.minimum(start[:, 0], end[:, 0]), np.maximum(start[:, 0], end[:, 0])
        a, b = np.maximum(left, x0), np.minimum(right, x1)
        inside = a <= b
        if not inside.any():
            continue
        start, end, a, b = start[inside], end[inside], a[inside], b[inside]
        dx = end[:, 0] - start[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(dx != 0, (end[:, 1] - start[:, 1]) / dx, 0.0)
        at_a = np.where(dx != 0, start[:, 1] + slope * (a - start[:, 0]), np.minimum(start[:, 1], end[:, 1]))
        at_b = np.where(dx != 0, start[:, 1] + slope * (b - start[:, 0]), np.maximum(start[:, 1], end[:, 1]))
        low = min(low, float(np.minimum(at_a, at_b).min()))
        high = max(high, float(np.maximum(at_a, at_b).max()))
    return low, high
