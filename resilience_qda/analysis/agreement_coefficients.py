"""Agreement coefficients over reliability data, with the counts behind them.

Reliability data are a coders x units matrix (one row per coder, one column per unit, the
layout of Krippendorff's papers and of the ``krippendorff`` package); a missing value
(``NaN``/``None``) means the coder did not rate the unit. Every coefficient here has the form
``(p_o - p_e) / (1 - p_e)``; they differ in the chance term ``p_e``:

- Cohen's kappa: each coder's own category distribution (two coders).
- Krippendorff's alpha: the pooled distribution of pairable values, drawn without
  replacement (any number of coders, missing data allowed).
- Fleiss' kappa: the pooled distribution, drawn with replacement (every coder rates every
  unit).
- Brennan-Prediger kappa: categories equally likely, ``1/q``.
- Gwet's AC1: ``sum(pi_q (1 - pi_q)) / (q - 1)``.

When ``p_e == 1`` (one category only) the coefficients are 0/0: NaN is returned.

:func:`binary_agreement` does the same arithmetic for one code over units (coded / not
coded), vectorised, and returns the counts with the coefficient; the unit-based tables and
their bootstrap intervals are built on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.stats import kappa_2x2

LEVELS = ("nominal", "ordinal", "interval", "ratio")
#: Unit-based methods and the name of the coefficient each reports.
METHODS = {
    "cohen": "kappa",
    "percent": "agreement_pct",
    "krippendorff": "alpha",
    "fleiss": "kappa",
    "brennan-prediger": "kappa",
    "gwet": "ac1",
}


# --------------------------------------------------------------------------- reliability data


def _reliability_frame(data) -> pd.DataFrame:
    frame = pd.DataFrame(data)
    if frame.ndim != 2 or frame.shape[0] < 1:
        raise ValueError("reliability data must be a coders x units matrix (one row per coder)")
    return frame.astype(object).where(frame.notna(), None)


def value_counts_by_unit(data) -> pd.DataFrame:
    """Units x values counts of reliability data (how many coders gave each unit each value).

    Examples
    --------
    >>> value_counts_by_unit([[1, 2, None], [1, 1, 2]]).values.tolist()
    [[2, 0], [1, 1], [0, 1]]
    """
    frame = _reliability_frame(data)
    long = frame.T.stack(future_stack=True).dropna()  # (unit, coder) -> value
    if not len(long):
        return pd.DataFrame(index=frame.columns)
    counts = pd.crosstab(long.index.get_level_values(0), long.to_numpy())
    counts = counts.reindex(index=frame.columns, fill_value=0)
    counts.index.name, counts.columns.name = "unit", "value"
    return counts.astype("int64")


def coincidence_matrix(data) -> pd.DataFrame:
    """Krippendorff's coincidence matrix ``o_ck`` of reliability data.

    Each pairable unit (rated by ``m_u >= 2`` coders) contributes its ``m_u (m_u - 1)``
    ordered pairs of values, each weighted ``1 / (m_u - 1)``; the matrix sums to the number
    of pairable values ``n``.

    Examples
    --------
    >>> coincidence_matrix([[0, 1, 0, 0], [0, 1, 1, 0]]).values.tolist()
    [[4.0, 1.0], [1.0, 2.0]]
    """
    counts = value_counts_by_unit(data)
    m = counts.sum(axis=1).to_numpy()
    n_uc = counts.to_numpy(dtype="float64")[m >= 2]
    weight = 1.0 / (m[m >= 2] - 1.0)
    o = (n_uc * weight[:, None]).T @ n_uc - np.diag((n_uc * weight[:, None]).sum(axis=0))
    return pd.DataFrame(o, index=counts.columns, columns=counts.columns)


def _delta2(values: np.ndarray, n_c: np.ndarray, level: str) -> np.ndarray:
    if level == "nominal":
        return 1.0 - np.eye(len(values))
    v = np.asarray(values, dtype="float64")
    if level == "interval":
        return (v[:, None] - v[None, :]) ** 2
    if level == "ratio":
        with np.errstate(invalid="ignore", divide="ignore"):
            d = ((v[:, None] - v[None, :]) / (v[:, None] + v[None, :])) ** 2
        return np.nan_to_num(d)
    # ordinal: (sum of n_g from c to k - (n_c + n_k) / 2) ** 2, on sorted values
    cum = np.concatenate([[0.0], np.cumsum(n_c)])
    i, j = np.meshgrid(np.arange(len(v)), np.arange(len(v)), indexing="ij")
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    return (cum[hi + 1] - cum[lo] - (n_c[i] + n_c[j]) / 2.0) ** 2


def krippendorff_alpha(data, *, level: str = "nominal") -> float:
    """Krippendorff's alpha of reliability data (any number of coders, missing data allowed).

    ``alpha = 1 - (n - 1) * sum(o_ck d_ck) / sum(n_c n_k d_ck)`` over the coincidence matrix
    ``o`` (see :func:`coincidence_matrix`), with the difference function ``d`` of ``level``.
    NaN when fewer than two pairable values differ by chance (``D_e == 0``).

    Parameters
    ----------
    data : array-like, coders x units
        Missing ratings as ``NaN``/``None``.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Numeric values are needed for all but nominal.

    Examples
    --------
    Krippendorff (2011), four coders, twelve units, missing data:

    >>> nan = None
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> round(krippendorff_alpha(data), 3)
    0.743
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")
    o = coincidence_matrix(data)
    if o.shape[0] == 0:
        return float("nan")
    values = o.index.to_numpy()
    if level != "nominal":
        try:
            values = values.astype("float64")
        except (TypeError, ValueError):
            raise ValueError(f"{level} alpha needs numeric values; got {list(values)}") from None
        order = np.argsort(values)
        o = o.iloc[order, order]
        values = values[order]
    om = o.to_numpy()
    n_c = om.sum(axis=1)
    n = n_c.sum()
    d = _delta2(values, n_c, level)
    d_o = (om * d).sum()
    d_e = (np.outer(n_c, n_c) * d).sum() / (n - 1) if n > 1 else 0.0
    if d_e <= 0:
        return float("nan")
    return float(1.0 - d_o / d_e)


