"""Which codings a unit-based coding sheet widens: a sheet marks whole units, so a coding
that covers part of a sentence (or spans two) comes back from the sheet as whole units."""

from __future__ import annotations

import pandas as pd

from ..core.model import Corpus
from ..core.units import units


def widened_codings(
    codings: pd.DataFrame,
    corpus: Corpus,
    *,
    unit: str = "sentence",
    coders: str | list[str] | None = None,
    doc_ids: list[str] | None = None,
) -> pd.DataFrame:
    """The codings that do not cover exactly one unit of kind ``unit``: in a coding sheet
    they show as marks on the units they touch, and read back as those whole units.

    Parameters
    ----------
    codings : DataFrame
        A codings table.
    corpus : Corpus
    unit : {"sentence", "turn", "paragraph", "document"}
    coders, doc_ids : optional
        Only these coders' codings, only these documents (as the sheet has them).

    Returns
    -------
    DataFrame
        The widened codings (their own columns), in the codings' order.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> c = Corpus([Document("d", "We met. It helped.")])
    >>> t = pd.DataFrame({"doc_id": ["d", "d"], "start": [0, 11], "end": [7, 18],
    ...                   "code": ["x", "x"], "coder": ["A", "A"]})
    >>> widened_codings(t, c)[["start", "end"]].values.tolist()
    [[11, 18]]
    """
    table = codings
    if coders is not None:
        table = table[table["coder"].isin([coders] if isinstance(coders, str) else coders)]
    if doc_ids is not None:
        table = table[table["doc_id"].isin(doc_ids)]
    spans = units(corpus, unit)
    whole = set(zip(spans["doc_id"], spans["start"], spans["end"], strict=True))
    exact = [
        (d, int(s), int(e)) in whole
        for d, s, e in zip(table["doc_id"], table["start"], table["end"], strict=True)
    ]
    return table[[not x for x in exact]]


def widening_note(
    codings: pd.DataFrame, corpus: Corpus, *, unit: str = "sentence", **options
) -> list[str]:
    """One line per coder whose codings a ``unit`` sheet widens (for a command to print)."""
    wide = widened_codings(codings, corpus, unit=unit, **options)
    notes = []
    for coder, rows in wide.groupby("coder", sort=True):
        total = int((codings["coder"] == coder).sum())
        first = rows.iloc[0]
        notes.append(
            f"{len(rows)} of {coder}'s {total} codings do not cover whole {unit}s; the sheet "
            f"marks the {unit}s they touch, and reading it back gives whole {unit}s (first: "
            f"{first['doc_id']} [{first['start']}:{first['end']}] {first['code']}). Keep "
            "exact spans with .qdpx or Word comments"
        )
    return notes


__all__ = ["widened_codings", "widening_note"]
