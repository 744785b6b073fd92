"""Features of units of analysis for learning from coding: text, lemmas, codebook pattern hits.

The learner (:mod:`resilience_qda.coding.suggest_model`) reads a *unit features* table, one
row per unit, with a ``text`` column and optionally ``lemmas`` (the unit's content-word lemmas
from the offline spaCy pipeline) and ``patterns`` (the codes whose codebook patterns match in
the unit, space separated). This module builds that table and the scikit-learn transformer
that turns it into a sparse matrix. Nothing is downloaded: a sentence-embedding model is used
only when it is installed and named.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer

from ..core.errors import QDAError
from ..core.model import Codebook, Corpus
from ..core.units import code_units


class EmbeddingModelError(QDAError, ValueError):
    """A sentence-embedding model was named that is not installed (nothing is downloaded)."""


def unit_features(
    corpus: Corpus,
    units_table: pd.DataFrame,
    *,
    lemmas: bool = False,
    patterns: Codebook | None = None,
    unit: str = "sentence",
    nlp=None,
) -> pd.DataFrame:
    """The unit features table: ``doc_id, unit, start, end, text`` (+ ``lemmas``, ``patterns``).

    Parameters
    ----------
    corpus : Corpus
    units_table : DataFrame
        Units as from :func:`resilience_qda.core.units.units` (any subset of them).
    lemmas : bool
        Add ``lemmas``: the lower-case lemmas of the unit's alphabetic non-stop words, from
        the offline spaCy pipeline (:func:`resilience_qda.coding.tokens.tokens`).
    patterns : Codebook, optional
        Add ``patterns``: the codes of this codebook whose patterns match inside the unit
        (:func:`resilience_qda.coding.rules.code`), space separated.
    unit : str
        The kind of the units in ``units_table``: rule matches are widened to it.
    nlp : spacy.Language or str, optional
        The pipeline for lemmas and patterns (default: offline blank English + lookups).

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> from resilience_qda.core.units import units
    >>> c = Corpus([Document("d", "Carers were mapping. We met.")])
    >>> unit_features(c, units(c), lemmas=True)[["text", "lemmas"]].values.tolist()
    [['Carers were mapping.', 'carer map'], ['We met.', 'meet']]
    """
    table = units_table[["doc_id", "unit", "start", "end"]].reset_index(drop=True)
    texts = corpus.texts
    table["text"] = pd.Series(
        [
            texts[d][s:e]
            for d, s, e in zip(table["doc_id"], table["start"], table["end"], strict=True)
        ],
        dtype=object,
    )
    needed = sorted(set(table["doc_id"]))
    sub = Corpus([corpus[d] for d in needed], cases=corpus.cases)
    if lemmas:
        table["lemmas"] = _unit_lemmas(sub, table, nlp=nlp)
    if patterns is not None:
        table["patterns"] = _unit_patterns(sub, table, patterns, unit=unit, nlp=nlp)
    return table


def _unit_lemmas(corpus: Corpus, table: pd.DataFrame, *, nlp=None) -> pd.Series:
    from .tokens import tokens

    words = tokens(corpus, nlp=nlp, lemmas="lookup")  # features, never shown: full lemmas
    words = words[words["is_alpha"] & ~words["is_stop"]]
    out = [""] * len(table)
    for doc_id, rows in table.groupby("doc_id", sort=False):
        w = words[words["doc_id"] == doc_id]
        if not len(w):
            continue
        starts = w["start"].to_numpy()
        lemma = w["lemma"].to_numpy()
        lo = np.searchsorted(starts, rows["start"].to_numpy(), side="left")
        hi = np.searchsorted(starts, rows["end"].to_numpy(), side="left")
        for i, a, b in zip(rows.index, lo, hi, strict=True):
            out[i] = " ".join(lemma[a:b])
    return pd.Series(out, index=table.index, dtype=object)


def _unit_patterns(
    corpus: Corpus, table: pd.DataFrame, codebook: Codebook, *, unit: str, nlp=None
) -> pd.Series:
    from .rules import code

    out = pd.Series("", index=table.index, dtype=object)
    hits = code(corpus, codebook, unit=unit, interviewer=True, nlp=nlp)
    carried = code_units(hits, table[["doc_id", "unit", "start", "end"]]) if len(hits) else hits
    if not len(carried):
        return out
    joined = carried.groupby(["doc_id", "unit"], sort=False)["code"].agg(" ".join)
    keys = pd.MultiIndex.from_frame(table[["doc_id", "unit"]])
    return pd.Series(joined.reindex(keys).fillna("").to_numpy(), index=table.index, dtype=object)


# --------------------------------------------------------------------------- transformers


def _split_codes(text: str) -> list[str]:
    return text.split()


class SentenceEmbeddings(TransformerMixin, BaseEstimator):
    """Dense sentence embeddings from an *installed* sentence-transformers model.

    Parameters
    ----------
    model : str
        A local folder or the name of a model already in the local cache. Loading runs with
        the Hugging Face hub offline, so a missing model raises instead of downloading.
    batch_size : int
    """

    def __init__(self, model: str, *, batch_size: int = 64):
        self.model = model
        self.batch_size = batch_size

    def fit(self, X, y=None):
        self.encoder_ = load_embedding_model(self.model)
        return self

    def transform(self, X):
        texts = list(X.iloc[:, 0] if isinstance(X, pd.DataFrame) else X)
        vectors = self.encoder_.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return sp.csr_matrix(np.asarray(vectors, dtype="float64"))


def load_embedding_model(model: str):
    """Load an installed sentence-transformers model, never downloading.

    Raises
    ------
    EmbeddingModelError
        When sentence-transformers is not installed or the model is not available locally.
    """
    if importlib.util.find_spec("sentence_transformers") is None:
        raise EmbeddingModelError(
            f"embedding model {model!r} needs the sentence-transformers package, which is not "
            "installed; install it and the model yourself, or leave the embedding option out"
        )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(model, local_files_only=True)
    except Exception as exc:  # the library raises OSError, ValueError or HF errors
        raise EmbeddingModelError(
            f"embedding model {model!r} is not available locally ({exc}); resilience_qda "
            "never downloads models: install it yourself or leave the embedding option out"
        ) from None


def _lower_words(text: str) -> list[str]:
    return text.lower().split()


def _word_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """The character n-grams of one word padded with spaces, as scikit-learn's ``char_wb``."""
    w = f" {word} "
    out = []
    for n in range(min_n, max_n + 1):
        out.extend(w[i : i + n] for i in range(max(1, len(w) - n + 1)))
        if len(w) <= n:  # a short word is counted once, at its shortest n
            break
    return out


