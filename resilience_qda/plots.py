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


def agreement_heatmap(
    table: pd.DataFrame,
    *,
    value: str = "kappa",
    ax=None,
    title: str = "",
    annotate: bool | None = None,
    row_labels=None,
    colorbar: bool = True,
):
    """A coefficient per code x document as a diverging heatmap (-1 to 1; blank: none).

    ``table`` is a per code x document agreement table
    (:func:`~resilience_qda.analysis.agreement.coding_comparison`, or
    :func:`~resilience_qda.analysis.agreement.unit_agreement` with ``by_document=True``),
    or its matrix from :func:`~resilience_qda.analysis.agreement.agreement_matrix`. Cells
    whose coefficient is 0/0 (``undefined``) are left blank rather than drawn as NVivo's 1.

    Examples
    --------
    >>> t = pd.DataFrame({"code": ["x", "x", "y"], "doc_id": ["s", "t", "s"],
    ...                   "kappa": [0.5, 1.0, -0.2], "undefined": [False, True, False]})
    >>> ax = agreement_heatmap(t)
    >>> ax.images[0].get_array().filled(float("nan")).tolist()
    [[0.5, nan], [-0.2, nan]]
    """
    import numpy as np

    from .analysis.agreement import agreement_matrix

    if {"code", "doc_id", value} <= set(table.columns):
        long = table
        if "undefined" in long.columns:
            long = long.assign(**{value: long[value].where(~long["undefined"].astype(bool))})
        grid = agreement_matrix(long, value=value)
    else:
        grid = table
    grid = grid.astype("float64")
    size = (max(4.0, 0.35 * grid.shape[1] + 3), max(2.5, 0.3 * grid.shape[0] + 1))
    ax = _axes(ax, size=size)
    labels = row_labels or (lambda path: str(path).rsplit("/", 1)[-1].replace("-", " "))
    show = annotate if annotate is not None else grid.size <= 300
    with plt.rc_context(STYLE):
        image = ax.imshow(
            np.ma.masked_invalid(grid.to_numpy()), cmap="RdBu", vmin=-1, vmax=1, aspect="auto"
        )
        ax.set_xticks(range(grid.shape[1]), [str(c) for c in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [labels(r) for r in grid.index])
        ax.tick_params(axis="x", labelrotation=90 if grid.shape[1] > 4 else 0)
        ax.spines[:].set_visible(False)
        if show:
            for (i, j), v in np.ndenumerate(grid.to_numpy()):
                if not np.isnan(v):
                    color = "white" if abs(v) > 0.6 else "black"
                    ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color=color)
        if colorbar:
            ax.figure.colorbar(image, ax=ax, shrink=0.8, label=value.replace("_", " "))
        ax.set_title(title)
    return ax
