"""Retrieval for quotation: every passage of a code with its speaker, case and context."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..core.codes import select_codes
from ..core.model import Corpus
from ..core.sorting import natural_key
from .exemplars import exemplars

#: Optional columns of the codings that travel with each passage.
CARRIED = ("memo", "pinned")

RETRIEVAL_COLUMNS = [
    "doc_id",
    "start",
    "end",
    "code",
    "coder",
    "speaker",
    "interviewer",
    "text",
    "before",
    "after",
]


def speakers(spans: pd.DataFrame, turns: pd.DataFrame) -> pd.DataFrame:
    """The speaker of each span: the turn its ``start`` falls in (or the turn before it).

    Returns ``speaker`` and ``interviewer`` aligned with ``spans`` (empty outside transcripts).

    Examples
    --------
    >>> turns = pd.DataFrame({"doc_id": ["d", "d"], "start": [3, 20], "end": [15, 30],
    ...                       "speaker": ["I", "Participant L"], "interviewer": [True, False]})
    >>> spans = pd.DataFrame({"doc_id": ["d", "d", "e"], "start": [22, 4, 0]})
    >>> speakers(spans, turns)["speaker"].tolist()
    ['Participant L', 'I', None]
    """
    out = pd.DataFrame({"speaker": pd.Series([None] * len(spans), index=spans.index, dtype=object)})
    out["interviewer"] = pd.Series(False, index=spans.index, dtype=bool)
    if not len(spans) or not len(turns):
        return out
    left = spans[["doc_id", "start"]].assign(_row=np.arange(len(spans)))
    left = left.astype({"doc_id": object, "start": "int64"}).sort_values("start")
    right = turns[["doc_id", "start", "speaker", "interviewer"]]
    right = right.astype({"doc_id": object, "start": "int64"}).sort_values("start")
    found = pd.merge_asof(left, right, on="start", by="doc_id", direction="backward")
    found = found.sort_values("_row")
    out["speaker"] = pd.Series(
        [None if pd.isna(v) else v for v in found["speaker"]], index=spans.index, dtype=object
    )
    out["interviewer"] = found["interviewer"].eq(True).to_numpy()
    return out


def retrieve(
    codings: pd.DataFrame,
    corpus: Corpus,
    codes: str | Iterable[str] | None = None,
    *,
    rollup: bool = True,
    context: int = 120,
    attributes: Iterable[str] = ("case", "kind", "role"),
) -> pd.DataFrame:
    """Every coded passage of ``codes`` with its text, speaker, surrounding text and document
    attributes, in document order: what a researcher reads to choose quotations.

    Parameters
    ----------
    codings : DataFrame
        A codings table (``memo`` and ``pinned`` columns, where present, are carried along).
    corpus : Corpus
        The documents the offsets point into.
    codes : str or list of str, optional
        The code(s) to retrieve; with ``rollup`` (default) codings of child codes too.
    context : int
        Characters of text kept ``before`` and ``after`` each passage.
    attributes : iterable of str
        Columns of ``corpus.documents`` to attach (those that exist).

    Returns
    -------
    DataFrame
        ``doc_id, start, end, code, coder, speaker, interviewer, text, before, after``, the
        attributes, and ``memo`` and ``pinned`` where the codings have those columns.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> corpus = Corpus([Document("i", "Interviewer: And?\\n\\nParticipant L: We laughed.",
    ...                           {"kind": "interview", "case": "L"})])
    >>> c = pd.DataFrame({"doc_id": ["i"], "start": [34], "end": [45],
    ...                   "code": ["coping/have-a-laugh"], "coder": ["A"]})
    >>> retrieve(c, corpus, "coping")[["case", "speaker", "text"]].values.tolist()
    [['L', 'Participant L', 'We laughed.']]
    """
    table = select_codes(codings, codes, rollup=rollup)
    table = table.sort_values(["doc_id", "start", "end", "code", "coder"], kind="stable")
    table = table.reset_index(drop=True)
    carried = [c for c in CARRIED if c in table]
    keep = ["doc_id", "start", "end", "code", "coder", *carried]
    table = table[keep].copy()
    texts = corpus.texts
    triples = [
        (texts[d][s:e], texts[d][max(0, s - context) : s], texts[d][e : e + context])
        for d, s, e in zip(table["doc_id"], table["start"], table["end"], strict=True)
    ]
    table["text"] = [t[0] for t in triples]
    table["before"] = [t[1] for t in triples]
    table["after"] = [t[2] for t in triples]
    who = speakers(table, corpus.turns)
    table["speaker"] = who["speaker"]
    table["interviewer"] = who["interviewer"]
    docs = corpus.documents
    present = [a for a in attributes if a in docs.columns and a not in table.columns]
    if present:
        table = table.merge(docs[["doc_id", *present]], on="doc_id", how="left")
    return table[RETRIEVAL_COLUMNS + present + carried]


def framework_matrix(
    codings: pd.DataFrame,
    corpus: Corpus,
    codes: Iterable[str],
    *,
    rows: str = "case",
    max_passages: int | None = None,
    separator: str = "\n\n",
) -> pd.DataFrame:
    """Framework matrix: one cell per (case, code) holding the passages to quote.

    Parameters
    ----------
    codings : DataFrame
        A codings table.
    corpus : Corpus
    codes : list of str
        The columns of the matrix (e.g. the four themes); codings of child codes count.
    rows : str
        A document attribute to group by (``case``, or ``doc_id``, ``role``, ``meeting``).
    max_passages : int, optional
        Keep at most this many passages per cell (the first, in document order).
    separator : str
        Between passages in ``passages_text``.

    Returns
    -------
    DataFrame
        ``<rows>, code, passages, passages_text`` for every combination of a ``rows`` value
        and a code (empty cells included); each passage is followed by ``[doc_id]``.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> corpus = Corpus([Document("i1", "Good. Bad.", {"case": "L"}),
    ...                  Document("i2", "Fine.", {"case": "S"})])
    >>> c = pd.DataFrame({"doc_id": ["i1", "i1"], "start": [0, 6], "end": [5, 10],
    ...                   "code": ["t/a", "t/a"], "coder": ["A", "A"]})
    >>> framework_matrix(c, corpus, ["t/a"]).values.tolist()
    [['L', 't/a', 2, 'Good. [i1]\\n\\nBad. [i1]'], ['S', 't/a', 0, '']]
    """
    codes = list(codes)
    docs = corpus.documents
    source = "doc_id" if rows == "doc_id" else rows
    if source not in docs.columns:
        raise KeyError(
            f"framework_matrix: the documents have no attribute {rows!r}; they have "
            f"{', '.join(docs.columns)}"
        )
    frames = []
    every = retrieve(codings, corpus, codes, context=0, attributes=()) if codes else None
    for code in codes:
        inside = (every["code"] == code) | every["code"].str.startswith(code + "/")
        found = every[inside].drop_duplicates(["doc_id", "start", "end"])
        found = found.assign(code=code).merge(
            docs[["doc_id"] + ([source] if source != "doc_id" else [])], on="doc_id"
        )
        frames.append(found)
    if not frames:
        return pd.DataFrame(columns=[rows, "code", "passages", "passages_text"])
    found = pd.concat(frames, ignore_index=True)
    values = sorted(docs[source].dropna().unique(), key=natural_key)
    cells: dict[tuple, list[str]] = {}  # plain lists: thousands of cells stay fast
    for value, code, text, doc in zip(
        found[source], found["code"], found["text"], found["doc_id"], strict=True
    ):
        cells.setdefault((value, code), []).append(f"{text} [{doc}]")
    out = []
    for value in values:
        for code in codes:
            cell = cells.get((value, code), [])
            shown = cell if max_passages is None else cell[:max_passages]
            out.append((value, code, len(cell), separator.join(shown)))
    return pd.DataFrame(out, columns=[rows, "code", "passages", "passages_text"]).astype(
        {"passages": "int64"}
    )


__all__ = ["RETRIEVAL_COLUMNS", "exemplars", "framework_matrix", "retrieve", "speakers"]
