"""Change over time: codes across the meetings, interview order or dates."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..core.codes import check_columns
from .matrix import matrix


def codes_over_time(
    codings: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    time: str = "meeting",
    count: str = "references",
    codes: str | Iterable[str] | None = None,
    rollup: bool = False,
) -> pd.DataFrame:
    """How often codes occur at each point in time, raw and per 1,000 words.

    Parameters
    ----------
    codings : DataFrame
        A codings table (coders pooled; filter first to follow one coder).
    documents : DataFrame
        ``corpus.documents``: ``doc_id``, ``n_words`` and the ``time`` column. Documents
        without a value of ``time`` are left out (interviews have no meeting number).
    time : str
        The column that orders documents: ``meeting`` (1-12), ``interview_order``,
        ``date``, ... Numbers sort as numbers, text (ISO dates) as text.
    count : {"references", "files", "cases"}
        As in :func:`~resilience_qda.analysis.matrix.matrix`.
    codes, aggregate
        As in :func:`~resilience_qda.analysis.matrix.matrix`.

    Returns
    -------
    DataFrame
        ``code, <time>, <count>, documents, words, per_1000_words``: every code at every
        time point (zeros included), the documents and words at that time point, and the
        count per 1,000 words there (so long and short meetings compare).

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["m1", "m2"], "meeting": [1, 2], "n_words": [500, 1000]})
    >>> c = pd.DataFrame({"doc_id": ["m1", "m2", "m2"], "start": [0, 0, 50], "end": [9, 9, 60],
    ...                   "code": ["context/feeling-isolated"] * 3, "coder": ["A"] * 3})
    >>> t = codes_over_time(c, docs)
    >>> t[["meeting", "references", "words"]].values.tolist()
    [[1, 1, 500], [2, 2, 1000]]
    >>> t["per_1000_words"].tolist()
    [2.0, 2.0]
    """
    check_columns(documents, ["doc_id", "n_words", time], "codes_over_time's documents table")
    table = matrix(codings, documents, by=time, count=count, codes=codes, rollup=rollup)
    docs = documents[documents[time].notna()]
    sizes = docs.groupby(time).agg(documents=("doc_id", "nunique"), words=("n_words", "sum"))
    table = table.drop(columns=["row_percent", "column_percent", "share"]).join(sizes, on=time)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["per_1000_words"] = np.where(
            table["words"] > 0, 1000 * table[count] / table["words"], np.nan
        )
    return table.astype({"documents": "int64", "words": "int64"})
