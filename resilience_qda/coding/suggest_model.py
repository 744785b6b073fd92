"""The code suggester: a scikit-learn estimator learning a coder's codes from coded units.

Multi-label, one code per column. Each unit's features (word and character n-gram TF-IDF,
optionally lemmas, codebook pattern hits, installed sentence embeddings; see
:mod:`resilience_qda.coding.suggest_features`) feed one linear classifier per code
(one-vs-rest), calibrated by Platt scaling over folds *grouped by document*, as
:class:`~sklearn.calibration.CalibratedClassifierCV` does per code; here the folds are
shared by the codes, so each fold slices the features once and calibrates every code in
one vectorised step. The out-of-fold probabilities of that
calibration give each code its threshold: the one keeping the most out-of-fold recall
while the out-of-fold precision reaches ``target_precision``. Codes with too few coded
units or documents are reported and never predicted.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import DataConversionWarning
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.svm import LinearSVC
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .suggest_features import feature_union

#: Above this many training units the default classifier is a linear SVM trained by SGD
#: (linear time), below it liblinear's exact linear SVM.
LARGE = 20_000

#: Values of ``target_``: what kind of target the model was fitted on.
MULTILABEL, BINARY, MULTICLASS = "multi-label", "binary", "multiclass"

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
        Per code, its classifiers with their Platt sigmoids (one per calibration fold;
        ``.cv`` holds the folds), ``None`` for codes not learned.
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
        X : DataFrame, sequence of str, or array of shape (n_units, n_features)
            Unit features (a ``text`` column, plus ``lemmas``/``patterns`` when used), or
            the units' texts; or numeric features already made (dense or sparse), used as
            they are.
        Y : DataFrame or array of shape (n_units, n_codes), or array of shape (n_units,)
            1 where the coder gave the unit the code (multi-label: one column per code,
            each with its own threshold). A DataFrame's columns name the codes. A 1-D
            target holds one label per unit (binary or multiclass, any label values):
            each label is learned like a code and :meth:`predict` returns the most
            probable label.
        groups : array-like, optional
            The document of each unit; calibration folds never split a document. Without
            it every unit is its own group.
        """
        if not 0 < self.target_precision <= 1:
            raise ValueError(f"target_precision must be in (0, 1]; got {self.target_precision}")
        X, F = self._inputs(X, fit=True)
        Y, self.classes_, self.target_ = _targets(Y, X.shape[0])
        n = X.shape[0]
        groups = np.arange(n) if groups is None else np.asarray(groups)
        if len(groups) != n:
            raise ValueError(f"groups has {len(groups)} entries for {n} units")
        if F is None:
            self.features_ = feature_union(
                words=self.words,
                chars=self.chars,
                lemmas=self.lemmas,
                patterns=self.patterns,
                embedding=self.embedding,
            )
            F = _fit_transform_unique(self.features_, X)
        else:
            self.features_ = None
        base = self.estimator if self.estimator is not None else default_estimator(n)
        learnable, self.n_examples_, self.n_documents_ = self.learnable(Y, groups)
        k = Y.shape[1]
        self.estimators_ = [None] * k
        self.oof_proba_ = np.full((n, k), np.nan)
        for splits, codes in self._split_plan(Y, groups, learnable):
            for j, code_model in zip(
                codes, self._fit_codes(base, F, Y, splits, codes), strict=True
            ):
                self.estimators_[j] = code_model
                self.oof_proba_[:, j] = code_model.oof_
        self.thresholds_ = np.full(k, np.inf)
        self.cv_precision_ = np.full(k, np.nan)
        self.cv_recall_ = np.full(k, np.nan)
        self.status_ = np.array([FITTED if ok else TOO_FEW for ok in learnable], dtype=object)
        for j, model in enumerate(self.estimators_):
            if model is None:
                continue
            t, p, r = _threshold(Y[:, j], model.oof_, self.target_precision)
            self.thresholds_[j], self.cv_precision_[j], self.cv_recall_[j] = t, p, r
            if not np.isfinite(t):
                self.status_[j] = BELOW_TARGET
        return self

    def _inputs(self, X, *, fit: bool):
        """``(X, F)``: texts as a unit features table with ``F = None``, or numeric
        features validated by scikit-learn with ``F`` the matrix to learn from."""
        if _is_text(X):
            X = _as_frame(X)
            if fit:
                self.n_features_in_ = X.shape[1]
            if not len(X) and fit:
                raise ValueError(
                    "Found array with 0 sample(s) (shape=(0, 1)) while a minimum "
                    "of 1 is required: X holds no units"
                )
            return X, None
        F = validate_data(
            self, X, reset=fit, accept_sparse="csr", dtype="numeric", ensure_min_samples=1
        )
        F = sp.csr_matrix(F) if sp.issparse(F) else np.asarray(F, dtype="float64")
        return F, F

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

    def _split_plan(self, Y, groups, learnable) -> list[tuple[list, list[int]]]:
        """Calibration folds, shared by every code where they serve it: ``[(splits,
        codes)]``.

        One set of folds grouped by document (stratified by each unit's rarest code)
        serves all codes whose positive documents it spreads over at least two folds, so
        each fold's classifiers are trained on one slice of the features and calibrated
        together. A rare code whose documents all
        fall into one shared fold gets folds of its own, stratified by document
        (scikit-learn's ``StratifiedGroupKFold``), as before sharing.
        """
        codes = np.flatnonzero(learnable)
        if not len(codes):
            return []
        n_groups = len(np.unique(groups))
        # stratify on each unit's rarest learnable code (0: none), the usual stand-in for
        # multi-label stratification
        rarity = np.argsort(np.argsort(Y[:, codes].sum(axis=0), kind="stable"), kind="stable")
        rank = np.where(Y[:, codes] == 1, rarity + 1, len(codes) + 1).min(axis=1)
        strata = np.where(rank > len(codes), 0, rank)
        with warnings.catch_warnings():  # strata of rare codes may be smaller than the folds
            warnings.filterwarnings("ignore", "The least populated class", UserWarning)
            shared = list(
                StratifiedGroupKFold(
                    n_splits=min(self.cv, n_groups), shuffle=True, random_state=self.random_state
                ).split(np.zeros(len(groups)), strata, groups)
            )
        plan: list[tuple[list, list[int]]] = [(shared, [])]
        for j in codes:
            y = Y[:, j]
            usable = [(tr, te) for tr, te in shared if 0 < y[tr].sum() < len(tr)]
            covered = sum(int(y[te].sum()) for _, te in usable) == int(y.sum())
            if len(usable) >= 2 and covered:
                plan[0][1].append(int(j))
                continue
            pos_groups = len(np.unique(groups[y == 1]))
            own = StratifiedGroupKFold(
                n_splits=min(self.cv, pos_groups), shuffle=True, random_state=self.random_state
            )
            plan.append((list(own.split(np.zeros(len(y)), y, groups)), [int(j)]))
        return [(splits, c) for splits, c in plan if c]

    def _fit_codes(self, base, F, Y, splits, codes) -> list[_CalibratedCode]:
        """Fit ``codes`` (columns of ``Y``) on the same folds: per fold one slice of the
        features, one classifier per code, and one vectorised Platt calibration of all
        codes on the fold's held-out units (as ``CalibratedClassifierCV(method="sigmoid",
        ensemble=True)`` does per code)."""
        members: dict[int, list] = {j: [] for j in codes}
        oof = {j: np.full(len(Y), np.nan) for j in codes}
        for train, test in splits:
            usable = [j for j in codes if 0 < Y[train, j].sum() < len(train)]
            if not usable:
                continue
            F_train, F_test = F[train], F[test]
            models = Parallel(n_jobs=self.n_jobs, prefer="threads")(
                delayed(_fit_one)(base, F_train, Y[train, j]) for j in usable
            )
            D = np.column_stack([_decision(m, F_test) for m in models])
            a, b = platt(D, Y[np.ix_(test, usable)])
            P = _sigmoid(D * a + b)
            for col, (j, m) in enumerate(zip(usable, models, strict=True)):
                members[j].append((m, a[col], b[col]))
                oof[j][test] = P[:, col]
        used = [(train, test) for train, test in splits]
        return [_CalibratedCode(members[j], used, oof[j]) for j in codes]

    # ------------------------------------------------------------------ predicting

    def predict_proba(self, X) -> np.ndarray:
        """Probability of each code for each unit, shape (n_units, n_codes); 0 for codes
        not learned. For a 1-D target, the probability of each label (rows sum to 1)."""
        check_is_fitted(self, "estimators_")
        X, F = self._inputs(X, fit=False)
        out = self._code_proba(X, F)
        if self.target_ == MULTILABEL:
            return out
        if self.target_ == BINARY:
            return np.column_stack([1 - out[:, 0], out[:, 0]])
        prior = self.n_examples_ / max(self.n_examples_.sum(), 1)
        total = out.sum(axis=1, keepdims=True)
        return np.where(total > 0, out / np.where(total > 0, total, 1), prior)

    def _code_proba(self, X, F) -> np.ndarray:
        out = np.zeros((X.shape[0], len(self.estimators_)))
        if not X.shape[0]:
            return out
        if F is None:
            F = _transform_unique(self.features_, X)
        for j, model in enumerate(self.estimators_):
            if model is not None:
                out[:, j] = model.predict_proba(F)[:, 1]
            elif self.target_ != MULTILABEL and self.n_examples_[j] == len(self.oof_proba_):
                out[:, j] = 1.0  # the only label seen
        return out

    def predict(self, X) -> np.ndarray:
        """1 where a code's probability reaches its threshold, shape (n_units, n_codes);
        for a 1-D target, the most probable label of each unit."""
        proba = self.predict_proba(X)
        if self.target_ == MULTILABEL:
            return (proba >= self.thresholds_).astype("int64")
        return self.classes_[np.argmax(proba, axis=1)]

    def uncertainty(self, X) -> np.ndarray:
        """How unsure the model is about each unit: the largest binary entropy (bits) of
        its learned codes' probabilities (1 = a coin toss on some code, 0 = sure of all)."""
        check_is_fitted(self, "estimators_")
        X, F = self._inputs(X, fit=False)
        p = self._code_proba(X, F)[:, self.status_ != TOO_FEW]
        p = np.clip(p, 1e-12, 1 - 1e-12)
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
        tags.classifier_tags.multi_label = True
        tags.input_tags.string = True
        tags.input_tags.sparse = True
        return tags


