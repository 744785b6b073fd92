"""Learning from the researcher's own coding: suggest codes for the units not yet coded.

The researcher codes some documents; :class:`~resilience_qda.coding.suggest_model.CodeSuggester`
learns from the units of those documents (a unit the coder left uncoded in a document they
coded is a "no" for every code) and suggests codes, with a probability, for the units of the
documents the coder has not coded yet. Each code's threshold is chosen on cross-validation
grouped by document to reach a target precision; codes with too few examples are reported,
never suggested. :mod:`resilience_qda.coding.suggest_eval` measures the model against the
coder as a second coder would be measured.

The review loop: :func:`review_queue` orders the uncoded units (or documents) by how unsure
the model is about them, so that coding them teaches it most (uncertainty sampling), and
:func:`accept_suggestions` turns the suggestions a coder accepts into that coder's codings,
with their provenance in ``evidence``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import CodingsError, QDAError
from ..core.model import Project, validate_codings
from ..core.units import UNITS, code_units, units
from .suggest_features import unit_features
from .suggest_model import TOO_FEW, CodeSuggester

#: Default name of the model coder: codings are written as ``model:<name>``.
MODEL_NAME = "tfidf-svm"


class SuggestError(QDAError, ValueError):
    """Learning from coding is impossible as asked (unknown coder, no coded documents...)."""


@dataclass(frozen=True)
class TrainingData:
    """The units of a project with a coder's codes, ready for :class:`CodeSuggester`.

    Attributes
    ----------
    features : DataFrame
        One row per unit: ``doc_id, unit, start, end, text`` (+ ``lemmas``, ``patterns``)
        and ``coded`` (the unit lies in a document the coder has coded).
    labels : DataFrame
        0/1 per unit (rows aligned with ``features``) and code (columns); all 0 in
        documents the coder has not coded.
    coder, unit : str
    """

    features: pd.DataFrame
    labels: pd.DataFrame
    coder: str
    unit: str

    @property
    def codes(self) -> list[str]:
        return list(self.labels.columns)

    @property
    def coded(self) -> np.ndarray:
        return self.features["coded"].to_numpy(bool)

    @property
    def doc_ids(self) -> list[str]:
        """The documents the coder has coded."""
        return sorted(set(self.features.loc[self.coded, "doc_id"]))

    def X(self, which: np.ndarray | None = None) -> pd.DataFrame:
        """Feature rows (all, or a boolean mask / positions)."""
        rows = self.features if which is None else self.features[which]
        return rows.drop(columns=["coded"]).reset_index(drop=True)

    def Y(self, which: np.ndarray | None = None) -> pd.DataFrame:
        rows = self.labels if which is None else self.labels[which]
        return rows.reset_index(drop=True)


def training_data(
    project: Project,
    *,
    coder: str,
    codes: Iterable[str] | None = None,
    unit: str = "sentence",
    doc_ids: Iterable[str] | None = None,
    interviewer: bool = False,
    lemmas: bool = False,
    patterns: bool = False,
    min_overlap: float = 0.0,
) -> TrainingData:
    """A coder's codes on the units of a project.

    Parameters
    ----------
    project : Project
    coder : str
        Whose coding to learn.
    codes : iterable of str, optional
        Codes to learn; default every code the coder used. A code with codes below it
        stands for them all (a unit coded ``themes/more-reflexive`` carries ``themes``).
    unit : {"sentence", "turn", "paragraph", "document"}
    doc_ids : iterable of str, optional
        Documents the coder has read through besides those holding their codings (units
        in them count as "no code").
    interviewer : bool
        Keep the interviewer's turns (default: left out).
    lemmas, patterns : bool
        Add the lemma and codebook-pattern features (spaCy runs, offline).
    min_overlap : float
        Passed to :func:`~resilience_qda.core.units.code_units`.

    Examples
    --------
    >>> data = training_data(read_project("data/sample"), coder="A")  # doctest: +SKIP
    >>> data.labels.sum().sort_values().tail(3)  # doctest: +SKIP
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}; got {unit!r}")
    mine = project.codings[project.codings["coder"] == coder]
    if not len(mine):
        known = ", ".join(project.coders) or "none"
        raise SuggestError(
            f"coder {coder!r} has no codings in the project (coders: {known}); code some "
            "documents first, or name another coder"
        )
    wanted = _codes(mine, codes)
    coded_docs = set(mine["doc_id"]) | set(doc_ids or ())
    missing = sorted(coded_docs - set(project.corpus.doc_ids))
    if missing:
        raise SuggestError(f"documents not in the project: {', '.join(missing)}")
    table = units(project.corpus, unit)
    if not interviewer:
        table = table[~table["interviewer"].astype(bool)]
    table = table.reset_index(drop=True)
    features = unit_features(
        project.corpus,
        table,
        lemmas=lemmas,
        patterns=project.codebook if patterns else None,
        unit=unit,
    )
    features["coded"] = features["doc_id"].isin(coded_docs).to_numpy()
    carried = code_units(mine, table, min_overlap=min_overlap)
    labels = pd.DataFrame(0, index=features.index, columns=wanted, dtype="int64")
    if len(carried):
        position = pd.Series(
            features.index, index=pd.MultiIndex.from_frame(table[["doc_id", "unit"]])
        )
        rows = position.reindex(pd.MultiIndex.from_frame(carried[["doc_id", "unit"]])).to_numpy()
        for j, code in enumerate(wanted):
            hit = (carried["code"] == code) | carried["code"].str.startswith(code + "/")
            labels.iloc[rows[hit.to_numpy()], j] = 1
    return TrainingData(features, labels, coder, unit)


