"""The claims ledger: for each claim in claims.yaml, the evidence for it and against it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...analysis.claims import SIDES, claim_evidence
from ...core.model import Project
from ...io.claims import CLAIMS_FILE, read_claims
from ...plots import claims_chart
from ..document import Report, new_figure
from .common import coder_codings, plural

_SIDE_WORDS = {"supporting": "For", "counter": "Against"}


def claims_section(project: Project, report: Report) -> None:
    """Supporting and contrary cases, passages and a quote of each, per claim; no verdict."""
    title = "Claims and counter-evidence"
    if project.path is None or not (Path(project.path) / CLAIMS_FILE).is_file():
        return  # no ledger: nothing to say (the README tells how to write one)
    # read when the report began (a broken ledger is an error naming file, claim and key)
    claims = report.cache.get("claims") or read_claims(project)
    codings = coder_codings(project, report)
    if report.coder is None or not len(codings):
        report.skip(title, "left out: there are no codings yet.")
        return
    table = claim_evidence(codings, project.corpus, claims, coder=report.coder)
    report.heading(title)
    countered = int((table["counter_passages"] > 0).sum())
    report.text(
        f"{plural(len(table), 'claim')} from {CLAIMS_FILE}, each set beside the passages "
        f"coded for it and against it (negative cases) by coder {report.coder}, counted the "
        f"same way; {countered} of them meet counter-evidence. A case is a participant with "
        "a passage; notes without a case add passages, not cases. Weighing the two sides is "
        "the analyst's job: the report gives no verdict."
    )
    report.fact(f"Claims: {len(table)} in the ledger, {countered} with counter-evidence.")
    for row in table[table["documents_in_scope"] == 0].itertuples(index=False):
        report.limitation(
            f"Claim {row.claim_id}: its scope ({row.scope}) matches no document, so it has "
            f"no evidence either way; check the values under `where` in {CLAIMS_FILE}."
        )
    shown = table[
        ["claim_id", "scope", *[f"{s}_{w}" for s in SIDES for w in ("cases", "passages")]]
    ]
    report.table("claims", shown, "Evidence for and against each claim.", max_rows=len(table))
    report.tables["claims"] = table
    fig, ax = new_figure((6.5, max(2.2, 0.4 * len(table) + 1)))
    claims_chart(table, ax=ax, title="Cases for and against each claim")
    report.figure(
        "claims",
        fig,
        "Cases with a passage for each claim (right) and against it (left).",
        table="claims",
    )
    docs = project.corpus.documents.set_index("doc_id")
    for _, row in table.iterrows():
        report.heading(str(row["claim_id"]).replace("-", " ").capitalize(), level=3)
        report.text(str(row["claim"]))
        for side in SIDES:
            codes = row[f"{side}_codes"]
            if not codes:
                report.text(f"{_SIDE_WORDS[side]}: no codes named.", css="note")
                continue
            cases = row[f"{side}_case_list"]
            report.text(
                f"{_SIDE_WORDS[side]} ({codes}): {plural(int(row[f'{side}_cases']), 'case')}"
                + (f" ({cases})" if cases else "")
                + f", {plural(int(row[f'{side}_documents']), 'document')}, "
                + f"{plural(int(row[f'{side}_passages']), 'passage')}.",
                css="note",
            )
            quote = row[f"{side}_quote"]
            if isinstance(quote, str) and quote:
                report.quote(quote, report.study.attribution(_where(row, side, docs)))
        if row["note"]:
            report.text(f"Analyst's note: {row['note']}", css="note")


def _where(row: pd.Series, side: str, docs: pd.DataFrame) -> dict:
    """The quoted passage's place and its document's attributes, for the attribution."""
    doc_id = row[f"{side}_quote_doc_id"]
    place = {
        "doc_id": doc_id,
        "start": row[f"{side}_quote_start"],
        "end": row[f"{side}_quote_end"],
        "speaker": row[f"{side}_quote_speaker"],
    }
    attributes = docs.loc[doc_id].to_dict() if doc_id in docs.index else {}
    # the voice quoted (a participant named in notes), else the document's case
    case = row[f"{side}_quote_case"]
    if not (isinstance(case, str) and case):
        case = attributes.get("case")
    return {**attributes, **place, "case": case}
