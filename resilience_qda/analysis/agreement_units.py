"""Unit-based agreement: sentences, speaker turns, paragraphs or documents as units.

A unit carries a code for a coder when one of that coder's codings of the code overlaps it
(or covers at least ``min_overlap`` of it; see
:func:`~resilience_qda.core.units.code_units`). Each code is then a yes/no judgement per
unit and per coder, and every coefficient of
:mod:`~resilience_qda.analysis.agreement_coefficients` applies, computed for all codes at
once from the distinct patterns of judgements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..core.model import Corpus
from ..core.units import code_units
from .agreement_coefficients import METHODS, bootstrap_interval, pattern_agreement
from .agreement_data import (
    check_codings,
    group_codings,
    resolve_coders,
    select_codes,
    select_documents,
    text_lengths,
)

_COUNTS = ["a", "b", "c", "d", "o_00", "o_01", "o_11", "n_0", "n_1"]


def unit_matrix(
    codings: pd.DataFrame,
    units_table: pd.DataFrame,
    coders: Sequence[str | Sequence[str]],
    *,
    codes: Sequence[str] | None = None,
    min_overlap: float = 0.0,
    doc_ids: str | Sequence[str] = "shared",
    corpus: Mapping[str, str] | Corpus | None = None,
) -> pd.DataFrame:
    """Every unit x code with each coder's judgement: 1 (carries the code), 0 (does not)
    or NaN (the coder did not see the unit; only with ``doc_ids="own"``).

    Parameters
    ----------
    codings : DataFrame
        The codings table.
    units_table : DataFrame
        ``doc_id, unit, start, end`` (from :func:`resilience_qda.core.units.units`).
    coders : coder names or groups (``"A+C"``)
    codes : list of str, optional
        Default: every code a compared coder used.
    min_overlap : float
        Share of a unit a coder's codings must cover (0: any overlap).
    doc_ids : "shared", "all", "own" or list of doc_ids
        "shared" (default): documents every side coded at least once; "all": every
        document; "own": each side's judgements are missing outside the documents it coded.
        See :func:`~resilience_qda.analysis.agreement_data.select_documents`.
    corpus : Corpus or mapping, optional
        With it, codings running past the end of their text raise a ``CodingsError``.

    Returns
    -------
    DataFrame
        ``doc_id, unit, start, end, code`` and one column per coder label.

    Examples
    --------
    >>> u = pd.DataFrame({"doc_id": ["d", "d"], "unit": [0, 1], "start": [0, 10],
    ...                   "end": [10, 20]})
    >>> c = pd.DataFrame({"doc_id": ["d", "d"], "start": [2, 12], "end": [5, 15],
    ...                   "code": ["x", "x"], "coder": ["A", "B"]})
    >>> unit_matrix(c, u, ["A", "B"])[["A", "B"]].values.tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    core = judgements(codings, units_table, coders, codes, min_overlap, doc_ids, corpus)
    scope, code_list, labels = core["scope"], core["codes"], core["labels"]
    n_codes = len(code_list)
    grid = pd.DataFrame(
        {
            "doc_id": np.repeat(scope["doc_id"].to_numpy(), n_codes),
            "unit": np.repeat(scope["unit"].to_numpy(), n_codes),
            "start": np.repeat(scope["start"].to_numpy(), n_codes),
            "end": np.repeat(scope["end"].to_numpy(), n_codes),
            "code": np.tile(np.array(code_list, dtype=object), len(scope)),
        }
    )
    for j, label in enumerate(labels):
        grid[label] = core["x"][:, j]
    grid.attrs["coders"] = labels
    grid.attrs["doc_ids"] = core["doc_ids"]
    return grid