def _codes(mine: pd.DataFrame, codes: Iterable[str] | None) -> list[str]:
    used = sorted(set(mine["code"]))
    if codes is None:
        return used
    wanted = [codes] if isinstance(codes, str) else list(dict.fromkeys(codes))
    unknown = [c for c in wanted if not any(u == c or u.startswith(c + "/") for u in used)]
    if unknown:
        raise SuggestError(
            f"the coder never used code(s) {', '.join(unknown)} (nor codes below them); "
            f"codes used: {', '.join(used)}"
        )
    return wanted


def fit_suggester(
    project: Project,
    *,
    coder: str,
    codes: Iterable[str] | None = None,
    unit: str = "sentence",
    doc_ids: Iterable[str] | None = None,
    interviewer: bool = False,
    **params,
) -> tuple[CodeSuggester, TrainingData]:
    """Fit a :class:`CodeSuggester` (with ``params``) on the units a coder has coded.

    Returns the fitted model and the :class:`TrainingData` (every unit of the project).

    Examples
    --------
    >>> model, data = fit_suggester(read_project("data/sample"), coder="A")  # doctest: +SKIP
    >>> model.summary()  # doctest: +SKIP
    """
    model = CodeSuggester(**params)
    data = training_data(
        project,
        coder=coder,
        codes=codes,
        unit=unit,
        doc_ids=doc_ids,
        interviewer=interviewer,
        lemmas=model.lemmas,
        patterns=model.patterns,
    )
    coded = data.coded
    if len(data.doc_ids) < 2:
        raise SuggestError(
            f"coder {coder!r} has coded {len(data.doc_ids)} document(s); learning needs at "
            "least 2 (codes are calibrated on documents the model has not seen)"
        )
    groups = data.features.loc[coded, "doc_id"].to_numpy()
    model.fit(data.X(coded), data.Y(coded), groups=groups)
    return model, data


