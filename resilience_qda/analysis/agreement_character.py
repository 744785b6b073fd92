"""NVivo-style coding comparison: character-level agreement per code x source.

For each code and source, every character is coded by both coders (``a``), by the first only
(``b``), by the second only (``c``) or by neither (``d``; uncoded text counts as agreement).
Overlapping codings of one coder (or group) are merged first. Percentage agreement is
``(a + d) / N`` and kappa ``(p_o - p_e) / (1 - p_e)`` with
``p_e = ((a + b)(a + c) + (c + d)(b + d)) / N**2``
(:func:`~resilience_qda.core.stats.kappa_2x2`).

The counts come from interval arithmetic, vectorised over all codings at once (no loop over
characters): ``a = |A| + |B| - |A u B|``, each a sum of merged interval lengths.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..core.model import Corpus
from ..core.stats import kappa_2x2
from .agreement_data import (
    check_codings,
    group_codings,
    no_missing_data,
    resolve_coders,
    select_codes,
    select_documents,
    text_lengths,
    utf16_offsets,
)

COMPARISON_COLUMNS = [
    "code", "doc_id", "n_units", "a", "b", "c", "d",
    "p_o", "p_e", "kappa", "agreement_pct", "undefined",
]  # fmt: skip


def covered_length(group: np.ndarray, start: np.ndarray, end: np.ndarray, n_groups: int):
    """Characters covered by the union of the spans in each group (spans may overlap).

    Spans are sorted once and merged with a running maximum of their ends; groups are kept
    apart by offsetting each group's positions past the previous group's.

    Examples
    --------
    >>> covered_length(np.array([0, 0, 1]), np.array([0, 5, 2]), np.array([10, 12, 4]), 2)
    array([12,  2])
    """
    out = np.zeros(n_groups, dtype="int64")
    if not len(group):
        return out
    group, start, end = (np.asarray(x, dtype="int64") for x in (group, start, end))
    order = np.lexsort((start, group))
    span = int(end.max()) + 1
    ks = group[order] * span + start[order]
    ke = group[order] * span + end[order]
    reach = np.maximum.accumulate(ke)
    opens = np.r_[True, ks[1:] > reach[:-1]]  # a span starting after all before it ended
    first = np.flatnonzero(opens)
    lengths = np.maximum.reduceat(ke, first) - ks[first]
    return np.bincount(group[order][first], weights=lengths, minlength=n_groups).astype("int64")


def coding_comparison(
    codings: pd.DataFrame,
    corpus: Mapping[str, str] | Corpus,
    coders: Sequence[str | Sequence[str]],
    *,
    codes: Sequence[str] | None = None,
    doc_ids: str | Sequence[str] = "shared",
    utf16: bool = False,
    undefined_kappa: float = 1.0,
) -> pd.DataFrame:
    """Character-level agreement of two coders (or groups) per code x source, as NVivo's
    coding comparison query reports it.

    Parameters
    ----------
    codings : DataFrame
        The codings table (``doc_id, start, end, code, coder``).
    corpus : Corpus or mapping ``{doc_id: text}``
        The texts offsets refer to; ``N`` is a source's length.
    coders : two coder names or groups
        e.g. ``["A", "B"]`` or ``["A+C", "B"]`` (a group codes a character if any member
        did).
    codes : list of str, optional
        Default: every code either side used.
    doc_ids : "shared", "all" or list of doc_ids
        "shared" (default) compares the sources both sides coded at least once; "all" every
        source (a source a side never coded counts as uncoded by it, as in NVivo).
    utf16 : bool
        Count characters in UTF-16 code units, as NVivo does (characters outside the Basic
        Multilingual Plane, such as emoji, count twice).
    undefined_kappa : float
        Kappa reported where it is 0/0 (``p_e == 1``: neither side used the code in the
        source, or both coded all of it). NVivo reports 1; those rows are flagged in
        ``undefined``. Pass ``np.nan`` to leave them undefined.

    Returns
    -------
    DataFrame
        One row per code x source: ``code, doc_id, n_units`` (characters ``N``), ``a, b, c,
        d``, ``p_o``, ``p_e``, ``kappa``, ``agreement_pct`` (100 p_o), ``undefined``.
        ``attrs["coders"]`` holds the two labels, ``attrs["doc_ids"]`` the sources
        compared. Empty sources are left out.

    Examples
    --------
    The worked example: a 1000-character source, A codes [100, 250), B codes [200, 300):

    >>> c = pd.DataFrame({"doc_id": ["s", "s"], "start": [100, 200], "end": [250, 300],
    ...                   "code": ["x", "x"], "coder": ["A", "B"]})
    >>> row = coding_comparison(c, {"s": "." * 1000}, ["A", "B"]).iloc[0]
    >>> [int(row[k]) for k in "abcd"], float(row["agreement_pct"]), round(float(row["kappa"]), 6)
    ([50, 100, 50, 800], 85.0, 0.318182)
    """
    no_missing_data(doc_ids, "the character-level comparison")
    groups = resolve_coders(codings, coders)
    if len(groups) != 2:
        raise ValueError(f"coding comparison is between two coders or groups; got {len(groups)}")
    labels = [label for label, _ in groups]
    lookup = corpus.texts if isinstance(corpus, Corpus) else dict(corpus)
    lengths = text_lengths(lookup)
    relevant = codings[codings["coder"].astype(str).isin({m for _, ms in groups for m in ms})]
    check_codings(relevant, lengths)
    grouped = group_codings(relevant, groups)
    docs, _ = select_documents(grouped, list(lookup), labels, doc_ids)
    docs = [d for d in docs if lengths[d] > 0]
    code_list = select_codes(grouped[grouped["doc_id"].isin(docs)], codes)
    grouped = grouped[grouped["doc_id"].isin(docs) & grouped["code"].isin(code_list)]

    start = grouped["start"].to_numpy(dtype="int64")
    end = grouped["end"].to_numpy(dtype="int64")
    size = np.array([lengths[d] for d in docs], dtype="int64")
    if utf16:
        start, end, size = _to_utf16(grouped, start, end, docs, lookup)
    n_groups = len(docs) * len(code_list)
    gid = pd.Index(docs).get_indexer(grouped["doc_id"]).astype("int64") * len(code_list)
    gid += pd.Index(code_list).get_indexer(grouped["code"])
    first = (grouped["coder"] == labels[0]).to_numpy()
    len_a = covered_length(gid[first], start[first], end[first], n_groups)
    len_b = covered_length(gid[~first], start[~first], end[~first], n_groups)
    union = covered_length(gid, start, end, n_groups)

    a = len_a + len_b - union
    b, c = len_a - a, len_b - a
    n = np.repeat(size, len(code_list))
    d = n - len_a - len_b + a
    p_o, p_e, kappa = kappa_2x2(a, b, c, d)
    p_o, p_e, kappa = (np.atleast_1d(x) for x in (p_o, p_e, kappa))
    undefined = np.isnan(kappa)
    table = pd.DataFrame(
        {
            "code": np.tile(np.array(code_list, dtype=object), len(docs)),
            "doc_id": np.repeat(np.array(docs, dtype=object), len(code_list)),
            "n_units": n,
            "a": a,
            "b": b,
            "c": c,
            "d": d,
            "p_o": p_o,
            "p_e": p_e,
            "kappa": np.where(undefined, undefined_kappa, kappa),
            "agreement_pct": 100.0 * p_o,
            "undefined": undefined,
        },
        columns=COMPARISON_COLUMNS,
    )
    table = table.sort_values(["code", "doc_id"], kind="stable").reset_index(drop=True)
    table.attrs["coders"] = labels
    table.attrs["doc_ids"] = docs
    return table


def _to_utf16(grouped, start, end, docs, lookup):
    """Code-point offsets and sizes converted to UTF-16 code units, per document."""
    start, end = start.copy(), end.copy()
    size = np.empty(len(docs), dtype="int64")
    where = grouped["doc_id"].to_numpy()
    for i, doc_id in enumerate(docs):
        cum = utf16_offsets(lookup[doc_id])
        size[i] = cum[-1]
        if cum[-1] == len(cum) - 1:
            continue  # nothing outside the BMP: offsets unchanged
        rows = where == doc_id
        start[rows], end[rows] = cum[start[rows]], cum[end[rows]]
    return start, end, size


def average_comparison(table: pd.DataFrame, *, skip_undefined: bool = False) -> pd.DataFrame:
    """Average a per code x source comparison over sources, per code, three ways.

    - ``kappa_mean``, ``agreement_pct_mean``: unweighted means over sources (NVivo's
      average of the per-source figures);
    - ``kappa_weighted``, ``agreement_pct_weighted``: weighted by source size ``n_units``;
    - ``kappa_pooled``: kappa of the summed counts ``a, b, c, d`` (the coefficient over all
      characters), with its ``p_o`` and ``p_e``.

    ``n_undefined`` counts sources whose kappa was 0/0; with ``skip_undefined`` they are
    left out of the kappa averages (their NVivo value of 1 flatters agreement on rare codes).

    Examples
    --------
    >>> t = pd.DataFrame({"code": ["x", "x"], "doc_id": ["s", "t"], "n_units": [1000, 3000],
    ...                   "a": [50, 0], "b": [100, 0], "c": [50, 0], "d": [800, 3000],
    ...                   "kappa": [0.318182, 1.0], "agreement_pct": [85.0, 100.0],
    ...                   "undefined": [False, True]})
    >>> r = average_comparison(t).iloc[0]
    >>> [round(float(r[k]), 4) for k in ("kappa_mean", "kappa_weighted", "agreement_pct_weighted")]
    [0.6591, 0.8295, 96.25]
    """
    t = table.copy()
    use = ~t["undefined"] if skip_undefined else pd.Series(True, index=t.index)
    t["_k"] = t["kappa"].where(use)
    t["_kw"] = (t["kappa"] * t["n_units"]).where(use)
    t["_w"] = t["n_units"].where(use)
    t["_pw"] = t["agreement_pct"] * t["n_units"]
    g = t.groupby("code", sort=True)
    out = g.agg(
        n_sources=("doc_id", "nunique"),
        n_units=("n_units", "sum"),
        a=("a", "sum"),
        b=("b", "sum"),
        c=("c", "sum"),
        d=("d", "sum"),
        n_undefined=("undefined", "sum"),
        kappa_mean=("_k", "mean"),
        _kw=("_kw", "sum"),
        _w=("_w", "sum"),
        agreement_pct_mean=("agreement_pct", "mean"),
        _pw=("_pw", "sum"),
    ).reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["kappa_weighted"] = out["_kw"] / out["_w"].where(out["_w"] > 0)
        out["agreement_pct_weighted"] = out["_pw"] / out["n_units"]
    p_o, p_e, pooled = kappa_2x2(out["a"], out["b"], out["c"], out["d"])
    out["p_o"], out["p_e"], out["kappa_pooled"] = p_o, p_e, pooled
    out["n_undefined"] = out["n_undefined"].astype("int64")
    columns = [
        "code", "n_sources", "n_units", "a", "b", "c", "d", "p_o", "p_e", "kappa_pooled",
        "kappa_mean", "kappa_weighted", "agreement_pct_mean", "agreement_pct_weighted",
        "n_undefined",
    ]  # fmt: skip
    result = out[columns]
    result.attrs.update(table.attrs)
    return result
