"""One section per reported codebook branch (study.yaml ``sections``).

Each branch gets: files, references, words and coverage of its codes (children rolled up),
the codes below them, a code x attribute matrix per declared attribute with group sizes,
a framework matrix of cases x codes, exemplar quotes per code, co-occurrence with the
other branches, and, for the ``facets`` branch, its configurations. A part without data is
left out with one line saying why.
"""

from __future__ import annotations

import pandas as pd

from ...analysis.cooccurrence import cooccurrence
from ...analysis.matrix import attribute_table, wide
from ...analysis.retrieval import exemplars, framework_matrix, retrieve
from ...core.model import Project
from ...plots import files_references, heatmap, plain
from ..document import QUOTE_CHARS, Report, new_figure
from .coding import frequency_table
from .common import (
    MIN_GROUP,
    children,
    code_name,
    coder_codings,
    has_cases,
    is_case_attribute,
    natural_order,
    plural,
    table_name,
    unit_table,
)
from .facets import configurations_part

#: Charts of codes and their sub-codes together are drawn up to this many rows.
DETAIL_CHART_ROWS = 30


def branches_section(project: Project, report: Report) -> None:
    """A section for each branch the study reports, in the order given."""
    for branch in report.study.sections:
        branch_section(project, report, branch)


def branch_section(project: Project, report: Report, branch: str) -> None:
    title = code_name(project, branch)
    if not len(project.codings):
        report.skip(title, "left out: there are no codings yet.")
        return
    codings = coder_codings(project, report)
    mine = codings[(codings["code"] == branch) | codings["code"].str.startswith(branch + "/")]
    if not len(mine):
        report.skip(title, f"left out: coder {report.coder} coded nothing in this branch.")
        report.limitation(f"Branch {title} ({branch}) has no codings by coder {report.coder}.")
        return
    report.heading(title)
    if branch in project.codebook and project.codebook[branch].description:
        report.text(project.codebook[branch].description, css="note")
    codes = children(project, codings, branch)
    name = table_name(branch)
    # the parts below count only this branch's codings (cheaper to roll up); co-occurrence
    # with the other branches needs them all
    _frequencies(project, report, mine, branch, codes, name)
    for attribute in report.study.attributes:
        _attribute_part(project, report, mine, branch, codes, attribute)
    _framework_matrix(project, report, mine, codes, name)
    if branch == report.study.facets:
        configurations_part(project, report, mine, branch)
    _cooccurrence(project, report, codings, branch, codes, name)
    _exemplars(project, report, mine, branch, codes, name)


# --------------------------------------------------------------------------- parts


def _frequencies(project, report, codings, branch, codes, name) -> None:
    title = code_name(project, branch)
    counted = frequency_table(project, codings, codes=codes, rollup=True)
    freq = counted.set_index("code").reindex(codes)
    for column in ("files", "references", "words"):
        freq[column] = freq[column].fillna(0).astype("int64")
    freq["coverage_percent"] = freq["coverage_percent"].fillna(0.0)
    freq["name"] = [code_name(project, c) for c in codes]
    freq = freq.rename_axis("code").reset_index()
    total = codings[
        (codings["code"] == branch) | codings["code"].str.startswith(branch + "/")
    ].drop_duplicates(["doc_id", "start", "end"])
    top = freq.sort_values("references", ascending=False, kind="stable").iloc[0]
    report.text(
        f"Coder {report.coder} coded {plural(len(total), 'passage')} in "
        f"{plural(total['doc_id'].nunique(), 'document')} with the codes of this branch."
    )
    if len(codes) > 1:
        report.fact(
            f"{title}: {plural(len(total), 'coded passage')} in "
            f"{plural(total['doc_id'].nunique(), 'document')}; most references: {top['name']} "
            f"({int(top['references'])} in {plural(int(top['files']), 'file')})."
        )
    report.table(
        f"{name}_frequencies",
        freq,
        f"{title}: files (documents) and references (coded passages) per code, with words "
        "coded and coverage in percent of all text; codings of sub-codes count for their code.",
    )
    unused = freq[freq["references"] == 0]["name"].tolist()
    if len(codes) > 1:
        fig, ax = new_figure((6.5, max(2.2, 0.42 * len(codes) + 0.6)))
        files_references(
            freq, ax=ax, title=plain(f"{title}: files and references"), labels=_labeller(project)
        )
        report.figure(
            f"{name}_files_references",
            fig,
            f"Files and references per code of {title} (NVivo's two counts).",
            table=f"{name}_frequencies",
        )
    if unused:
        report.text(f"Not coded by {report.coder}: {', '.join(unused)}.", css="note")

    depth = branch.count("/") + 2
    sub = counted[(counted["code"].str.count("/") == depth) & (counted["references"] > 0)]
    if not len(sub):
        return
    sub = sub.reset_index(drop=True)
    report.table(
        f"{name}_detail_frequencies",
        sub,
        f"{title} in detail: the codes one level further down (their own sub-codes counted in "
        "them; a coding at a code of the level above counts only there).",
    )
    rows = []
    for code in codes:
        rows.append(freq[freq["code"] == code])
        rows.append(sub[sub["code"].str.startswith(code + "/")])
    combined = pd.concat(rows, ignore_index=True)
    combined = combined[combined["references"] > 0]
    if len(codes) > 1 and len(combined) <= DETAIL_CHART_ROWS:
        fig, ax = new_figure((6.5, max(2.6, 0.3 * len(combined) + 0.6)))
        label = _labeller(project)
        files_references(
            combined,
            ax=ax,
            title=plain(f"{title} and the codes below them"),
            labels=lambda c: label(c).upper() if c in codes else "   " + label(c),
        )
        report.figure(
            f"{name}_detail_files_references",
            fig,
            f"Files and references per code of {title} (capitals, with their sub-codes) and per "
            "sub-code (indented).",
            table=f"{name}_detail_frequencies",
        )