class CharNgramTfidf(TransformerMixin, BaseEstimator):
    """TF-IDF of character n-grams within word boundaries, computed word by word.

    The same matrix as ``TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range,
    min_df=min_df, sublinear_tf=sublinear_tf)`` (same n-grams, counts, columns in the same
    sorted order), made fast: ``char_wb`` n-grams never cross a word, so a text's n-gram
    counts are its word counts times each word's n-gram counts. The n-grams are cut once per
    distinct word, not once per occurrence, and the product is one sparse matrix product.

    Parameters
    ----------
    ngram_range : (int, int)
    min_df : int
        N-grams in fewer training texts are dropped.
    sublinear_tf : bool

    Attributes
    ----------
    vocabulary_ : dict
        N-gram to column.
    tfidf_ : TfidfTransformer

    Examples
    --------
    >>> m = CharNgramTfidf(ngram_range=(2, 3), min_df=1).fit_transform(["a sheet", "Sheets"])
    >>> m.shape
    (2, 18)
    """

    def __init__(self, *, ngram_range=(2, 5), min_df=1, sublinear_tf=True):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf

    def _counts(self, X, vocabulary=None):
        """Texts x n-grams counts; with ``vocabulary`` None, also the n-grams (unsorted)."""
        texts = list(X.iloc[:, 0] if isinstance(X, pd.DataFrame) else X)
        words = CountVectorizer(analyzer=_lower_words, dtype=np.int64)
        try:
            W = words.fit_transform(texts)
        except ValueError:  # no words at all
            if vocabulary is None:
                raise ValueError("no words in the texts: nothing to make n-grams of") from None
            return sp.csr_matrix((len(texts), len(vocabulary)), dtype=np.int64), vocabulary
        grow = vocabulary is None
        vocabulary = {} if grow else vocabulary
        min_n, max_n = self.ngram_range
        rows, cols = [], []
        for i, word in enumerate(words.get_feature_names_out()):
            for gram in _word_ngrams(word, min_n, max_n):
                j = vocabulary.get(gram)
                if j is None:
                    if not grow:
                        continue
                    j = vocabulary[gram] = len(vocabulary)
                rows.append(i)
                cols.append(j)
        M = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.int64), (rows, cols)),
            shape=(W.shape[1], len(vocabulary)),
        )  # duplicates (a gram twice in a word) are summed
        return sp.csr_matrix(W @ M), vocabulary

    def fit_transform(self, X, y=None):
        C, vocabulary = self._counts(X)
        df = np.bincount(C.indices, minlength=C.shape[1])
        grams = np.array(list(vocabulary), dtype=object)
        kept = np.flatnonzero(df >= self.min_df)
        if not len(kept):
            raise ValueError("After pruning, no terms remain. Try a lower min_df.")
        kept = kept[np.argsort(grams[kept], kind="stable")]
        C = C[:, kept]
        C.sort_indices()
        self.vocabulary_ = {g: i for i, g in enumerate(grams[kept])}
        self.tfidf_ = TfidfTransformer(sublinear_tf=self.sublinear_tf)
        return self.tfidf_.fit_transform(C)

    def fit(self, X, y=None):
        self.fit_transform(X)
        return self

    def transform(self, X):
        C, _ = self._counts(X, self.vocabulary_)
        C.sort_indices()
        return self.tfidf_.transform(C)

    def get_feature_names_out(self, input_features=None):
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.get), dtype=object)


