"""Triangulation: each reported code in interviews beside observation notes (kinds of data)."""

from __future__ import annotations

import pandas as pd

from ...analysis.triangulation import triangulation
from ...core.model import Project
from ...plots import plain, triangulation_chart
from ..document import Report, new_figure
from .common import children, code_name, coder_codings, plural


def triangulation_section(project: Project, report: Report) -> None:
    """Code x kind of document: how many documents of each kind carry each code."""
    title = "Triangulation across kinds of data"
    docs = project.corpus.documents
    kinds = docs["kind"].dropna().astype(str).unique().tolist()
    if len(kinds) < 2:
        report.skip(title, f"left out: every document is of one kind ({', '.join(kinds)}).")
        return
    codings = coder_codings(project, report)
    if not len(codings):
        report.skip(title, "left out: there are no codings yet.")
        return
    codes = [c for b in report.study.sections for c in children(project, codings, b)]
    table = triangulation(codings, docs, codes=codes, rollup=True)
    table = table[table["code"].isin(codes)].reset_index(drop=True)
    used = table[table["files"] > 0]["code"].unique()
    table = table[table["code"].isin(used)].reset_index(drop=True)
    if not len(table):
        report.skip(title, "left out: no reported code has codings.")
        return
    report.heading(title)
    sizes = docs.groupby("kind")["doc_id"].nunique()
    spread = table.drop_duplicates("code").set_index("code")["kinds"]
    wide = table.pivot(index="code", columns="kind", values="files").reindex(
        index=spread.index, columns=kinds
    )
    only = {
        kind: [code_name(project, c) for c in wide.index if spread[c] == 1 and wide.at[c, kind]]
        for kind in kinds
    }
    report.text(
        f"The documents are {', '.join(plural(int(sizes[k]), _words(k)) for k in kinds)}. "
        f"{(spread > 1).sum()} of the {len(spread)} codes with codings occur in more than one "
        "kind of data; a code found in more than one kind (what participants said in "
        "interviews, what was observed, ...) rests on more than one kind of evidence."
        + "".join(f" Only in {_words(k)}s: {', '.join(v)}." for k, v in only.items() if v)
    )
    shown = pd.DataFrame({"code": [code_name(project, c) for c in wide.index]})
    for kind in kinds:
        shown[f"{kind} (of {int(sizes[kind])})"] = wide[kind].to_numpy()
    shown["kinds"] = spread.reindex(wide.index).to_numpy()
    report.table(
        "triangulation",
        shown,
        "Documents of each kind carrying each code (its sub-codes included); "
        "triangulation.csv adds references and shares.",
        max_rows=len(shown),
    )
    report.tables["triangulation"] = table
    fig, ax = new_figure((6.5, max(2.2, 0.3 * len(shown) + 1)))
    triangulation_chart(
        table.assign(kind=table["kind"].map(_words)),
        ax=ax,
        title=title,
        labels=lambda c: plain(code_name(project, c)),
    )
    report.figure(
        "triangulation",
        fig,
        "Share of each kind's documents carrying each code; a line joins a code's kinds.",
        table="triangulation",
    )


def _words(kind: str) -> str:
    return kind.replace("_", " ")
