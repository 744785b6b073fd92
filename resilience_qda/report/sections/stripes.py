"""Coding stripes of the most coded document, with a legend of the branches."""

from __future__ import annotations

from ...core.codes import truncate
from ...core.model import Project
from ...core.sorting import natural_key
from ...plots import coding_stripes, plain
from ..document import Report, new_figure
from .common import code_name, coder_codings

#: Most stripes drawn (codes at the level below the branches).
MAX_STRIPES = 40


def stripes_section(project: Project, report: Report) -> None:
    """Which codes cover which stretch of the most coded document (a transcript if any)."""
    title = "Coding stripes"
    if not len(project.codings):
        report.skip(title, "left out: there are no codings yet.")
        return
    codings = coder_codings(project, report)
    branches = list(report.study.sections)
    inside = codings["code"].isin(branches)
    for b in branches:
        inside |= codings["code"].str.startswith(b + "/")
    codings = codings[inside]
    if not len(codings):
        report.skip(
            title, f"left out: coder {report.coder} coded nothing in the reported branches."
        )
        return
    turns = project.corpus.turns
    counts = codings["doc_id"].value_counts()
    spoken = set(turns["doc_id"]) if len(turns) else set()
    candidates = [d for d in counts.index if d in spoken] or list(counts.index)
    doc_id = sorted(candidates, key=lambda d: (-counts[d], natural_key(d)))[0]
    rows = codings[codings["doc_id"] == doc_id]
    rows = rows.assign(code=truncate(rows["code"], 1))
    position = {b: i for i, b in enumerate(branches)}
    book = {p: i for i, p in enumerate(project.codebook.paths)}
    order = sorted(
        rows["code"].unique(),
        key=lambda c: (position.get(c.split("/")[0], len(position)), book.get(c, len(book)), c),
    )[:MAX_STRIPES]
    report.heading(f"{title}: {doc_id}")
    report.text(
        f"The document coder {report.coder} coded most ({counts[doc_id]} codings), with each "
        "code at the level below its branch; colours are branches."
    )
    report.tables["coding_stripes"] = rows[["doc_id", "start", "end", "code"]].reset_index(
        drop=True
    )
    fig, ax = new_figure((6.5, max(2.2, 0.3 * len(order) + 0.8)))
    coding_stripes(
        rows,
        length=len(project.corpus[doc_id].text),
        codes=order,
        turns=turns[turns["doc_id"] == doc_id] if len(turns) else None,
        ax=ax,
        labels=lambda c: plain(code_name(project, c)),
        branch_labels=lambda b: plain(code_name(project, b)),
        title=plain(f"Which codes cover which stretch of {doc_id}"),
    )
    report.figure(
        "coding_stripes",
        fig,
        f"Coding stripes of {doc_id} (grey: the interviewer's turns).",
        table="coding_stripes",
    )