def cohen_kappa(data) -> float:
    """Cohen's kappa of two coders' ratings (a 2 x units matrix); units either coder left
    unrated are skipped. NaN when ``p_e == 1``.

    Examples
    --------
    Artstein and Poesio (2008), section 2.4: three categories, 100 utterances, A_o = 0.88:

    >>> a = ["stat"] * 46 + ["ireq"] * 6 + ["ireq"] * 32 + ["ireq"] * 6 + ["chck"] * 10
    >>> b = ["stat"] * 46 + ["stat"] * 6 + ["ireq"] * 32 + ["chck"] * 6 + ["chck"] * 10
    >>> round(cohen_kappa([a, b]), 4)
    0.8013
    """
    frame = _reliability_frame(data)
    if frame.shape[0] != 2:
        raise ValueError(f"Cohen's kappa needs exactly two coders; got {frame.shape[0]}")
    pairs = frame.T.dropna()
    if not len(pairs):
        return float("nan")
    table = pd.crosstab(pairs.iloc[:, 0], pairs.iloc[:, 1])
    cats = table.index.union(table.columns)
    t = table.reindex(index=cats, columns=cats, fill_value=0).to_numpy(dtype="float64")
    n = t.sum()
    p_o = np.trace(t) / n
    p_e = (t.sum(axis=1) * t.sum(axis=0)).sum() / n**2
    return float("nan") if np.isclose(p_e, 1.0) else float((p_o - p_e) / (1 - p_e))


def _pairwise(data):
    """Counts per pairable unit, their agreement p_a(u), and the category shares pi_q
    averaged over every unit rated at least once (Gwet 2008)."""
    counts = value_counts_by_unit(data)
    r_all = counts.sum(axis=1).to_numpy(dtype="float64")
    n_all = counts.to_numpy(dtype="float64")
    rated = r_all >= 1
    pi = (n_all[rated] / r_all[rated, None]).mean(axis=0) if rated.any() else np.zeros(0)
    keep = r_all >= 2
    n_uq, r = n_all[keep], r_all[keep]
    p_a = ((n_uq * (n_uq - 1)).sum(axis=1) / (r * (r - 1))) if len(r) else np.array([])
    return n_uq, r, p_a, pi


def percent_agreement(data) -> float:
    """Share of agreeing coder pairs, averaged over pairable units (two coders: (a+d)/N).

    >>> percent_agreement([[1, 1, 0, 0], [1, 0, 0, 0]])
    0.75
    """
    _, _, p_a, _ = _pairwise(data)
    return float(p_a.mean()) if len(p_a) else float("nan")


