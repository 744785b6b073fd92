"""The tokens table: every word of a corpus with its lemma, for word frequencies and KWIC.

Each document is read in its own language (a Danish interview with Danish lemmas and stop
words), and a lemma is shown only where someone wrote that word: the lookup table's "datum"
for "data" would otherwise top the word counts of a study nobody wrote "datum" in.

spaCy runs here, once; :mod:`resilience_qda.analysis.words` only reads the table, so the
analysis never imports spaCy and a table made by another tool (or cached as CSV) works too.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from ..core.model import Corpus

TOKENS_COLUMNS = ("doc_id", "i", "start", "end", "text", "lemma", "is_stop", "is_alpha")


def tokens(
    corpus: Corpus, *, nlp=None, batch_size: int = 16, lemmas: str = "written"
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
        ``language`` the pipeline's language.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> t = tokens(Corpus([Document("d", "Carers were mapping data. A carer may map it.")]))
    >>> t[["text", "lemma", "is_stop"]].head(4).values.tolist()
    [['Carers', 'carer', False], ['were', 'were', True], ['mapping', 'map', False], \
['data', 'data', False]]
    """
    from .languages import document_language
    from .nlp import make_nlp

    if lemmas not in ("written", "lookup"):
        raise ValueError(f"lemmas must be 'written' or 'lookup'; got {lemmas!r}")
    docs = list(corpus)
    groups: dict[str, list[int]] = {}
    if nlp is not None:
        groups[""] = list(range(len(docs)))
    else:
        found = [document_language(d) for d in docs]
        known = Counter(lang for lang in found if lang)
        fallback = known.most_common(1)[0][0] if known else "en"
        for i, lang in enumerate(found):
            groups.setdefault(lang or fallback, []).append(i)
    frames: list[pd.DataFrame | None] = [None] * len(docs)
    for lang, members in groups.items():
        pipeline = make_nlp(nlp) if nlp is not None else make_nlp(language=lang)
        made = _tokenise(pipeline, [docs[i] for i in members], batch_size)
        for i, frame in zip(members, made, strict=True):
            frames[i] = frame.assign(language=pipeline.lang)
    if not docs:
        table = pd.DataFrame({c: pd.Series(dtype=object) for c in TOKENS_COLUMNS})
        table["interviewer"] = pd.Series(dtype=bool)
        table["language"] = pd.Series(dtype=object)
        return table
    table = pd.concat(frames, ignore_index=True)
    if lemmas == "written":
        table["lemma"] = _written_lemmas(table)
    table.insert(len(TOKENS_COLUMNS), "interviewer", _interviewer(table, corpus.turns))
    return table


def _tokenise(pipeline, docs: list, batch_size: int):
    if docs:
        pipeline.max_length = max(pipeline.max_length, max(len(d.text) for d in docs) + 1)
    with pipeline.select_pipes(enable=[p for p in pipeline.pipe_names if "lemma" in p]):
        for document, doc in zip(
            docs, pipeline.pipe((d.text for d in docs), batch_size=batch_size), strict=True
        ):
            words = [t for t in doc if not t.is_space]
            yield pd.DataFrame(
                {
                    "doc_id": document.doc_id,
                    "i": np.arange(len(words), dtype="int64"),
                    "start": np.array([t.idx for t in words], dtype="int64"),
                    "end": np.array([t.idx + len(t.text) for t in words], dtype="int64"),
                    "text": pd.Series([t.text for t in words], dtype=object),
                    "lemma": pd.Series([t.lemma_.lower() or t.lower_ for t in words], dtype=object),
                    "is_stop": np.array([t.is_stop for t in words], dtype=bool),
                    "is_alpha": np.array([t.is_alpha for t in words], dtype=bool),
                }
            )


def _written_lemmas(table: pd.DataFrame) -> pd.Series:
    """Each token's lemma where some token of the same language is written that way (in
    any case), else the token's own lower-case form."""
    lower = table["text"].str.lower()
    keep = pd.Series(False, index=table.index)
    for _, rows in table.groupby("language", sort=False):
        written = set(lower[rows.index])
        keep[rows.index] = rows["lemma"].isin(written)
    return table["lemma"].where(keep, lower)


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
