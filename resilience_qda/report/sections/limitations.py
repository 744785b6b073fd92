"""Limitations: what the figures above cannot carry, gathered while they were made."""

from __future__ import annotations

from ...core.model import Project
from ..document import Report


def limitations_section(project: Project, report: Report) -> None:
    """The limitations the sections above noted, and what is missing from the project."""
    if not report.statement:
        report.limitation(
            "The project has no data statement: say what the texts are and where they come "
            "from in README.md (a 'Data statement' section) or in study.yaml's data_statement."
        )
    docs = project.corpus.documents
    for attribute in report.study.attributes:
        if attribute in docs.columns:
            missing = int(docs[attribute].isna().sum())
            if 0 < missing < len(docs):
                verb = "has" if missing == 1 else "have"
                report.limitation(
                    f"{missing} of {len(docs)} documents {verb} no {attribute} (e.g. other kinds "
                    f"of document); they are left out of the {attribute} matrices."
                )
    report.heading("Limitations")
    if report.limitations:
        report.text("What the figures above cannot carry, found while they were made:")
        report.items(report.limitations)
    else:
        report.text("None found by the checks the report runs (group sizes, agreement, "
                    "missing attributes, data statement).")  # fmt: skip
