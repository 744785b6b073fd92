"""Figures: each function draws a table that analysis returned on ``ax`` and returns the Axes.

Plots never compute: what they draw is a DataFrame a reader can also get as CSV.
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd

#: Okabe-Ito: a palette that colour-blind readers can tell apart.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "figure.dpi": 100,
    "savefig.bbox": "tight",
}


def _axes(ax, size=(6, 3.5)):
    if ax is None:
        with plt.rc_context(STYLE):
            _, ax = plt.subplots(figsize=size)
    return ax


def bar_chart(
    table: pd.DataFrame,
    *,
    x: str,
    y: str | list[str],
    ax=None,
    title: str = "",
    xlabel: str | None = None,
    ylabel: str | None = None,
    horizontal: bool = False,
):
    """Bars of one or more value columns ``y`` against the labels in column ``x``.

    Examples
    --------
    >>> t = pd.DataFrame({"kind": ["interview", "observation"], "documents": [13, 12]})
    >>> ax = bar_chart(t, x="kind", y="documents")
    >>> [float(p.get_height()) for p in ax.patches]
    [13.0, 12.0]
    """
    ax = _axes(ax)
    ys = [y] if isinstance(y, str) else list(y)
    with plt.rc_context(STYLE):
        frame = table.set_index(x)[ys]
        frame.plot.barh(
            ax=ax, color=PALETTE[: len(ys)], legend=len(ys) > 1, width=0.8
        ) if horizontal else frame.plot.bar(
            ax=ax, color=PALETTE[: len(ys)], legend=len(ys) > 1, width=0.8, rot=0
        )
        if horizontal:
            ax.invert_yaxis()
        ax.set_title(title)
        ax.set_xlabel(xlabel if xlabel is not None else ("" if horizontal else x))
        ax.set_ylabel(ylabel or "")
    return ax
