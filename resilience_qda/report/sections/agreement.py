"""Agreement of the analysed coder with each coder study.yaml ``compare`` names.

The figures are those of ``resilience-qda agreement PROJECT --coders A B --unit UNIT
--method cohen --bootstrap 1000 --random-state 0``: the same function with the same
arguments (a test holds the two equal). Every code either coder used in the documents both
coded is compared, at its own level (no rolling up), as the command does.
"""

from __future__ import annotations

import numpy as np

from ...analysis.agreement import agreement, disagreements
from ...core.model import Project
from ...plots import interval_chart, plain
from ..document import Report, new_figure
from .common import code_name, plural, table_name

#: Bootstrap replicates and random state of the intervals.
BOOTSTRAP = 1000
RANDOM_STATE = 0
#: Codes whose kappa is below this are listed under Limitations.
LOW_KAPPA = 0.6
#: Most codes drawn in the interval chart (those with the most coded units).
CHART_CODES = 30


def agreement_command(project_path: str, coder: str, other: str, unit: str) -> str:
    """The command line that prints the same figures."""
    return (
        f"resilience-qda agreement {project_path} --coders {coder} {other} --unit {unit} "
        f"--method cohen --bootstrap {BOOTSTRAP} --random-state {RANDOM_STATE}"
    )


def agreement_section(project: Project, report: Report) -> None:
    """Cohen's kappa per code over units of the documents both coders coded."""
    study, coder = report.study, report.coder
    title = "Agreement between coders"
    if not len(project.codings):
        report.skip(title, "left out: there are no codings yet.")
        return
    if not study.compare:
        report.skip(
            title,
            f"left out: no other coder coded any of coder {coder}'s documents, so there is no "
            "second, independent coding to compare with.",
        )
        report.limitation(
            f"Only one coder ({coder}) coded the documents: no inter-coder agreement can be "
            "reported; the coding rests on one reading."
        )
        return
    report.heading(title)
    for other in study.compare:
        _pair(project, report, coder, other, study.unit)


def _pair(project: Project, report: Report, coder: str, other: str, unit: str) -> None:
    table = agreement(
        project,
        [coder, other],
        unit=unit,
        method="cohen",
        bootstrap=BOOTSTRAP,
        random_state=RANDOM_STATE,
    )
    shared = list(table.attrs.get("doc_ids", []))
    report.heading(f"{coder} and {other}", level=3)
    if not len(table) or not shared:
        report.skip(f"{coder} and {other}", "left out: the two coders coded no document in common.")
        return
    n_units = int(table["n_units"].iloc[0])
    report.text(
        f"Unit: the {unit} ({report.study.how('unit')}). Both coders coded "
        f"{plural(len(shared), 'document')} ({', '.join(shared)}), so agreement is measured "
        f"over the {plural(n_units, unit)} of those documents: a document only one coder read "
        "says nothing about whether they agree. A unit carries a code for a coder when one of "
        f"the coder's codings of that code overlaps it. Per code: a = units both coded, b = "
        f"{coder} only, c = {other} only, d = neither; Cohen's kappa with a 95% bootstrap "
        f"interval ({BOOTSTRAP:,} resamples of units, random state {RANDOM_STATE}). Every "
        "code either coder used in these documents is listed at its own level (codings of a "
        "sub-code do not count for its parent here); a kappa of 0/0 is left blank."
    )
    project_path = project.path or "PROJECT"
    report.text(
        "The same figures: " + agreement_command(project_path, coder, other, unit),
        css="note",
    )
    table = table.reset_index(drop=True)
    table.insert(2, "name", [code_name(project, c) for c in table["code"]])
    order = {p: i for i, p in enumerate(project.codebook.paths)}
    table = table.sort_values(
        "code", key=lambda s: s.map(order).fillna(len(order)), kind="stable"
    ).reset_index(drop=True)
    name = table_name("agreement", coder, other, unit)
    defined = table[~table["undefined"].astype(bool)]
    kappas = defined["kappa"].astype(float)
    low = defined[kappas < LOW_KAPPA]
    if len(defined):
        report.text(
            f"Over {plural(len(defined), 'code')} either coder used: median kappa "
            f"{np.median(kappas):.2f} (range {kappas.min():.2f} to {kappas.max():.2f}); "
            f"{len(low)} below {LOW_KAPPA}."
        )
        report.fact(
            f"Agreement of {coder} and {other} over the {plural(n_units, unit)} of the "
            f"{plural(len(shared), 'document')} both coded: median Cohen's kappa "
            f"{np.median(kappas):.2f} over {plural(len(defined), 'code')}; {len(low)} below "
            f"{LOW_KAPPA}."
        )
    shown = ["code", "name", "n_units", "a", "b", "c", "d", "p_o", "p_e", "kappa", "ci_low",
             "ci_high", "undefined"]  # fmt: skip
    report.table(
        name,
        table[[c for c in shown if c in table.columns]],
        f"Cohen's kappa per code, {coder} and {other}, per {unit}, with the counts behind it.",
        max_rows=len(table),
    )
    drawn = defined.assign(coded=defined["a"] + defined["b"] + defined["c"])
    drawn = drawn.sort_values("coded", ascending=False, kind="stable").head(CHART_CODES)
    drawn = drawn.sort_values("code", key=lambda s: s.map(order).fillna(len(order)), kind="stable")
    if len(drawn):
        fig, ax = new_figure((6.5, max(2.2, 0.26 * len(drawn) + 1)))
        interval_chart(
            drawn,
            value="kappa",
            ax=ax,
            labels=lambda c: plain(code_name(project, c)),
            reference=LOW_KAPPA,
            xlabel="Cohen's kappa (95% bootstrap interval)",
            title=plain(f"{coder} and {other}: kappa per code ({unit}s)"),
        )
        more = (
            f" (the {CHART_CODES} codes with most coded units)" if len(defined) > len(drawn) else ""
        )
        report.figure(
            name,
            fig,
            f"Cohen's kappa per code{more}; the dashed line is {LOW_KAPPA}.",
            table=name,
        )
    review = disagreements(project.codings, project.corpus, [coder, other], unit=unit)
    review_name = table_name("disagreements", coder, other, unit)
    report.table(
        review_name,
        review,
        f"{plural(len(review), unit)} where {coder} and {other} gave different codes, with "
        "both coders' codes and the text, for the team to review:",
        show=False,
    )
    if len(low):
        names = ", ".join(low["name"].head(10)) + (", ..." if len(low) > 10 else "")
        report.limitation(
            f"{plural(len(low), 'code')} {'has' if len(low) == 1 else 'have'} Cohen's kappa "
            f"below {LOW_KAPPA} between {coder} and "
            f"{other} ({names}): findings resting on them rest on a reading the coders did not "
            "share."
        )
    n_docs = len(project.corpus)
    if len(shared) < n_docs:
        report.limitation(
            f"Agreement of {coder} and {other} rests on the {plural(len(shared), 'document')} "
            f"both coded, of {n_docs}; the rest was coded by {coder} alone."
        )
    rules = [c for c in (coder, other) if _source(project, c) == "rules"]
    for c in rules:
        report.limitation(
            f"{c} is a rule coder: its agreement is measured on the texts its patterns were "
            "written and tuned on (in-sample), which overstates how well it codes new text."
        )


def _source(project: Project, coder: str) -> str:
    rows = project.codings.loc[project.codings["coder"] == coder, "source"]
    return str(rows.iloc[0]) if len(rows) else ""
