"""The figures' look: the configured plot style is drawn inside a style context (nothing global
changes), an unknown style is refused, every figure is written as PNG and PDF, and a legend
inside a panel covers no curve."""

import re

import matplotlib as mpl
import numpy as np
import pytest
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from jettransfer.evaluate.metrics import roc
from jettransfer.plots.distillation import plot_accuracy_vs_boost, plot_distillation_rocs, plot_validation_loss
from jettransfer.plots.roc import plot_roc_with_ratio
from jettransfer.plots.study import plot_auc_vs_size, plot_transfer_rocs, plot_validation_accuracy, spread_curve
from jettransfer.plots.style import DEFAULT_STYLE, PNG_DPI, SIZES, STYLES, curve_extent
from tests.conftest import REPO

RNG = np.random.default_rng(5)
LABELS = np.repeat([1, 0], 2000)


def _roc(separation: float):
    return roc(LABELS, RNG.normal(LABELS * separation, 1.0))


def _rocs():
    return {"scratch": (_roc(1.5), "scratch"), "fine-tuned": (_roc(1.8), "finetune"), "frozen": (_roc(1.7), "frozen")}


def _epochs():
    return {mode: spread_curve([1, 2, 3, 4], [[0.6, 0.7, 0.75, 0.78], [0.62, 0.71, 0.74, 0.8]])
            for mode in ("scratch", "finetune", "frozen")}


def _draw(kind: str, png, pdf, style: str = DEFAULT_STYLE):
    """One figure of each kind, from made-up numbers; returns the (closed) figure."""
    if kind == "roc":
        return plot_roc_with_ratio(_rocs(), "scratch", "a ROC", png, pdf, style=style)
    if kind == "validation_accuracy":
        return plot_validation_accuracy({"LundNet-5": _epochs(), "ParticleNet": _epochs()}, "accuracy", png, pdf,
                                        style=style)
    if kind == "auc_vs_size":
        sizes = {m: spread_curve([100, 1000, 10000], [[0.8, 0.85, 0.9], [0.81, 0.86, 0.91]]) for m in ("scratch", "frozen")}
        return plot_auc_vs_size({"LundNet-5": sizes}, "AUC", png, pdf, style=style)
    if kind == "transfer_rocs":
        return plot_transfer_rocs({"LundNet-5": (_rocs(), "scratch"), "ParticleNet": (_rocs(), "scratch")}, png, pdf,
                                  style=style)
    if kind == "distillation_rocs":
        panels = {"DeepSet": {"from scratch": _roc(1.2), "KD T=3, teacher on clean jets": _roc(1.4)}}
        return plot_distillation_rocs(panels, ("ParticleNet (teacher)", _roc(2.5)), "ROC", png, pdf, style=style)
    if kind == "accuracy_vs_boost":
        betas = [0.0, 0.3, 0.6]
        curves = {(b, kd): spread_curve(betas, [[0.85, 0.8 - b / 10, 0.7 + kd / 20]]) for b in (0.0, 0.3) for kd in (False, True)}
        return plot_accuracy_vs_boost(curves, spread_curve(betas, [[0.9, 0.88, 0.85]]), "teacher", "boost", png, pdf,
                                      style=style)
    if kind == "validation_loss":
        loss = {"from scratch": spread_curve([1, 2, 3], [[0.6, 0.5, 0.45]]), "KD T=3": spread_curve([1, 2, 3], [[0.55, 0.45, 0.4]])}
        return plot_validation_loss({"DeepSet": loss}, "loss", png, pdf, style=style)
    raise AssertionError(kind)


KINDS = ("roc", "validation_accuracy", "auc_vs_size", "transfer_rocs", "distillation_rocs", "accuracy_vs_boost",
         "validation_loss")


