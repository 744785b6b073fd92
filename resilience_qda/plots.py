"""Figures: each function draws a table that analysis returned on ``ax`` and returns the Axes.

Plots never compute: what they draw is a DataFrame a reader can also get as CSV.
"""

from __future__ import annotations

import textwrap

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator

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


# --------------------------------------------------------------------------- analysis charts

#: Marker shapes, so lines stay apart in grey print and for colour-blind readers.
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
#: Sequential colour map for heatmaps (single hue: safe for colour-blind readers).
HEATMAP_CMAP = "Blues"


def plain(text: object) -> str:
    """Text matplotlib draws as written: ``$`` escaped, so no label becomes mathtext.

    >>> print(plain("costs $5 or $6"))
    costs \\$5 or \\$6
    """
    return str(text).replace("$", r"\$")


def code_label(path: object) -> str:
    """A readable label for a code path: its last segment with spaces (drawn as written).

    >>> code_label("themes/more-responsive-and-flexible")
    'more responsive and flexible'
    """
    return plain(str(path).rsplit("/", 1)[-1].replace("-", " "))


def files_references(
    table: pd.DataFrame,
    *,
    ax=None,
    label: str = "code",
    title: str = "",
    labels=code_label,
):
    """Paired horizontal bars of NVivo's two counts, files and references, per code.

    ``table`` is :func:`~resilience_qda.analysis.frequencies.frequencies`' output (one
    coder, or coders pooled): ``code, files, references``.

    Examples
    --------
    >>> t = pd.DataFrame({"code": ["themes/a", "themes/b"], "files": [3, 1],
    ...                   "references": [7, 2]})
    >>> ax = files_references(t)
    >>> [float(p.get_width()) for p in ax.patches]
    [3.0, 1.0, 7.0, 2.0]
    >>> [t.get_text().strip() for t in ax.texts]
    ['3 / 7', '1 / 2']
    """
    ax = _axes(ax)
    with plt.rc_context(STYLE):
        names = [labels(c) for c in table[label]]
        y = range(len(names))
        h = 0.38
        ax.barh([i - h / 2 for i in y], table["files"], height=h, color=PALETTE[0], label="files")
        ax.barh(
            [i + h / 2 for i in y],
            table["references"],
            height=h,
            color=PALETTE[1],
            label="references",
        )
        # one label per code, right of the longer bar: two labels per code collide when
        # the bars are thin or equally long
        for i, (f, r) in enumerate(zip(table["files"], table["references"], strict=True)):
            ax.text(max(f, r), i, f"  {int(f)} / {int(r)}", va="center", fontsize=8)
        ax.set_yticks(list(y), names)
        ax.invert_yaxis()
        ax.set_xlabel("count (labels: files / references)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title(title)
        ax.margins(x=0.12)
    return ax


def heatmap(
    table: pd.DataFrame,
    *,
    rows: str,
    columns: str,
    values: str,
    ax=None,
    title: str = "",
    annotate: bool = True,
    fmt: str = "{:.0f}",
    row_labels=code_label,
    column_labels=plain,
    vmax: float | None = None,
    colorbar: bool = True,
):
    """A heatmap of a tidy matrix (codes x attribute, co-occurrence), cells annotated.

    ``table`` is long (e.g. :func:`~resilience_qda.analysis.matrix.matrix`'s
    output): one row per cell, ``rows``/``columns`` naming the axes and ``values`` the
    number drawn. Row and column order follow their first appearance in the table.

    Examples
    --------
    >>> t = pd.DataFrame({"code": ["a", "a", "b", "b"], "role": ["x", "y", "x", "y"],
    ...                   "files": [1, 0, 2, 3]})
    >>> ax = heatmap(t, rows="code", columns="role", values="files")
    >>> ax.collections[0].get_array().reshape(2, 2).tolist()
    [[1.0, 0.0], [2.0, 3.0]]
    >>> [t.get_text() for t in ax.texts]
    ['1', '0', '2', '3']
    """
    from .analysis.matrix import wide

    ax = _axes(ax)
    grid = wide(table, rows=rows, columns=columns, values=values).astype("float64")
    with plt.rc_context(STYLE):
        cells = np.ma.masked_invalid(grid.to_numpy())
        image = ax.pcolormesh(
            np.arange(grid.shape[1] + 1) - 0.5,
            np.arange(grid.shape[0] + 1) - 0.5,
            cells,
            cmap=HEATMAP_CMAP,
            vmin=0,
            vmax=vmax,
            edgecolors="white",
            linewidth=0.5,
        )
        if image.norm.vmax is None or not np.isfinite(image.norm.vmax):
            image.norm.vmax = 1
        ax.set_ylim(grid.shape[0] - 0.5, -0.5)
        rotate = grid.shape[1] > 4
        # upright labels are wrapped; slanted ones stay on one line, anchored at their end,
        # so neighbours never overlap
        ax.set_xticks(
            range(grid.shape[1]),
            [
                column_labels(c) if rotate else textwrap.fill(column_labels(c), 16)
                for c in grid.columns
            ],
        )
        ax.set_yticks(range(grid.shape[0]), [row_labels(r) for r in grid.index])
        ax.tick_params(axis="x", length=0)
        ax.tick_params(axis="y", length=0)
        for lab in ax.get_xticklabels():
            if rotate:
                lab.set(rotation=40, horizontalalignment="right", rotation_mode="anchor")
            else:
                lab.set_horizontalalignment("center")
        ax.spines[:].set_visible(False)
        if annotate:
            top = float(np.nanmax(cells.filled(np.nan))) if cells.count() else 1.0
            top = vmax if vmax is not None else (top or 1.0)
            for (i, j), v in np.ndenumerate(grid.to_numpy()):
                if np.isnan(v):
                    continue
                ax.text(
                    j,
                    i,
                    fmt.format(v),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if v > 0.6 * top else "black",
                )
        if colorbar:
            bar = ax.figure.colorbar(image, ax=ax, shrink=0.8, label=values.replace("_", " "))
            finite = grid.to_numpy()[np.isfinite(grid.to_numpy())]
            if len(finite) and np.all(finite == np.round(finite)):  # counts: whole ticks
                bar.ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.set_title(title)
    return ax


def configurations_chart(
    table: pd.DataFrame,
    *,
    elements: list[str] | None = None,
    value: str = "passages",
    ax=None,
    top: int = 12,
    title: str = "",
):
    """UpSet-style chart of element combinations: bars of how often each occurs above a dot
    matrix of which elements it combines.

    ``table`` is :func:`~resilience_qda.analysis.cooccurrence.configurations`' output for
    one coder; ``elements`` are its boolean columns (default: those after ``share``). The
    dot matrix is drawn in an inset under ``ax``; the bar Axes is returned.

    Examples
    --------
    >>> t = pd.DataFrame({"configuration": ["materials", "meanings + materials"],
    ...                   "passages": [5, 2], "meanings": [False, True],
    ...                   "materials": [True, True]})
    >>> ax = configurations_chart(t, elements=["meanings", "materials"])
    >>> [float(p.get_height()) for p in ax.patches]
    [5.0, 2.0]
    """
    ax = _axes(ax, size=(6.5, 4))
    if elements is None:
        cols = list(table.columns)
        elements = cols[cols.index("share") + 1 :] if "share" in cols else []
    shown = table.head(top).reset_index(drop=True)
    n = len(shown)
    with plt.rc_context(STYLE):
        ax.bar(range(n), shown[value], color=PALETTE[0], width=0.6)
        for i, v in enumerate(shown[value]):
            ax.text(i, v, f"{v}", ha="center", va="bottom", fontsize=8)
        ax.set_xticks(range(n), [""] * n)
        ax.set_xlim(-0.6, n - 0.4)
        ax.set_ylabel(value)
        ax.set_title(title)
        dots = ax.inset_axes([0, -0.62, 1, 0.55], sharex=ax)
        for j, element in enumerate(elements):
            on = shown[element].astype(bool).to_numpy()
            dots.scatter(np.arange(n)[~on], [j] * int((~on).sum()), s=40, color="#dddddd")
            dots.scatter(np.arange(n)[on], [j] * int(on.sum()), s=40, color="#222222")
        for i in range(n):
            js = [j for j, e in enumerate(elements) if bool(shown[e].iloc[i])]
            if len(js) > 1:
                dots.plot([i, i], [min(js), max(js)], color="#222222", lw=1.5)
        dots.set_yticks(range(len(elements)), [code_label(e) for e in elements])
        dots.set_ylim(len(elements) - 0.5, -0.5)
        dots.tick_params(axis="x", bottom=False, labelbottom=False)
        for side in ("top", "right", "bottom", "left"):
            dots.spines[side].set_visible(False)
    return ax


def timeline(
    table: pd.DataFrame,
    *,
    time: str,
    value: str = "references",
    series: str = "code",
    ax=None,
    title: str = "",
    xlabel: str | None = None,
    labels=code_label,
):
    """Lines of ``value`` over ``time``, one per ``series`` (e.g. codes across meetings).

    ``table`` is :func:`~resilience_qda.analysis.timeline.codes_over_time`' output.

    Examples
    --------
    >>> t = pd.DataFrame({"code": ["a", "a"], "meeting": [1, 2], "references": [3, 1]})
    >>> ax = timeline(t, time="meeting")
    >>> ax.lines[0].get_ydata().tolist()
    [3, 1]
    """
    ax = _axes(ax)
    with plt.rc_context(STYLE):
        for k, (name, rows) in enumerate(table.groupby(series, sort=False)):
            ax.plot(
                rows[time].astype(str) if rows[time].dtype == object else rows[time],
                rows[value],
                marker=MARKERS[k % len(MARKERS)],
                color=PALETTE[k % len(PALETTE)],
                label=labels(name),
                lw=1.5,
            )
        ax.set_xlabel(xlabel if xlabel is not None else time.replace("_", " "))
        ax.set_ylabel(value.replace("_", " "))
        if table[time].dtype != object:
            ax.set_xticks(sorted(table[time].unique()))
        ax.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1, 0.5))
        ax.set_title(title)
    return ax