def feature_union(
    *,
    words: tuple[int, int] | None = (1, 2),
    chars: tuple[int, int] | None = (2, 5),
    lemmas: bool = False,
    patterns: bool = False,
    embedding: str | None = None,
) -> ColumnTransformer:
    """The transformer from a unit features table to one sparse matrix.

    Word and character n-gram TF-IDF of ``text`` (``None`` turns either off), TF-IDF of
    ``lemmas``, binary pattern-hit indicators from ``patterns``, and embeddings of ``text``
    from an installed sentence-embedding model.

    Examples
    --------
    >>> X = pd.DataFrame({"text": ["the sheet", "a walk"], "patterns": ["x", ""]})
    >>> feature_union(chars=None, patterns=True).fit_transform(X).shape
    (2, 5)
    """
    parts = []
    if words is not None:
        parts.append(
            (
                "words",
                TfidfVectorizer(
                    ngram_range=tuple(words), sublinear_tf=True, min_df=1, dtype=np.float64
                ),
                "text",
            )
        )
    if chars is not None:
        parts.append(
            (
                "chars",
                CharNgramTfidf(ngram_range=tuple(chars), min_df=2, sublinear_tf=True),
                "text",
            )
        )
    if lemmas:
        parts.append(("lemmas", TfidfVectorizer(sublinear_tf=True, token_pattern=r"\S+"), "lemmas"))
    if patterns:
        parts.append(
            (
                "patterns",
                CountVectorizer(
                    tokenizer=_split_codes, token_pattern=None, lowercase=False, binary=True
                ),
                "patterns",
            )
        )
    if embedding is not None:
        parts.append(("embedding", SentenceEmbeddings(embedding), ["text"]))
    if not parts:
        raise ValueError("no features: turn on at least one of words, chars, lemmas, patterns")
    return ColumnTransformer(parts, sparse_threshold=1.0)


__all__ = [
    "CharNgramTfidf",
    "EmbeddingModelError",
    "SentenceEmbeddings",
    "feature_union",
    "load_embedding_model",
    "unit_features",
]
