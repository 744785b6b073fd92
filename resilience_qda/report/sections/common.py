"""What the section builders share: the analysed codings, units, code names, table names."""

from __future__ import annotations

import re

import pandas as pd

from ...core.codes import truncate
from ...core.model import Project
from ...core.sorting import natural_key
from ...core.units import units
from ..document import Report

#: Groups smaller than this get counts but no percentages.
MIN_GROUP = 5


def coder_codings(project: Project, report: Report) -> pd.DataFrame:
    """The analysed coder's codings (every coding when there is no coder yet)."""
    if "codings" not in report.cache:
        coder = report.coder
        report.cache["codings"] = project.codings_of(coder) if coder else project.codings
    return report.cache["codings"]


def unit_table(project: Project, report: Report) -> pd.DataFrame:
    """The units of the study's ``unit`` (paragraphs by default), made once per report."""
    unit = report.study.unit
    key = f"units:{unit}"
    if key not in report.cache:
        report.cache[key] = units(project.corpus, unit)
    return report.cache[key]


def code_name(project: Project, path: str) -> str:
    """The codebook's name of a code, else a readable form of its last path segment."""
    if path in project.codebook:
        return project.codebook[path].name
    return path.rsplit("/", 1)[-1].replace("-", " ")


def children(project: Project, codings: pd.DataFrame, branch: str) -> list[str]:
    """The codes one level below ``branch``: the codebook's, in its order, then codes the
    codings use there that the codebook lacks. A branch without children is its own code."""
    book = project.codebook
    listed = book.children(branch) if branch in book else []
    depth = branch.count("/") + 1
    below = codings[codings["code"].str.startswith(branch + "/")]
    used = sorted(set(truncate(below["code"], depth)) - set(listed))
    found = [*listed, *used]
    return found or [branch]


def table_name(*parts: str) -> str:
    """A file-safe table name from code paths or coder names.

    >>> table_name("outcomes", "by", "age-group")
    'outcomes_by_age_group'
    """
    text = "_".join(parts)
    return re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower() or "table"


def whole_numbers(series: pd.Series) -> pd.Series:
    """A column of whole numbers stored as floats (meetings 1.0, 2.0) as integers."""
    values = series.dropna()
    if len(values) and pd.api.types.is_float_dtype(series) and (values % 1 == 0).all():
        return series.astype("Int64")
    return series


def natural_order(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows sorted by ``column`` in natural order ("Interview 2" before "Interview 10")."""
    return table.sort_values(column, key=lambda s: s.map(natural_key), kind="stable")


def has_cases(project: Project) -> bool:
    docs = project.corpus.documents
    return "case" in docs.columns and bool(docs["case"].notna().any())


def is_case_attribute(project: Project, attribute: str) -> bool:
    """Whether an attribute describes cases (cases.csv) rather than documents."""
    return attribute in project.corpus.cases.columns and attribute != "case" and has_cases(project)


def plural(n: int, word: str, words: str | None = None) -> str:
    """``3 documents``, ``1 document``.

    >>> plural(1, "case"), plural(12, "wave")
    ('1 case', '12 waves')
    """
    return f"{n:,} {word if n == 1 else (words or word + 's')}"
