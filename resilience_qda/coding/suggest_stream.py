"""Learning from coding when the units do not fit in memory: hashed features, ``partial_fit``.

scikit-learn's documented out-of-core path: a :class:`~sklearn.feature_extraction.text.
HashingVectorizer` needs no vocabulary (each chunk of units is featurised on its own) and a
linear classifier per code learns one chunk at a time with ``partial_fit``. Training reads
a Dask DataFrame (or any iterable of DataFrames) one partition at a time, so memory holds
one partition; prediction maps the fitted model over a Dask DataFrame's partitions, on the
cluster when a client is active.

This trades the calibrated, per-code thresholded :class:`~resilience_qda.coding.
suggest_model.CodeSuggester` for a model that scales: probabilities come from logistic
loss and one threshold serves every code. Use the CodeSuggester while the units fit in
memory (hundreds of thousands of sentences do).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.utils.validation import check_is_fitted


class StreamingSuggester(ClassifierMixin, BaseEstimator):
    """One logistic-loss SGD classifier per code over hashed word n-grams, trained chunk by
    chunk.

    Parameters
    ----------
    n_features : int
        Hash buckets (``2**20``: collisions are rare for a corpus's vocabulary).
    ngram_range : (int, int)
        Word n-grams.
    alpha : float
        L2 regularisation of the SGD classifiers.
    threshold : float
        Probability from which :meth:`predict` gives a code.
    random_state : int

    Examples
    --------
    >>> X = ["the sheet on the table", "a long walk outside", "a quiet week"] * 20
    >>> Y = np.array([[1, 0], [0, 1], [0, 0]] * 20)
    >>> m = StreamingSuggester(random_state=0)
    >>> for i in range(0, 60, 15):
    ...     m = m.partial_fit(X[i:i + 15], Y[i:i + 15])
    >>> m.predict(["the framework sheet", "a walk"]).tolist()
    [[1, 0], [0, 1]]
    """

    def __init__(
        self, *, n_features=2**20, ngram_range=(1, 2), alpha=1e-5, threshold=0.5, random_state=0
    ):
        self.n_features = n_features
        self.ngram_range = ngram_range
        self.alpha = alpha
        self.threshold = threshold
        self.random_state = random_state

    def _vectorizer(self) -> HashingVectorizer:
        return HashingVectorizer(
            n_features=self.n_features,
            ngram_range=tuple(self.ngram_range),
            alternate_sign=False,
            norm="l2",
            lowercase=True,
        )

    def partial_fit(self, X, Y, classes=None):
        """Learn from one chunk: ``X`` texts, ``Y`` 0/1 of shape (n_units, n_codes) (a
        DataFrame's columns name the codes; the first chunk fixes them)."""
        texts = _texts(X)
        names = (
            np.array([str(c) for c in Y.columns], dtype=object) if hasattr(Y, "columns") else None
        )
        Y = np.asarray(Y)
        if Y.ndim == 1:
            Y = Y[:, None]
        if len(Y) != len(texts):
            raise ValueError(f"Y has {len(Y)} rows for {len(texts)} units")
        if not np.isin(Y, (0, 1)).all():
            raise ValueError("Y must hold 0/1 only: one column per code")
        if not hasattr(self, "estimators_"):
            self.classes_ = names if names is not None else np.arange(Y.shape[1])
            self.estimators_ = [
                SGDClassifier(loss="log_loss", alpha=self.alpha, random_state=self.random_state)
                for _ in range(Y.shape[1])
            ]
            self.n_seen_ = 0
            self.n_examples_ = np.zeros(Y.shape[1], dtype="int64")
        elif Y.shape[1] != len(self.estimators_):
            raise ValueError(f"Y has {Y.shape[1]} codes; this model learns {len(self.estimators_)}")
        if not len(texts):
            return self
        F = self._vectorizer().transform(texts)
        for j, est in enumerate(self.estimators_):
            est.partial_fit(F, Y[:, j], classes=np.array([0, 1]))
        self.n_seen_ += len(texts)
        self.n_examples_ += Y.sum(axis=0).astype("int64")
        return self

    def fit(self, X, Y):
        """Forget, then learn from one chunk (see :func:`fit_streaming` for many)."""
        for name in ("estimators_", "classes_", "n_seen_", "n_examples_"):
            self.__dict__.pop(name, None)
        return self.partial_fit(X, Y)

    def predict_proba(self, X) -> np.ndarray:
        """Probability of each code, shape (n_units, n_codes)."""
        check_is_fitted(self, "estimators_")
        texts = _texts(X)
        if not len(texts):
            return np.zeros((0, len(self.estimators_)))
        F = self._vectorizer().transform(texts)
        return np.column_stack([e.predict_proba(F)[:, 1] for e in self.estimators_])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X) >= self.threshold).astype("int64")


def _texts(X) -> list[str]:
    if isinstance(X, pd.DataFrame):
        if "text" not in X:
            raise ValueError(f"X needs a 'text' column; it has {list(X.columns)}")
        X = X["text"]
    return [str(x) for x in X]


def _chunks(data) -> Iterable[pd.DataFrame]:
    """A Dask DataFrame's partitions, computed one at a time, or the DataFrames given."""
    if hasattr(data, "partitions") and hasattr(data, "npartitions"):
        for i in range(data.npartitions):
            yield data.partitions[i].compute()
    else:
        yield from data


def fit_streaming(data, codes: Sequence[str], *, epochs: int = 3, **params) -> StreamingSuggester:
    """Train a :class:`StreamingSuggester` on units that need not fit in memory.

    Parameters
    ----------
    data : dask.dataframe.DataFrame or iterable of DataFrame
        Units with a ``text`` column and one 0/1 column per code of ``codes``; a Dask
        DataFrame is read one partition at a time (an iterable is read once per epoch, so
        give a list or a Dask DataFrame for more than one epoch).
    codes : list of str
    epochs : int
        Passes over the data.

    Examples
    --------
    >>> units = pd.DataFrame({"text": ["a sheet", "a walk", "a day"] * 10,
    ...                       "tools": [1, 0, 0] * 10})
    >>> fit_streaming([units[:15], units[15:]], ["tools"]).predict(["the sheet"]).tolist()
    [[1]]
    """
    model = StreamingSuggester(**params)
    codes = list(codes)
    for _ in range(max(1, epochs)):
        for chunk in _chunks(data):
            missing = [c for c in codes if c not in chunk.columns]
            if missing:
                raise ValueError(f"the units have no column for code(s) {missing}")
            model.partial_fit(chunk[["text"]], chunk[codes].astype("int64"))
    if not hasattr(model, "estimators_"):
        raise ValueError("no units to learn from: the data are empty")
    return model


def predict_partitions(model: StreamingSuggester, units):
    """Each unit's probability per code, as a Dask DataFrame mapped over the partitions of
    ``units`` (a Dask DataFrame with ``text``): computed where the partitions live, on the
    cluster of the active client. Columns: ``units``' own (but ``text``), then one per code.
    """
    check_is_fitted(model, "estimators_")
    names = [str(c) for c in model.classes_]

    def score(part: pd.DataFrame) -> pd.DataFrame:
        out = part.drop(columns="text")
        proba = model.predict_proba(part[["text"]])
        for j, name in enumerate(names):
            out[name] = proba[:, j]
        return out

    meta = units._meta.drop(columns="text")
    for name in names:
        meta[name] = pd.Series(dtype="float64")
    return units.map_partitions(score, meta=meta)