@pytest.mark.parametrize("kind", KINDS)
def test_every_figure_is_written_whole_as_png_and_pdf(kind, tmp_path):
    figure = _draw(kind, tmp_path / "f.png", tmp_path / "f.pdf")
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "f.pdf").read_bytes()[:4] == b"%PDF"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.pdf", "f.png"]  # no temporary left behind
    with Image.open(tmp_path / "f.png") as png:  # at PNG_DPI, which reads on a screen
        assert png.width == pytest.approx(figure.get_figwidth() * PNG_DPI, abs=1)
    assert PNG_DPI >= 150


def test_the_style_decides_the_look_read_back_from_the_figure(tmp_path):
    cms = _draw("roc", tmp_path / "c.png", tmp_path / "c.pdf", style="CMS").axes[1]  # the ratio panel
    plain = _draw("roc", tmp_path / "m.png", tmp_path / "m.pdf", style="matplotlib").axes[1]
    # CMS: TeX Gyre Heros (shipped with mplhep), ticks on all four sides, inward, with minor ticks.
    # (A text keeps the generic family "sans-serif": the font it was drawn in is the PDF's.)
    assert set(re.findall(rb"/BaseFont /[A-Z]{6}\+([\w-]+)", (tmp_path / "c.pdf").read_bytes())) == {b"TeXGyreHeros-Regular"}
    assert b"TeXGyreHeros" not in (tmp_path / "m.pdf").read_bytes()
    assert cms.xaxis.get_major_ticks()[0].tick2line.get_visible()
    assert not plain.xaxis.get_major_ticks()[0].tick2line.get_visible()
    assert cms.xaxis.get_major_ticks()[0].tick1line.get_marker() == mpl.lines.TICKUP  # "in" at the bottom
    assert plain.xaxis.get_major_ticks()[0].tick1line.get_marker() == mpl.lines.TICKDOWN
    assert len(cms.xaxis.get_minorticklocs()) > 0 and len(plain.xaxis.get_minorticklocs()) == 0
    # Either way at the sizes chosen to read in a paper, not the style's own (CMS: 26 pt).
    assert cms.xaxis.label.get_fontsize() == plain.xaxis.label.get_fontsize() == SIZES["axes.labelsize"]


def test_global_rcparams_are_left_as_they_were(tmp_path):
    with mpl.rc_context({"font.size": 7.0, "xtick.direction": "out", "lines.linewidth": 0.3}):
        before = dict(mpl.rcParams)
        figure = _draw("distillation_rocs", tmp_path / "f.png", tmp_path / "f.pdf", style="ATLAS")
        after = dict(mpl.rcParams)
    assert after == before
    assert figure.axes[0].lines[0].get_linewidth() == SIZES["lines.linewidth"]  # the style's, not the caller's


def test_an_unknown_style_is_refused_by_name_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match=r"unknown plot style 'cms'.*ATLAS, CMS, LHCb2, ALICE, ROOT, matplotlib"):
        _draw("roc", tmp_path / "f.png", tmp_path / "f.pdf", style="cms")
    assert list(tmp_path.iterdir()) == []


def test_the_styles_are_the_config_schemas_choices():
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    style = schema["properties"]["plots"]["properties"]["style"]
    assert tuple(style["enum"]) == STYLES and style["default"] == DEFAULT_STYLE


@pytest.mark.parametrize("style", ["ROOT", "matplotlib"])
def test_a_legend_inside_a_panel_covers_no_curve(style, tmp_path):
    # Long labels and a teacher far above the students: the legend in the upper right would
    # sit on the teacher's curve unless the axis makes room for it.
    figure = _draw("distillation_rocs", tmp_path / "f.png", tmp_path / "f.pdf", style=style)
    ax = figure.axes[0]
    renderer = FigureCanvasAgg(figure).get_renderer()  # the figure is closed: a canvas of its own
    box = ax.get_legend().get_window_extent(renderer).transformed(ax.transAxes.inverted())
    _, high = curve_extent(ax, box.x0, box.x1)
    assert high <= box.y0
