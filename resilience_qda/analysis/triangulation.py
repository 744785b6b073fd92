"""Triangulation: does a code turn up in more than one kind of data (interviews, notes)?"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..core.codes import check_columns
from .matrix import matrix

TRIANGULATION_COLUMNS = [
    "code",
    "kind",
    "documents",
    "files",
    "references",
    "share",
    "references_per_document",
    "kinds",
]


def triangulation(
    codings: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    by: str = "kind",
    codes: str | Iterable[str] | None = None,
    rollup: bool = False,
) -> pd.DataFrame:
    """Codes x kinds of document, side by side: interviews beside observation notes.

    For every code and every kind (value of ``by``): how many documents of that kind there
    are, how many carry the code (files) and how many codings (references), the share of
    that kind's documents carrying the code, and in how many kinds the code occurs at all
    (a code found in both interviews and notes is supported by two kinds of data).

    Parameters
    ----------
    codings : DataFrame
        One coder's codings (coders are pooled otherwise: filter first).
    documents : DataFrame
        ``corpus.documents``: ``doc_id`` and the ``by`` column. Documents without a value of
        ``by`` are left out.
    by : str
        The column that names the kind of data (default ``kind``).
    codes : str or list of str, optional
        Keep only these codes (and their descendants); listed codes always get rows.
    rollup : bool
        Count children's codings at their ancestors too.

    Returns
    -------
    DataFrame
        ``code, <by>, documents, files, references, share, references_per_document,
        kinds``; ``share`` is files / documents (0-1), ``kinds`` the number of values of
        ``by`` with at least one file.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["i1", "i2", "m1"],
    ...                      "kind": ["interview", "interview", "observation"]})
    >>> c = pd.DataFrame({"doc_id": ["i1", "i1", "m1"], "start": [0, 9, 0], "end": [5, 12, 4],
    ...                   "code": ["t/a"] * 3, "coder": ["A"] * 3})
    >>> t = triangulation(c, docs)
    >>> t[["kind", "documents", "files", "references", "share", "kinds"]].values.tolist()
    [['interview', 2, 1, 2, 0.5, 2], ['observation', 1, 1, 1, 1.0, 2]]
    """
    check_columns(documents, ["doc_id", by], "triangulation's documents table")
    files = matrix(codings, documents, by=by, count="files", codes=codes, rollup=rollup)
    refs = matrix(codings, documents, by=by, count="references", codes=codes, rollup=rollup)
    table = files[["code", by, "files"]].merge(refs[["code", by, "references"]], on=["code", by])
    sizes = documents[documents[by].notna()].groupby(by)["doc_id"].nunique()
    table.insert(2, "documents", table[by].map(sizes).astype("int64"))
    with np.errstate(invalid="ignore", divide="ignore"):
        table["share"] = table["files"] / table["documents"]
        table["references_per_document"] = table["references"] / table["documents"]
    table["kinds"] = table.groupby("code")["files"].transform(lambda f: int((f > 0).sum()))
    columns = [by if c == "kind" else c for c in TRIANGULATION_COLUMNS]
    return table[columns].astype({"files": "int64", "references": "int64", "kinds": "int64"})


__all__ = ["TRIANGULATION_COLUMNS", "triangulation"]