def _labeller(project: Project):
    def label(path: str) -> str:
        return plain(code_name(project, path))

    return label


def _attribute_part(project, report, codings, branch, codes, attribute) -> None:
    title = code_name(project, branch)
    docs = project.corpus.documents
    by_cases = is_case_attribute(project, attribute)
    count = "cases" if by_cases else "files"
    what = "participants (cases)" if by_cases else "documents"
    if attribute not in docs.columns or not docs[attribute].notna().any():
        report.skip(f"{title} by {attribute}", f"left out: no document has a {attribute}.")
        return
    table = attribute_table(
        codings, docs, by=attribute, count=count, codes=codes, rollup=True, min_group=MIN_GROUP
    )
    table = table[table["code"].isin(codes)].reset_index(drop=True)
    if not table[count].any():
        report.skip(
            f"{title} by {attribute}",
            f"left out: none of this branch's codings is in a document with a {attribute}.",
        )
        return
    name = table_name(branch, "by", attribute)
    table.insert(1, "name", [code_name(project, c) for c in table["code"]])
    sizes = table.drop_duplicates(attribute).set_index(attribute)["group_size"]
    small = sizes[sizes < MIN_GROUP]
    label = {
        value: f"{value} (n={int(n)}){'*' if n < MIN_GROUP else ''}" for value, n in sizes.items()
    }
    shown = table.assign(
        cell=[
            f"{int(c)}" if pd.isna(p) else f"{int(c)} ({p:.0f}%)"
            for c, p in zip(table[count], table["percent"], strict=True)
        ],
        group=table[attribute].map(label),
    )
    grid = wide(shown, rows="name", columns="group", values="cell").reset_index()
    grid = grid.rename(columns={"name": "code"})
    grid.columns.name = None
    notes = [
        f"Cells: {what} with the code (and the percentage of the group); n = the group's {what}."
    ]
    if len(small):
        notes.append(
            f"* fewer than {MIN_GROUP} {what}: no percentage is given for "
            f"{plural(len(small), 'group')} ({', '.join(map(str, small.index))})."
        )
        report.limitation(
            f"{attribute}: {plural(len(small), 'group')} of {len(sizes)} "
            f"{'has' if len(small) == 1 else 'have'} fewer than "
            f"{MIN_GROUP} {what} ({', '.join(f'{v}: {int(n)}' for v, n in small.items())}); "
            "their counts are shown without percentages and say little about the group."
        )
    report.tables[name] = table
    report.table(
        f"{name}_grid",
        grid,
        f"{title} by {attribute}: {what} voicing each code in each group (full table: {name}.csv).",
        notes=notes,
    )
    all_large = not len(small)
    values = "percent" if all_large else count
    fig, ax = new_figure((6.5, max(2.4, 0.42 * len(codes) + 1.0)))
    heatmap(
        table.assign(group=table[attribute].map(label)),
        rows="code",
        columns="group",
        values=values,
        ax=ax,
        vmax=100 if all_large else None,
        row_labels=_labeller(project),
        title=plain(
            f"{title} by {attribute}: "
            + (f"% of each group's {what}" if all_large else f"{what} with the code")
        ),
    )
    report.figure(
        name,
        fig,
        f"{title} by {attribute}: "
        + (
            f"percentage of each group's {what} with the code coded."
            if all_large
            else f"number of {what} with the code (groups under {MIN_GROUP} get no percentage)."
        ),
        table=name,
    )


def _framework_matrix(project, report, codings, codes, name) -> None:
    if not has_cases(project) or len(codes) < 2:
        return
    fm = framework_matrix(codings, project.corpus, codes, rows="case")
    if not fm["passages"].any():
        return
    counts = wide(fm, rows="case", columns="code", values="passages")
    counts.columns = [code_name(project, c) for c in counts.columns]
    counts = natural_order(counts.reset_index(), "case").reset_index(drop=True)
    report.table(
        f"framework_matrix_{name}_counts",
        counts,
        f"Framework matrix: passages per case and code (the passages themselves are in "
        f"framework_matrix_{name}.csv).",
        max_rows=200,
        fold=True,
    )
    report.tables[f"framework_matrix_{name}"] = fm