def coding_stripes(
    codings: pd.DataFrame,
    *,
    length: int,
    ax=None,
    codes: list[str] | None = None,
    turns: pd.DataFrame | None = None,
    title: str = "",
    labels=code_label,
    legend: bool = True,
    branch_labels=None,
):
    """Coding stripes of one document: which codes cover which stretch of the text.

    ``codings`` are one document's codings; ``length`` its number of characters. Each code
    gets a row (in ``codes`` order, default first use), coloured by its top-level branch;
    with ``turns``, the interviewer's turns are shaded so the participant's talk stands out.
    The legend names each branch's colour (``branch_labels``: a function of the branch path,
    default its readable label) and the shading of the interviewer's turns.

    Examples
    --------
    >>> c = pd.DataFrame({"start": [0, 50], "end": [20, 80], "code": ["t/a", "u/b"]})
    >>> ax = coding_stripes(c, length=100)
    >>> len(ax.collections), [t.get_text() for t in ax.get_legend().get_texts()]
    (2, ['t', 'u'])
    """
    from matplotlib.patches import Patch

    ax = _axes(ax, size=(6.5, 3))
    order = list(codes) if codes is not None else list(dict.fromkeys(codings["code"]))
    with plt.rc_context(STYLE):
        if turns is not None and len(turns):
            for t in turns[turns["interviewer"].astype(bool)].itertuples(index=False):
                ax.axvspan(t.start, t.end, color="#eeeeee", lw=0)
        branches = list(dict.fromkeys(str(c).split("/")[0] for c in order))
        for k, code in enumerate(order):
            rows = codings[codings["code"] == code]
            ax.broken_barh(
                list(zip(rows["start"], rows["end"] - rows["start"], strict=True)),
                (k - 0.35, 0.7),
                color=PALETTE[branches.index(str(code).split("/")[0]) % len(PALETTE)],
            )
        ax.set_yticks(range(len(order)), [labels(c) for c in order])
        ax.set_ylim(len(order) - 0.5, -0.5)
        ax.set_xlim(0, length)
        ax.set_xlabel("position in the text (characters)")
        ax.set_title(title)
        if legend:
            name = branch_labels or code_label
            handles = [
                Patch(color=PALETTE[k % len(PALETTE)], label=name(b))
                for k, b in enumerate(branches)
            ]
            if turns is not None and len(turns) and turns["interviewer"].astype(bool).any():
                handles.append(Patch(color="#eeeeee", label="interviewer's turns"))
            if handles:
                ax.legend(
                    handles=handles,
                    frameon=False,
                    fontsize=8,
                    loc="upper left",
                    bbox_to_anchor=(1.01, 1.0),
                )
    return ax


