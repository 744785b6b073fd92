"""The sections of the evaluation report: each a function ``(project, report)``.

Sections read the project, call the analysis functions, and add tables (CSV), figures and
quotations to the :class:`~resilience_qda.report.page.Report`. A project with no codings
yet gets the corpus, word and codebook sections and a note saying how to add codings.
"""

from __future__ import annotations

import pandas as pd

from ..analysis import corpus as corpus_analysis
from ..analysis.cooccurrence import configuration_counts, cooccurrence, passage_configurations
from ..analysis.frequencies import codings_by_coder, frequencies
from ..analysis.matrix import matrix, wide
from ..analysis.retrieval import exemplars, framework_matrix, retrieve
from ..analysis.timeline import codes_over_time
from ..analysis.words import word_frequencies
from ..core.codes import truncate
from ..core.model import Project
from ..core.units import units
from ..plots import (
    bar_chart,
    code_label,
    codebook_tree,
    coding_stripes,
    configurations_chart,
    files_references,
    heatmap,
    plain,
    timeline,
)
from .page import Report, new_figure

THEMES = "themes"
ELEMENTS = "practice-elements"
#: The unit in which element combinations and code co-occurrence are counted.
PASSAGE_UNIT = "paragraph"


# --------------------------------------------------------------------------- helpers


def analysed_coder(project: Project) -> str | None:
    """The coder whose codings the report analyses: the manual coder with the most codings
    (ties by name), else the coder with the most codings; ``None`` without codings."""
    codings = project.codings
    if not len(codings):
        return None
    stats = codings.groupby("coder").agg(
        n=("code", "size"), manual=("source", lambda s: bool((s == "manual").any()))
    )
    stats = stats.reset_index().sort_values(
        ["manual", "n", "coder"], ascending=[False, False, True]
    )
    return str(stats["coder"].iloc[0])


def _codings(project: Project, report: Report) -> pd.DataFrame:
    coder = report.coder or analysed_coder(project)
    return project.codings_of(coder) if coder else project.codings


def _group_attribute(project: Project) -> str | None:
    """The participant grouping used in matrices: ``sector`` if present, else ``role``."""
    docs = project.corpus.documents
    for attribute in ("sector", "role"):
        if attribute in docs.columns and docs[attribute].notna().any():
            return attribute
    return None


def attribution(row: pd.Series) -> str:
    """Who said it: participant letter and role for interviews, the meeting for notes."""
    kind = str(row.get("kind", ""))
    case = row.get("case")
    where = f"{row['doc_id']} [{row['start']}:{row['end']}]"
    if pd.notna(case) and case != "" and kind != "observation":
        role = row.get("role")
        role = f", {role}" if pd.notna(role) and role != "" else ""
        return f"Participant {case}{role}. {where}"
    meeting = row.get("meeting")
    if pd.notna(meeting) and meeting != "":
        if isinstance(meeting, float) and meeting.is_integer():
            meeting = int(meeting)
        return f"Observation notes, meeting {meeting}. {where}"
    speaker = row.get("speaker")
    return f"{speaker}. {where}" if speaker else where


