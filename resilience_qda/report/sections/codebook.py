"""The codebook (hierarchy with counts, every definition) and the memos."""

from __future__ import annotations

from ...analysis.frequencies import frequencies
from ...core.model import Project
from ...plots import codebook_tree
from ..document import Report, new_figure
from .common import coder_codings


def codebook_section(project: Project, report: Report) -> None:
    """The codebook's top two levels with references, and every code's description."""
    report.heading("The codebook")
    book = project.codebook.to_frame()
    version = project.codebook.version
    report.text(
        f"Codebook {project.codebook.name or '(unnamed)'}"
        f"{' version ' + str(version) if version else ''}: {len(book)} codes."
    )
    if not len(book):
        report.skip("Codebook tree", "left out: the codebook has no codes.")
        return
    counts = None
    if len(project.codings):
        freq = frequencies(coder_codings(project, report), rollup=True, by_coder=False)
        counts = freq.set_index("code")["references"]
    fig, ax = new_figure((6.5, max(2.5, 0.24 * int((book["depth"] <= 1).sum()))))
    codebook_tree(
        book,
        counts=counts,
        ax=ax,
        title="Codebook (two levels)"
        + (f" with references of coder {report.coder}" if counts is not None else ""),
    )
    report.figure(
        "codebook_tree",
        fig,
        "The codebook's top two levels"
        + (
            "; bars: references (children counted in their parents)." if counts is not None else "."
        ),
        table="codebook",
    )
    negative = "negative" in book and bool(book["negative"].any())
    report.table(
        "codebook",
        book[["code", "name", *(["negative"] if negative else []), "description"]],
        "Every code: path, name"
        + (", whether it is negative (disconfirming: its passages count against claims)"
           if negative else "")
        + " and description.",
        max_rows=len(book),
    )  # fmt: skip


def memos_section(project: Project, report: Report) -> None:
    """The project's memos, when it has any."""
    if not len(project.memos):
        return
    from ...io.memos import memo_table

    report.heading("Memos")
    report.table("memos", memo_table(project), "The project's memos.", max_rows=200)
