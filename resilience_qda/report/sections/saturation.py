"""Saturation: how many codes each document added, in the order the documents were analysed."""

from __future__ import annotations

import pandas as pd

from ...analysis.saturation import OVERALL, saturation
from ...core.model import Project
from ...core.sorting import natural_key
from ...plots import saturation_curve
from ..document import Report, new_figure
from .common import coder_codings, plural

#: Codes still appearing in this last share of the documents: saturation not evident.
LATE_SHARE = 0.2


def saturation_section(project: Project, report: Report) -> None:
    """New codes per document (overall and per reported branch), a table and a chart."""
    title = "Saturation"
    codings = coder_codings(project, report)
    if report.coder is None or not len(codings):
        report.skip(title, "left out: there are no codings yet.")
        return
    docs = project.corpus.documents
    by, order = analysis_attribute(docs, report.study.time)
    names = sorted(docs["doc_id"].astype(str), key=natural_key)  # "Interview 2" before "10"
    sections = list(report.study.sections)
    table = saturation(
        codings, docs, order=by or names, coder=report.coder, codes=sections, branches=sections
    )  # "all": the reported branches together, then a line per reported branch
    overall = table[table["branch"] == OVERALL].reset_index(drop=True)
    n, total = len(overall), int(overall["cumulative_codes"].iloc[-1])
    report.heading(title)
    if not total:
        report.text(f"Coder {report.coder} has no codes in the reported branches.")
        return
    last = overall[overall["new_codes"] > 0].iloc[-1]
    after = n - int(last["order"])
    half = int(overall["cumulative_codes"].iloc[(n - 1) // 2])
    report.text(
        f"In the reported branches coder {report.coder} used "
        f"{plural(total, 'distinct code')}. With the documents "
        f"in the order they were analysed ({order}), the first half of them yielded {half} "
        f"({half / total:.0%}) of those codes; the last new code appeared in document "
        f"{int(last['order'])} of {n} ({last['doc_id']})"
        + (f", and the {plural(after, 'document')} after it added none." if after else ".")
        + " A codebook that stops growing on new documents is the usual, if rough, sign of "
        "saturation; it says nothing about codes the codebook lacks."
    )
    report.fact(
        f"Saturation: {total} codes; the last new one in document {int(last['order'])} of {n}."
    )
    if after < LATE_SHARE * n:
        report.limitation(
            f"Saturation is not evident: coder {report.coder}'s last new code appeared in "
            f"document {int(last['order'])} of {n}, so further documents might add codes."
        )
    shown = ["order", "doc_id", *(["order_value"] if by else []), "codes", "new_codes"]
    report.table(
        "saturation",
        overall[[*shown, "cumulative_codes"]].rename(columns={"order_value": by}),
        "New codes per document, all reported branches; saturation.csv also counts each "
        "branch on its own and names the new codes.",
        max_rows=n,
    )
    report.tables["saturation"] = table.reset_index(drop=True)
    fig, ax = new_figure((min(12.0, max(6.5, 0.25 * n + 2)), 3.6))
    saturation_curve(table, ax=ax, branches=sections, title=title)
    report.figure(
        "saturation",
        fig,
        "Codes found so far (lines: all codes and each branch) and the new codes each "
        "document added (bars).",
        table="saturation",
    )


def analysis_attribute(docs: pd.DataFrame, time: list[str]) -> tuple[str | None, str]:
    """The attribute the documents were analysed by, and how to say so: ``date`` or one of
    study.yaml's ``time`` attributes, whichever most documents have (``date`` on a tie);
    ``None`` (documents in natural order of their names) when no document has any.

    >>> docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "date": [None, "2020-01-02", None],
    ...                      "wave": [1, 2, 2]})
    >>> analysis_attribute(docs, ["wave"])
    ('wave', 'by wave')
    >>> analysis_attribute(docs, [])
    ('date', 'by date; the 2 documents without one last')
    >>> analysis_attribute(docs[["doc_id"]], ["wave"])
    (None, 'by name, in natural order: no document has a date')
    """
    candidates = [c for c in dict.fromkeys(["date", *time]) if c in docs.columns]
    have = {c: int(docs[c].notna().sum()) for c in candidates}
    best = max(candidates, key=have.__getitem__, default=None)
    if best is None or not have[best]:
        return None, "by name, in natural order: no document has a date"
    missing = len(docs) - have[best]
    return best, f"by {best.replace('_', ' ')}" + (
        f"; the {plural(missing, 'document')} without one last" if missing else ""
    )
