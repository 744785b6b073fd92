"""How far to trust the suggestions: the model scored against the coder like a second coder.

Cross-validation grouped by document (a document is never in both the training and the
test side), the code suggester refitted on each training side (its calibration and
thresholds chosen inside that side only), its suggestions on the test side pooled over
the folds and scored per code with :func:`resilience_qda.core.scoring.score_coder`:
the same table, counts and Cohen's kappa (:func:`resilience_qda.core.stats.kappa_2x2`)
as the rules coder's scores and the human-human agreement, which are put beside it on the
same units. :func:`learning_curve` shows how agreement grows with the number of coded
documents, so the researcher sees when hand coding stops paying.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score
from sklearn.model_selection import GroupKFold

from ..core.model import Project
from ..core.scoring import SCORE_COLUMNS, score_coder
from ..core.stats import kappa_2x2
from .suggest import MODEL_NAME, SuggestError, TrainingData, training_data
from .suggest_model import TOO_FEW, CodeSuggester

#: Columns of :func:`evaluate`: the scoring table's, then what the model knew.
EVALUATION_COLUMNS = (
    *SCORE_COLUMNS,
    "scope",
    "status",
    "n_examples",
    "n_documents",
    "average_precision",
)
#: Columns of :func:`learning_curve`.
CURVE_COLUMNS = (
    "n_documents",
    "code",
    "units",
    "both",
    "coder_only",
    "reference_only",
    "neither",
    "precision",
    "recall",
    "f1",
    "kappa",
    "average_precision",
)
#: The ``code`` of the pooled (micro-averaged) rows.
ALL_CODES = "(all codes)"


def cross_validated(
    data: TrainingData,
    *,
    cv: int = 5,
    doc_ids: Sequence[str] | None = None,
    random_state: int = 0,
    **params,
) -> tuple[np.ndarray, np.ndarray, CodeSuggester]:
    """Out-of-fold suggestions for the coded units, folds grouped by document.

    Returns ``(predicted, proba, model)``: 0/1 and probabilities, shape (coded units,
    codes), each from a model that never saw the unit's document; ``model`` is fitted on
    every coded unit (its ``status_`` says which codes have enough examples at all).
    """
    coded = data.coded
    X, Y = data.X(coded), data.Y(coded).to_numpy()
    groups = X["doc_id"].to_numpy()
    docs = np.unique(groups)
    if len(docs) < 3:
        raise SuggestError(
            f"cross-validation needs at least 3 coded documents; {data.coder!r} has coded "
            f"{len(docs)}"
        )
    predicted = np.zeros_like(Y)
    proba = np.zeros(Y.shape)
    folds = GroupKFold(n_splits=min(cv, len(docs)), shuffle=True, random_state=random_state)
    for train, test in folds.split(X, Y, groups):
        model = CodeSuggester(random_state=random_state, **params)
        model.fit(X.iloc[train], Y[train], groups=groups[train])
        proba[test] = model.predict_proba(X.iloc[test])
        predicted[test] = proba[test] >= model.thresholds_
    full = CodeSuggester(random_state=random_state, **params)
    full.fit(X, data.Y(coded), groups=groups)
    return predicted, proba, full


def _training(project, coder, codes, unit, interviewer, params) -> TrainingData:
    """The training data :func:`evaluate` and :func:`learning_curve` share."""
    return training_data(
        project,
        coder=coder,
        codes=codes,
        unit=unit,
        interviewer=interviewer,
        lemmas=params.get("lemmas", False),
        patterns=params.get("patterns", False),
    )


def evaluate(
    project: Project,
    *,
    coder: str,
    codes: Iterable[str] | None = None,
    unit: str = "sentence",
    against: Iterable[str | pd.DataFrame] = (),
    cv: int = 5,
    name: str = MODEL_NAME,
    interviewer: bool = False,
    random_state: int = 0,
    **params,
) -> pd.DataFrame:
    """Cross-validated agreement of the suggestions with a coder, per code, beside others'.

    Parameters
    ----------
    project : Project
    coder : str
        The reference: the coder whose coding is learned.
    codes, unit, interviewer
        As for :func:`~resilience_qda.coding.suggest.training_data`.
    against : iterable of str or DataFrame
        Other coders to score against the same reference on the same units: names of
        coders in the project (a second human coder, a rules coder) or codings tables
        (e.g. from :func:`resilience_qda.coding.rules.code`). Each is scored on the
        units of the documents it coded (all documents for rules), and the model is scored
        again on exactly those units (``scope`` names them).
    cv : int
        Folds, grouped by document.
    name : str
        The model's coder name is ``model:<name>``.
    **params
        Parameters of :class:`~resilience_qda.coding.suggest_model.CodeSuggester`.

    Returns
    -------
    DataFrame
        One row per (coder, code, scope): the columns of
        :func:`~resilience_qda.core.scoring.score_coder` (``coder, reference, code,
        units, both, coder_only, reference_only, neither, precision, recall, f1, p_o, p_e,
        kappa``), then ``scope`` (``"all coded"`` or ``"coded by <other>"``), ``status``
        (``fitted``, ``below target precision``, ``too few examples``: the model's, on all
        the coded units), ``n_examples`` and ``n_documents`` (coded units and documents of
        the code), and for the model ``average_precision``: how well its out-of-fold
        probabilities rank the coder's units, whatever the threshold (the share of coded
        units is what chance gives). Codes with too few examples are listed with no model
        figures. Each coder also gets a row ``code="(all codes)"`` pooling the counts of
        the codes the model learned (its ``units`` counts unit-code decisions).

    Examples
    --------
    >>> table = evaluate(read_project("data/sample"), coder="A", against=["B"])  # doctest: +SKIP
    """
    data = _training(project, coder, codes, unit, interviewer, params)
    predicted, proba, full = cross_validated(data, cv=cv, random_state=random_state, **params)
    model_coder = f"model:{name}"
    coded_units = data.features.loc[data.coded, ["doc_id", "unit", "start", "end"]]
    coded_units = coded_units.reset_index(drop=True)
    status = full.summary().set_index("code")
    learned = [c for c in data.codes if status.loc[c, "status"] != TOO_FEW]
    reference = _unit_codings(coded_units, data.Y(data.coded).to_numpy(), data.codes, coder)
    suggested = _unit_codings(coded_units, predicted, data.codes, model_coder)

    truth = data.Y(data.coded).to_numpy()

    def ranked(table: pd.DataFrame, where: np.ndarray) -> pd.DataFrame:
        """The model's rows with the average precision of its out-of-fold ranking."""
        ap = {
            c: _average_precision(truth[where, j], proba[where, j])
            for j, c in enumerate(data.codes)
        }
        return table.assign(average_precision=table["code"].map(ap))

    everywhere = np.ones(len(coded_units), dtype=bool)
    frames = [
        ranked(
            _score(reference, suggested, coded_units, learned, "all coded", model_coder), everywhere
        )
    ]
    for other in against:
        rows, who, docs = _other_codings(project, other, data.codes)
        scope_units = coded_units
        scope = "all coded"
        if docs is not None:  # a person: their documents, and the model again on them
            scope_units = coded_units[coded_units["doc_id"].isin(docs)]
            scope = f"coded by {who}"
            where = coded_units["doc_id"].isin(docs).to_numpy()
            frames.append(
                ranked(
                    _score(reference, suggested, scope_units, learned, scope, model_coder), where
                )
            )
        frames.append(_score(reference, rows, scope_units, data.codes, scope, who, learned))
    table = pd.concat([f for f in frames if len(f)], ignore_index=True)
    too_few = [c for c in data.codes if c not in learned]
    if too_few:
        table = pd.concat(
            [
                table,
                pd.DataFrame(
                    {
                        "coder": model_coder,
                        "reference": coder,
                        "code": too_few,
                        "scope": "all coded",
                    }
                ),
            ],
            ignore_index=True,
        )
    info = status[["status", "n_examples", "n_documents"]]
    table = table.join(info, on="code")
    for col in (
        "units",
        "both",
        "coder_only",
        "reference_only",
        "neither",
        "n_examples",
        "n_documents",
    ):
        table[col] = table[col].astype("Int64")
    return table[list(EVALUATION_COLUMNS)].reset_index(drop=True)


