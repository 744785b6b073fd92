"""Who coded what, whose codings the report analyses, and every code's counts."""

from __future__ import annotations

import pandas as pd

from ...analysis.frequencies import codings_by_coder, frequencies
from ...core.model import Project
from ..document import Report
from .common import code_name, coder_codings, plural


def frequency_table(project: Project, codings: pd.DataFrame, **options) -> pd.DataFrame:
    """frequencies() pooled over coders, with each code's name and coverage in percent."""
    freq = frequencies(codings, project.corpus, by_coder=False, **options)
    freq.insert(1, "name", [code_name(project, c) for c in freq["code"]])
    freq["coverage_percent"] = 100 * freq["coverage"]
    return freq[["code", "name", "files", "references", "words", "coverage_percent"]]


def coding_section(project: Project, report: Report) -> None:
    """Codings per coder; the analysed coder; a frequency table of every code it used."""
    report.heading("Coding")
    if not len(project.codings):
        report.text(
            "No codings yet, so there is nothing to count. Add a coder's codings as "
            "codings/<coder>.csv in the project folder (by hand, with resilience-qda code, or "
            "by importing a coding sheet or Word comments) and run resilience-qda report again.",
            css="note",
        )
        report.limitation("The project has no codings yet: the report describes the texts only.")
        return
    per_coder = codings_by_coder(project.codings)
    report.table("codings_by_coder", per_coder, "Codings per coder.")
    study, coder = report.study, report.coder
    others = [c for c in project.coders if c != coder]
    how = study.how("coder")
    report.text(
        f"The analysis below uses the codings of coder {coder} ({how})"
        + (f"; other coders: {', '.join(others)} (see their counts in frequencies.csv)." if others
           else ".")
    )  # fmt: skip
    mine = coder_codings(project, report)
    facts = []
    for row in per_coder.itertuples(index=False):
        facts.append(
            f"{row.coder} ({row.source}): {plural(int(row.codings), 'coding')} of "
            f"{plural(int(row.codes), 'code')} in {plural(int(row.documents), 'document')}"
        )
    report.fact("Codings: " + "; ".join(facts) + f". The report analyses coder {coder}.")

    table = frequency_table(project, mine, codebook=project.codebook)
    used = table[table["references"] > 0]
    report.table(
        "code_frequencies",
        used.reset_index(drop=True),
        f"Every code coder {coder} used: files (documents), references (coded passages), "
        "words coded and coverage (percent of all characters). Codings count at their own "
        "code here; the sections below add children to their parents.",
        max_rows=len(used),
    )
    codes_used = used["code"].astype(str).tolist()
    unused = table[table["references"] == 0]
    unused = unused[  # a branch whose codes were used is not "unused"
        [not any(u.startswith(f"{c}/") for u in codes_used) for c in unused["code"].astype(str)]
    ]
    if len(unused):
        report.text(
            f"{plural(len(unused), 'code')} of the codebook {'was' if len(unused) == 1 else 'were'}"
            f" not used by coder {coder} (listed in code_frequencies_all.csv).",
            css="note",
        )
    report.tables["code_frequencies_all"] = table
    report.table(
        "frequencies",
        frequencies(project.codings, project.corpus, codebook=project.codebook),
        "Every code of the codebook by coder: files, references, characters, coverage, words.",
        show=False,
    )
    unknown = project.unknown_codes()
    if unknown:
        report.text(
            f"{len(unknown)} code(s) in the codings are not in the codebook (kept, counted): "
            + ", ".join(unknown),
            css="note",
        )