def judgements(codings, units_table, coders, codes, min_overlap, doc_ids, texts) -> dict:
    """The unit x code judgements as arrays: ``x`` (units*codes x coders, 0/1/NaN; row
    ``u * n_codes + k`` is unit ``u`` of ``scope`` and code ``k``), ``scope`` (the units
    compared), ``codes``, ``labels``, ``doc_ids`` and ``doc_of_unit`` (index into
    ``doc_ids``)."""
    if not 0.0 <= min_overlap <= 1.0:
        raise ValueError(f"min_overlap is a share of a unit, from 0 to 1; got {min_overlap!r}")
    groups = resolve_coders(codings, coders)
    labels = [label for label, _ in groups]
    clash = sorted(set(labels) & {"doc_id", "unit", "start", "end", "code"})
    if clash:
        raise ValueError(f"coder label(s) {clash} clash with column names of the unit matrix")
    if texts is not None:
        lengths = text_lengths(texts)
    else:  # only the documents are known: offsets are checked against the texts elsewhere
        lengths = dict.fromkeys(units_table["doc_id"], np.inf)
    relevant = codings[codings["coder"].astype(str).isin({m for _, ms in groups for m in ms})]
    check_codings(relevant, lengths)
    grouped = group_codings(relevant, groups)
    available = list(dict.fromkeys(units_table["doc_id"]))
    docs, seen = select_documents(grouped, available, labels, doc_ids)
    code_list = select_codes(grouped[grouped["doc_id"].isin(docs)], codes)
    scope = units_table[units_table["doc_id"].isin(docs)][["doc_id", "unit", "start", "end"]]
    scope = scope.reset_index(drop=True)
    grouped = grouped[grouped["doc_id"].isin(docs) & grouped["code"].isin(code_list)]

    carried = code_units(grouped, scope, min_overlap=min_overlap)
    n_codes = len(code_list)
    unit_index = pd.MultiIndex.from_frame(scope[["doc_id", "unit"]])
    row = unit_index.get_indexer(pd.MultiIndex.from_frame(carried[["doc_id", "unit"]]))
    row = row.astype("int64") * n_codes + pd.Index(code_list).get_indexer(carried["code"])
    doc_of_unit = pd.Index(docs).get_indexer(scope["doc_id"]).astype("int64")
    x = np.zeros((len(scope) * n_codes, len(labels)))
    for j, label in enumerate(labels):
        x[row[(carried["coder"] == label).to_numpy()], j] = 1.0
        if seen is not None:
            unseen = ~np.isin(np.array(docs, dtype=object), list(seen[label]))
            x[np.repeat(unseen[doc_of_unit], n_codes), j] = np.nan
    return {
        "x": x,
        "scope": scope,
        "codes": code_list,
        "labels": labels,
        "doc_ids": docs,
        "doc_of_unit": doc_of_unit,
    }


