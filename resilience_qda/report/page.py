"""The report page while it is built: HTML blocks (every text escaped), tables and figures."""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from matplotlib.figure import Figure

from ..plots import STYLE


def figure_placeholder(name: str) -> str:
    """Where a figure's image goes in a block until the report is written."""
    return f"@@figure:{esc(name)}@@"


def esc(text: object) -> str:
    """Escape any text for HTML (quotes included): untrusted text never becomes markup.

    >>> esc("<script>alert('x')</script>")
    '&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;'
    """
    return html.escape("" if text is None else str(text), quote=True)


@dataclass
class Report:
    """What a report holds while it is built: ordered HTML blocks, tables and figures.

    Every method escapes what it is given; sections never write raw HTML of their own.
    """

    title: str
    blocks: list[str] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # figure -> table it draws
    coder: str | None = None  # whose codings the analysis sections use
    on_figure: Callable[[str, Figure], None] | None = None  # e.g. start drawing it at once

    def heading(self, text: str, level: int = 2) -> None:
        anchor = "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")
        self.blocks.append(f"<h{level} id='{esc(anchor)}'>{esc(text)}</h{level}>")

    def text(self, text: str, *, css: str = "") -> None:
        cls = f" class='{esc(css)}'" if css else ""
        self.blocks.append(f"<p{cls}>{esc(text)}</p>")

    def table(
        self,
        name: str,
        table: pd.DataFrame,
        caption: str,
        *,
        max_rows: int = 60,
        show: bool = True,
    ) -> None:
        """Add a table: shown in the page (first ``max_rows``) and written whole as CSV."""
        self.tables[name] = table
        if not show:
            self.blocks.append(
                f"<p class='note'>{esc(caption)} <a href='tables/{esc(name)}.csv'>"
                f"tables/{esc(name)}.csv</a></p>"
            )
            return
        shown = table.head(max_rows)
        more = (
            f"<p class='note'>First {max_rows} of {len(table)} rows; all in "
            f"tables/{esc(name)}.csv</p>"
            if len(table) > max_rows
            else ""
        )
        body = shown.to_html(index=False, escape=True, na_rep="", border=0, float_format=_fmt)
        self.blocks.append(
            f"<figure class='table'><figcaption>{esc(caption)} "
            f"<a href='tables/{esc(name)}.csv'>CSV</a></figcaption>"
            f"<div class='scroll'>{body}</div>{more}</figure>"
        )

    def figure(self, name: str, fig: Figure, caption: str, *, table: str | None = None) -> None:
        """Add a figure: written as PNG (300 dpi) and SVG, the SVG embedded in the page.

        ``table`` names the table (CSV) the figure draws, for the provenance block. The
        image is rendered when the report is written (:meth:`render`).
        """
        self.figures[name] = fig
        if table:
            self.sources[name] = table
        if self.on_figure is not None:
            self.on_figure(name, fig)
        self.blocks.append(
            f"<figure class='chart' id='fig-{esc(name)}'><img alt='{esc(caption)}' "
            f"src='{figure_placeholder(name)}'>"
            f"<figcaption>{esc(caption)} (<a href='figures/{esc(name)}.png'>PNG</a>, "
            f"<a href='figures/{esc(name)}.svg'>SVG</a>"
            + (f", data: <a href='tables/{esc(table)}.csv'>CSV</a>" if table else "")
            + ")</figcaption></figure>"
        )

    def html_blocks(self, svgs: dict[str, bytes]) -> list[str]:
        """The blocks with each figure's SVG embedded as a data URI (an ``<img>`` source, so
        nothing in it can run)."""
        out = []
        for block in self.blocks:
            for name in self.figures:
                marker = figure_placeholder(name)
                if marker in block:
                    data = base64.b64encode(svgs[name]).decode("ascii")
                    block = block.replace(marker, f"data:image/svg+xml;base64,{data}")
            out.append(block)
        return out

    def quote(self, text: str, attribution: str) -> None:
        """A quotation, its words and attribution escaped."""
        self.blocks.append(
            f"<blockquote><p>{esc(text)}</p><footer>{esc(attribution)}</footer></blockquote>"
        )

    def items(self, items: list[str]) -> None:
        self.blocks.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")


def _fmt(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1 else f"{value:,.1f}".rstrip("0").rstrip(".")


def new_figure(size=(6.5, 3.6)) -> tuple[Figure, object]:
    """A figure (not managed by pyplot, so reports work in any backend) and its Axes."""
    import matplotlib.pyplot as plt

    with plt.rc_context(STYLE):
        fig = Figure(figsize=size)  # saved with a tight bounding box: no layout engine
        ax = fig.add_subplot()
    return fig, ax


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:62rem;margin:2rem auto;
padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;
margin-top:2.2rem}h3{font-size:1.05rem;margin-top:1.4rem}figure{margin:1.2rem 0}
img{max-width:100%;height:auto}figcaption{font-size:.9rem;color:#444}
table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0}th,td{padding:.2rem .5rem;
border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:top}th{background:#f4f4f4}
.scroll{overflow-x:auto}.note{font-size:.85rem;color:#555}
blockquote{margin:.6rem 0;padding:.3rem .8rem;border-left:3px solid #0072B2;background:#f7fafc}
blockquote p{margin:.2rem 0;white-space:pre-wrap}blockquote footer{font-size:.85rem;color:#555}
nav ul{columns:2;font-size:.9rem}
"""