def _average_precision(y: np.ndarray, p: np.ndarray) -> float:
    """Average precision of a ranking (threshold free); NaN without positives."""
    return float(average_precision_score(y, p)) if y.sum() else np.nan


def _score(
    reference: pd.DataFrame,
    rows: pd.DataFrame,
    units_: pd.DataFrame,
    codes: list[str],
    scope: str,
    who: str,
    pooled: list[str] | None = None,
) -> pd.DataFrame:
    """score_coder of ``who``'s ``rows`` against ``reference`` on ``units_``, with a pooled
    row over the ``pooled`` codes (default all ``codes``)."""
    if not codes or not len(units_):
        return pd.DataFrame(columns=[*SCORE_COLUMNS, "scope"])
    ref_name = reference["coder"].iloc[0] if len(reference) else "reference"
    # a row outside every unit keeps a coder who suggested nothing in the table
    placeholder = pd.DataFrame(
        {"doc_id": ["\x00"], "start": [0], "end": [1], "code": [codes[0]], "coder": [who]}
    )
    both = pd.concat([reference, rows, placeholder], ignore_index=True)
    both = both.astype({"start": "int64", "end": "int64"})
    table = score_coder(
        both,
        reference=ref_name,
        units=units_,
        coder=who,
        codes=codes,
    )
    table = pd.concat([table, _pooled(table, pooled or codes)], ignore_index=True)
    return table.assign(scope=scope)


