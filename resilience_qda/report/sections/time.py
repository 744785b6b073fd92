"""Change over time, for each document attribute study.yaml names under ``time``."""

from __future__ import annotations

from ...analysis.timeline import codes_over_time
from ...core.model import Project
from ...plots import plain, timeline
from ..document import Report, new_figure
from .common import children, code_name, coder_codings, plural, table_name, whole_numbers


def change_section(project: Project, report: Report) -> None:
    """References per 1,000 words of each reported branch across each time attribute."""
    study = report.study
    if not study.time:
        return  # no time attribute: nothing to say (the plan says so in provenance)
    title = "Change over time"
    if not len(project.codings):
        report.skip(title, "left out: there are no codings yet.")
        return
    codings = coder_codings(project, report)
    docs = project.corpus.documents.copy()
    parts = []
    for time in study.time:
        docs[time] = whole_numbers(docs[time])
        points = docs[time].dropna().unique()
        if len(points) < 2:
            report.skip(
                f"{title} by {time}",
                f"left out: {'only one document has' if len(points) else 'no document has'} "
                f"a {time}.",
            )
            continue
        parts.append((time, len(points)))
    if not parts:
        return
    report.heading(title)
    branches = list(study.sections)
    for time, n in parts:
        dated = docs[docs[time].notna()]
        kinds = ", ".join(sorted(dated["kind"].astype(str).unique()))
        table = codes_over_time(codings, dated, time=time, codes=branches, rollup=True)
        table = table[table["code"].isin(branches)].reset_index(drop=True)
        table[time] = whole_numbers(table[time])
        name = table_name("branches_over", time)
        if not table["references"].any():
            report.skip(
                f"{title} by {time}", f"left out: no coding is in a document with a {time}."
            )
            continue
        heading = _across(time, n)
        report.heading(heading, level=3)
        report.text(
            f"{plural(len(dated), 'document')} ({kinds}) have a value for "
            f"{time.replace('_', ' ')}; references per 1,000 words let long and short "
            "documents compare."
        )
        report.table(
            name,
            table,
            f"Each reported branch by {time}: references and references per 1,000 words.",
            show=False,
        )
        fig, ax = new_figure((6.5, 3))
        timeline(
            table.assign(code=[code_name(project, c) for c in table["code"]]),
            time=time,
            value="per_1000_words",
            ax=ax,
            labels=plain,
            title=plain(heading),
        )
        report.figure(
            name,
            fig,
            f"References per 1,000 words by {time}, one line per reported branch.",
            table=name,
        )
        for branch in branches:
            codes = children(project, codings, branch)
            detail = codes_over_time(codings, dated, time=time, codes=codes, rollup=True)
            detail = detail[detail["code"].isin(codes)].reset_index(drop=True)
            if detail["references"].any():
                detail[time] = whole_numbers(detail[time])
                report.table(
                    table_name(branch, "over", time),
                    detail,
                    f"{code_name(project, branch)}: each code by {time}.",
                    show=False,
                )


_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]


def _across(time: str, n: int) -> str:
    """``Across the twelve meetings``; ``By interview order (13 values)`` for a compound name.

    >>> _across("wave", 12), _across("visit_order", 13), _across("date", 30)
    ('Across the twelve waves', 'By visit order (13 values)', 'Across the 30 dates')
    """
    if "_" in time or " " in time:
        return f"By {time.replace('_', ' ')} ({n} values)"
    count = _WORDS[n] if n < len(_WORDS) else f"{n:,}"
    return f"Across the {count} {time}s"
