"""Codes that occur together: passages, co-occurrence counts with Jaccard, configurations.

A *passage* is where codes can meet. Three definitions, chosen with ``how``:

- ``"unit"``: a unit of analysis (sentence, turn, paragraph, document) from
  :func:`resilience_qda.core.units.units`; a unit carries every code whose codings overlap it;
- ``"overlap"``: a maximal run of overlapping codings (codings that share at least one
  character, directly or through a chain of codings, form one passage);
- ``"near"``: the same, but codings less than ``within`` + 1 characters apart also join.

Passages never mix coders: each coder's codings form their own passages.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.codes import check_columns, label, select_codes, truncate, with_ancestors
from ..core.units import code_units

HOWS = ("unit", "overlap", "near")
PASSAGE_COLUMNS = ["coder", "doc_id", "passage", "start", "end", "code"]


def passages(
    codings: pd.DataFrame,
    *,
    how: str = "overlap",
    units: pd.DataFrame | None = None,
    within: int = 0,
) -> pd.DataFrame:
    """Which codes each passage carries, one row per (passage, code).

    Parameters
    ----------
    codings : DataFrame
        A codings table.
    how : {"overlap", "near", "unit"}
        The passage definition (see the module docstring).
    units : DataFrame, optional
        A units table (``doc_id, unit, start, end``), needed for ``how="unit"``.
    within : int
        For ``how="near"``: the largest gap in characters between codings of one passage.

    Returns
    -------
    DataFrame
        ``coder, doc_id, passage, start, end, code``: ``passage`` numbers passages within
        the table (0, 1, ...); ``start``/``end`` are the passage's extent.

    Examples
    --------
    >>> c = pd.DataFrame({"doc_id": ["d"] * 3, "start": [0, 5, 30], "end": [10, 20, 40],
    ...                   "code": ["a", "b", "c"], "coder": ["A"] * 3})
    >>> passages(c)[["passage", "start", "end", "code"]].values.tolist()
    [[0, 0, 20, 'a'], [0, 0, 20, 'b'], [1, 30, 40, 'c']]
    >>> passages(c, how="near", within=10)["passage"].tolist()
    [0, 0, 0]
    """
    if how not in HOWS:
        raise ValueError(f"how must be one of {', '.join(HOWS)}; got {how!r}")
    if not len(codings):
        return pd.DataFrame(
            {
                c: pd.Series(dtype="int64" if c in ("passage", "start", "end") else object)
                for c in PASSAGE_COLUMNS
            }
        )
    if how == "unit":
        if units is None:
            raise ValueError("how='unit' needs a units table: units=units(corpus, 'sentence')")
        check_columns(units, ["doc_id", "unit", "start", "end"], "the units table")
        carried = code_units(codings, units)
        table = carried.merge(units[["doc_id", "unit", "start", "end"]], on=["doc_id", "unit"])
        table = table.sort_values(["coder", "doc_id", "start", "unit", "code"], kind="stable")
        key = table["coder"].astype(str) + "\0" + table["doc_id"].astype(str) + "\0"
        key = key + table["unit"].astype(str)
        table["passage"] = pd.factorize(key)[0]
        return table[PASSAGE_COLUMNS].reset_index(drop=True)

    gap = 0 if how == "overlap" else int(within)
    table = codings[["coder", "doc_id", "start", "end", "code"]].sort_values(
        ["coder", "doc_id", "start", "end"], kind="stable"
    )
    groups = table.groupby(["coder", "doc_id"], sort=False)
    reach = groups["end"].cummax().to_numpy()
    group_id = groups.ngroup().to_numpy()
    starts = table["start"].to_numpy()
    new_group = np.r_[True, group_id[1:] != group_id[:-1]]
    prev_reach = np.r_[-1, reach[:-1]]
    distance = starts - prev_reach  # < 0 overlap, 0 touching, > 0 a gap
    joins = distance < 0 if how == "overlap" else distance <= gap
    table = table.assign(passage=np.cumsum(new_group | ~joins) - 1)
    extent = table.groupby("passage").agg(p_start=("start", "min"), p_end=("end", "max"))
    table = table.join(extent, on="passage").drop_duplicates(["passage", "code"])
    table = table.drop(columns=["start", "end"]).rename(
        columns={"p_start": "start", "p_end": "end"}
    )
    return table[PASSAGE_COLUMNS].reset_index(drop=True)


def cooccurrence(
    codings: pd.DataFrame,
    *,
    how: str = "overlap",
    units: pd.DataFrame | None = None,
    within: int = 0,
    codes: str | Iterable[str] | None = None,
    rollup: bool = False,
) -> pd.DataFrame:
    """How often two codes occur in the same passage, with their Jaccard index.

    Parameters
    ----------
    codings : DataFrame
        A codings table.
    how, units, within
        The passage definition, as in :func:`passages`.
    codes : str or list of str, optional
        Keep only these codes (and their descendants).
    rollup : bool
        Count children's codings at their ancestors too.

    Returns
    -------
    DataFrame
        ``coder, code_a, code_b, count, n_a, n_b, jaccard``, every ordered pair of the codes
        a coder used (so the matrix is symmetric, both orders are present, and the diagonal
        holds each code's passages): ``count`` passages carry both codes, ``n_a``/``n_b``
        carry each one, ``jaccard = count / (n_a + n_b - count)``.

    Examples
    --------
    >>> c = pd.DataFrame({"doc_id": ["d"] * 4, "start": [0, 5, 30, 32], "end": [10, 20, 40, 35],
    ...                   "code": ["a", "b", "a", "c"], "coder": ["A"] * 4})
    >>> t = cooccurrence(c)
    >>> t[t.code_a == "a"][["code_b", "count", "jaccard"]].values.tolist()
    [['a', 2, 1.0], ['b', 1, 0.5], ['c', 1, 0.5]]
    """
    found = passages(select_codes(codings, codes), how=how, units=units, within=within)
    if rollup:  # a passage carries a parent when it carries a child: same passages
        found = with_ancestors(found).drop_duplicates(["passage", "code"])
    found = select_codes(found, codes)
    frames = []
    for coder, rows in found.groupby("coder", sort=True):
        pid, p_index = pd.factorize(rows["passage"])
        cid, c_index = pd.factorize(rows["code"], sort=True)
        # passages x codes as a sparse 0/1 matrix: memory grows with the codings, not with
        # passages times codes
        member = sp.csr_matrix(
            (np.ones(len(pid), dtype="int64"), (pid, cid)), shape=(len(p_index), len(c_index))
        )
        member.data[:] = 1  # a code twice in one passage is one passage
        member.sum_duplicates()
        member.data[:] = 1
        both = np.asarray((member.T @ member).todense(), dtype="int64")
        frames.append(pair_table(coder, c_index, both))
    if not frames:
        return pd.DataFrame(
            {
                "coder": pd.Series(dtype=object),
                "code_a": pd.Series(dtype=object),
                "code_b": pd.Series(dtype=object),
                **{c: pd.Series(dtype="int64") for c in ("count", "n_a", "n_b")},
                "jaccard": pd.Series(dtype="float64"),
            }
        )
    return pd.concat(frames, ignore_index=True)


def pair_table(coder: str, names, both: np.ndarray) -> pd.DataFrame:
    """The tidy pair table of one coder from its code x code passage counts ``both``
    (diagonal: each code's passages)."""
    n = np.diag(both)
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = both / (n[:, None] + n[None, :] - both)
    k = len(names)
    names = np.asarray(names, dtype=object)
    return pd.DataFrame(
        {
            "coder": coder,
            "code_a": np.repeat(names, k),
            "code_b": np.tile(names, k),
            "count": both.ravel().astype("int64"),
            "n_a": np.repeat(n, k).astype("int64"),
            "n_b": np.tile(n, k).astype("int64"),
            "jaccard": jac.ravel(),
        }
    )


def _element_order(found: pd.Series, elements: str | Iterable[str]) -> list[str]:
    if isinstance(elements, str):
        return sorted(set(found))
    return list(elements)


def passage_configurations(
    codings: pd.DataFrame,
    *,
    elements: str | Iterable[str] = "practice-elements",
    how: str = "overlap",
    units: pd.DataFrame | None = None,
    within: int = 0,
) -> pd.DataFrame:
    """The combination of elements each passage carries (a "resilient move" is one).

    Parameters
    ----------
    codings : DataFrame
        A codings table.
    elements : str or list of str
        A branch whose children are the elements (``"practice-elements"`` gives meanings,
        competencies and materials, in alphabetical order), or the element paths in the
        order wanted. Codings below an element count as that element.
    how, units, within
        The passage definition, as in :func:`passages`.

    Returns
    -------
    DataFrame
        ``coder, doc_id, passage, start, end, configuration, size``, then one boolean column
        per element (named by its last path segment); only passages with an element.

    Examples
    --------
    >>> c = pd.DataFrame({"doc_id": ["d"] * 3, "start": [0, 5, 30], "end": [10, 20, 40],
    ...                   "code": ["p/meanings/emotions", "p/materials", "p/materials"],
    ...                   "coder": ["A"] * 3})
    >>> passage_configurations(c, elements="p")["configuration"].tolist()
    ['materials + meanings', 'materials']
    """
    if isinstance(elements, str):
        root = elements.rstrip("/")
        table = select_codes(codings, root)
        table = table[table["code"] != root]
        depth = root.count("/") + 1
    else:
        paths = [e.rstrip("/") for e in elements]
        table = select_codes(codings, paths)
        depths = {p.count("/") for p in paths}
        if len(depths) != 1:
            raise ValueError(f"elements must all be at one depth of the codebook; got {paths}")
        depth = depths.pop()
    table = table.assign(code=truncate(table["code"], depth))
    order = _element_order(table["code"], elements)
    found = passages(table, how=how, units=units, within=within)
    names = [label(p) for p in order]
    columns = ["coder", "doc_id", "passage", "start", "end", "configuration", "size", *names]
    if not len(found):
        return pd.DataFrame(columns=columns)
    flags = pd.crosstab(found["passage"], found["code"]).reindex(columns=order, fill_value=0) > 0
    flags.columns = names
    head = found.drop_duplicates("passage").set_index("passage")[
        ["coder", "doc_id", "start", "end"]
    ]
    result = head.join(flags).reset_index()
    labels = np.array(names, dtype=object)
    result["configuration"] = [" + ".join(labels[row]) for row in result[names].to_numpy(bool)]
    result["size"] = result[names].sum(axis=1).astype("int64")
    return result[columns]


def configurations(
    codings: pd.DataFrame,
    *,
    elements: str | Iterable[str] = "practice-elements",
    how: str = "overlap",
    units: pd.DataFrame | None = None,
    within: int = 0,
) -> pd.DataFrame:
    """How often each combination of elements occurs in one passage, per coder.

    Returns
    -------
    DataFrame
        ``coder, configuration, size, passages, documents, share``, then one boolean column
        per element; ``share`` is the configuration's share (0-1) of the coder's passages
        that carry any element. Most frequent first.

    Examples
    --------
    >>> c = pd.DataFrame({"doc_id": ["d", "d", "d", "e"], "start": [0, 5, 30, 0],
    ...                   "end": [10, 20, 40, 9], "coder": ["A"] * 4,
    ...                   "code": ["p/meanings", "p/materials", "p/materials", "p/materials"]})
    >>> configurations(c, elements="p")[["configuration", "passages", "documents"]].values.tolist()
    [['materials', 2, 2], ['materials + meanings', 1, 1]]
    """
    per = passage_configurations(codings, elements=elements, how=how, units=units, within=within)
    return configuration_counts(per)


def configuration_counts(per: pd.DataFrame) -> pd.DataFrame:
    """Count the configurations of :func:`passage_configurations`' table (see
    :func:`configurations`); use it to count and quote from one table.

    Examples
    --------
    >>> per = pd.DataFrame({"coder": ["A", "A"], "doc_id": ["d", "e"], "passage": [0, 1],
    ...                     "start": [0, 0], "end": [5, 5], "configuration": ["m", "m"],
    ...                     "size": [1, 1], "m": [True, True]})
    >>> configuration_counts(per)[["configuration", "passages", "documents"]].values.tolist()
    [['m', 2, 2]]
    """
    names = list(per.columns[7:])
    columns = ["coder", "configuration", "size", "passages", "documents", "share", *names]
    if not len(per):
        return pd.DataFrame(columns=columns)
    grouped = per.groupby(["coder", "configuration", *names], sort=False)
    result = grouped.agg(
        size=("size", "first"), passages=("passage", "size"), documents=("doc_id", "nunique")
    ).reset_index()
    result["share"] = result["passages"] / result.groupby("coder")["passages"].transform("sum")
    result = result.sort_values(
        ["coder", "passages", "size", "configuration"],
        ascending=[True, False, False, True],
        kind="stable",
    )
    return result[columns].reset_index(drop=True)
