"""The code suggester: a scikit-learn estimator learning a coder's codes from coded units.

Multi-label, one code per column. Each unit's features (word and character n-gram TF-IDF,
optionally lemmas, codebook pattern hits, installed sentence embeddings; see
:mod:`resilience_qda.coding.suggest_features`) feed one linear classifier per code
(one-vs-rest), calibrated by :class:`~sklearn.calibration.CalibratedClassifierCV` (Platt
scaling) over folds *grouped by document*. The out-of-fold probabilities of that
calibration give each code its threshold: the one keeping the most out-of-fold recall
while the out-of-fold precision reaches ``target_precision``. Codes with too few coded
units or documents are reported and never predicted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from .suggest_features import feature_union

#: Above this many training units the default classifier is a linear SVM trained by SGD
#: (linear time), below it liblinear's exact linear SVM.
LARGE = 20_000

#: Values of ``status_``.
FITTED = "fitted"
TOO_FEW = "too few examples"
BELOW_TARGET = "below target precision"


def default_estimator(n_units: int, random_state=0):
    """The per-code linear classifier used when ``estimator=None``.

    A linear SVM with balanced class weights: liblinear's up to :data:`LARGE` units, above
    that one trained by averaged SGD (4 passes), whose cost grows linearly with the data.
    Either is calibrated afterwards, so only its ranking matters.
    """
    if n_units <= LARGE:
        return LinearSVC(C=0.1, class_weight="balanced")
    return SGDClassifier(
        loss="hinge",
        alpha=1e-4,
        class_weight="balanced",
        max_iter=4,  # with averaging, a few passes over 20,000+ units are enough
        tol=None,
        average=True,
        random_state=random_state,
    )


class CodeSuggester(ClassifierMixin, BaseEstimator):
    """Learn which codes a coder gives a unit of text; suggest them with a probability.

    Parameters
    ----------
    words : (int, int) or None
        Word n-gram range of the TF-IDF features of ``text`` (``None``: none).
    chars : (int, int) or None
        Character n-gram range (within word boundaries) of ``text`` (``None``: none).
    lemmas : bool
        Use the ``lemmas`` column of ``X`` (see
        :func:`~resilience_qda.coding.suggest_features.unit_features`).
    patterns : bool
        Use the ``patterns`` column of ``X`` (codebook pattern hits).
    embedding : str, optional
        An installed sentence-transformers model to embed ``text`` with (never downloaded).
    estimator : classifier, optional
        The per-code linear classifier (cloned for each code and fold); default
        :func:`default_estimator`.
    cv : int
        Folds (grouped by document) of the calibration, at most the number of documents
        holding the code.
    min_examples : int
        Codes with fewer coded units are not learned (``status_`` says so).
    min_documents : int
        Codes coded in fewer documents are not learned: they cannot be calibrated on
        documents the classifier has not seen.
    target_precision : float
        Each code's threshold keeps the most out-of-fold recall at which the (smoothed)
        out-of-fold precision reaches this; a code that never reaches it is not predicted.
    n_jobs : int, optional
        Codes fitted in parallel (threads).
    random_state : int

    Attributes
    ----------
    classes_ : ndarray of str
        The codes, in the column order of ``Y`` and of :meth:`predict_proba`.
    features_ : ColumnTransformer
        The fitted feature transformer.
    estimators_ : list
        One fitted ``CalibratedClassifierCV`` per code, ``None`` for codes not learned.
    status_ : ndarray of str
        ``"fitted"``, ``"too few examples"`` or ``"below target precision"`` per code.
    n_examples_, n_documents_ : ndarray of int
        Coded units and documents per code in the training data.
    oof_proba_ : ndarray of shape (n_units, n_codes)
        Out-of-fold calibrated probabilities (NaN for codes not learned).
    thresholds_ : ndarray of float
        Probability threshold per code (``inf``: never predicted).
    cv_precision_, cv_recall_ : ndarray of float
        Out-of-fold precision and recall at the threshold.

    Examples
    --------
    >>> X = pd.DataFrame({"text": ["the sheet on the table", "a long walk outside",
    ...     "I kept the sheet", "walking to work", "we met on Monday", "a quiet week"] * 4})
    >>> Y = pd.DataFrame({"artefacts": [1, 0, 1, 0, 0, 0] * 4, "body": [0, 1, 0, 1, 0, 0] * 4})
    >>> docs = np.repeat(np.arange(4), 6)
    >>> model = CodeSuggester(chars=None, min_examples=2).fit(X, Y, groups=docs)
    >>> p = model.predict_proba(pd.DataFrame({"text": ["the framework sheet", "a walk"]}))
    >>> (p > 0.5).tolist()
    [[True, False], [False, True]]
    >>> model.summary()[["code", "status", "n_examples", "n_documents"]].values.tolist()
    [['artefacts', 'fitted', 8, 4], ['body', 'fitted', 8, 4]]
    """

    def __init__(
        self,
        *,
        words=(1, 2),
        chars=(2, 5),
        lemmas=False,
        patterns=False,
        embedding=None,
        estimator=None,
        cv=3,
        min_examples=5,
        min_documents=2,
        target_precision=0.8,
        n_jobs=None,
        random_state=0,
    ):
        self.words = words
        self.chars = chars
        self.lemmas = lemmas
        self.patterns = patterns
        self.embedding = embedding
        self.estimator = estimator
        self.cv = cv
        self.min_examples = min_examples
        self.min_documents = min_documents
        self.target_precision = target_precision
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------------ fitting

    def fit(self, X, Y, groups=None):
        """Learn every code of ``Y`` from the units ``X``.

        Parameters
        ----------
        X : DataFrame or sequence of str
            Unit features (a ``text`` column, plus ``lemmas``/``patterns`` when used), or
            the units' texts.
        Y : DataFrame or array of shape (n_units, n_codes)
            1 where the coder gave the unit the code. A DataFrame's columns name the codes.
        groups : array-like, optional
            The document of each unit; calibration folds never split a document. Without
            it every unit is its own group.
        """
        X = _as_frame(X)
        Y, classes = _as_labels(Y, len(X))
        if not 0 < self.target_precision <= 1:
            raise ValueError(f"target_precision must be in (0, 1]; got {self.target_precision}")
        groups = np.arange(len(X)) if groups is None else np.asarray(groups)
        if len(groups) != len(X):
            raise ValueError(f"groups has {len(groups)} entries for {len(X)} units")
        self.classes_ = classes
        self.features_ = feature_union(
            words=self.words,
            chars=self.chars,
            lemmas=self.lemmas,
            patterns=self.patterns,
            embedding=self.embedding,
        )
        F = _fit_transform_unique(self.features_, X)
        base = self.estimator if self.estimator is not None else default_estimator(len(X))
        learnable, self.n_examples_, self.n_documents_ = self.learnable(Y, groups)
        fitted = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(self._fit_code)(base, F, Y[:, j], groups) if learnable[j] else delayed(_none)()
            for j in range(Y.shape[1])
        )
        n, k = len(X), Y.shape[1]
        self.estimators_ = [f[0] if f else None for f in fitted]
        self.oof_proba_ = np.full((n, k), np.nan)
        self.thresholds_ = np.full(k, np.inf)
        self.cv_precision_ = np.full(k, np.nan)
        self.cv_recall_ = np.full(k, np.nan)
        self.status_ = np.array([FITTED if ok else TOO_FEW for ok in learnable], dtype=object)
        for j, f in enumerate(fitted):
            if not f:
                continue
            self.oof_proba_[:, j] = f[1]
            t, p, r = _threshold(Y[:, j], f[1], self.target_precision)
            self.thresholds_[j], self.cv_precision_[j], self.cv_recall_[j] = t, p, r
            if not np.isfinite(t):
                self.status_[j] = BELOW_TARGET
        self.n_features_in_ = X.shape[1]
        return self

    def learnable(self, Y, groups) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which codes (columns of ``Y``) have enough examples to learn, with the coded
        units and documents of each: ``(learnable, n_examples, n_documents)``."""
        Y, groups = np.asarray(Y), np.asarray(groups)
        n_examples = Y.sum(axis=0).astype("int64")
        n_documents = np.array(
            [len(np.unique(groups[Y[:, j] == 1])) for j in range(Y.shape[1])], dtype="int64"
        )
        ok = (n_examples >= self.min_examples) & (n_documents >= max(2, self.min_documents))
        ok &= n_examples < len(Y)  # a code on every unit has nothing to learn
        return ok, n_examples, n_documents

    def _fit_code(self, base, F, y, groups):
        pos_groups = len(np.unique(groups[y == 1]))
        splitter = StratifiedGroupKFold(
            n_splits=min(self.cv, pos_groups), shuffle=True, random_state=self.random_state
        )
        splits = [
            (train, test)
            for train, test in splitter.split(F, y, groups)
            if 0 < y[train].sum() < len(train)
        ]
        model = CalibratedClassifierCV(clone(base), method="sigmoid", cv=splits, ensemble=True)
        model.fit(F, y)
        oof = np.full(len(y), np.nan)
        for (_, test), calibrated in zip(splits, model.calibrated_classifiers_, strict=True):
            oof[test] = calibrated.predict_proba(F[test])[:, 1]
        return model, oof

    # ------------------------------------------------------------------ predicting

    def predict_proba(self, X) -> np.ndarray:
        """Probability of each code for each unit, shape (n_units, n_codes); 0 for codes
        not learned."""
        check_is_fitted(self, "estimators_")
        X = _as_frame(X)
        out = np.zeros((len(X), len(self.classes_)))
        if not len(X):
            return out
        F = _transform_unique(self.features_, X)
        for j, model in enumerate(self.estimators_):
            if model is not None:
                out[:, j] = model.predict_proba(F)[:, 1]
        return out

    def predict(self, X) -> np.ndarray:
        """1 where a code's probability reaches its threshold, shape (n_units, n_codes)."""
        return (self.predict_proba(X) >= self.thresholds_).astype("int64")

    def uncertainty(self, X) -> np.ndarray:
        """How unsure the model is about each unit: the largest binary entropy (bits) of
        its learned codes' probabilities (1 = a coin toss on some code, 0 = sure of all)."""
        p = np.clip(self.predict_proba(X)[:, self.status_ != TOO_FEW], 1e-12, 1 - 1e-12)
        if not p.shape[1]:
            return np.zeros(len(p))
        return (-(p * np.log2(p) + (1 - p) * np.log2(1 - p))).max(axis=1)

    def summary(self) -> pd.DataFrame:
        """One row per code: ``code, status, n_examples, n_documents, threshold,
        cv_precision, cv_recall`` (out-of-fold, at the threshold)."""
        check_is_fitted(self, "estimators_")
        return pd.DataFrame(
            {
                "code": self.classes_,
                "status": self.status_,
                "n_examples": self.n_examples_,
                "n_documents": self.n_documents_,
                "threshold": self.thresholds_,
                "cv_precision": self.cv_precision_,
                "cv_recall": self.cv_recall_,
            }
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.string = True
        return tags


def _none():
    return None


def _as_frame(X) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        if "text" not in X:
            raise ValueError(f"X needs a 'text' column; it has {list(X.columns)}")
        return X.reset_index(drop=True)
    return pd.DataFrame({"text": pd.Series(list(X), dtype=object)})


def _as_labels(Y, n: int) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(Y, pd.DataFrame):
        classes = np.array([str(c) for c in Y.columns], dtype=object)
        values = Y.to_numpy()
    else:
        values = np.asarray(Y)
        if values.ndim == 1:
            values = values[:, None]
        classes = np.arange(values.shape[1])
    if values.shape[0] != n:
        raise ValueError(f"Y has {values.shape[0]} rows for {n} units")
    if not np.isin(values, (0, 1)).all():
        raise ValueError("Y must hold 0/1 (or False/True) only: one column per code")
    return values.astype("int64"), classes


#: Columns of a unit features table that features are made from.
FEATURE_COLUMNS = ("text", "lemmas", "patterns")


def _unique_rows(X: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Distinct feature rows of X and the index of each row among them (repeated units
    such as "Yes." or a repeated prompt are featurised once)."""
    X = X[[c for c in FEATURE_COLUMNS if c in X.columns]]
    keys = X.astype(str).agg("\x1f".join, axis=1) if X.shape[1] > 1 else X.iloc[:, 0]
    codes, _ = pd.factorize(keys, sort=False)
    first = pd.Series(np.arange(len(codes))).groupby(codes, sort=True).first().to_numpy()
    return X.iloc[first].reset_index(drop=True), codes


def _fit_transform_unique(features, X: pd.DataFrame):
    distinct, inverse = _unique_rows(X)
    return _expand(sp.csr_matrix(features.fit_transform(distinct)), inverse)


def _transform_unique(features, X: pd.DataFrame):
    distinct, inverse = _unique_rows(X)
    return _expand(sp.csr_matrix(features.transform(distinct)), inverse)


def _expand(F, inverse: np.ndarray):
    """The rows of the distinct units' matrix back in unit order (no copy when every unit
    is distinct and in order)."""
    if len(inverse) == F.shape[0] and (inverse == np.arange(len(inverse))).all():
        return F
    return F[inverse]


def _threshold(y: np.ndarray, proba: np.ndarray, target: float) -> tuple[float, float, float]:
    """The threshold keeping the most out-of-fold recall while precision reaches ``target``
    (the highest such threshold), with that precision and recall; ``inf`` (and NaN) when
    no threshold reaches the target.

    Precision is judged by its Laplace-smoothed estimate ``(tp + 1) / (tp + fp + 2)`` (the
    posterior mean under a uniform prior), so one lucky unit (1 of 1 right) does not pass
    for a precision of 1: 3 of 3 right reach 0.8, 1 of 1 only 0.67. The returned precision
    is the raw one.
    """
    seen = ~np.isnan(proba)
    y, proba = y[seen], proba[seen]
    positives = y.sum()
    if not positives:
        return np.inf, np.nan, np.nan
    order = np.argsort(-proba, kind="stable")
    p_sorted, y_sorted = proba[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(p_sorted)), len(p_sorted) - 1]  # end of each tie run
    tp = np.cumsum(y_sorted)[last].astype("float64")
    predicted = (last + 1).astype("float64")
    thresholds = p_sorted[last]
    precision, recall = tp / predicted, tp / positives
    smoothed = (tp + 1) / (predicted + 2)
    ok = np.flatnonzero(smoothed >= target - 1e-12)
    if not len(ok):
        return np.inf, np.nan, np.nan
    # the most recall the target allows, at the highest threshold that keeps it (lower ones
    # would add only false positives); thresholds descend here
    best = recall[ok].max()
    i = ok[recall[ok] >= best - 1e-12][0]
    return float(thresholds[i]), float(precision[i]), float(recall[i])


__all__ = ["BELOW_TARGET", "FITTED", "TOO_FEW", "CodeSuggester", "default_estimator"]