def codebook_tree(
    codebook: pd.DataFrame,
    *,
    counts: pd.Series | None = None,
    ax=None,
    max_depth: int = 1,
    title: str = "",
):
    """The codebook hierarchy as an indented tree, with a count beside each code.

    ``codebook`` is ``Codebook.to_frame()`` (``code, parent, name, depth``); ``counts`` an
    optional Series indexed by code path (e.g. references, aggregated), drawn as bars.

    Examples
    --------
    >>> cb = pd.DataFrame({"code": ["t", "t/a"], "parent": ["", "t"], "name": ["T", "A"],
    ...                    "depth": [0, 1]})
    >>> ax = codebook_tree(cb)
    >>> [t.get_text() for t in ax.texts]
    ['T', 'A']
    """
    rows = codebook[codebook["depth"] <= max_depth].reset_index(drop=True)
    ax = _axes(ax, size=(6.5, max(2.0, 0.22 * len(rows))))
    with plt.rc_context(STYLE):
        position = {code: i for i, code in enumerate(rows["code"])}
        for i, r in rows.iterrows():
            x = int(r["depth"])
            if r["parent"] in position:
                p = position[r["parent"]]
                ax.plot([x - 0.8, x - 0.8, x - 0.1], [p + 0.3, i, i], color="#999999", lw=0.8)
            ax.text(
                x,
                i,
                str(r["name"]),
                va="center",
                fontsize=9,
                fontweight="bold" if x == 0 else "normal",
            )
        if counts is not None:
            values = rows["code"].map(counts).fillna(0).to_numpy()
            scale = (values.max() or 1) / 2.5
            x0 = max_depth + 4.2
            ax.barh(range(len(rows)), values / scale, left=x0, height=0.6, color=PALETTE[0])
            for i, v in enumerate(values):
                ax.text(x0 + v / scale + 0.05, i, f"{int(v)}", va="center", fontsize=8)
        ax.set_xlim(-0.2, max_depth + 7.5)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.axis("off")
        ax.set_title(title)
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