def unit_agreement(
    codings: pd.DataFrame,
    units_table: pd.DataFrame,
    coders: Sequence[str | Sequence[str]],
    *,
    method: str | Sequence[str] = "cohen",
    codes: Sequence[str] | None = None,
    min_overlap: float = 0.0,
    doc_ids: str | Sequence[str] = "shared",
    by_document: bool = False,
    bootstrap: int = 0,
    ci: float = 0.95,
    random_state: int = 0,
    corpus: Mapping[str, str] | Corpus | None = None,
) -> pd.DataFrame:
    """Agreement per code (or per code x document) over units.

    Parameters
    ----------
    method : str or list of str
        ``"cohen"`` (two coders), ``"percent"``, ``"krippendorff"`` (nominal alpha, any
        number of coders, missing data), ``"fleiss"``, ``"brennan-prediger"``, ``"gwet"``
        (AC1), or a list of them.
    by_document : bool
        One row per code x document instead of per code.
    bootstrap : int
        Replicates for a percentile confidence interval (``ci_low``, ``ci_high``) from
        resampling units; 0 for none.
    ci : float
        Coverage of the interval.
    codes, min_overlap, documents, texts
        As for :func:`unit_matrix`.

    Returns
    -------
    DataFrame
        ``method, code, [doc_id,] n_units``, the counts (``a, b, c, d`` for two coders; the
        coincidence matrix ``o_00, o_01, o_11`` with ``n_0, n_1`` for alpha, Fleiss and more
        coders), ``p_o, p_e``, the coefficient under its own name (``kappa``, ``alpha``,
        ``ac1``, ``agreement_pct``), ``undefined`` (0/0: one category only, or no pairable
        unit). Only units rated by two or more coders count (Fleiss: by every coder).

    Examples
    --------
    >>> u = pd.DataFrame({"doc_id": ["d"] * 4, "unit": range(4), "start": [0, 10, 20, 30],
    ...                   "end": [10, 20, 30, 40]})
    >>> c = pd.DataFrame({"doc_id": ["d"] * 3, "start": [0, 12, 0], "end": [5, 15, 5],
    ...                   "code": ["x"] * 3, "coder": ["A", "A", "B"]})
    >>> r = unit_agreement(c, u, ["A", "B"]).iloc[0]
    >>> [int(r[k]) for k in ("n_units", "a", "b", "c", "d")], float(r["kappa"])
    ([4, 1, 1, 0, 2], 0.5)
    """
    methods = [method] if isinstance(method, str) else list(method)
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}; got {m!r}")
    core = judgements(codings, units_table, coders, codes, min_overlap, doc_ids, corpus)
    labels, code_list, docs = core["labels"], core["codes"], core["doc_ids"]
    keys = ["code", "doc_id"] if by_document else ["code"]
    n_codes, x = len(code_list), core["x"]
    digits = np.where(np.isnan(x), 0, x + 1).astype("int64")  # -> 0 missing, 1 no, 2 yes
    pattern_id = digits @ (3 ** np.arange(len(labels), dtype="int64"))
    if len(labels) <= 12:  # few coders: count pattern ids directly (faster than sorting)
        uniq = np.flatnonzero(np.bincount(pattern_id, minlength=3 ** len(labels)))
        lookup = np.zeros(3 ** len(labels), dtype="int64")
        lookup[uniq] = np.arange(len(uniq))
        pattern_index = lookup[pattern_id]
    else:
        uniq, pattern_index = np.unique(pattern_id, return_inverse=True)
    patterns = np.array(
        [[(p // 3**j) % 3 - 1 for j in range(len(labels))] for p in uniq], dtype="float64"
    ).reshape(len(uniq), len(labels))
    patterns[patterns < 0] = np.nan
    code_of_row = np.tile(np.arange(n_codes), len(core["scope"]))
    if by_document:  # groups ordered by code, then document
        doc_of_row = np.repeat(core["doc_of_unit"], n_codes)
        gid = code_of_row * len(docs) + doc_of_row
        group_frame = pd.DataFrame(
            {
                "code": np.repeat(np.array(code_list, dtype=object), len(docs)),
                "doc_id": np.tile(np.array(docs, dtype=object), n_codes),
            }
        )
    else:
        gid = code_of_row
        group_frame = pd.DataFrame({"code": np.array(code_list, dtype=object)})
    weights = np.zeros((len(group_frame), len(uniq)))
    np.add.at(weights, (gid, pattern_index.ravel()), 1.0)
    if by_document:  # documents without units (empty texts) have no rows
        present = weights.sum(axis=1) > 0
        group_frame, weights = group_frame[present].reset_index(drop=True), weights[present]
    order = np.lexsort([group_frame[k].astype(str).to_numpy() for k in reversed(keys)])
    group_frame, weights = group_frame.iloc[order].reset_index(drop=True), weights[order]

    frames = []
    for m in methods:
        res = pattern_agreement(patterns, weights, m)
        name = METHODS[m]
        table = group_frame.copy()
        table.insert(0, "method", m)
        table["n_units"] = res["n_units"].astype("int64")
        for col in _COUNTS:
            if col in res:
                table[col] = res[col].astype("int64") if col in ("a", "b", "c", "d") else res[col]
        table["p_o"], table["p_e"] = res["p_o"], res["p_e"]
        table[name] = res[name]
        table["undefined"] = np.isnan(res[name])
        if name != "agreement_pct":
            table["agreement_pct"] = 100.0 * res["p_o"]
        if bootstrap:
            bounds = [
                bootstrap_interval(
                    patterns, w, m, replicates=bootstrap, ci=ci, random_state=random_state
                )
                for w in weights
            ]
            table["ci_low"] = [b[0] for b in bounds]
            table["ci_high"] = [b[1] for b in bounds]
        frames.append(table)
    out = pd.concat(frames, ignore_index=True)  # methods in the order asked, codes sorted
    order = ["method", *keys, "n_units", *_COUNTS, "p_o", "p_e", "kappa", "alpha", "ac1"]
    order += ["agreement_pct", "undefined", "ci_low", "ci_high"]
    out = out[[c for c in order if c in out.columns]]
    out.attrs["coders"] = labels
    out.attrs["doc_ids"] = docs
    return out
