"""The tokens table: every word of a corpus with its lemma, for word frequencies and KWIC.

spaCy runs here, once; :mod:`resilience_qda.analysis.words` only reads the table, so the
analysis never imports spaCy and a table made by another tool (or cached as CSV) works too.

Both functions stream: documents go through spaCy one batch at a time and each token is
kept as a few integers (words and lemmas as categorical codes into one vocabulary), so a
corpus of millions of words costs tens of bytes a token in :func:`tokens` and only one row
per distinct word of a document in :func:`token_counts`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd

from ..core.model import Corpus, Document

TOKENS_COLUMNS = ("doc_id", "i", "start", "end", "text", "lemma", "is_stop", "is_alpha")
COUNTS_COLUMNS = ("doc_id", "lemma", "is_stop", "is_alpha", "interviewer", "count")


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
        (and for speaker labels) in transcripts. ``doc_id``, ``text`` and ``lemma`` are
        categoricals (a few bytes a row; compare and group them like strings).

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> t = tokens(Corpus([Document("d", "Carers were mapping.")]))
    >>> t[["text", "lemma", "is_stop"]].values.tolist()
    [['Carers', 'carer', False], ['were', 'be', True], ['mapping', 'map', False], ['.', '.', False]]
    """
    vocab: dict[str, int] = {}
    doc_codes, parts = [], []
    turns = _turns_by_doc(corpus)
    for n, (document, words) in enumerate(_token_stream(corpus, nlp, batch_size)):
        texts = [t.text for t in words]
        lemmas = [t.lemma_.lower() for t in words]
        code = vocab.setdefault
        starts = np.fromiter((t.idx for t in words), dtype="int64", count=len(words))
        parts.append(
            (
                starts,
                starts + np.fromiter(map(len, texts), dtype="int64", count=len(words)),
                np.fromiter((code(x, len(vocab)) for x in texts), "int32", len(words)),
                np.fromiter((code(x, len(vocab)) for x in lemmas), "int32", len(words)),
                np.fromiter((t.is_stop for t in words), dtype=bool, count=len(words)),
                np.fromiter((t.is_alpha for t in words), dtype=bool, count=len(words)),
                _interviewer(starts, turns.get(document.doc_id)),
            )
        )
        doc_codes.append(np.full(len(words), n, dtype="int32"))
    if not parts:
        table = pd.DataFrame({c: pd.Series(dtype=object) for c in TOKENS_COLUMNS})
        table["interviewer"] = pd.Series(dtype=bool)
        return table
    doc_ids = [d.doc_id for d in corpus]
    categories = pd.Index(list(vocab), dtype=object)
    cols = [np.concatenate(p) for p in zip(*parts, strict=True)]
    lengths = [len(c) for c in doc_codes]
    return pd.DataFrame(
        {
            "doc_id": pd.Categorical.from_codes(np.concatenate(doc_codes), doc_ids),
            "i": np.concatenate([np.arange(k, dtype="int64") for k in lengths]),
            "start": cols[0],
            "end": cols[1],
            "text": pd.Categorical.from_codes(cols[2], categories),
            "lemma": pd.Categorical.from_codes(cols[3], categories),
            "is_stop": cols[4],
            "is_alpha": cols[5],
            "interviewer": cols[6],
        }
    )


def token_counts(corpus: Corpus, *, nlp=None, batch_size: int = 16) -> pd.DataFrame:
    """How often each lemma occurs in each document, counted in one streaming pass.

    The table :func:`resilience_qda.analysis.words.word_frequencies` needs, without a row
    per token: memory grows with the distinct words of each document, not with its length.

    Returns
    -------
    DataFrame
        ``doc_id, lemma, is_stop, is_alpha, interviewer, count``, one row per distinct
        combination in a document (``interviewer`` as in :func:`tokens`).

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> t = token_counts(Corpus([Document("d", "Carers, carers mapping.")]))
    >>> t[["lemma", "count"]].values.tolist()
    [['carer', 2], [',', 1], ['map', 1], ['.', 1]]
    """
    rows: list[tuple] = []
    turns = _turns_by_doc(corpus)
    for document, words in _token_stream(corpus, nlp, batch_size):
        starts = np.fromiter((t.idx for t in words), dtype="int64", count=len(words))
        flags = _interviewer(starts, turns.get(document.doc_id))
        counted = Counter(
            (t.lemma_.lower(), t.is_stop, t.is_alpha, bool(f))
            for t, f in zip(words, flags, strict=True)
        )
        rows.extend((document.doc_id, *key, n) for key, n in counted.items())
    table = pd.DataFrame(rows, columns=list(COUNTS_COLUMNS))
    return table.astype(
        {"doc_id": object, "lemma": object, "is_stop": bool, "is_alpha": bool,
         "interviewer": bool, "count": "int64"}
    )  # fmt: skip


def _token_stream(
    corpus: Iterable[Document], nlp, batch_size: int
) -> Iterator[tuple[Document, list]]:
    """Each document with its tokens that are not white space, one spaCy batch at a time."""
    from .nlp import make_nlp

    nlp = make_nlp(nlp)
    docs = list(corpus)
    if docs:
        nlp.max_length = max(nlp.max_length, max(len(d.text) for d in docs) + 1)
    with nlp.select_pipes(enable=[p for p in nlp.pipe_names if "lemma" in p]):
        for document, doc in zip(
            docs, nlp.pipe((d.text for d in docs), batch_size=batch_size), strict=True
        ):
            yield document, [t for t in doc if not t.is_space]


def _turns_by_doc(corpus: Corpus) -> dict[str, pd.DataFrame]:
    """The corpus' turns table grouped by document, once (never filtered per document)."""
    turns = corpus.turns
    return dict(tuple(turns.groupby("doc_id", sort=False))) if len(turns) else {}


def _interviewer(starts: np.ndarray, turns: pd.DataFrame | None) -> np.ndarray:
    """True where a token starting at ``starts`` lies in an interviewer's turn or in a
    speaker label (outside every turn) of a document with turns ``turns``."""
    if turns is None or not len(turns):
        return np.zeros(len(starts), dtype=bool)
    order = np.argsort(turns["start"].to_numpy(), kind="stable")
    t_start = turns["start"].to_numpy()[order]
    t_end = turns["end"].to_numpy()[order]
    who = turns["interviewer"].to_numpy(bool)[order]
    k = np.searchsorted(t_start, starts, side="right") - 1
    inside = (k >= 0) & (starts < t_end[np.maximum(k, 0)])
    # tokens outside every turn (labels, header) are not participants' words
    return np.where(inside, who[np.maximum(k, 0)], True)
