"""Words: lemma frequencies from a tokens table, and keyword-in-context search.

The tokens table comes from :func:`resilience_qda.coding.tokens.tokens` (spaCy); these
functions only read it, so analysis never needs spaCy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..core.codes import check_columns
from ..core.model import Corpus
from .retrieval import speakers

#: Transcription marks, fillers and hedges that are not what the talk is about ("bite" is
#: the lookup lemma of "a bit").
FILLERS = frozenset(
    {"um", "er", "erm", "uh", "mm", "hmm", "yeah", "oh", "ok", "okay", "laugh", "pause",
     "inaudible", "like", "sort", "know", "mean", "just", "think", "thing", "bit", "lot",
     "really", "got", "go", "say", "said", "get", "kind", "right", "well", "way", "have",
     "actually", "yes", "bite"}
)  # fmt: skip


def word_frequencies(
    tokens: pd.DataFrame,
    *,
    by: str | None = None,
    documents: pd.DataFrame | None = None,
    stop_words: bool = True,
    extra_stop_words: Iterable[str] = FILLERS,
    min_length: int = 3,
    interviewer: bool = False,
    top: int | None = None,
) -> pd.DataFrame:
    """How often each lemma occurs, overall or per group.

    Parameters
    ----------
    tokens : DataFrame
        ``doc_id, lemma, is_stop, is_alpha`` (and ``interviewer`` for transcripts): a tokens
        table (:func:`resilience_qda.coding.tokens.tokens`, one row a token) or a counts
        table with a ``count`` column (:func:`resilience_qda.coding.tokens.token_counts`,
        one row per distinct word of a document; the same result in a fraction of the
        memory).
    by : str, optional
        Count per value of this column of ``tokens`` or of ``documents`` (e.g. ``role``).
    documents : DataFrame, optional
        ``corpus.documents``, to group by a document or case attribute.
    stop_words : bool
        Leave out spaCy's stop words and ``extra_stop_words`` (default: transcription
        fillers such as "um", "er", "[laughs]", "you know").
    min_length : int
        Leave out lemmas shorter than this.
    interviewer : bool
        Count the interviewer's words too (default: only participants' and notes').
    top : int, optional
        Keep the ``top`` most frequent lemmas (per group).

    Returns
    -------
    DataFrame
        ``[by,] lemma, count, documents, per_1000`` (per 1,000 counted words of the group),
        most frequent first (ties alphabetical).

    Examples
    --------
    >>> t = pd.DataFrame({"doc_id": ["d", "d", "d", "e"],
    ...                   "lemma": ["carer", "the", "carer", "carer"],
    ...                   "is_stop": [False, True, False, False], "is_alpha": [True] * 4})
    >>> word_frequencies(t).values.tolist()
    [['carer', 3, 2, 1000.0]]
    """
    check_columns(tokens, ["doc_id", "lemma", "is_alpha"], "word_frequencies' tokens table")
    if (
        by is not None
        and by not in tokens.columns
        and (documents is None or by not in documents.columns)
    ):
        raise KeyError(
            f"word_frequencies: no column {by!r} in the tokens table"
            + ("" if documents is None else " or the documents table")
        )
    # Work on integer codes: strings are looked at once per distinct word, never per token
    # (a tokens table of millions of rows is mostly categoricals).
    keep = tokens["is_alpha"].to_numpy(bool).copy()
    if not interviewer and "interviewer" in tokens:
        keep &= ~tokens["interviewer"].to_numpy(bool)
    if stop_words and "is_stop" in tokens:
        keep &= ~tokens["is_stop"].to_numpy(bool)
    codes, uniques = pd.factorize(tokens["lemma"])
    lower = pd.Index(pd.Series(uniques, dtype=object).astype(str).str.lower())
    lower_codes, lemmas = pd.factorize(lower)
    good = lemmas.str.len() >= min_length
    if stop_words:
        good &= ~lemmas.isin(set(extra_stop_words))
    lemma_id = np.where(codes >= 0, lower_codes[np.maximum(codes, 0)], -1)
    keep &= (lemma_id >= 0) & np.asarray(good, dtype=bool)[np.maximum(lemma_id, 0)]
    doc_codes, doc_ids = pd.factorize(tokens["doc_id"])
    weight = (
        tokens["count"].to_numpy("int64") if "count" in tokens else np.ones(len(tokens), "int64")
    )
    frame = pd.DataFrame({"_lemma": lemma_id[keep], "_doc": doc_codes[keep], "_n": weight[keep]})
    keys = ["_lemma"]
    if by is not None:
        if by in tokens.columns:
            frame[by] = tokens[by].to_numpy()[keep]
        else:
            values = documents.drop_duplicates("doc_id").set_index("doc_id")[by]
            per_doc = pd.Series(np.asarray(doc_ids, dtype=object)).map(values)
            frame[by] = per_doc.to_numpy()[frame["_doc"].to_numpy()]
        keys = [by, "_lemma"]
    grouped = frame.groupby(keys, sort=False, observed=True)
    result = pd.DataFrame(
        {"count": grouped["_n"].sum(), "documents": grouped["_doc"].nunique()}
    ).reset_index()
    result.insert(len(keys) - 1, "lemma", lemmas.to_numpy(dtype=object)[result["_lemma"]])
    result = result.drop(columns="_lemma")
    totals = result.groupby(by)["count"].transform("sum") if by else result["count"].sum()
    result["per_1000"] = 1000 * result["count"] / totals
    result = result.sort_values(
        ([by] if by else []) + ["count", "lemma"],
        ascending=([True] if by else []) + [False, True],
        kind="stable",
    )
    if top is not None:
        result = result.groupby(by, sort=False).head(top) if by else result.head(top)
    return result.reset_index(drop=True)


def keyword_in_context(
    corpus: Corpus,
    keyword: str,
    *,
    regex: bool = False,
    whole_word: bool = True,
    case: bool = False,
    window: int = 50,
    tokens: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every occurrence of a word or pattern with the text around it (KWIC).

    Parameters
    ----------
    corpus : Corpus
    keyword : str
        A word or phrase; a regular expression with ``regex=True``; with ``tokens`` given,
        a lemma (``"carer"`` finds "carers" too).
    regex, whole_word, case
        How ``keyword`` matches text (ignored with ``tokens``).
    window : int
        Characters shown on each side; whitespace (line ends) shown as single spaces.
    tokens : DataFrame, optional
        A tokens table: match lemmas instead of text.

    Returns
    -------
    DataFrame
        ``doc_id, start, end, left, keyword, right, speaker``, in document order.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> corpus = Corpus([Document("n", "The map helped. Maps, maps everywhere.")])
    >>> keyword_in_context(corpus, "map", window=8)[["left", "keyword", "right"]].values.tolist()
    [['The', 'map', 'helped.']]
    >>> len(keyword_in_context(corpus, r"maps?", regex=True))
    3
    """
    texts = corpus.texts
    if tokens is not None:
        check_columns(tokens, ["doc_id", "start", "end", "lemma"], "the tokens table")
        hits = tokens[tokens["lemma"].astype(str).str.lower() == keyword.lower()]
        spans = list(zip(hits["doc_id"], hits["start"], hits["end"], strict=True))
    else:
        pattern = keyword if regex else re.escape(keyword)
        if whole_word:
            pattern = rf"(?<!\w)(?:{pattern})(?!\w)"
        try:
            compiled = re.compile(pattern, 0 if case else re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"keyword {keyword!r} is not a valid pattern: {exc}") from None
        spans = [
            (d, m.start(), m.end())
            for d, text in texts.items()
            for m in compiled.finditer(text)
            if m.end() > m.start()
        ]

    def squash(s: str) -> str:
        return " ".join(s.split())

    rows = [
        (
            d,
            int(s),
            int(e),
            squash(texts[d][max(0, s - window) : s]),
            squash(texts[d][s:e]),
            squash(texts[d][e : e + window]),
        )
        for d, s, e in spans
    ]
    table = pd.DataFrame(rows, columns=["doc_id", "start", "end", "left", "keyword", "right"])
    table = table.astype({"start": "int64", "end": "int64", "doc_id": object})
    order = {d: i for i, d in enumerate(texts)}
    table = table.sort_values(
        ["doc_id", "start"], key=lambda c: c.map(order) if c.name == "doc_id" else c
    )
    table = table.reset_index(drop=True)
    table["speaker"] = pd.Series(
        speakers(table, corpus.turns)["speaker"].tolist(), index=table.index, dtype=object
    )
    return table
