"""Configurations of the ``facets`` branch: which of its codes combine in one unit."""

from __future__ import annotations

import pandas as pd

from ...analysis.cooccurrence import configuration_counts, passage_configurations
from ...core.model import Project
from ...plots import configurations_chart, plain
from ..document import Report, new_figure
from .common import code_name, coder_codings, plural, table_name, unit_table


def facets_section(project: Project, report: Report) -> None:
    """Configurations as a section of their own, when the facets branch is not reported."""
    facets = report.study.facets
    if not facets or facets in report.study.sections:
        return
    title = f"{code_name(project, facets)}: configurations"
    if not len(project.codings):
        report.skip(title, "left out: there are no codings yet.")
        return
    codings = coder_codings(project, report)
    report.heading(title)
    configurations_part(project, report, codings, facets)


def configurations_part(project: Project, report: Report, codings: pd.DataFrame, branch: str):
    """Counts and chart of the combinations of ``branch``'s child codes per unit, and the
    units that combine the most of them, with how rare that is."""
    unit = report.study.unit
    title = code_name(project, branch)
    elements = project.codebook.children(branch)
    names = [code_name(project, e) for e in elements]
    units = unit_table(project, report)
    per = passage_configurations(codings, elements=elements, how="unit", units=units)
    if not len(per):
        report.skip(
            f"{title}: configurations", f"left out: no {unit} carries any of {', '.join(names)}."
        )
        return
    config = configuration_counts(per)
    report.heading(f"{title}: configurations", level=3)
    n_any = len(per)
    sizes = per["size"].value_counts().sort_index()
    most = int(per["size"].max())
    n_all = int((per["size"] == len(elements)).sum())
    share = ", ".join(f"{plural(int(n), unit)} with {k}" for k, n in sizes.items())
    report.text(
        f"A configuration is the combination of {', '.join(names)} that one {unit} carries (a "
        f"{unit} carries a code when a coding of it, or of a code below it, overlaps the {unit}). "
        f"Of {plural(len(units), unit)} in the corpus, {n_any} carry at least one: {share} of "
        f"the {len(elements)}."
    )
    report.fact(
        f"{title}: {n_any} of {plural(len(units), unit)} carry at least one of its "
        f"{len(elements)} codes; {n_all} {'carries' if n_all == 1 else 'carry'} all "
        f"{len(elements)}."
    )
    name = table_name(branch, "configurations")
    report.table(
        name,
        config.drop(columns="coder"),
        f"Configurations of {title} per {unit} (coder {report.coder}), most frequent first.",
    )
    fig, ax = new_figure((6.5, 4.2))
    configurations_chart(
        config,
        elements=list(config.columns[6:]),
        ax=ax,
        title=plain(f"Combinations of {title.lower()} per {unit}"),
    )
    report.figure(
        name,
        fig,
        f"How often each combination occurs in one {unit} (UpSet-style: bars above, the "
        "combination as dots below).",
        table=name,
    )
    if most < 2:
        report.text(f"No {unit} combines two or more of these codes.", css="note")
        return
    moves = per[per["size"] == most].head(3)
    report.heading(f"{plural(most, 'code')} in one {unit}", level=4)
    n_most = int((per["size"] == most).sum())
    report.text(
        f"{plural(n_most, unit)} {'combines' if n_most == 1 else 'combine'} {most} of the "
        f"{len(elements)} codes ({100 * (per['size'] == most).mean():.0f}% of the {unit}s "
        f"carrying any); "
        + ("it is quoted below" if n_most == 1 else f"the first {len(moves)} are quoted below")
        + ". Whether a combination is a practice in its own right is for the analyst to judge "
        "from the passage.",
        css="note",
    )
    docs = project.corpus.documents.set_index("doc_id")
    for _, m in moves.iterrows():
        text = project.corpus[m["doc_id"]].text[m["start"] : m["end"]]
        row = {**docs.loc[m["doc_id"]].to_dict(), **m.to_dict()}
        report.quote(text, f"{m['configuration']}. {report.study.attribution(row)}")
