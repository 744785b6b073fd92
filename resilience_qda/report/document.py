"""The report as data: headings, paragraphs, tables, figures and quotes in order.

Sections add blocks to a :class:`Report` through its methods; nothing here writes HTML.
The page is rendered once, from these blocks, by :mod:`resilience_qda.report.render`
(Jinja2 with autoescaping), and its table of contents is taken from the headings here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..plots import STYLE

#: Tables longer than this are shown folded (``<details>``), still in the page.
FOLD_ROWS = 15
#: Largest quote shown, in characters; longer passages are cut at a word boundary.
QUOTE_CHARS = 600


@dataclass
class Heading:
    text: str
    level: int
    anchor: str
    kind: ClassVar[str] = "heading"


@dataclass
class Paragraph:
    text: str
    css: str = ""
    kind: ClassVar[str] = "paragraph"


@dataclass
class Items:
    items: list[str]
    kind: ClassVar[str] = "items"


@dataclass
class Quote:
    text: str
    attribution: str
    shortened: bool = False
    kind: ClassVar[str] = "quote"


@dataclass
class Skipped:
    """A section or part left out, with the one line that says why."""

    title: str
    reason: str
    kind: ClassVar[str] = "skipped"


@dataclass
class TableBlock:
    name: str  # the CSV is tables/<name>.csv
    caption: str
    header: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    total: int  # rows in the CSV
    short: list[bool] = field(default_factory=list)  # columns kept on one line
    show: bool = True  # False: only a link to the CSV
    folded: bool = False  # shown inside <details>
    notes: list[str] = field(default_factory=list)
    kind: ClassVar[str] = "table"


@dataclass
class FigureBlock:
    name: str  # figures/<name>.png|svg
    caption: str
    table: str | None  # the CSV it draws
    kind: ClassVar[str] = "figure"


Block = Heading | Paragraph | Items | Quote | Skipped | TableBlock | FigureBlock


@dataclass
class Report:
    """What a report holds while it is built: ordered blocks, tables and figures.

    Sections call :meth:`heading`, :meth:`text`, :meth:`table`, :meth:`figure`,
    :meth:`quote`, :meth:`items` and :meth:`skip`; :meth:`fact` adds a line to the summary
    at the top and :meth:`limitation` to the generated Limitations section. ``study`` is the
    resolved analysis plan (:class:`resilience_qda.io.study.Study`); ``cache`` lets sections
    share what they computed (units, co-occurrence).

    Examples
    --------
    >>> r = Report("Study & results")
    >>> r.heading("Themes & codes")
    >>> r.text("Plain <text>.")
    >>> [(h.anchor, h.text) for h in r.contents()]
    [('themes-codes', 'Themes & codes')]
    """

    title: str
    blocks: list[Block] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # figure -> table it draws
    coder: str | None = None  # whose codings the analysis sections use
    study: Any = None  # the resolved Study
    statement: str | None = None  # the data statement shown at the top
    summary: list[str] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)
    on_figure: Callable[[str, Figure], None] | None = None  # e.g. start drawing it at once

    # ------------------------------------------------------------------ blocks

    def heading(self, text: str, level: int = 2) -> None:
        base = re.sub(r"[^\w]+", "-", str(text).lower()).strip("-") or "section"
        taken = {b.anchor for b in self.blocks if isinstance(b, Heading)}
        anchor, k = base, 2
        while anchor in taken:
            anchor, k = f"{base}-{k}", k + 1
        self.blocks.append(Heading(str(text), level, anchor))

    def text(self, text: str, *, css: str = "") -> None:
        self.blocks.append(Paragraph(str(text), css))

    def items(self, items: list[str]) -> None:
        if items:
            self.blocks.append(Items([str(i) for i in items]))

    def skip(self, title: str, reason: str) -> None:
        """Leave out a section or a part of one, saying why in one line (no heading)."""
        self.blocks.append(Skipped(str(title), str(reason)))

    def quote(self, text: str, attribution: str, *, limit: int = QUOTE_CHARS) -> None:
        """A quotation, cut at a word boundary after at most ``limit`` characters."""
        shown, cut = shorten(str(text), limit)
        self.blocks.append(Quote(shown, str(attribution), cut))

    def table(
        self,
        name: str,
        table: pd.DataFrame,
        caption: str,
        *,
        max_rows: int = 60,
        show: bool = True,
        fold: bool | None = None,
        notes: list[str] | None = None,
    ) -> None:
        """Add a table: written whole as ``tables/<name>.csv``, its first ``max_rows``
        shown (folded when longer than :data:`FOLD_ROWS`, unless ``fold`` says otherwise)."""
        self.tables[name] = table
        shown = table.head(max_rows)
        header, rows, numeric = format_table(shown)
        short = [all(len(r[k]) <= 12 for r in rows) for k in range(len(header))]
        self.blocks.append(
            TableBlock(
                name=name,
                caption=caption,
                header=header,
                rows=rows,
                numeric=numeric,
                short=short,
                total=len(table),
                show=show,
                folded=(len(shown) > FOLD_ROWS) if fold is None else fold,
                notes=list(notes or []),
            )
        )

    def figure(self, name: str, fig: Figure, caption: str, *, table: str | None = None) -> None:
        """Add a figure: written as PNG (300 dpi) and SVG, the SVG embedded in the page.

        ``table`` names the table (CSV) the figure draws, for the provenance block.
        """
        self.figures[name] = fig
        if table:
            self.sources[name] = table
        if self.on_figure is not None:
            self.on_figure(name, fig)
        self.blocks.append(FigureBlock(name, caption, table))

    # ------------------------------------------------------------------ summary

    def fact(self, text: str) -> None:
        """A line of the summary at the top of the report (counts, not interpretation)."""
        self.summary.append(str(text))

    def limitation(self, text: str) -> None:
        """A line of the generated Limitations section."""
        if text not in self.limitations:
            self.limitations.append(str(text))

    def contents(self) -> list[Heading]:
        """The table of contents: every level-2 heading, in order."""
        return [b for b in self.blocks if isinstance(b, Heading) and b.level == 2]


# --------------------------------------------------------------------------- formatting


def shorten(text: str, limit: int = QUOTE_CHARS) -> tuple[str, bool]:
    """``text`` cut at the last sentence end or word boundary before ``limit`` characters,
    with " […]" when it was cut.

    >>> shorten("One two three. Four five six.", 20)
    ('One two three. […]', True)
    >>> shorten("One. Two three four.", 12)
    ('One. Two […]', True)
    >>> shorten("Short.", 12)
    ('Short.', False)
    """
    text = text.strip()
    if len(text) <= limit:
        return text, False
    head = text[:limit]
    ends = [m.end() for m in re.finditer(r"[.!?…](?=\s)", head)]
    if ends and ends[-1] > limit // 2:
        cut = head[: ends[-1]]
    else:
        cut = head.rsplit(None, 1)[0] if " " in head else head
    return cut.rstrip() + " […]", True


def format_table(table: pd.DataFrame) -> tuple[list[str], list[list[str]], list[bool]]:
    """Header, cells as text and which columns are numbers, the way a reader wants them:
    missing values blank (never ``<NA>``), true/false as yes/no, whole numbers without
    ``.0``, other numbers to three significant digits (percentages to one decimal, or two
    significant digits below 1),
    thousands separated.

    Examples
    --------
    >>> t = pd.DataFrame({"wave": [1.0, None], "share": [0.12345, 1.5],
    ...                   "percent": [12.345, 0.0321], "coded": [True, False],
    ...                   "words": [18242, 7]})
    >>> format_table(t)[1]
    [['1', '0.123', '12.3', 'yes', '18,242'], ['', '1.5', '0.032', 'no', '7']]
    >>> format_table(pd.DataFrame({"cell": ["3 (60%)", "2"]}))[2]
    [True]
    """
    header = [str(c).replace("_", " ") for c in table.columns]
    columns, numeric = [], []
    for name in table.columns:
        column = table[name]
        values = column.tolist()
        is_number = _numeric(column)
        whole = is_number and all(_whole(v) for v in values if not _missing(v))
        percent = "percent" in str(name) or str(name).endswith("_pct")
        cells = [_cell(v, whole=whole, percent=percent) for v in values]
        columns.append(cells)
        counts = bool(cells) and all(_COUNT.fullmatch(c) for c in cells if c)
        numeric.append((is_number and not _boolean(column)) or (counts and any(cells)))
    rows = [list(r) for r in zip(*columns, strict=True)] if columns else []
    if not columns:
        rows = [[] for _ in range(len(table))]
    return header, rows, numeric


#: Text cells that read as numbers (e.g. "3 (60%)") are aligned as numbers.
_COUNT = re.compile(r"-?[\d,.]+( \(\d+%\))?")


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float | np.floating) and math.isnan(value))
    except TypeError:  # pragma: no cover
        return False


def _boolean(column: pd.Series) -> bool:
    values = [v for v in column.tolist() if not _missing(v)]
    return bool(values) and all(isinstance(v, bool | np.bool_) for v in values)


def _numeric(column: pd.Series) -> bool:
    if _boolean(column):
        return False
    values = [v for v in column.tolist() if not _missing(v)]
    return bool(values) and all(
        isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
        for v in values
    )


def _whole(value: object) -> bool:
    try:
        return float(value).is_integer()
    except (TypeError, ValueError):
        return False


def _cell(value: object, *, whole: bool, percent: bool) -> str:
    if _missing(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        if whole or (number.is_integer() and isinstance(value, int | np.integer)):
            n = int(number)
            return f"{n:,}"
        if percent:  # 12.3, 0.42, 0.035: small shares keep two significant digits
            return f"{number:.1f}" if abs(number) >= 1 else f"{number:.2g}"
        if abs(number) < 1:
            return f"{number:.3g}"
        return f"{number:,.2f}".rstrip("0").rstrip(".") if abs(number) < 100 else f"{number:,.1f}"
    return str(value)


def new_figure(size=(6.5, 3.6)) -> tuple[Figure, object]:
    """A figure (not managed by pyplot, so reports work in any backend) and its Axes."""
    import matplotlib.pyplot as plt

    with plt.rc_context(STYLE):
        fig = Figure(figsize=size)  # saved with a tight bounding box: no layout engine
        ax = fig.add_subplot()
    return fig, ax
