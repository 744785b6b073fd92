"""Assemble the evaluation report of a project into a folder.

::

    OUT/report.html       one self-contained page: figures embedded, tables, provenance
    OUT/figures/*.png     300 dpi, and *.svg
    OUT/tables/*.csv      every table the report shows

Sections are functions of the project that add tables and figures to a :class:`Report`; the
page is written last, so an interrupted run leaves no half-written ``report.html``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from .. import __version__
from ..analysis import cases_by_attribute, documents_by_kind
from ..io.atomic import write_bytes, write_text
from ..io.codebook import codebook_to_yaml
from ..model import Project
from ..plots import STYLE, bar_chart

FIG_DPI = 300


@dataclass
class Report:
    """What a report holds while it is built: ordered HTML blocks, tables and figures."""

    title: str
    blocks: list[str] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append(f"<h{level}>{html.escape(text)}</h{level}>")

    def text(self, text: str) -> None:
        self.blocks.append(f"<p>{html.escape(text)}</p>")

    def table(self, name: str, table: pd.DataFrame, caption: str, *, max_rows: int = 60) -> None:
        """Add a table: shown in the page (first ``max_rows``) and written whole as CSV."""
        self.tables[name] = table
        shown = table.head(max_rows)
        more = (
            (
                f"<p class='note'>First {max_rows} of {len(table)} rows; all in "
                f"tables/{html.escape(name)}.csv</p>"
            )
            if len(table) > max_rows
            else ""
        )
        self.blocks.append(
            f"<figure class='table'><figcaption>{html.escape(caption)} "
            f"<a href='tables/{html.escape(name)}.csv'>CSV</a></figcaption>"
            f"{shown.to_html(index=False, escape=True, na_rep='', border=0)}{more}</figure>"
        )

    def figure(self, name: str, fig: Figure, caption: str) -> None:
        """Add a figure: embedded as PNG in the page, written as PNG (300 dpi) and SVG."""
        self.figures[name] = fig
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        self.blocks.append(
            f"<figure><img alt='{html.escape(caption)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{html.escape(caption)} (<a href='figures/{html.escape(name)}.png'>"
            f"PNG</a>, <a href='figures/{html.escape(name)}.svg'>SVG</a>)</figcaption></figure>"
        )


def new_figure(size=(6.5, 3.6)) -> tuple[Figure, object]:
    """A figure (not managed by pyplot, so reports work in any backend) and its Axes."""
    import matplotlib.pyplot as plt

    with plt.rc_context(STYLE):
        fig = Figure(figsize=size, layout="constrained")
        ax = fig.add_subplot()
    return fig, ax


def corpus_section(project: Project, report: Report) -> None:
    """The corpus: documents and words by kind, participants by role and sector."""
    documents = project.corpus.documents
    report.heading("The corpus")
    by_kind = documents_by_kind(documents)
    report.text(f"{len(documents)} documents, {int(documents['n_words'].sum()):,} words.")
    report.table("documents_by_kind", by_kind, "Documents and words by kind.")
    fig, ax = new_figure((6, 2.8))
    bar_chart(by_kind, x="kind", y="words", ax=ax, title="Words by document kind", ylabel="words")
    report.figure("words_by_kind", fig, "Words by document kind.")
    cases = project.corpus.cases
    for attribute in ("role", "sector"):
        if attribute in cases.columns:
            table = cases_by_attribute(cases, attribute)
            report.table(f"participants_by_{attribute}", table, f"Participants by {attribute}.")
    if "sector" in cases.columns:
        table = cases_by_attribute(cases, "sector")
        fig, ax = new_figure((6, 2.8))
        bar_chart(
            table, x="sector", y="cases", ax=ax, horizontal=True, title="Participants by sector"
        )
        report.figure("participants_by_sector", fig, "Participants by sector.")
    columns = [
        c
        for c in ("doc_id", "kind", "case", "date", "meeting", "role", "sector", "n_words")
        if c in documents.columns
    ]
    report.table("documents", documents[columns], "Documents.", max_rows=100)


#: The sections of the report, in order. Later work appends its own.
SECTIONS: list[Callable[[Project, Report], None]] = [corpus_section]


def provenance(project: Project) -> pd.DataFrame:
    """What the report was made from: toolkit version, date, and a SHA-256 of every input."""

    def sha(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    rows = [
        ("toolkit", "resilience_qda", __version__),
        ("python", "version", platform.python_version()),
        ("pandas", "version", pd.__version__),
        ("run", "date (UTC)", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("project", "path", str(project.path or "")),
        (
            "codebook",
            project.codebook.name or "(unnamed)",
            sha(codebook_to_yaml(project.codebook).encode()),
        ),
        (
            "codings",
            f"{len(project.codings)} rows",
            sha(project.codings.to_csv(index=False, lineterminator="\n").encode()),
        ),
    ]
    rows += [("source", d.doc_id, sha(d.text.encode("utf-8"))) for d in project.corpus]
    return pd.DataFrame(rows, columns=["input", "name", "value"])


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;
margin-top:2.2rem}figure{margin:1.2rem 0}img{max-width:100%}figcaption{font-size:.9rem;color:#444}
table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0}th,td{padding:.2rem .5rem;
border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:top}th{background:#f4f4f4}
.note{font-size:.85rem;color:#555}blockquote{margin:.6rem 0;padding:.3rem .8rem;
border-left:3px solid #0072B2;background:#f7fafc}
"""


def build_report(
    project: Project,
    out: str | Path = "report",
    sections: list[Callable[[Project, Report], None]] | None = None,
) -> Path:
    """Write the evaluation report of ``project`` into folder ``out``; return ``report.html``.

    Examples
    --------
    >>> from resilience_qda import read_project
    >>> build_report(read_project("data/sample"), "report")  # doctest: +SKIP
    PosixPath('report/report.html')
    """
    out = Path(out)
    title = f"Evaluation report: {Path(project.path).name if project.path else 'project'}"
    report = Report(title)
    for section in sections or SECTIONS:
        section(project, report)
    report.heading("Provenance")
    report.text(
        "Every figure and table above can be regenerated from these inputs with the "
        "same toolkit version: resilience-qda report PROJECT."
    )
    report.table(
        "provenance", provenance(project), "Inputs and their SHA-256 hashes.", max_rows=500
    )

    for name, table in report.tables.items():
        write_text(out / "tables" / f"{name}.csv", table.to_csv(index=False, lineterminator="\n"))
    for name, fig in report.figures.items():
        for fmt in ("png", "svg"):
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, dpi=FIG_DPI, bbox_inches="tight")
            write_bytes(out / "figures" / f"{name}.{fmt}", buf.getvalue())
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(report.title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{html.escape(report.title)}</h1>" + "\n".join(report.blocks) + "</body></html>\n"
    )
    target = out / "report.html"
    write_text(target, page)
    return target