def interval_chart(
    table: pd.DataFrame,
    *,
    value: str,
    low: str = "ci_low",
    high: str = "ci_high",
    label: str = "code",
    ax=None,
    title: str = "",
    xlabel: str | None = None,
    xlim: tuple[float, float] | None = (-1.05, 1.05),
    labels=code_label,
    reference: float | None = None,
):
    """A coefficient per row as a dot with its interval (e.g. kappa per code with a
    bootstrap interval); rows in table order, top to bottom; NaN values are left out.

    Examples
    --------
    >>> t = pd.DataFrame({"code": ["a", "b"], "kappa": [0.5, 0.8], "ci_low": [0.2, 0.6],
    ...                   "ci_high": [0.7, 1.0]})
    >>> ax = interval_chart(t, value="kappa")
    >>> ax.collections[-1].get_offsets().tolist()
    [[0.5, 0.0], [0.8, 1.0]]
    """
    shown = table[table[value].notna()].reset_index(drop=True)
    ax = _axes(ax, size=(6.5, max(2.0, 0.25 * len(shown) + 1)))
    with plt.rc_context(STYLE):
        y = np.arange(len(shown))
        if low in shown and high in shown:
            lo = shown[low].astype("float64").to_numpy()
            hi = shown[high].astype("float64").to_numpy()
            ok = ~(np.isnan(lo) | np.isnan(hi))
            ax.hlines(y[ok], lo[ok], hi[ok], color="#888888", lw=1.5)
        ax.scatter(shown[value].astype("float64"), y, color=PALETTE[0], s=22, zorder=3)
        if reference is not None:
            ax.axvline(reference, color="#bbbbbb", lw=1, ls="--", zorder=0)
        ax.set_yticks(y, [labels(v) for v in shown[label]])
        ax.set_ylim(len(shown) - 0.5, -0.5)
        if xlim is not None:
            ax.set_xlim(*xlim)
        ax.set_xlabel(xlabel if xlabel is not None else value.replace("_", " "))
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- methods charts