class _CalibratedCode:
    """One code's classifiers (one per calibration fold), each with its Platt sigmoid;
    the probability is their mean, as in ``CalibratedClassifierCV(ensemble=True)``.

    Attributes: ``members`` (``(classifier, a, b)`` per fold), ``cv`` (the folds, as
    ``(train, test)`` index arrays) and ``oof_`` (out-of-fold probabilities).
    """

    def __init__(self, members: list, cv: list, oof: np.ndarray):
        self.members, self.cv, self.oof_ = members, cv, oof

    def predict_proba(self, F) -> np.ndarray:
        p = np.mean([_sigmoid(a * _decision(m, F) + b) for m, a, b in self.members], axis=0)
        return np.column_stack([1 - p, p])


def _fit_one(base, F, y):
    return clone(base).fit(F, y)


def _decision(model, F) -> np.ndarray:
    if hasattr(model, "decision_function"):
        return np.asarray(model.decision_function(F), dtype="float64").ravel()
    return np.asarray(model.predict_proba(F), dtype="float64")[:, 1]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def platt(D: np.ndarray, Y: np.ndarray, *, max_iter: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Platt scaling of many classifiers at once: ``a, b`` per column of ``D`` such that
    ``sigmoid(a * D + b)`` best fits the 0/1 labels ``Y`` (Platt's smoothed targets,
    ``(n+ + 1) / (n+ + 2)`` and ``1 / (n- + 2)``), by Newton's method with a backtracking
    step, vectorised over the columns. Same optimum as scikit-learn's sigmoid calibration.

    Examples
    --------
    >>> d = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> a, b = platt(d, np.array([[0], [0], [1], [1]]))
    >>> bool(a[0] > 0), round(float(b[0]), 6)
    (True, 0.0)
    """
    D = np.asarray(D, dtype="float64")
    Y = np.asarray(Y) > 0
    scale = np.maximum(np.abs(D).max(axis=0, initial=0.0), 1.0)
    S = D / scale  # invariant: a is rescaled back below
    n_pos = Y.sum(axis=0)
    n_neg = len(Y) - n_pos
    T = np.where(Y, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

    def loss(a, b):
        z = S * a + b
        return (np.logaddexp(0, z) - T * z).sum(axis=0)

    a = np.zeros(D.shape[1])
    b = np.log((n_neg + 1.0) / (n_pos + 1.0)) * -1.0
    current = loss(a, b)
    for _ in range(max_iter):
        p = _sigmoid(S * a + b)
        r = p - T
        ga, gb = (r * S).sum(axis=0), r.sum(axis=0)
        w = p * (1 - p) + 1e-12
        haa, hab, hbb = (w * S * S).sum(axis=0), (w * S).sum(axis=0), w.sum(axis=0)
        det = haa * hbb - hab * hab + 1e-12
        da, db = (hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det
        step = np.ones_like(a)
        for _ in range(30):  # backtrack where the full step does not lower the loss
            trial = loss(a - step * da, b - step * db)
            worse = trial > current + 1e-12
            if not worse.any():
                break
            step = np.where(worse, step / 2, step)
        trial = loss(a - step * da, b - step * db)
        better = trial <= current + 1e-12
        a = np.where(better, a - step * da, a)
        b = np.where(better, b - step * db, b)
        done = np.abs(current - trial) <= 1e-10 * (1 + np.abs(current))
        current = np.where(better, trial, current)
        if done.all():
            break
    return a / scale, b


def _as_frame(X) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        if "text" not in X:
            raise ValueError(f"X needs a 'text' column; it has {list(X.columns)}")
        return X.reset_index(drop=True)
    return pd.DataFrame({"text": pd.Series(list(X), dtype=object)})


def _is_text(X) -> bool:
    """Texts (a unit features table, or a sequence of strings) rather than numbers."""
    if isinstance(X, pd.DataFrame):  # numeric columns only: features already made
        return not len(X.columns) or not all(
            pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t) for t in X.dtypes
        )
    if isinstance(X, pd.Series):
        return True
    if isinstance(X, (list, tuple)):
        return all(isinstance(x, str) for x in X)
    if isinstance(X, np.ndarray):
        return X.ndim == 1 and X.dtype.kind in "UO" and all(isinstance(x, str) for x in X)
    return False


def _targets(Y, n: int) -> tuple[np.ndarray, np.ndarray, str]:
    """``(Y01, classes, kind)``: a 0/1 matrix with one column per code or label, the code
    or label of each column, and the kind of target (multi-label, binary, multiclass)."""
    if Y is None:
        raise ValueError(
            "CodeSuggester requires y to be passed, but the target y is None: give the "
            "codes of the units"
        )
    if isinstance(Y, pd.DataFrame):
        values, classes = Y.to_numpy(), np.array([str(c) for c in Y.columns], dtype=object)
    else:
        values = np.asarray(Y)
        classes = None
        if values.ndim == 2 and values.shape[1] == 1 and not np.isin(values, (0, 1)).all():
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; read as one "
                "label per unit",
                DataConversionWarning,
                stacklevel=3,
            )
            values = values.ravel()
    if values.shape[0] != n:
        raise ValueError(f"Y has {values.shape[0]} rows for {n} units")
    if values.ndim == 1:  # one label per unit
        check_classification_targets(values)
        classes, codes = np.unique(values, return_inverse=True)
        onehot = np.zeros((n, len(classes)), dtype="int64")
        onehot[np.arange(n), codes] = 1
        if len(classes) == 2:
            return onehot[:, 1:], classes, BINARY
        return onehot, classes, MULTICLASS
    if values.ndim != 2:
        raise ValueError(f"Y must be 1-D labels or a 2-D 0/1 table; got {values.ndim} dims")
    if not np.isin(values, (0, 1)).all():
        raise ValueError("Y must hold 0/1 (or False/True) only: one column per code")
    if classes is None:
        classes = np.arange(values.shape[1])
    return values.astype("int64"), classes, MULTILABEL


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
