"""Matrix coding: codes crossed with document or case attributes (NVivo's matrix query)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..core.codes import check_columns, select_codes, with_ancestors
from ..core.sorting import natural_key

COUNTS = ("references", "files", "cases")


def matrix(
    codings: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    by: str,
    count: str = "references",
    codes: str | Iterable[str] | None = None,
    rollup: bool = False,
) -> pd.DataFrame:
    """Codes x the values of one attribute, as a tidy table with every cell (zeros too).

    Parameters
    ----------
    codings : DataFrame
        A codings table; coders are pooled (filter it first to see one coder).
    documents : DataFrame
        One row per document with ``doc_id`` and attributes, e.g. ``corpus.documents``
        (which carries the case attributes such as ``role``). Documents with no value of
        ``by`` (e.g. observation notes have no role) are left out.
    by : str
        The attribute: a column of ``documents`` such as ``role``, ``kind``, ``meeting`` or
        ``case`` (codes x cases).
    count : {"references", "files", "cases"}
        What a cell counts: distinct codings, documents, or cases (participants).
    codes : str or list of str, optional
        Keep only these codes (and their descendants). Codes given as a list always get a
        row (zeros if unused), in the order given, before any descendants found; a single
        branch such as ``"themes"`` lists the codes used, alphabetically.
    rollup : bool
        Count children's codings at their ancestors too.

    Returns
    -------
    DataFrame
        ``code, <by>, <count>, row_percent, column_percent, share``: percentages of the
        row and column totals (0-100, NaN for an empty row/column), and ``share``, for
        files and cases, the proportion (0-1) of the files/cases with that attribute value
        that carry the code (NaN for references).

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["i1", "i2", "i3"], "case": ["L", "S", "B"],
    ...                      "role": ["social worker", "nurse", "nurse"]})
    >>> c = pd.DataFrame({"doc_id": ["i1", "i1", "i2"], "start": [0, 9, 0], "end": [5, 12, 4],
    ...                   "code": ["t/a", "t/a", "t/a"], "coder": ["A"] * 3})
    >>> m = matrix(c, docs, by="role", count="files")
    >>> m[["role", "files", "share"]].values.tolist()
    [['nurse', 1, 0.5], ['social worker', 1, 1.0]]
    >>> matrix(c, docs, by="role")["references"].tolist()
    [1, 2]
    """
    values = matrix_cells(codings, documents, by=by, count=count, codes=codes, rollup=rollup)
    keys = ["code", by]
    if count == "references":
        values = values.set_index(keys)["references"]
    elif count == "files":
        values = values.set_index(keys)["files"]
    else:
        values = values.groupby(keys)["case"].nunique()
    return finish_matrix(values, values.index.get_level_values("code"), documents, by=by,
                         count=count, codes=codes)  # fmt: skip


def matrix_cells(
    codings: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    by: str,
    count: str,
    codes=None,
    rollup: bool = False,
) -> pd.DataFrame:
    """The cells' counts before the grid and the percentages: ``code, <by>, references``
    or ``code, <by>, files``, or for cases the distinct ``code, <by>, case`` rows (cases
    are not additive over documents). Sums over disjoint sets of documents add up."""
    if count not in COUNTS:
        raise ValueError(f"count must be one of {', '.join(COUNTS)}; got {count!r}")
    check_columns(documents, ["doc_id", by], "matrix's documents table")
    if count == "cases":
        check_columns(documents, ["case"], "matrix(count='cases')'s documents table")
    docs = documents[documents[by].notna()]
    attrs = docs[["doc_id", by] + (["case"] if count == "cases" and by != "case" else [])]
    table = codings[["doc_id", "start", "end", "code", "coder"]]
    if rollup:
        table = with_ancestors(table)
    table = select_codes(table, codes).merge(attrs, on="doc_id", how="inner")
    keys = ["code", by]
    if count == "references":
        cells = table.drop_duplicates([*keys, "doc_id", "start", "end", "coder"]).groupby(keys)
        return cells.size().rename("references").reset_index()
    if count == "files":
        return table.groupby(keys)["doc_id"].nunique().rename("files").reset_index()
    return table[[*keys, "case"]].drop_duplicates().reset_index(drop=True)


def finish_matrix(
    values: pd.Series, used_codes, documents: pd.DataFrame, *, by: str, count: str, codes=None
) -> pd.DataFrame:
    """The full grid with zeros and the percentages, from the cells' counts ``values``
    (indexed by ``code, <by>``); ``used_codes``: the codes that had codings."""
    keys = ["code", by]
    docs = documents[documents[by].notna()]
    listed = [] if codes is None or isinstance(codes, str) else list(codes)
    row_values = listed + sorted(set(used_codes) - set(listed))
    col_values = sorted(docs[by].unique(), key=_sort_key)
    grid = pd.MultiIndex.from_product([row_values, col_values], names=keys)
    result = values.reindex(grid, fill_value=0).rename(count).astype("int64").reset_index()

    v = result[count].astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        row_total = result.groupby("code")[count].transform("sum")
        col_total = result.groupby(by)[count].transform("sum")
        result["row_percent"] = np.where(row_total > 0, 100 * v / row_total, np.nan)
        result["column_percent"] = np.where(col_total > 0, 100 * v / col_total, np.nan)
        if count == "references":
            result["share"] = np.nan
        else:
            unit = "doc_id" if count == "files" else "case"
            sizes = docs.groupby(by)[unit].nunique()
            result["share"] = v / result[by].map(sizes).astype("float64")
    return result


def _sort_key(value: object):
    """Numbers before strings, each in natural order (meetings 1..12 sort as numbers,
    "Interview 2" before "Interview 10")."""
    return natural_key(value)


def wide(table: pd.DataFrame, *, rows: str, columns: str, values: str) -> pd.DataFrame:
    """Pivot a tidy matrix into the wide form readers know (rows x columns), keeping order.

    Examples
    --------
    >>> t = pd.DataFrame({"code": ["a", "a", "b", "b"], "role": ["x", "y", "x", "y"],
    ...                   "files": [1, 0, 2, 3]})
    >>> wide(t, rows="code", columns="role", values="files").values.tolist()
    [[1, 0], [2, 3]]
    """
    row_order = list(dict.fromkeys(table[rows]))
    col_order = list(dict.fromkeys(table[columns]))
    out = table.pivot(index=rows, columns=columns, values=values)
    return out.reindex(index=row_order, columns=col_order)


def group_sizes(documents: pd.DataFrame, *, by: str, count: str = "cases") -> pd.Series:
    """How many cases (or files) have each value of attribute ``by``: the denominators of a
    code x attribute matrix.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["i1", "i2", "i3"], "case": ["L", "S", "S"],
    ...                      "site": ["north", "south", "south"]})
    >>> group_sizes(docs, by="site").to_dict()
    {'north': 1, 'south': 1}
    >>> group_sizes(docs, by="site", count="files").to_dict()
    {'north': 1, 'south': 2}
    """
    if count not in ("cases", "files"):
        raise ValueError(f"count must be 'cases' or 'files'; got {count!r}")
    unit = "case" if count == "cases" else "doc_id"
    check_columns(documents, [by, unit], "group_sizes' documents table")
    docs = documents[documents[by].notna() & documents[unit].notna()]
    sizes = docs.groupby(by)[unit].nunique()
    return sizes.reindex(sorted(sizes.index, key=_sort_key)).astype("int64").rename("group_size")


def attribute_table(
    codings: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    by: str,
    count: str = "cases",
    codes: str | Iterable[str] | None = None,
    rollup: bool = False,
    min_group: int = 5,
) -> pd.DataFrame:
    """Codes x the groups of one attribute, with each group's size and a percentage only
    where the group is large enough to carry one.

    Parameters
    ----------
    codings, documents, by, codes, rollup
        As in :func:`matrix`.
    count : {"cases", "files"}
        Count participants (cases) or documents carrying each code in each group.
    min_group : int
        Groups with fewer cases (files) than this are flagged ``small_group`` and get no
        percentage: 2 of 3 people is not 67% of anything.

    Returns
    -------
    DataFrame
        ``code, <by>, <count>, group_size, percent, small_group``: ``percent`` is
        ``100 * count / group_size`` (NaN for small groups).

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": [f"i{k}" for k in range(7)],
    ...                      "case": list("ABCDEFG"), "site": ["n"] * 5 + ["s"] * 2})
    >>> c = pd.DataFrame({"doc_id": ["i0", "i1", "i5"], "start": [0] * 3, "end": [4] * 3,
    ...                   "code": ["cost"] * 3, "coder": ["A"] * 3})
    >>> t = attribute_table(c, docs, by="site", codes=["cost"])
    >>> t[["site", "cases", "group_size", "percent", "small_group"]].values.tolist()
    [['n', 2, 5, 40.0, False], ['s', 1, 2, nan, True]]
    """
    if count not in ("cases", "files"):
        raise ValueError(f"count must be 'cases' or 'files'; got {count!r}")
    table = matrix(codings, documents, by=by, count=count, codes=codes, rollup=rollup)
    sizes = group_sizes(documents, by=by, count=count)
    table = table[[c for c in table.columns if c in ("code", by, count)]].copy()
    table["group_size"] = table[by].map(sizes).fillna(0).astype("int64")
    table["small_group"] = table["group_size"] < min_group
    with np.errstate(invalid="ignore", divide="ignore"):
        percent = 100 * table[count] / table["group_size"].where(table["group_size"] > 0)
    table["percent"] = percent.where(~table["small_group"])
    return table[["code", by, count, "group_size", "percent", "small_group"]].reset_index(drop=True)