#: Most documents named on a saturation curve's axis; longer curves name every k-th.
MAX_TICK_LABELS = 50


def saturation_curve(
    table: pd.DataFrame,
    *,
    ax=None,
    branches: list[str] | None = None,
    labels: str = "doc_id",
    title: str = "",
):
    """Codes found so far, document by document in analysis order: a line per branch and
    bars of the new codes each document added (all branches).

    ``table`` is :func:`~resilience_qda.analysis.saturation.saturation`'s output. The
    ``"all"`` line is drawn black and thicker; ``branches`` picks the other lines (default
    every branch in the table). Tick labels are the ``labels`` column (``doc_id``), every
    k-th past :data:`MAX_TICK_LABELS` documents.

    Examples
    --------
    >>> t = pd.DataFrame({"branch": ["all"] * 3 + ["t"] * 3, "order": [1, 2, 3] * 2,
    ...                   "doc_id": ["d1", "d2", "d3"] * 2, "new_codes": [2, 0, 1, 2, 0, 0],
    ...                   "cumulative_codes": [2, 2, 3, 2, 2, 2]})
    >>> ax = saturation_curve(t)
    >>> [line.get_ydata().tolist() for line in ax.lines]
    [[2, 2, 3], [2, 2, 2]]
    >>> [float(p.get_height()) for p in ax.patches]
    [2.0, 0.0, 1.0]
    """
    overall = table[table["branch"] == "all"].sort_values("order")
    others = [b for b in dict.fromkeys(table["branch"]) if b != "all"]
    shown = others if branches is None else [b for b in branches if b in others]
    ax = _axes(ax, size=(max(6.0, 0.25 * len(overall) + 2), 3.6))
    with plt.rc_context(STYLE):
        if len(overall):
            ax.bar(
                overall["order"],
                overall["new_codes"],
                color="#cccccc",
                width=0.7,
                label="new codes (all)",
            )
            ax.plot(
                overall["order"],
                overall["cumulative_codes"],
                color="black",
                lw=2.2,
                marker="o",
                ms=3,
                label="all codes so far",
            )
        for k, branch in enumerate(shown):
            rows = table[table["branch"] == branch].sort_values("order")
            ax.plot(
                rows["order"],
                rows["cumulative_codes"],
                color=PALETTE[k % len(PALETTE)],
                marker=MARKERS[k % len(MARKERS)],
                ms=3,
                lw=1.3,
                label=code_label(branch),
            )
        ticks = overall if len(overall) else table.drop_duplicates("order")
        ticks = ticks.iloc[:: -(-len(ticks) // MAX_TICK_LABELS)]  # every k-th past the cap
        ax.set_xticks(ticks["order"], [plain(v) for v in ticks[labels]])
        ax.tick_params(axis="x", labelrotation=90, labelsize=8)
        ax.set_xlabel("documents in the order analysed")
        ax.set_ylabel("codes")
        ax.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1, 0.5))
        ax.set_title(title)
    return ax