def _cooccurrence(project, report, codings, branch, codes, name) -> None:
    """The branch's codes against each other and against the other reported branches."""
    title = code_name(project, branch)
    unit = report.study.unit
    if "cooccurrence" not in report.cache:
        report.cache["cooccurrence"] = cooccurrence(
            codings, how="unit", units=unit_table(project, report), rollup=True
        )
    co = report.cache["cooccurrence"]
    others = [b for b in report.study.sections if b != branch]
    columns = [*codes, *others]
    co = co[co["code_a"].isin(codes) & co["code_b"].isin(columns)]
    co = co[co["code_a"] != co["code_b"]]
    if len(codes) < 2 and not len(others):
        return
    if not co["count"].any():
        report.skip(
            f"{title}: co-occurrence",
            f"left out: no {unit} carries two of these codes, or one of them and another "
            "reported branch.",
        )
        return
    table = co[["code_a", "code_b", "count", "n_a", "n_b", "jaccard"]].reset_index(drop=True)
    report.table(
        f"{name}_cooccurrence",
        table,
        f"{title}: {unit}s carrying both codes (count), each code's {unit}s (n_a, n_b) and the "
        "Jaccard index (both / either).",
        show=False,
    )
    cells = pd.MultiIndex.from_product([codes, columns], names=["code_a", "code_b"])
    grid = table.set_index(["code_a", "code_b"])["count"].reindex(cells).reset_index()
    grid.loc[grid["code_a"] == grid["code_b"], "count"] = float("nan")
    label = _labeller(project)
    fig, ax = new_figure((max(6.5, 0.45 * len(columns) + 3.5), max(2.4, 0.42 * len(codes) + 1.4)))
    heatmap(
        grid,
        rows="code_a",
        columns="code_b",
        values="count",
        ax=ax,
        row_labels=label,
        column_labels=lambda c: label(c).upper() if c in others else label(c),
        title=plain(f"{title}: {unit}s carrying both"),
    )
    report.figure(
        f"{name}_cooccurrence",
        fig,
        f"Co-occurrence: {unit}s carrying a code of {title} (rows) and another of its codes or "
        "any code of another reported branch (columns, in capitals).",
        table=f"{name}_cooccurrence",
    )


def _exemplars(project, report, codings, branch, codes, name) -> None:
    title = code_name(project, branch)
    study = report.study
    docs = project.corpus.documents
    wanted = {"case", "kind"} | set(docs.columns) - {"n_chars", "n_words"}
    spread = next((a for a in study.attributes if is_case_attribute(project, a)), None)
    if len(project.memos):
        from ...io.memos import attach_memos

        codings = attach_memos(codings, project.memos)
    per_code = max(1, min(3, 12 // max(1, len(codes))))
    labels = [str(c) for c in docs["case"].dropna().unique()] if "case" in docs else []
    chosen, missing = [], []
    blocks = []
    every = retrieve(codings, project.corpus, codes, attributes=sorted(wanted))
    for code in codes:
        found = every[(every["code"] == code) | every["code"].str.startswith(code + "/")]
        picks = exemplars(
            found, n=per_code, spread=spread, max_chars=QUOTE_CHARS, cases=labels or None
        )
        if not len(picks):
            missing.append(code_name(project, code))
            continue
        chosen.append(picks.assign(quoted_code=code))
        blocks.append((code, picks))
    if not blocks:
        report.skip(f"{title}: quotes", "left out: no passage of these codes to quote.")
        return
    report.heading(f"{title}: exemplar quotes", level=3)
    report.text(
        (f"Up to {per_code} passages per code" if per_code > 1 else "One passage per code")
        + ": pinned passages first, then one per case"
        + (f" and across {spread} groups" if spread else "")
        + ", participants' own words before notes and reported speech, the passage most "
        f"typical of the code first; longer passages are cut to their most typical sentences "
        f"(at most {QUOTE_CHARS} characters). Every passage of a code is in "
        f"framework_matrix_{name}.csv or via rq.retrieve.",
        css="note",
    )
    for code, picks in blocks:
        if len(codes) > 1:
            report.heading(code_name(project, code), level=4)
        voicing, coded = int(picks["cases_voicing"].iloc[0]), int(picks["passages_coded"].iloc[0])
        report.text(
            f"{plural(voicing, 'case')} voiced this code in {plural(coded, 'coded passage')}.",
            css="note",
        )
        for _, row in picks.iterrows():
            report.quote(row["text"], study.attribution(row.to_dict()))
    if missing:
        report.text(f"No passage to quote for: {', '.join(missing)}.", css="note")
    quotes = pd.concat(chosen, ignore_index=True)
    keep = [
        "quoted_code",
        "rank",
        "doc_id",
        "start",
        "end",
        "code",
        "case",
        "speaker",
        "voice",
        "typicality",
        "pinned",
        "cases_voicing",
        "text",
        "memo",
    ]
    report.tables[f"exemplar_quotes_{name}"] = quotes[[c for c in keep if c in quotes.columns]]
