"""The tokens table: every word of a corpus with its lemma, for word frequencies and KWIC.

Each document is read in its own language (a Danish interview with Danish lemmas and stop
words), and a lemma is shown only where someone wrote that word: the lookup table's "datum"
for "data" would otherwise top the word counts of a study nobody wrote "datum" in.

spaCy runs here, once; :mod:`resilience_qda.analysis.words` only reads the table, so the
analysis never imports spaCy and a table made by another tool (or cached as CSV) works too.

Both functions stream: documents go through spaCy one batch at a time and each token is
kept as a few integers (words and lemmas as codes into one vocabulary), so a corpus of
millions of words costs tens of bytes a token in :func:`tokens` and only one row per
distinct word of a document in :func:`token_counts`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import numpy as np
import pandas as pd

from ..core.model import Corpus, Document

TOKENS_COLUMNS = ("doc_id", "i", "start", "end", "text", "lemma", "is_stop", "is_alpha")
COUNTS_COLUMNS = ("doc_id", "lemma", "is_stop", "is_alpha", "interviewer", "count", "language")


def tokens(
    corpus: Corpus,
    *,
    nlp=None,
    language: str | None = None,
    batch_size: int = 16,
    lemmas: str = "written",
) -> pd.DataFrame:
    """Tokenise and lemmatise every document of ``corpus``, each in its own language.

    Parameters
    ----------
    corpus : Corpus
    nlp : spacy.Language or str, optional
        One pipeline for every document; default: per document language (its ``language``
        attribute, else detected), the offline pipeline of
        :func:`resilience_qda.coding.nlp.make_nlp` for that language (blank spaCy,
        lower-case lookup lemmas from ``spacy-lookups-data``).
    language : str, optional
        The language of documents whose own is unknown (no attribute, too short to
        detect); default: the corpus' most common language, else ``en``.
    batch_size : int
        Documents per spaCy batch.
    lemmas : {"written", "lookup"}
        ``"written"`` (default): a lemma is kept only when it is a word written somewhere
        in the corpus; otherwise the lower-case word itself stands in, so that a lemma
        never shows a word nobody wrote ("data" stays "data", not the lookup table's
        "datum"). ``"lookup"``: the lookup table's lemma as it is.

    Returns
    -------
    DataFrame
        ``doc_id, i, start, end, text, lemma, is_stop, is_alpha, interviewer, language``:
        one row per token that is not white space; ``start``/``end`` are offsets into the
        stored text, ``text`` the word as written, ``lemma`` lower case, ``interviewer``
        true for the interviewer's words (and for speaker labels) in transcripts,
        ``language`` the pipeline's language. ``doc_id``, ``text``, ``lemma`` and
        ``language`` are categoricals (a few bytes a row; compare and group them like
        strings).

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> t = tokens(Corpus([Document("d", "Carers were mapping data. A carer may map it.")]))
    >>> t[["text", "lemma", "is_stop"]].head(4).values.tolist()
    [['Carers', 'carer', False], ['were', 'were', True], ['mapping', 'map', False], \
['data', 'data', False]]
    """
    _check(lemmas)
    docs = list(corpus)
    if not docs:
        table = pd.DataFrame({c: pd.Series(dtype=object) for c in TOKENS_COLUMNS})
        table["interviewer"] = pd.Series(dtype=bool)
        table["language"] = pd.Series(dtype=object)
        return table
    vocab: dict[str, int] = {}
    code = vocab.setdefault
    turns = _turns_by_doc(corpus)
    parts: list[tuple | None] = [None] * len(docs)
    languages: dict[str, int] = {}
    for i, lang, words in _token_stream(docs, nlp, batch_size, language):
        n = len(words)
        starts = np.fromiter((t.idx for t in words), dtype="int64", count=n)
        texts = [t.text for t in words]
        parts[i] = (
            starts,
            starts + np.fromiter(map(len, texts), dtype="int64", count=n),
            np.fromiter((code(x, len(vocab)) for x in texts), "int32", n),
            np.fromiter((code(_lemma(t), len(vocab)) for t in words), "int32", n),
            np.fromiter((code(t.lower_, len(vocab)) for t in words), "int32", n),
            np.fromiter((t.is_stop for t in words), dtype=bool, count=n),
            np.fromiter((t.is_alpha for t in words), dtype=bool, count=n),
            _interviewer(starts, turns.get(docs[i].doc_id)),
            np.full(n, languages.setdefault(lang, len(languages)), dtype="int32"),
        )
    cols = [np.concatenate(p) for p in zip(*parts, strict=True)]
    start, end, text, lemma, lower, is_stop, is_alpha, interviewer, language = cols
    if lemmas == "written":  # a lemma nobody wrote (in that language) gives way to the word
        written = np.zeros((len(languages), len(vocab)), dtype=bool)
        written[language, lower] = True
        lemma = np.where(written[language, lemma], lemma, lower)
    lengths = [len(p[0]) for p in parts]
    categories = pd.Index(list(vocab), dtype=object)
    return pd.DataFrame(
        {
            "doc_id": pd.Categorical.from_codes(
                np.repeat(np.arange(len(docs), dtype="int32"), lengths),
                pd.Index([d.doc_id for d in docs], dtype=object),
            ),
            "i": np.concatenate([np.arange(k, dtype="int64") for k in lengths]),
            "start": start,
            "end": end,
            "text": _compact(text, categories),
            "lemma": _compact(lemma, categories),
            "is_stop": is_stop,
            "is_alpha": is_alpha,
            "interviewer": interviewer,
            "language": pd.Categorical.from_codes(language, pd.Index(list(languages))),
        }
    )


def token_counts(
    corpus: Corpus,
    *,
    nlp=None,
    language: str | None = None,
    batch_size: int = 16,
    lemmas: str = "written",
) -> pd.DataFrame:
    """How often each lemma occurs in each document, counted in one streaming pass.

    The table :func:`resilience_qda.analysis.words.word_frequencies` needs, without a row
    per token: memory grows with the distinct words of each document, not with its length.
    ``nlp``, ``language`` and lemmas as in :func:`tokens`.

    Returns
    -------
    DataFrame
        ``doc_id, lemma, is_stop, is_alpha, interviewer, count, language``, one row per
        distinct combination in a document.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> t = token_counts(Corpus([Document("d", "Carers met a carer.")]))
    >>> t[["lemma", "count"]].values.tolist()
    [['carer', 2], ['met', 1], ['a', 1], ['.', 1]]
    """
    _check(lemmas)
    docs = list(corpus)
    turns = _turns_by_doc(corpus)
    counted: list[tuple] = []
    written: dict[str, set[str]] = {}
    for i, lang, words in _token_stream(docs, nlp, batch_size, language):
        starts = np.fromiter((t.idx for t in words), dtype="int64", count=len(words))
        flags = _interviewer(starts, turns.get(docs[i].doc_id))
        seen = written.setdefault(lang, set())
        seen.update(t.lower_ for t in words)
        keys = Counter(
            (_lemma(t), t.lower_, t.is_stop, t.is_alpha, bool(f))
            for t, f in zip(words, flags, strict=True)
        )
        counted.extend((i, lang, *key, n) for key, n in keys.items())
    columns = ["_doc", "language", "lemma", "_lower", "is_stop", "is_alpha", "interviewer"]
    table = pd.DataFrame(counted, columns=[*columns, "count"])
    if lemmas == "written" and len(table):
        pairs = zip(table["lemma"], table["language"], strict=True)
        ok = [lem in written[lang] for lem, lang in pairs]
        table["lemma"] = table["lemma"].where(ok, table["_lower"])
    keys = ["_doc", "lemma", "is_stop", "is_alpha", "interviewer", "language"]
    table = table.groupby(keys, sort=False, as_index=False)["count"].sum()
    table = table.sort_values("_doc", kind="stable")
    table.insert(0, "doc_id", [docs[i].doc_id for i in table["_doc"]])
    table = table[list(COUNTS_COLUMNS)].reset_index(drop=True)
    return table.astype(
        {"doc_id": object, "lemma": object, "is_stop": bool, "is_alpha": bool,
         "interviewer": bool, "count": "int64", "language": object}
    )  # fmt: skip


def _check(lemmas: str) -> None:
    if lemmas not in ("written", "lookup"):
        raise ValueError(f"lemmas must be 'written' or 'lookup'; got {lemmas!r}")


def _lemma(token) -> str:
    return token.lemma_.lower() or token.lower_


def _compact(codes: np.ndarray, categories: pd.Index) -> pd.Categorical:
    """A categorical of only the categories used."""
    used, inverse = np.unique(codes, return_inverse=True)
    return pd.Categorical.from_codes(inverse.astype("int32"), categories[used])


def _token_stream(
    docs: list[Document], nlp, batch_size: int, language: str | None = None
) -> Iterator[tuple[int, str, list]]:
    """``(index, language, tokens that are not white space)`` of every document, one spaCy
    batch at a time, grouped by language (one pipeline per language); ``language`` for the
    documents whose own is unknown."""
    from .languages import document_language
    from .nlp import make_nlp

    groups: dict[str, list[int]] = {}
    if nlp is not None:
        groups[""] = list(range(len(docs)))
    else:
        found = [document_language(d) for d in docs]
        known = Counter(lang for lang in found if lang)
        fallback = language or (known.most_common(1)[0][0] if known else "en")
        for i, lang in enumerate(found):
            groups.setdefault(lang or fallback, []).append(i)
    for lang, members in groups.items():
        pipeline = make_nlp(nlp) if nlp is not None else make_nlp(language=lang)
        texts = [docs[i].text for i in members]
        if texts:
            pipeline.max_length = max(pipeline.max_length, max(map(len, texts)) + 1)
        with pipeline.select_pipes(enable=[p for p in pipeline.pipe_names if "lemma" in p]):
            for i, doc in zip(members, pipeline.pipe(texts, batch_size=batch_size), strict=True):
                yield i, pipeline.lang, [t for t in doc if not t.is_space]


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