def fleiss_kappa(data) -> float:
    """Fleiss' kappa (units every coder rated; units with a missing rating are left out).

    Examples
    --------
    Fleiss (1971) layout, as on Wikipedia: 10 subjects, 14 raters, 5 categories:

    >>> counts = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
    ...           [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
    ...           [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    >>> data = [[q for q, k in enumerate(row) for _ in range(k)] for row in counts]
    >>> round(fleiss_kappa(np.array(data).T), 3)
    0.21
    """
    frame = _reliability_frame(data)
    complete = frame.loc[:, frame.notna().all(axis=0)]
    counts = value_counts_by_unit(complete).to_numpy(dtype="float64")
    if not len(counts) or frame.shape[0] < 2:
        return float("nan")
    m = frame.shape[0]
    p_u = ((counts * (counts - 1)).sum(axis=1)) / (m * (m - 1))
    p_j = counts.sum(axis=0) / counts.sum()
    p_o, p_e = p_u.mean(), (p_j**2).sum()
    return float("nan") if np.isclose(p_e, 1.0) else float((p_o - p_e) / (1 - p_e))


def brennan_prediger_kappa(data, *, n_categories: int | None = None) -> float:
    """Brennan and Prediger's kappa: chance agreement ``1/q`` for ``q`` categories (by
    default the number of distinct values in the data; pass the size of the category set).

    >>> brennan_prediger_kappa([[1, 1, 0, 0], [1, 0, 0, 0]])
    0.5
    """
    n_uq, _, p_a, _ = _pairwise(data)
    q = n_categories or n_uq.shape[1]
    if not len(p_a) or q < 2:
        return float("nan")
    return float((p_a.mean() - 1 / q) / (1 - 1 / q))


def gwet_ac1(data) -> float:
    """Gwet's AC1: chance agreement ``sum(pi_q (1 - pi_q)) / (q - 1)`` (Gwet 2008), with
    ``pi_q`` the share of category ``q`` averaged over the units rated at least once and
    ``p_a`` over the units rated at least twice.

    >>> round(gwet_ac1([[1, 1, 0, 0], [1, 0, 0, 0]]), 4)
    0.5294
    """
    n_uq, _, p_a, pi = _pairwise(data)
    q = n_uq.shape[1]
    if not len(p_a):
        return float("nan")
    p_e = (pi * (1 - pi)).sum() / (q - 1) if q > 1 else 0.0
    return float((p_a.mean() - p_e) / (1 - p_e))


# --------------------------------------------------------------------------- binary, per code