def _unit_codings(units_: pd.DataFrame, Y: np.ndarray, codes: list[str], coder: str):
    """A codings table with one row per 1 in ``Y``: the unit's span, the code, the coder."""
    i, j = np.nonzero(Y)
    return pd.DataFrame(
        {
            "doc_id": units_["doc_id"].to_numpy()[i],
            "start": units_["start"].to_numpy()[i],
            "end": units_["end"].to_numpy()[i],
            "code": np.asarray(codes, dtype=object)[j],
            "coder": coder,
        }
    )


def _other_codings(
    project: Project, other, codes: list[str]
) -> tuple[pd.DataFrame, str, set[str] | None]:
    """Another coder's codings with codes rolled up to the evaluated ``codes``, its name,
    and the documents that bound its scope (those a person coded; ``None``, every coded
    document, for rules and models, which code everything they are run on)."""
    if isinstance(other, str):
        rows = project.codings[project.codings["coder"] == other]
        if not len(rows):
            raise SuggestError(
                f"no codings by coder {other!r} to compare with (coders: "
                f"{', '.join(project.coders)})"
            )
        who = other
    else:
        rows = other
        names = sorted(set(rows["coder"])) if len(rows) else []
        who = names[0] if len(names) == 1 else "other"
    machine = "source" in rows and rows["source"].isin(["rules", "model"]).all()
    docs = None if machine else set(rows["doc_id"])
    out = [pd.DataFrame(columns=["doc_id", "start", "end", "code", "coder"])]
    for code in codes:
        hit = (rows["code"] == code) | rows["code"].str.startswith(code + "/")
        out.append(rows.loc[hit, ["doc_id", "start", "end"]].assign(code=code, coder=who))
    return pd.concat(out, ignore_index=True), who, docs


