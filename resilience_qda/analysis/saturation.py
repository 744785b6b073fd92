"""Saturation: how many codes each document added, in the order documents were analysed.

A code is *new* in the first document (in analysis order) where the coder used it. When
later documents add few or no new codes, the codebook has stopped growing on this data: the
usual, if rough, sign of saturation. Counted overall and per top-level branch of the
codebook (themes, practice elements, ...).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..core.codes import check_columns, select_codes
from ..core.errors import CodingsError

SATURATION_COLUMNS = [
    "branch",
    "order",
    "doc_id",
    "order_value",
    "codes",
    "new_codes",
    "cumulative_codes",
    "new_code_names",
]
#: The ``branch`` value of the rows that count every code.
OVERALL = "all"


def analysis_order(documents: pd.DataFrame, order: str | Iterable[str] | None = None) -> list[str]:
    """The documents' ids in the order they were analysed.

    Parameters
    ----------
    documents : DataFrame
        ``corpus.documents`` (``doc_id`` and attributes), in corpus order.
    order : str or list of str, optional
        An attribute to sort by (a study's ``time`` attribute such as ``date``, ``meeting``
        or ``interview_order``); or every ``doc_id`` in the order wanted. Default: the
        ``date`` column when the documents have one, else corpus order. Dates sort as
        dates, numbers as numbers; ties and documents without a value keep corpus order,
        the latter after all the others.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["i1", "m1", "m2"], "date": ["2011-01", None, "2010-05"]})
    >>> analysis_order(docs)
    ['m2', 'i1', 'm1']
    >>> analysis_order(docs, ["m1", "m2", "i1"])
    ['m1', 'm2', 'i1']
    """
    ids = documents["doc_id"].astype(str).tolist()
    if order is None:
        order = "date" if "date" in documents.columns else None
    if order is None:
        return ids
    if not isinstance(order, str):
        wanted = [str(d) for d in order]
        missing = sorted(set(ids) - set(wanted))
        unknown = sorted(set(wanted) - set(ids))
        if missing or unknown or len(wanted) != len(set(wanted)):
            raise ValueError(
                "order must list every document once; "
                + (f"missing: {', '.join(missing[:5])}; " if missing else "")
                + (f"not documents: {', '.join(unknown[:5])}; " if unknown else "")
                + ("some are listed twice" if len(wanted) != len(set(wanted)) else "check the list")
            )
        return wanted
    check_columns(documents, ["doc_id", order], "analysis_order's documents table")
    values = documents[order]
    key = _sort_values(values)
    frame = pd.DataFrame({"doc_id": ids, "key": key, "missing": key.isna().to_numpy()})
    frame["position"] = np.arange(len(frame))
    frame = frame.sort_values(["missing", "key", "position"], kind="stable", na_position="last")
    return frame["doc_id"].tolist()


def _plain(value: object) -> object:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _sort_values(values: pd.Series) -> pd.Series:
    """Numbers as numbers, else dates as dates, else text; missing values as NaN/NaT."""
    present = values.dropna()
    present = present[present.astype(str).str.strip() != ""]
    numbers = pd.to_numeric(present, errors="coerce")
    if len(present) and numbers.notna().all():
        return pd.to_numeric(values, errors="coerce").reset_index(drop=True)
    dates = pd.to_datetime(present.astype(str), errors="coerce", format="mixed")
    if len(present) and dates.notna().all():
        out = pd.to_datetime(values.astype(str), errors="coerce", format="mixed")
        return out.reset_index(drop=True)
    text = values.astype(object).where(values.notna() & (values.astype(str).str.strip() != ""))
    return text.reset_index(drop=True)


def saturation(
    codings: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    order: str | Iterable[str] | None = None,
    coder: str | None = None,
    codes: str | Iterable[str] | None = None,
    branches: bool | Iterable[str] = True,
) -> pd.DataFrame:
    """New codes per document, in the order the documents were analysed.

    Parameters
    ----------
    codings : DataFrame
        A codings table of one coder (or name the coder with ``coder``).
    documents : DataFrame
        ``corpus.documents``: every document, coded or not, gets a row.
    order : str or list of str, optional
        See :func:`analysis_order`: an attribute (``date``, ``meeting``), a list of
        ``doc_id``, or default the ``date`` column, else corpus order.
    coder : str, optional
        Keep only this coder's codings; required when ``codings`` holds several coders.
    codes : str or list of str, optional
        Count only these codes and their descendants (e.g. ``"themes"``).
    branches : bool, str or list of str
        Also count per top-level branch (the first segment of each code path); or per each
        of these code paths (a branch at any depth: its codes and their descendants).

    Returns
    -------
    DataFrame
        ``branch, order, doc_id, order_value, codes, new_codes, cumulative_codes,
        new_code_names``: one row per document (per branch; ``branch`` is ``"all"`` for
        the rows counting every code). ``order`` runs 1..N; ``order_value`` is the
        attribute sorted by (empty for corpus order or a list); ``codes`` the distinct
        codes the document carries; ``new_codes`` those used there for the first time
        (``new_code_names`` lists their paths, ``"; "``-joined); ``cumulative_codes`` the
        codes used so far. The last ``cumulative_codes`` of ``"all"`` is the number of
        distinct codes the coder used.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["d1", "d2", "d3"],
    ...                      "date": ["2010-01", "2010-02", "2010-03"]})
    >>> c = pd.DataFrame({"doc_id": ["d1", "d1", "d2", "d3"], "start": [0, 5, 0, 0],
    ...                   "end": [4, 9, 4, 4], "code": ["t/a", "t/b", "t/a", "c/x"],
    ...                   "coder": "A"})
    >>> s = saturation(c, docs)
    >>> s[s["branch"] == "all"][["doc_id", "new_codes", "cumulative_codes"]].values.tolist()
    [['d1', 2, 2], ['d2', 0, 2], ['d3', 1, 3]]
    >>> s[s["branch"] == "t"]["cumulative_codes"].tolist()
    [2, 2, 2]
    >>> s = saturation(c, docs, branches=["t/b"])
    >>> s[s["branch"] == "t/b"]["new_codes"].tolist()
    [1, 0, 0]
    """
    check_columns(documents, ["doc_id"], "saturation's documents table")
    check_columns(codings, ["doc_id", "code", "coder"], "saturation's codings table")
    table = codings
    coders = sorted(map(str, table["coder"].unique().tolist()))
    if coder is not None:
        if coder not in coders:
            raise CodingsError(
                f"no codings by coder {coder!r}; coders present: {', '.join(coders) or 'none'}"
            )
        table = table[table["coder"] == coder]
    elif len(coders) > 1:
        raise CodingsError(
            f"saturation counts one coder's codes; the codings hold {', '.join(coders)}: "
            "pass coder="
        )
    table = select_codes(table, codes)
    ids = analysis_order(documents, order)
    unknown = sorted(set(map(str, table["doc_id"].unique().tolist())) - set(ids))
    if unknown:
        raise CodingsError(
            f"codings refer to documents missing from the documents table: "
            f"{', '.join(map(str, unknown[:5]))}"
        )
    attribute = order if isinstance(order, str) else ("date" if order is None else None)
    if attribute is not None and attribute not in documents.columns:
        attribute = None
    values = (
        documents.set_index(documents["doc_id"].astype(str))[attribute]
        if attribute is not None
        else None
    )
    position = {doc_id: i for i, doc_id in enumerate(ids, start=1)}
    pairs = table[["doc_id", "code"]].drop_duplicates().astype({"code": object})
    pairs = pairs.assign(order=pairs["doc_id"].map(position), branch=OVERALL)
    listed = (
        None
        if isinstance(branches, bool)
        else [branches]
        if isinstance(branches, str)
        else list(branches)
    )
    if listed is not None:
        inside = [
            pairs[(pairs["code"] == b) | pairs["code"].str.startswith(b + "/")].assign(branch=b)
            for b in listed
        ]
        pairs = pd.concat([pairs, *inside], ignore_index=True)
    elif branches:
        root = {c: str(c).split("/")[0] for c in pairs["code"].unique().tolist()}
        pairs = pd.concat([pairs, pairs.assign(branch=pairs["code"].map(root))], ignore_index=True)
    first = pairs.groupby(["branch", "code"])["order"].transform("min") == pairs["order"]
    new_names = (
        pairs[first]
        .sort_values(["branch", "order", "code"])
        .groupby(["branch", "order"])["code"]
        .agg("; ".join)
    )
    counts = pairs.groupby(["branch", "order"]).size()
    found = pairs[first].groupby(["branch", "order"]).size()
    found_branches = set(pairs["branch"].unique().tolist()) - {OVERALL}
    if listed is not None:
        names = [OVERALL, *listed]
    else:
        names = [OVERALL, *sorted(found_branches)] if branches else [OVERALL]
    grid = pd.MultiIndex.from_product([names, range(1, len(ids) + 1)], names=["branch", "order"])
    out = pd.DataFrame(index=grid).reset_index()
    doc_ids = np.asarray(ids, dtype=object)[out["order"].to_numpy() - 1]
    out["doc_id"] = doc_ids
    if values is not None:
        lookup = {
            str(d): _plain(v) for d, v in zip(values.index.tolist(), values.tolist(), strict=True)
        }
        out["order_value"] = [lookup.get(d) for d in doc_ids.tolist()]
    else:
        out["order_value"] = None
    keys = pd.MultiIndex.from_frame(out[["branch", "order"]])
    out["codes"] = counts.reindex(keys, fill_value=0).to_numpy()
    out["new_codes"] = found.reindex(keys, fill_value=0).to_numpy()
    out["cumulative_codes"] = out.groupby("branch", sort=False)["new_codes"].cumsum()
    out["new_code_names"] = new_names.reindex(keys, fill_value="").to_numpy()
    out = out[SATURATION_COLUMNS]
    return out.astype(
        {"order": "int64", "codes": "int64", "new_codes": "int64", "cumulative_codes": "int64"}
    )


__all__ = ["OVERALL", "SATURATION_COLUMNS", "analysis_order", "saturation"]