def _reindexed(freq: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Frequencies of exactly ``codes``, in that order, zeros for codes never used."""
    out = freq.drop(columns="coder").set_index("code").reindex(codes)
    counts = ["files", "references", "characters", "words"]
    out[counts] = out[counts].fillna(0).astype("int64")
    out["coverage"] = out["coverage"].fillna(0.0)
    return out.rename_axis("code").reset_index()


def _children_used(freq: pd.DataFrame, parent: str) -> pd.DataFrame:
    depth = parent.count("/") + 1
    rows = freq[freq["code"].str.count("/") == depth]
    return rows[rows["code"].str.startswith(parent + "/")]


def _passage_units(project: Project) -> pd.DataFrame:
    return units(project.corpus, PASSAGE_UNIT)


def _no_codings(project: Project, report: Report) -> bool:
    if len(project.codings):
        return False
    report.text(
        "No codings yet, so there is nothing to count. Add a coder's codings as "
        "codings/<coder>.csv in the project folder (by hand, with resilience-qda code, or by "
        "importing a coding sheet) and run resilience-qda report again.",
        css="note",
    )
    return True


# --------------------------------------------------------------------------- sections


def corpus_section(project: Project, report: Report) -> None:
    """The corpus: documents and words by kind, participants by sector and role."""
    documents = project.corpus.documents
    report.heading("The corpus")
    by_kind = corpus_analysis.documents_by_kind(documents)
    report.text(f"{len(documents)} documents, {int(documents['n_words'].sum()):,} words.")
    report.table("documents_by_kind", by_kind, "Documents and words by kind.")
    fig, ax = new_figure((6, 2.6))
    bar_chart(by_kind, x="kind", y="words", ax=ax, title="Words by document kind", ylabel="words")
    report.figure("words_by_kind", fig, "Words by document kind.", table="documents_by_kind")
    cases = project.corpus.cases
    if "sector" in cases.columns:
        table = corpus_analysis.cases_by_attribute(cases, "sector")
        report.table("participants_by_sector", table, "Participants by sector.")
    shown = [c for c in ("case", "role", "sector", "years_in_practice", "meetings_attended")]
    shown = [c for c in shown if c in cases.columns]
    if len(cases) and len(shown) > 1:
        report.table("participants", cases[shown], "Participants (pseudonymised by letter).")
    columns = [
        c
        for c in ("doc_id", "kind", "case", "date", "meeting", "interview_order", "n_words")
        if c in documents.columns
    ]
    report.table("documents", documents[columns], "Documents.", max_rows=100)


def coding_section(project: Project, report: Report) -> None:
    """Who coded what, and which coder the report analyses."""
    report.heading("Coding")
    if _no_codings(project, report):
        return
    report.table("codings_by_coder", codings_by_coder(project.codings), "Codings per coder.")
    coder = report.coder or analysed_coder(project)
    others = [c for c in project.coders if c != coder]
    report.text(
        f"The analysis below uses the codings of coder {coder}"
        + (f" (other coders: {', '.join(others)}; see their counts in frequencies.csv)."
           if others else ".")
    )  # fmt: skip
    freq = frequencies(project.codings, project.corpus, codebook=project.codebook)
    report.table(
        "frequencies",
        freq,
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


def themes_section(project: Project, report: Report) -> None:
    """The four themes: files and references, by participant group, and exemplar quotes."""
    report.heading("Themes")
    if _no_codings(project, report):
        return
    codings, corpus = _codings(project, report), project.corpus
    themes = [p for p in project.codebook.children(THEMES)] or sorted(
        {c for c in truncate(codings["code"], 1) if c.startswith(THEMES + "/")}
    )
    if not themes:
        report.text("The codebook has no themes.", css="note")
        return
    freq = frequencies(codings, corpus, codes=themes, rollup=True, by_coder=False)
    freq = _reindexed(freq, themes)
    report.table(
        "themes_frequencies",
        freq,
        "Themes: files (documents) and references (coded passages), with coverage and words.",
    )
    fig, ax = new_figure((6.5, 2.8))
    files_references(freq, ax=ax, title="Themes: files and references")
    report.figure(
        "themes_files_references",
        fig,
        "Files and references per theme (NVivo's two counts).",
        table="themes_frequencies",
    )
    group = _group_attribute(project)
    if group:
        crossed = matrix(
            codings, corpus.documents, by=group, count="cases", codes=themes, rollup=True
        )
        crossed = crossed[crossed["code"].isin(themes)].reset_index(drop=True)
        report.table(
            f"themes_by_{group}",
            crossed,
            f"Themes by participant {group}: participants (cases) who voiced each theme, "
            "and the share of the group.",
            show=False,
        )
        fig, ax = new_figure((6.5, 3))
        heatmap(
            crossed.assign(percent=100 * crossed["share"]),
            rows="code",
            columns=group,
            values="percent",
            ax=ax,
            vmax=100,
            title=f"Share of participants in each {group} voicing the theme (%)",
        )
        report.figure(
            f"themes_by_{group}",
            fig,
            f"Themes by {group}: % of each group's participants with the theme coded.",
            table=f"themes_by_{group}",
        )
    fm = framework_matrix(codings, corpus, themes, rows="case")
    counts = wide(fm, rows="case", columns="code", values="passages")
    counts.columns = [code_label(c) for c in counts.columns]
    report.table(
        "framework_matrix_themes_counts",
        counts.reset_index(),
        "Framework matrix: passages per participant and theme (the passages themselves are "
        "in framework_matrix_themes.csv).",
    )
    report.tables["framework_matrix_themes"] = fm

    if len(project.memos):
        from ..io.memos import attach_memos

        codings = attach_memos(codings, project.memos)
    report.heading("Exemplar quotes per theme", level=3)
    chosen = []
    for theme in themes:
        found = retrieve(
            codings, corpus, theme, attributes=("case", "kind", "role", "meeting", group or "")
        )
        picks = exemplars(found, n=3, spread=group)
        chosen.append(picks.assign(theme=theme))
        report.heading(project.codebook[theme].name if theme in project.codebook else theme, 4)
        if not len(picks):
            report.text("No passages coded.", css="note")
        for _, row in picks.iterrows():
            report.quote(row["text"], attribution(row))
    quotes = pd.concat(chosen, ignore_index=True)
    keep = [c for c in ("theme", "doc_id", "start", "end", "case", "role", "speaker", "text",
                        "memo")
            if c in quotes.columns]  # fmt: skip
    report.tables["exemplar_quotes_themes"] = quotes[keep]


def elements_section(project: Project, report: Report) -> None:
    """Practice theory: meanings, competencies, materials and their configurations."""
    report.heading("Practice elements and resilient moves")
    if _no_codings(project, report):
        return
    codings, corpus = _codings(project, report), project.corpus
    freq = frequencies(codings, corpus, codes=ELEMENTS, rollup=True, by_coder=False)
    elements = [p for p in project.codebook.children(ELEMENTS)] or list(
        _children_used(freq, ELEMENTS)["code"]
    )
    if not elements:
        report.text("Neither the codebook nor the codings have practice elements.", css="note")
        return
    top = _reindexed(freq, elements)
    report.table("elements_frequencies", top, "Practice elements: files and references.")
    detail = freq[freq["code"].str.count("/") == 2].drop(columns="coder").reset_index(drop=True)
    report.table(
        "elements_detail_frequencies",
        detail,
        "Practice elements in detail (codings at an element itself count only there).",
    )
    fig, ax = new_figure((6.5, max(2.6, 0.3 * (len(top) + len(detail)))))
    files_references(
        pd.concat([top, detail], ignore_index=True).sort_values("code", kind="stable"),
        ax=ax,
        title="Practice elements: files and references",
        labels=lambda c: (
            f"{code_label(c).upper()} (all)" if c in elements else f"  {code_label(c)}"
        ),
    )
    report.figure(
        "elements_files_references",
        fig,
        "Files and references per practice element and sub-element.",
        table="elements_detail_frequencies",
    )
    unit_table = _passage_units(project)
    per = passage_configurations(codings, elements=elements, how="unit", units=unit_table)
    config = configuration_counts(per)
    report.text(
        f"A resilient move is read as a combination of elements. Combinations are counted "
        f"per {PASSAGE_UNIT} (a {PASSAGE_UNIT} carries an element when a coding of it or of "
        f"one of its sub-elements overlaps the {PASSAGE_UNIT})."
    )
    report.table("elements_configurations", config, "Configurations of practice elements.")
    if len(config):
        fig, ax = new_figure((6.5, 4.2))
        configurations_chart(
            config,
            elements=[code_label(e) for e in elements],
            ax=ax,
            title=f"Element combinations per {PASSAGE_UNIT}",
        )
        report.figure(
            "elements_configurations",
            fig,
            f"How often each combination of elements occurs in one {PASSAGE_UNIT} "
            "(UpSet-style: bars above, the combination as dots below).",
            table="elements_configurations",
        )
        moves = per[per["size"] == per["size"].max()].head(3)
        if len(moves) and int(per["size"].max()) > 1:
            report.heading("Passages combining the most elements", level=3)
            docs = corpus.documents.set_index("doc_id")
            for _, m in moves.iterrows():
                text = corpus[m["doc_id"]].text[m["start"] : m["end"]]
                row = m.copy()
                for a in ("case", "role", "kind", "meeting"):
                    row[a] = docs[a].get(m["doc_id"]) if a in docs.columns else None
                report.quote(text, f"{m['configuration']}. {attribution(row)}")
    themes = [p for p in project.codebook.children(THEMES)]
    co = cooccurrence(codings, how="unit", units=unit_table, rollup=True)
    co = co[co["code_a"].isin(themes) & co["code_b"].isin(elements)]
    if len(co):
        report.table(
            "themes_elements_cooccurrence",
            co.reset_index(drop=True),
            f"Themes and elements in the same {PASSAGE_UNIT}: counts and Jaccard.",
            show=False,
        )
        fig, ax = new_figure((6.5, 2.8))
        heatmap(
            co,
            rows="code_a",
            columns="code_b",
            values="count",
            ax=ax,
            column_labels=code_label,
            title=f"Themes x elements: {PASSAGE_UNIT}s carrying both",
        )
        report.figure(
            "themes_elements_cooccurrence",
            fig,
            f"Co-occurrence of themes and practice elements ({PASSAGE_UNIT}s with both).",
            table="themes_elements_cooccurrence",
        )


def framework_section(project: Project, report: Report) -> None:
    """The Resilient Practice Framework areas, noble truths and steps."""
    report.heading("Framework areas, noble truths and steps")
    if _no_codings(project, report):
        return
    codings, corpus = _codings(project, report), project.corpus
    for branch, title in (
        ("framework", "Framework areas"),
        ("noble-truths", "Noble truths"),
        ("steps", "Steps"),
    ):
        children = project.codebook.children(branch) if branch in project.codebook else []
        if not children:
            continue
        freq = frequencies(codings, corpus, codes=children, rollup=True, by_coder=False)
        freq = _reindexed(freq, children)
        name = branch.replace("-", "_") + "_frequencies"
        report.table(name, freq, f"{title}: files and references.")
        fig, ax = new_figure((6.5, max(2.2, 0.42 * len(children))))
        files_references(freq, ax=ax, title=f"{title}: files and references")
        report.figure(name, fig, f"{title}: files and references.", table=name)
    group = _group_attribute(project)
    areas = project.codebook.children("framework") if "framework" in project.codebook else []
    if group and areas:
        crossed = matrix(
            codings, corpus.documents, by=group, count="references", codes=areas, rollup=True
        )
        crossed = crossed[crossed["code"].isin(areas)].reset_index(drop=True)
        report.table(
            f"framework_by_{group}",
            crossed,
            f"Framework areas by {group}: references, row and column percentages.",
            show=False,
        )
        fig, ax = new_figure((6.5, 2.8))
        heatmap(
            crossed,
            rows="code",
            columns=group,
            values="references",
            ax=ax,
            title=f"Framework areas by {group} (references)",
        )
        report.figure(
            f"framework_by_{group}",
            fig,
            f"Framework areas by {group}: references in interviews.",
            table=f"framework_by_{group}",
        )


def change_section(project: Project, report: Report) -> None:
    """Change over time: across the meetings and across interview order."""
    report.heading("Change over time")
    if _no_codings(project, report):
        return
    codings, docs = _codings(project, report), project.corpus.documents
    branches = [
        b for b in ("context", THEMES, "framework", ELEMENTS, "noble-truths") if b in set(
            truncate(codings["code"], 0))
    ]  # fmt: skip
    if "meeting" in docs.columns and docs["meeting"].notna().any():
        table = codes_over_time(codings, docs, time="meeting", codes=branches, rollup=True)
        table = table[table["code"].isin(branches)].reset_index(drop=True)
        report.table(
            "branches_over_meetings",
            table,
            "Codes across the meetings (references per 1,000 words of notes).",
            show=False,
        )
        fig, ax = new_figure((6.5, 3))
        timeline(
            table,
            time="meeting",
            value="per_1000_words",
            ax=ax,
            title="Across the twelve meetings",
        )
        report.figure(
            "branches_over_meetings",
            fig,
            "References per 1,000 words of observation notes, by meeting: context problems "
            "against themes, framework and elements.",
            table="branches_over_meetings",
        )
        context = codes_over_time(codings, docs, time="meeting", codes="context")
        report.table(
            "context_over_meetings",
            context,
            "Each context problem across the meetings.",
            show=False,
        )
    if "interview_order" in docs.columns and docs["interview_order"].notna().any():
        themes = project.codebook.children(THEMES) if THEMES in project.codebook else []
        table = codes_over_time(
            codings, docs, time="interview_order", codes=themes or THEMES, rollup=True
        )
        report.table(
            "themes_over_interview_order",
            table,
            "Themes across the interviews, in the order they were held (references per "
            "1,000 words).",
            show=False,
        )
        fig, ax = new_figure((6.5, 3))
        timeline(
            table,
            time="interview_order",
            value="per_1000_words",
            ax=ax,
            title="Themes across the interviews",
        )
        report.figure(
            "themes_over_interview_order",
            fig,
            "Themes per 1,000 words in each interview, in interview order.",
            table="themes_over_interview_order",
        )


def stripes_section(project: Project, report: Report) -> None:
    """Coding stripes of the most coded interview."""
    if not len(project.codings):
        return
    codings, corpus = _codings(project, report), project.corpus
    kinds = corpus.documents.set_index("doc_id")["kind"]
    counts = codings["doc_id"].value_counts()
    interviews = [d for d in counts.index if kinds.get(d) == "interview"] or list(counts.index)
    doc_id = sorted(interviews, key=lambda d: (-counts[d], d))[0]
    rows = codings[codings["doc_id"] == doc_id].assign(code=lambda t: truncate(t["code"], 1))
    order = sorted(rows["code"].unique())
    report.heading(f"Coding stripes: {doc_id}", level=3)
    report.tables["coding_stripes"] = rows[["doc_id", "start", "end", "code"]].reset_index(
        drop=True
    )
    fig, ax = new_figure((6.5, max(2.2, 0.3 * len(order) + 0.8)))
    turns = corpus.turns
    coding_stripes(
        rows,
        length=len(corpus[doc_id].text),
        codes=order,
        turns=turns[turns["doc_id"] == doc_id],
        ax=ax,
        title=plain(f"Which codes cover which stretch of {doc_id}"),
    )
    report.figure(
        "coding_stripes",
        fig,
        f"Coding stripes of {doc_id} (codes at their second level; grey: interviewer turns).",
        table="coding_stripes",
    )


def words_section(project: Project, report: Report) -> None:
    """The most frequent lemmas of participants' talk and the notes (stop words removed)."""
    from ..coding.tokens import tokens

    report.heading("Words")
    table = tokens(project.corpus)
    top = word_frequencies(table, top=25)
    report.table(
        "word_frequencies",
        top,
        "The 25 most frequent lemmas (participants' words and notes; stop words, "
        "transcription marks and fillers removed).",
        max_rows=25,
    )
    if len(top):
        fig, ax = new_figure((6.5, 4.2))
        bar_chart(
            top.head(20), x="lemma", y="count", ax=ax, horizontal=True, title="Frequent lemmas"
        )
        report.figure(
            "word_frequencies", fig, "The 20 most frequent lemmas.", table="word_frequencies"
        )
    group = _group_attribute(project)
    if group:
        by = word_frequencies(table, by=group, documents=project.corpus.documents, top=15)
        report.table(
            f"word_frequencies_by_{group}",
            by,
            f"The 15 most frequent lemmas of each {group}.",
            show=False,
        )


def codebook_section(project: Project, report: Report) -> None:
    """The codebook: its hierarchy with reference counts, and every code's description."""
    report.heading("The codebook")
    book = project.codebook.to_frame()
    report.text(
        f"Codebook {project.codebook.name or '(unnamed)'}"
        f"{' version ' + project.codebook.version if project.codebook.version else ''}: "
        f"{len(book)} codes."
    )
    counts = None
    if len(project.codings):
        freq = frequencies(_codings(project, report), rollup=True, by_coder=False)
        counts = freq.set_index("code")["references"]
    fig, ax = new_figure((6.5, max(2.5, 0.24 * int((book["depth"] <= 1).sum()))))
    codebook_tree(book, counts=counts, ax=ax, title="Codebook (two levels) with references")
    report.figure(
        "codebook_tree",
        fig,
        "The codebook's top two levels; bars: references (children aggregated).",
        table="codebook",
    )
    report.table(
        "codebook",
        book[["code", "name", "description"]],
        "Every code: path, name and description.",
        max_rows=len(book),
    )
    if len(project.memos):
        from ..io.memos import memo_table

        report.heading("Memos", level=3)
        report.table("memos", memo_table(project), "The project's memos.", max_rows=200)


#: The sections of the report, in order.
SECTIONS = [
    corpus_section,
    coding_section,
    themes_section,
    elements_section,
    framework_section,
    change_section,
    stripes_section,
    words_section,
    codebook_section,
]