def suggest(
    project: Project,
    *,
    coder: str,
    codes: Iterable[str] | None = None,
    unit: str = "sentence",
    name: str = MODEL_NAME,
    doc_ids: Iterable[str] | None = None,
    interviewer: bool = False,
    fitted: tuple[CodeSuggester, TrainingData] | None = None,
    **params,
) -> pd.DataFrame:
    """Suggest codes for the units of the documents a coder has not coded yet.

    Parameters
    ----------
    project : Project
    coder : str
        Whose coding to learn from.
    codes, unit, documents, interviewer
        As for :func:`training_data`.
    name : str
        The suggestions' coder is ``model:<name>``.
    fitted : (CodeSuggester, TrainingData), optional
        What :func:`fit_suggester` returned, to reuse it instead of fitting again.
    **params
        Parameters of :class:`CodeSuggester` (``target_precision``, ``lemmas``, ...).

    Returns
    -------
    DataFrame
        A codings table: one row per (unit, code) whose probability reaches the code's
        threshold, ``source="model"``, ``coder="model:<name>"``, ``score`` the probability,
        and ``evidence`` saying what the model learned from.

    Examples
    --------
    >>> suggestions = suggest(read_project("data/sample"), coder="A")  # doctest: +SKIP
    """
    model, data = (
        fitted
        if fitted is not None
        else fit_suggester(
            project,
            coder=coder,
            codes=codes,
            unit=unit,
            doc_ids=doc_ids,
            interviewer=interviewer,
            **params,
        )
    )
    todo = ~data.coded
    rows = data.features[todo].reset_index(drop=True)
    proba = model.predict_proba(data.X(todo)) if len(rows) else np.zeros((0, len(model.classes_)))
    hit_unit, hit_code = np.nonzero(proba >= model.thresholds_)
    trained = len(data.doc_ids)
    notes = [
        f"learned from {data.coder}'s coding of {trained} document(s); threshold {t:.3f} "
        f"for cross-validated precision {p:.2f} (recall {r:.2f})"
        for t, p, r in zip(model.thresholds_, model.cv_precision_, model.cv_recall_, strict=True)
    ]
    table = pd.DataFrame(
        {
            "doc_id": rows["doc_id"].to_numpy()[hit_unit],
            "start": rows["start"].to_numpy()[hit_unit],
            "end": rows["end"].to_numpy()[hit_unit],
            "code": model.classes_[hit_code],
            "coder": f"model:{name}",
            "source": "model",
            "score": proba[hit_unit, hit_code],
            "evidence": np.array(notes, dtype=object)[hit_code] if len(notes) else [],
        }
    )
    return validate_codings(table, project.corpus, origin="suggestions")


def review_queue(
    project: Project,
    *,
    coder: str,
    by: str = "unit",
    fitted: tuple[CodeSuggester, TrainingData] | None = None,
    **options,
) -> pd.DataFrame:
    """The uncoded units (or documents) ordered by how much coding them would teach the model.

    Uncertainty sampling: a unit's ``uncertainty`` is the largest binary entropy of its
    learned codes' probabilities (1 bit: a coin toss on some code); a document's is the
    mean over its units (information per unit of coding effort; ``total`` is the sum).

    Parameters
    ----------
    project : Project
    coder : str
    by : {"unit", "document"}
    fitted : (CodeSuggester, TrainingData), optional
        What :func:`fit_suggester` returned.
    **options
        Passed to :func:`fit_suggester` when ``fitted`` is not given.

    Returns
    -------
    DataFrame
        By unit: ``doc_id, unit, start, end, text, uncertainty, code`` (the code the model
        is least sure of), ``probability`` (of that code), ``suggested`` (codes over their
        thresholds, ``"; "``-joined). By document: ``doc_id, units, uncertainty, total,
        suggested`` (number of suggestions). Most uncertain first.

    Examples
    --------
    >>> review_queue(read_project("data/sample"), coder="A", by="document")  # doctest: +SKIP
    """
    if by not in ("unit", "document"):
        raise ValueError(f"by must be 'unit' or 'document'; got {by!r}")
    model, data = fitted if fitted is not None else fit_suggester(project, coder=coder, **options)
    todo = ~data.coded
    rows = data.features.loc[todo, ["doc_id", "unit", "start", "end", "text"]]
    rows = rows.reset_index(drop=True)
    proba = model.predict_proba(data.X(todo)) if len(rows) else np.zeros((0, len(model.classes_)))
    learned = np.flatnonzero(model.status_ != TOO_FEW)  # below-target codes need examples most
    if len(learned):
        p = np.clip(proba[:, learned], 1e-12, 1 - 1e-12)
        entropy = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
        worst = entropy.argmax(axis=1)
        rows["uncertainty"] = entropy.max(axis=1)
        rows["code"] = model.classes_[learned][worst]
        rows["probability"] = p[np.arange(len(rows)), worst]
    else:  # nothing learned: nothing to be unsure about
        rows["uncertainty"], rows["code"], rows["probability"] = 0.0, None, np.nan
    over = proba >= model.thresholds_
    rows["suggested"] = ["; ".join(model.classes_[o]) for o in over]
    rows["n_suggested"] = over.sum(axis=1)
    if by == "unit":
        rows = rows.drop(columns="n_suggested")
        return rows.sort_values(
            ["uncertainty", "doc_id", "unit"], ascending=[False, True, True], kind="stable"
        ).reset_index(drop=True)
    docs = rows.groupby("doc_id", sort=True).agg(
        units=("unit", "size"),
        uncertainty=("uncertainty", "mean"),
        total=("uncertainty", "sum"),
        suggested=("n_suggested", "sum"),
    )
    return docs.sort_values("uncertainty", ascending=False, kind="stable").reset_index()