def unit_patterns(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a units x coders 0/1/NaN matrix and how often each occurs."""
    x = np.where(np.isnan(matrix), -1, matrix).astype("int8")
    if not len(x):
        return np.empty((0, matrix.shape[1])), np.empty(0)
    patterns, counts = np.unique(x, axis=0, return_counts=True)
    return np.where(patterns < 0, np.nan, patterns).astype("float64"), counts.astype("float64")


def _safe(num, den):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def pattern_agreement(patterns: np.ndarray, weights: np.ndarray, method: str) -> dict:
    """Counts and coefficient of ``method`` for units given as distinct 0/1/NaN rows
    (``patterns``, P x coders) and their frequencies ``weights`` (..., P).

    Vectorised over leading axes of ``weights`` (bootstrap replicates). Only pairable units
    (rated by two or more coders) count, except in Gwet's category shares, which average
    over every unit rated at least once, as Gwet defines them; Fleiss' kappa uses complete
    units only.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    w = np.asarray(weights, dtype="float64")
    m = patterns.shape[1]
    present = ~np.isnan(patterns)
    r = present.sum(axis=1).astype("float64")
    n1 = np.nansum(patterns, axis=1)
    n0 = r - n1
    pair = r >= 2
    if method == "fleiss":
        pair = r == m
    out: dict[str, np.ndarray] = {}
    out["n_units"] = w @ pair.astype("float64")
    if m == 2:
        x, y = patterns[:, 0], patterns[:, 1]
        for name, cell in (("a", (x == 1) & (y == 1)), ("b", (x == 1) & (y == 0)),
                           ("c", (x == 0) & (y == 1)), ("d", (x == 0) & (y == 0))):  # fmt: skip
            out[name] = w @ cell.astype("float64")
    rr = np.where(pair, r, 2.0)
    if method in ("krippendorff", "fleiss") or m != 2:
        o11 = np.where(pair, n1 * (n1 - 1) / (rr - 1), 0.0)
        o00 = np.where(pair, n0 * (n0 - 1) / (rr - 1), 0.0)
        o01 = np.where(pair, n0 * n1 / (rr - 1), 0.0)
        out["o_00"], out["o_01"], out["o_11"] = w @ o00, w @ o01, w @ o11
        out["n_0"], out["n_1"] = out["o_00"] + out["o_01"], out["o_11"] + out["o_01"]
    # pairwise agreement of each unit, averaged over pairable units
    p_unit = np.where(pair, (n1 * (n1 - 1) + n0 * (n0 - 1)) / (rr * (rr - 1)), 0.0)
    p_o = _safe(w @ p_unit, out["n_units"])
    if method == "cohen":
        if m != 2:
            raise ValueError(f"Cohen's kappa needs exactly two coders; got {m}")
        p_o, p_e, coef = kappa_2x2(out["a"], out["b"], out["c"], out["d"])
    elif method == "percent":
        p_e, coef = np.full_like(p_o, np.nan), 100.0 * p_o
    elif method == "krippendorff":
        n = out["n_0"] + out["n_1"]
        p_o = _safe(out["o_00"] + out["o_11"], n)
        p_e = _safe(out["n_0"] * (out["n_0"] - 1) + out["n_1"] * (out["n_1"] - 1), n * (n - 1))
        coef = _safe(p_o - p_e, 1 - p_e)
    elif method == "fleiss":
        p1 = _safe(w @ np.where(pair, n1, 0.0), out["n_units"] * m)
        p_e = p1**2 + (1 - p1) ** 2
        coef = _safe(p_o - p_e, 1 - p_e)
    elif method == "brennan-prediger":
        p_e = np.full_like(p_o, 0.5)
        coef = _safe(p_o - p_e, 1 - p_e)
    else:  # gwet: category shares over every unit rated at least once
        rated = r >= 1
        pi1 = _safe(w @ np.where(rated, n1 / np.maximum(r, 1), 0.0), w @ rated.astype("float64"))
        p_e = 2 * pi1 * (1 - pi1)
        coef = _safe(p_o - p_e, 1 - p_e)
    coef = np.where(np.isclose(np.nan_to_num(p_e), 1.0) & (method != "percent"), np.nan, coef)
    out.update(p_o=p_o, p_e=p_e)
    out[METHODS[method]] = coef
    return out


def binary_agreement(
    matrix, *, method: str = "cohen", bootstrap: int = 0, ci: float = 0.95, random_state: int = 0
) -> dict:
    """Agreement on one code over units: ``matrix`` is units x coders, 1 = coded,
    0 = not coded, NaN = the coder did not see the unit.

    Returns a dict of the counts (``a, b, c, d`` for two coders; the coincidence matrix
    ``o_00, o_01, o_11`` and ``n_0, n_1`` for alpha, Fleiss and more than two coders),
    ``n_units``, ``p_o``, ``p_e``, the coefficient under its own name (``kappa``, ``alpha``,
    ``ac1`` or ``agreement_pct``), ``undefined`` (0/0, or no pairable unit) and, with
    ``bootstrap`` > 0, ``ci_low``/``ci_high``: a percentile interval from resampling units.

    Examples
    --------
    >>> r = binary_agreement([[1, 1], [1, 0], [0, 0], [0, 0]], method="cohen")
    >>> r["a"], r["b"], r["c"], r["d"], r["p_o"], r["kappa"]
    (1, 1, 0, 2, 0.75, 0.5)
    """
    x = np.asarray(matrix, dtype="float64")
    if x.ndim != 2:
        raise ValueError("matrix must be units x coders")
    patterns, counts = unit_patterns(x)
    res = pattern_agreement(patterns, counts, method)
    name = METHODS[method]
    row = {
        k: (round(float(v)) if k in ("a", "b", "c", "d", "n_units") else float(v))
        for k, v in res.items()
    }
    row["undefined"] = bool(np.isnan(row[name]))
    if bootstrap:
        row["ci_low"], row["ci_high"] = bootstrap_interval(
            patterns, counts, method, replicates=bootstrap, ci=ci, random_state=random_state
        )
    return row


def bootstrap_interval(
    patterns: np.ndarray,
    counts: np.ndarray,
    method: str,
    *,
    replicates: int = 1000,
    ci: float = 0.95,
    random_state: int = 0,
) -> tuple[float, float]:
    """Percentile interval of a coefficient from resampling units with replacement.

    Units are drawn from their distinct patterns (a multinomial draw), so the cost does not
    grow with the number of units. Replicates where the coefficient is undefined are
    dropped; NaN when none is defined.
    """
    n = int(counts.sum())
    if n == 0 or replicates <= 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(random_state)
    draws = rng.multinomial(n, counts / n, size=int(replicates)).astype("float64")
    values = pattern_agreement(patterns, draws, method)[METHODS[method]]
    values = values[~np.isnan(values)]
    if not len(values):
        return float("nan"), float("nan")
    tail = (1 - ci) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)
