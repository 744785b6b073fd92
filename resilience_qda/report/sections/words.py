"""The most frequent words (lemmas) of participants' talk and notes."""

from __future__ import annotations

from ...analysis.words import word_frequencies
from ...core.model import Project
from ...plots import bar_chart
from ..document import Report, new_figure
from .common import table_name


def words_section(project: Project, report: Report) -> None:
    """The 25 most frequent lemmas, and per group of the first declared attribute."""
    from ...coding.tokens import token_counts

    # each document in its own language (its attribute, else detected); study.yaml's
    # language only for documents whose own is unknown
    declared = report.study.how("language").startswith("set")
    table = token_counts(project.corpus, language=report.study.language if declared else None)
    top = word_frequencies(table, top=25)
    title = "Words"
    if not len(top):
        report.skip(
            title, "left out: the texts have no words to count once stop words are removed."
        )
        return
    report.heading(title)
    if "language" in table and table["language"].nunique() > 1:
        counts = table.drop_duplicates("doc_id")["language"].value_counts()
        report.text(
            "Documents by language: "
            + ", ".join(f"{k} {n}" for k, n in counts.items())
            + "; each is read with its own language's stop words and lemmas.",
            css="note",
        )
    report.table(
        "word_frequencies",
        top,
        "The 25 most frequent lemmas (participants' words and notes; stop words, "
        "transcription marks and fillers removed).",
        max_rows=25,
        fold=True,
    )
    fig, ax = new_figure((6.5, 4.2))
    bar_chart(top.head(20), x="lemma", y="count", ax=ax, horizontal=True, title="Frequent lemmas")
    report.figure("word_frequencies", fig, "The 20 most frequent lemmas.", table="word_frequencies")
    docs = project.corpus.documents
    for attribute in report.study.attributes:
        if attribute in docs.columns and docs[attribute].notna().any():
            by = word_frequencies(table, by=attribute, documents=docs, top=15)
            report.table(
                table_name("word_frequencies_by", attribute),
                by,
                f"The 15 most frequent lemmas of each {attribute}.",
                show=False,
            )
            break