def accept_suggestions(
    codings: pd.DataFrame,
    suggestions: pd.DataFrame,
    *,
    coder: str,
    accept: Sequence | np.ndarray | pd.Series | None = None,
    reject: Sequence | np.ndarray | pd.Series | None = None,
) -> pd.DataFrame:
    """Write the suggestions a coder accepts into that coder's codings, with provenance.

    Accepted rows become the coder's own (``coder``, ``source="manual"``: a person decided),
    with ``evidence`` saying where they came from (``"accepted from model:tfidf-svm, score
    0.912"``) and no ``score`` (people have none). Rejected rows are left out. Once a
    document holds any of the coder's codings, every unit of it they did not code counts as
    "not this code" when the model learns again: review a document's suggestions together.

    Parameters
    ----------
    codings : DataFrame
        Codings table; the coder's rows are kept, other coders' rows are dropped.
    suggestions : DataFrame
        Rows from :func:`suggest` (or any model's codings).
    coder : str
    accept, reject : index labels or boolean mask of ``suggestions``
        Give one: with ``accept``, the rest are rejected; with ``reject``, the rest are
        accepted.

    Returns
    -------
    DataFrame
        The coder's codings: their previous rows and the accepted suggestions, validated
        and sorted (write them with :func:`resilience_qda.write_codings`).

    Examples
    --------
    >>> s = pd.DataFrame({"doc_id": ["d", "d"], "start": [0, 6], "end": [5, 9],
    ...     "code": ["x", "y"], "coder": "model:tfidf-svm", "source": "model", "score": [.9, .6]})
    >>> mine = pd.DataFrame({"doc_id": ["e"], "start": [0], "end": [2], "code": ["x"],
    ...     "coder": "A", "source": "manual", "score": [None]})
    >>> out = accept_suggestions(mine, s, coder="A", accept=[0])
    >>> out[["doc_id", "code", "source", "evidence"]].values.tolist()
    [['d', 'x', 'manual', 'accepted from model:tfidf-svm, score 0.900'], ['e', 'x', 'manual', nan]]
    """
    if (accept is None) == (reject is None):
        raise ValueError("give either accept= or reject= (the suggestions not named get the other)")
    chosen = _selection(suggestions, accept if accept is not None else reject)
    keep = chosen if accept is not None else ~chosen
    taken = suggestions[keep]
    mine = codings[codings["coder"] == coder]
    if "evidence" not in mine:
        mine = mine.assign(evidence=pd.Series(np.nan, index=mine.index, dtype=object))
    if not len(taken):
        return validate_codings(mine, origin=f"codings of {coder}")
    score = pd.to_numeric(taken["score"], errors="coerce")
    provenance = [
        f"accepted from {who}" + (f", score {s:.3f}" if s == s else "")
        for who, s in zip(taken["coder"], score, strict=True)
    ]
    added = taken[["doc_id", "start", "end", "code"]].assign(
        coder=coder, source="manual", score=np.nan, evidence=provenance
    )
    table = pd.concat([mine, added], ignore_index=True)
    dupes = table.duplicated(["doc_id", "start", "end", "code"], keep="first")
    return validate_codings(table[~dupes], origin=f"codings of {coder}")


def _selection(table: pd.DataFrame, which) -> np.ndarray:
    which = np.asarray(which)
    if which.dtype == bool:
        if len(which) != len(table):
            raise CodingsError(
                f"a boolean selection needs one value per suggestion ({len(table)}); got "
                f"{len(which)}"
            )
        return which
    unknown = sorted(set(which.tolist()) - set(table.index.tolist()), key=str)
    if unknown:
        raise CodingsError(
            f"no suggestion(s) with index {', '.join(map(str, unknown[:5]))}; pass labels of "
            "the suggestions table's index"
        )
    return table.index.isin(which.tolist())


__all__ = [
    "MODEL_NAME",
    "SuggestError",
    "TrainingData",
    "accept_suggestions",
    "fit_suggester",
    "review_queue",
    "suggest",
    "training_data",
]