def triangulation_chart(
    table: pd.DataFrame,
    *,
    by: str = "kind",
    value: str = "share",
    ax=None,
    title: str = "",
    labels=code_label,
):
    """A dot plot of each code across kinds of data: one marker per kind on a shared axis,
    joined by a line, so a code found in interviews and not in notes stands out.

    ``table`` is :func:`~resilience_qda.analysis.triangulation.triangulation`'s output;
    ``value`` is ``share`` (of that kind's documents, drawn as %), ``files`` or
    ``references``.

    Examples
    --------
    >>> t = pd.DataFrame({"code": ["a", "a", "b", "b"],
    ...                   "kind": ["interview", "observation"] * 2,
    ...                   "share": [1.0, 0.25, 0.5, 0.0]})
    >>> ax = triangulation_chart(t)
    >>> [c.get_offsets()[:, 0].tolist() for c in ax.collections]
    [[100.0, 50.0], [25.0, 0.0]]
    """
    codes = list(dict.fromkeys(table["code"]))
    kinds = list(dict.fromkeys(table[by]))
    scale = 100.0 if value == "share" else 1.0
    ax = _axes(ax, size=(6.5, max(2.2, 0.3 * len(codes) + 1)))
    grid = table.pivot(index="code", columns=by, values=value).reindex(index=codes, columns=kinds)
    with plt.rc_context(STYLE):
        for i, code in enumerate(codes):
            xs = grid.loc[code].to_numpy(dtype="float64") * scale
            ax.plot([np.nanmin(xs), np.nanmax(xs)], [i, i], color="#bbbbbb", lw=1.2, zorder=1)
        for k, kind in enumerate(kinds):
            ax.scatter(
                grid[kind].to_numpy(dtype="float64") * scale,
                range(len(codes)),
                marker=MARKERS[k % len(MARKERS)],
                color=PALETTE[k % len(PALETTE)],
                s=36,
                zorder=2,
                label=plain(kind),
            )
        ax.set_yticks(range(len(codes)), [labels(c) for c in codes])
        ax.set_ylim(len(codes) - 0.5, -0.5)
        ax.set_xlabel("% of each kind's documents with the code" if value == "share" else value)
        if value == "share":
            ax.set_xlim(-3, 103)
        ax.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1, 0.5))
        ax.set_title(title)
    return ax


def claims_chart(
    table: pd.DataFrame,
    *,
    count: str = "cases",
    ax=None,
    title: str = "",
    wrap: int = 40,
):
    """Evidence for and against each claim: bars to the right for the supporting cases (or
    passages), to the left for the contrary ones. Draws no verdict.

    ``table`` is :func:`~resilience_qda.analysis.claims.claim_evidence`'s output; ``count``
    is ``cases``, ``documents`` or ``passages``. Claims are labelled by ``claim_id``.

    Examples
    --------
    >>> t = pd.DataFrame({"claim_id": ["a", "b"], "supporting_cases": [5, 2],
    ...                   "counter_cases": [1, 0]})
    >>> ax = claims_chart(t)
    >>> [float(p.get_width()) for p in ax.patches]
    [5.0, 2.0, -1.0, 0.0]
    """
    ax = _axes(ax, size=(6.5, max(2.2, 0.4 * len(table) + 1)))
    names = [textwrap.fill(plain(c), wrap) for c in table["claim_id"]]
    y = np.arange(len(table))
    support = table[f"supporting_{count}"].to_numpy(dtype="float64")
    against = table[f"counter_{count}"].to_numpy(dtype="float64")
    with plt.rc_context(STYLE):
        ax.barh(y, support, color=PALETTE[0], height=0.6, label=f"supporting {count}")
        ax.barh(y, -against, color=PALETTE[5], height=0.6, label=f"counter {count}")
        for i, (s, a) in enumerate(zip(support, against, strict=True)):
            ax.text(s, i, f" {int(s)}", va="center", ha="left", fontsize=8)
            ax.text(-a, i, f"{int(a)} ", va="center", ha="right", fontsize=8)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, names)
        ax.set_ylim(len(table) - 0.5, -0.5)
        top = max([1.0, *support, *against])
        ax.set_xlim(-top * 1.25, top * 1.25)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):g}"))
        ax.set_xlabel(f"{count}: against  |  for")
        ax.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1, 0.5))
        ax.set_title(title)
    return ax
