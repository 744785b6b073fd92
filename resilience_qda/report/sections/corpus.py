"""The corpus: documents and words by kind, cases by attribute, the documents themselves."""

from __future__ import annotations

from ...analysis.corpus import cases_by_attribute, documents_by_kind
from ...core.model import Project
from ...plots import bar_chart
from ..document import Report, new_figure
from .common import (
    MIN_GROUP,
    has_cases,
    is_case_attribute,
    natural_order,
    plural,
    table_name,
    whole_numbers,
)


def corpus_section(project: Project, report: Report) -> None:
    """Documents and words by kind; cases by each declared case attribute; the documents."""
    documents = project.corpus.documents
    study = report.study
    report.heading("The corpus")
    by_kind = documents_by_kind(documents)
    words = int(documents["n_words"].sum())
    kinds = ", ".join(
        f"{n} {k}" for k, n in zip(by_kind["kind"], by_kind["documents"], strict=True)
    )
    n_cases = int(documents["case"].nunique()) if has_cases(project) else 0
    line = f"{plural(len(documents), 'document')} ({kinds}), {words:,} words"
    line += f"; {plural(n_cases, 'case')} (participants)." if n_cases else "."
    report.text(line[0].upper() + line[1:])
    report.fact(line[0].upper() + line[1:])
    report.table("documents_by_kind", by_kind, "Documents and words by kind.")
    if len(by_kind) > 1:
        fig, ax = new_figure((6, 2.6))
        bar_chart(
            by_kind, x="kind", y="words", ax=ax, title="Words by document kind", ylabel="words"
        )
        report.figure("words_by_kind", fig, "Words by document kind.", table="documents_by_kind")

    cases = project.corpus.cases
    if not n_cases:
        report.skip(
            "Cases",
            "left out: no document names a case (participant); give documents a case column "
            "in sources.csv and describe the cases in cases.csv to cross codes with them.",
        )
    else:
        for attribute in study.attributes:
            if not is_case_attribute(project, attribute):
                continue
            table = cases_by_attribute(cases[cases[attribute].notna()], attribute)
            table = natural_order(table, attribute).reset_index(drop=True)
            small = table[table["cases"] < MIN_GROUP]
            notes = []
            if len(small):
                notes.append(
                    f"{len(small)} of {plural(len(table), 'group')} "
                    f"{'has' if len(small) == 1 else 'have'} fewer than {MIN_GROUP} cases; "
                    "the report gives counts, not percentages, for them."
                )
            report.table(
                table_name("cases_by", attribute),
                table.drop(columns="share", errors="ignore"),
                f"Cases by {attribute}: the group sizes behind every matrix below.",
                notes=notes,
            )
            missing = int(cases[attribute].isna().sum()) if attribute in cases else 0
            if missing:
                report.limitation(
                    f"{plural(missing, 'case')} in cases.csv have no {attribute}; they are "
                    f"left out of every {attribute} matrix."
                )
        shown = cases.copy()
        for column in shown.columns:
            shown[column] = whole_numbers(shown[column])
        if len(shown.columns) > 1:
            report.table(
                "cases",
                natural_order(shown, "case").reset_index(drop=True),
                "Cases (participants) and their attributes, from cases.csv.",
                max_rows=200,
            )
        unknown = sorted(set(documents["case"].dropna()) - set(cases["case"]))
        if len(cases) and unknown:
            report.limitation(
                f"{plural(len(unknown), 'case')} named in sources.csv are missing from "
                f"cases.csv ({', '.join(map(str, unknown[:8]))}"
                f"{', ...' if len(unknown) > 8 else ''}); they have no attributes."
            )

    columns = ["doc_id", "kind", "case", *study.time]
    columns += [a for a in study.attributes if not is_case_attribute(project, a)]
    columns = [c for c in dict.fromkeys(columns) if c in documents.columns]
    columns = [c for c in columns if c != "case" or n_cases]
    table = documents[[*columns, "n_words"]].copy()
    for column in table.columns:
        table[column] = whole_numbers(table[column])
    report.table(
        "documents",
        natural_order(table, "doc_id").reset_index(drop=True),
        "Documents.",
        max_rows=500,
    )
