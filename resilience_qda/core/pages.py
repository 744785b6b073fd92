"""Pages of documents that came from PDFs: which page each span of the stored text is on.

A PDF's document keeps ``page_starts`` among its attributes (in ``sources.csv``): the
offsets, separated by spaces, where pages 1, 2, ... begin in the stored text. A span's page
is the page its first character is on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

#: The document attribute that holds the page offsets.
PAGE_STARTS = "page_starts"


def parse_page_starts(value: object) -> list[int]:
    """The offsets of a ``page_starts`` attribute (``"0 1834 3650"``); ``[]`` if absent or bad.

    >>> parse_page_starts("0 1834 3650"), parse_page_starts(None), parse_page_starts("x")
    ([0, 1834, 3650], [], [])
    """
    if value is None or (isinstance(value, float) and value != value):
        return []
    if isinstance(value, (int, np.integer)):
        return [int(value)]
    try:
        starts = [int(x) for x in str(value).split()]
    except ValueError:
        return []
    return starts if starts == sorted(starts) and all(s >= 0 for s in starts) else []


def format_page_starts(starts: Iterable[int]) -> str:
    """The ``page_starts`` attribute of a list of offsets.

    >>> format_page_starts([0, 1834, 3650])
    '0 1834 3650'
    """
    return " ".join(str(int(s)) for s in starts)


def pages_table(documents: Iterable[tuple[str, int, Mapping]]) -> pd.DataFrame:
    """One row per page: ``doc_id, page, start, end``.

    Parameters
    ----------
    documents : iterable of (doc_id, text length, metadata)
        E.g. ``((d.doc_id, len(d.text), d.metadata) for d in corpus)``; documents without
        ``page_starts`` have no rows.

    Examples
    --------
    >>> pages_table([("p", 30, {"page_starts": "0 12"}), ("t", 5, {})]).values.tolist()
    [['p', 1, 0, 12], ['p', 2, 12, 30]]
    """
    rows = []
    for doc_id, length, meta in documents:
        starts = parse_page_starts(meta.get(PAGE_STARTS))
        for n, s in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else length
            rows.append((doc_id, n + 1, min(s, length), min(end, length)))
    table = pd.DataFrame(rows, columns=["doc_id", "page", "start", "end"])
    return table.astype({"doc_id": object, "page": "int64", "start": "int64", "end": "int64"})


def add_pages(table: pd.DataFrame, pages: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` (``doc_id``, ``start``: units, turns, codings) with a ``page``
    column: the page each row's start is on (empty for documents without pages).

    Examples
    --------
    >>> pages = pages_table([("p", 30, {"page_starts": "0 12"})])
    >>> units = pd.DataFrame({"doc_id": ["p", "p", "q"], "start": [3, 14, 0]})
    >>> add_pages(units, pages)["page"].tolist()
    [1, 2, <NA>]
    """
    out = table.copy()
    page = pd.Series(pd.NA, index=out.index, dtype="Int64")
    for doc_id, rows in pages.groupby("doc_id", sort=False):
        mask = (out["doc_id"] == doc_id).to_numpy()
        if not mask.any():
            continue
        starts = rows["start"].to_numpy()
        at = np.searchsorted(starts, out.loc[mask, "start"].to_numpy(), side="right") - 1
        page[mask] = rows["page"].to_numpy()[np.maximum(at, 0)]
    out["page"] = page
    return out


__all__ = ["PAGE_STARTS", "add_pages", "format_page_starts", "pages_table", "parse_page_starts"]
