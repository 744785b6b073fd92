"""The tokens table: every word of a corpus with its lemma, for word frequencies and KWIC.

spaCy runs here, once; :mod:`resilience_qda.analysis.words` only reads the table, so the
analysis never imports spaCy and a table made by another tool (or cached as CSV) works too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.model import Corpus

TOKENS_COLUMNS = ("doc_id", "i", "start", "end", "text", "lemma", "is_stop", "is_alpha")


def tokens(corpus: Corpus, *, nlp=None, batch_size: int = 16) -> pd.DataFrame:
    """Tokenise and lemmatise every document of ``corpus``.

    Parameters
    ----------
    corpus : Corpus
    nlp : spacy.Language or str, optional
        The pipeline; default the offline one of :func:`resilience_qda.coding.nlp.make_nlp`
        (blank English, lower-case lookup lemmas from ``spacy-lookups-data``).
    batch_size : int
        Documents per spaCy batch.

    Returns
    -------
    DataFrame
        ``doc_id, i, start, end, text, lemma, is_stop, is_alpha, interviewer``: one row per
        token that is not white space; ``start``/``end`` are offsets into the stored text,
        ``lemma`` is lower case, ``interviewer`` is true for the interviewer's words
        (and for speaker labels) in transcripts.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> t = tokens(Corpus([Document("d", "Carers were mapping.")]))
    >>> t[["text", "lemma", "is_stop"]].values.tolist()
    [['Carers', 'carer', False], ['were', 'be', True], ['mapping', 'map', False], ['.', '.', False]]
    """
    from .nlp import make_nlp

    nlp = make_nlp(nlp)
    docs = list(corpus)
    if docs:
        nlp.max_length = max(nlp.max_length, max(len(d.text) for d in docs) + 1)
    frames = []
    with nlp.select_pipes(enable=[p for p in nlp.pipe_names if "lemma" in p]):
        for document, doc in zip(
            docs, nlp.pipe((d.text for d in docs), batch_size=batch_size), strict=True
        ):
            words = [t for t in doc if not t.is_space]
            frames.append(
                pd.DataFrame(
                    {
                        "doc_id": document.doc_id,
                        "i": np.arange(len(words), dtype="int64"),
                        "start": np.array([t.idx for t in words], dtype="int64"),
                        "end": np.array([t.idx + len(t.text) for t in words], dtype="int64"),
                        "text": pd.Series([t.text for t in words], dtype=object),
                        "lemma": pd.Series([t.lemma_.lower() for t in words], dtype=object),
                        "is_stop": np.array([t.is_stop for t in words], dtype=bool),
                        "is_alpha": np.array([t.is_alpha for t in words], dtype=bool),
                    }
                )
            )
    if not frames:
        table = pd.DataFrame({c: pd.Series(dtype=object) for c in TOKENS_COLUMNS})
        table["interviewer"] = pd.Series(dtype=bool)
        return table
    table = pd.concat(frames, ignore_index=True)
    table["interviewer"] = _interviewer(table, corpus.turns)
    return table


def _interviewer(table: pd.DataFrame, turns: pd.DataFrame) -> np.ndarray:
    """True where a token lies in an interviewer's turn or in a speaker label."""
    flags = np.zeros(len(table), dtype=bool)
    if not len(turns):
        return flags
    for doc_id, rows in table.groupby("doc_id", sort=False):
        t = turns[turns["doc_id"] == doc_id]
        if not len(t):
            continue
        starts = t["start"].to_numpy()
        order = np.argsort(starts)
        starts, ends = starts[order], t["end"].to_numpy()[order]
        who = t["interviewer"].to_numpy(bool)[order]
        pos = rows["start"].to_numpy()
        k = np.searchsorted(starts, pos, side="right") - 1
        inside = (k >= 0) & (pos < ends[np.maximum(k, 0)])
        # tokens outside every turn (labels, header) are not participants' words
        flags[rows.index.to_numpy()] = np.where(inside, who[np.maximum(k, 0)], True)
    return flags
