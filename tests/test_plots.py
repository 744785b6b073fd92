"""Plots draw the table they are given on the Axes they are given, and return it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import io

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from resilience_qda import plots
from resilience_qda.core.model import Code, Codebook


@pytest.fixture
def ax():
    fig = Figure()
    return fig.add_subplot()


def render(ax) -> None:
    ax.figure.savefig(io.BytesIO(), format="png")  # draws every text: raises on bad labels


FREQ = pd.DataFrame(
    {"code": ["themes/more-reflexive", "themes/more-resourceful"], "files": [5, 9],
     "references": [12, 20]}
)  # fmt: skip


def test_files_references_draws_both_counts_in_palette_colours(ax):
    before = FREQ.copy()
    out = plots.files_references(FREQ, ax=ax)
    assert out is ax
    widths = [p.get_width() for p in ax.patches]
    assert widths == [5, 9, 12, 20]
    colours = {to_hex(p.get_facecolor()).upper() for p in ax.patches}
    assert colours == {plots.PALETTE[0], plots.PALETTE[1]}
    assert [t.get_text() for t in ax.get_yticklabels()] == ["more reflexive", "more resourceful"]
    pd.testing.assert_frame_equal(FREQ, before)
    render(ax)


def test_heatmap_cells_and_annotations(ax):
    t = pd.DataFrame(
        {"code": ["a", "a", "b", "b"], "sector": ["x", "y", "x", "y"], "n": [0, 4, 2, 10]}
    )
    plots.heatmap(t, rows="code", columns="sector", values="n", ax=ax, colorbar=False)
    assert ax.collections[0].get_array().reshape(2, 2).tolist() == [[0, 4], [2, 10]]
    texts = {t.get_text(): t.get_color() for t in ax.texts}
    assert texts["10"] == "white" and texts["0"] == "black"  # readable on dark and light
    render(ax)


def test_heatmap_leaves_missing_cells_blank(ax):
    t = pd.DataFrame({"a": ["p", "p"], "b": ["x", "y"], "j": [0.5, float("nan")]})
    plots.heatmap(t, rows="a", columns="b", values="j", ax=ax, fmt="{:.2f}")
    assert [t.get_text() for t in ax.texts] == ["0.50"]
    render(ax)


def test_configurations_chart_bars_and_dots(ax):
    t = pd.DataFrame(
        {
            "configuration": ["materials", "meanings + materials", "meanings"],
            "passages": [6, 3, 1],
            "share": [0.6, 0.3, 0.1],
            "meanings": [False, True, True],
            "materials": [True, True, False],
        }
    )
    out = plots.configurations_chart(t, ax=ax, top=2)
    assert [p.get_height() for p in out.patches] == [6, 3]
    dots = ax.child_axes[0]
    assert [tl.get_text() for tl in dots.get_yticklabels()] == ["meanings", "materials"]
    assert len(dots.lines) == 1  # one combination joins two elements
    render(ax)


def test_timeline_one_line_per_code_with_distinct_markers(ax):
    t = pd.DataFrame(
        {"code": ["a", "a", "b", "b"], "meeting": [1, 2, 1, 2], "references": [3, 1, 0, 2]}
    )
    plots.timeline(t, time="meeting", ax=ax)
    assert [line.get_ydata().tolist() for line in ax.lines] == [[3, 1], [0, 2]]
    assert ax.lines[0].get_marker() != ax.lines[1].get_marker()
    render(ax)


def test_coding_stripes_rows_per_code_and_interviewer_shading(ax):
    c = pd.DataFrame({"start": [0, 40, 60], "end": [20, 50, 90], "code": ["a", "b", "a"]})
    turns = pd.DataFrame({"start": [0, 30], "end": [25, 100], "interviewer": [True, False]})
    plots.coding_stripes(c, length=100, turns=turns, ax=ax, codes=["a", "b"])
    bars = ax.collections
    assert len(bars) == 2
    assert len(bars[0].get_paths()) == 2  # code a: two stretches
    assert len(ax.patches) == 1  # one interviewer turn shaded
    assert ax.get_xlim() == (0, 100)
    render(ax)


def test_codebook_tree_with_counts(ax):
    book = Codebook(
        [Code("themes", "Themes"), Code("themes/a", "A theme"), Code("themes/a/x", "Deep")]
    ).to_frame()
    plots.codebook_tree(book, counts=pd.Series({"themes": 7, "themes/a": 3}), ax=ax)
    texts = [t.get_text() for t in ax.texts]
    assert texts[:2] == ["Themes", "A theme"] and "Deep" not in texts
    assert "7" in texts and "3" in texts
    render(ax)


def test_labels_with_dollar_signs_are_drawn_as_written(ax):
    t = pd.DataFrame({"code": ["costs $5 and $6"], "files": [1], "references": [2]})
    plots.files_references(t, ax=ax)
    render(ax)
    assert ax.get_yticklabels()[0].get_text() == r"costs \$5 and \$6"


def test_plots_make_their_own_axes_when_none_given():
    ax = plots.files_references(FREQ)
    assert ax.figure is not None
    plt.close(ax.figure)