def _pooled(table: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    rows = table[table["code"].isin(codes)]
    if not len(rows):
        return pd.DataFrame(columns=table.columns)
    a, b, c, d = (int(rows[k].sum()) for k in ("both", "coder_only", "reference_only", "neither"))
    return pd.DataFrame(
        [
            {
                "coder": rows["coder"].iloc[0],
                "reference": rows["reference"].iloc[0],
                "code": ALL_CODES,
                "units": a + b + c + d,  # unit-code decisions
                **_metrics(a, b, c, d),
            }
        ]
    )


def _metrics(a, b, c, d) -> dict:
    p_o, p_e, kappa = kappa_2x2(a, b, c, d)
    return {
        "both": a,
        "coder_only": b,
        "reference_only": c,
        "neither": d,
        "precision": a / (a + b) if a + b else np.nan,
        "recall": a / (a + c) if a + c else np.nan,
        "f1": 2 * a / (2 * a + b + c) if a + b + c else np.nan,
        "p_o": p_o,
        "p_e": p_e,
        "kappa": kappa,
    }


def learning_curve(
    project: Project,
    *,
    coder: str,
    codes: Iterable[str] | None = None,
    unit: str = "sentence",
    sizes: Sequence[int] | None = None,
    cv: int = 5,
    interviewer: bool = False,
    random_state: int = 0,
    **params,
) -> pd.DataFrame:
    """Agreement of the suggestions with the coder against the number of coded documents.

    For each fold of a cross-validation grouped by document, the model is trained on the
    first ``n`` documents (in a random order) of the training side and scored on the test
    side; counts are pooled over the folds.

    Parameters
    ----------
    sizes : sequence of int, optional
        Numbers of training documents; default from 2 up to all, at most 8 steps.
    Other parameters as for :func:`evaluate`.

    Returns
    -------
    DataFrame
        One row per (n_documents, code), and ``code="(all codes)"`` pooling every code:
        ``n_documents, code, units, both, coder_only, reference_only, neither, precision,
        recall, f1, kappa`` (at the thresholds chosen in training) and
        ``average_precision`` (of the held-out probabilities: ranking, threshold free).
        Codes are those learned from all the coded documents.

    Examples
    --------
    >>> curve = learning_curve(read_project("data/sample"), coder="A")  # doctest: +SKIP
    >>> curve[curve["code"] == "(all codes)"][["n_documents", "kappa"]]  # doctest: +SKIP
    """
    data = _training(project, coder, codes, unit, interviewer, params)
    coded = data.coded
    X, Y = data.X(coded), data.Y(coded).to_numpy()
    groups = X["doc_id"].to_numpy()
    docs = np.unique(groups)
    if len(docs) < 3:
        raise SuggestError(
            f"a learning curve needs at least 3 coded documents; {coder!r} has coded {len(docs)}"
        )
    n_folds = min(cv, len(docs))
    largest = len(docs) - int(np.ceil(len(docs) / n_folds))
    if sizes is None:
        sizes = sorted({round(float(x)) for x in np.geomspace(2, max(largest, 2), 8)})
    sizes = sorted({min(int(s), largest) for s in sizes if s >= 2})
    if not sizes:
        raise SuggestError("sizes must include a number of documents of at least 2")
    rng = np.random.default_rng(random_state)
    counts = {n: np.zeros((Y.shape[1], 4), dtype="int64") for n in sizes}
    scores = {n: np.zeros(Y.shape) for n in sizes}  # out-of-fold probabilities
    folds = GroupKFold(n_splits=n_folds, shuffle=True, random_state=random_state)
    for train, test in folds.split(X, Y, groups):
        order = rng.permutation(np.unique(groups[train]))
        for n in sizes:
            keep = train[np.isin(groups[train], order[:n])]
            model = CodeSuggester(random_state=random_state, **params)
            model.fit(X.iloc[keep], Y[keep], groups=groups[keep])
            scores[n][test] = model.predict_proba(X.iloc[test])
            pred = (scores[n][test] >= model.thresholds_).astype("int64")
            y = Y[test]
            counts[n] += np.stack(
                [
                    (pred & y).sum(0),
                    (pred & (1 - y)).sum(0),
                    ((1 - pred) & y).sum(0),
                    ((1 - pred) & (1 - y)).sum(0),
                ],
                axis=1,
            )
    learned = CodeSuggester(**params).learnable(Y, groups)[0]
    rows = []
    for n in sizes:
        for j in np.flatnonzero(learned):
            a, b, c, d = (int(v) for v in counts[n][j])
            ap = _average_precision(Y[:, j], scores[n][:, j])
            rows.append(
                {
                    "n_documents": n,
                    "code": data.codes[j],
                    "units": len(Y),
                    **_metrics(a, b, c, d),
                    "average_precision": ap,
                }
            )
        a, b, c, d = (int(v) for v in counts[n][learned].sum(0))
        # pooled ranking: every (unit, code) decision of the learned codes in one ranking
        ap = _average_precision(Y[:, learned].ravel(), scores[n][:, learned].ravel())
        rows.append(
            {
                "n_documents": n,
                "code": ALL_CODES,
                "units": a + b + c + d,
                **_metrics(a, b, c, d),
                "average_precision": ap,
            }
        )
    return pd.DataFrame(rows, columns=[*CURVE_COLUMNS, "p_o", "p_e"])[list(CURVE_COLUMNS)]


__all__ = [
    "ALL_CODES",
    "CURVE_COLUMNS",
    "EVALUATION_COLUMNS",
    "cross_validated",
    "evaluate",
    "learning_curve",
]
