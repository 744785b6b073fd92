"""Code frequencies: NVivo's files and references, coverage and words coded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..core.codes import SPAN_COLUMNS, select_codes, with_ancestors
from ..core.model import Codebook, Corpus, count_words
from ..core.units import merge_spans

FREQUENCY_COLUMNS = ["code", "coder", "files", "references", "characters", "coverage", "words"]


def _lookup(texts: Mapping[str, str] | Corpus | None) -> Mapping[str, str] | None:
    return texts.texts if isinstance(texts, Corpus) else texts


def frequencies(
    codings: pd.DataFrame,
    corpus: Mapping[str, str] | Corpus | None = None,
    *,
    by_coder: bool = True,
    rollup: bool = False,
    codes: str | Iterable[str] | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """How often each code was used: files, references, characters, coverage and words.

    - ``files``: documents with at least one coding of the code (NVivo's "Files");
    - ``references``: distinct codings, i.e. distinct ``(doc_id, start, end, coder)`` spans
      (NVivo's "References"); the same span coded twice at one code counts once;
    - ``characters``: characters coded, overlapping codings merged first;
    - ``coverage``: ``characters`` as a share (0-1) of all characters of ``corpus``;
    - ``words``: words in the coded characters (needs ``corpus``).

    Parameters
    ----------
    codings : DataFrame
        A codings table (``doc_id, start, end, code, coder``).
    corpus : Corpus or mapping of doc_id to text, optional
        Needed for ``coverage`` and ``words`` (NaN without it).
    by_coder : bool
        One row per (code, coder); with ``False`` coders are pooled and ``coder`` is ``"all"``
        (references then add up over coders; characters and words are counted once).
    rollup : bool
        Count a child's codings at every ancestor too (``themes`` gets all four themes).
        A span coded at a parent and at its child is one reference of the parent.
    codes : str or list of str, optional
        Keep only these codes and their descendants (e.g. ``"themes"``).
    codebook : Codebook, optional
        Adds codes of the codebook that were never used (with zero counts) and orders rows
        as the codebook does.

    Returns
    -------
    DataFrame
        ``code, coder, files, references, characters, coverage, words``.

    Examples
    --------
    >>> texts = {"d1": "We had a laugh. It helped.", "d2": "A laugh."}
    >>> c = pd.DataFrame({"doc_id": ["d1", "d1", "d2"], "start": [0, 16, 0],
    ...                   "end": [15, 26, 8], "code": ["coping/laugh", "coping", "coping/laugh"],
    ...                   "coder": ["A", "A", "A"]})
    >>> frequencies(c, texts)[["code", "files", "references", "words"]].values.tolist()
    [['coping', 1, 1, 2], ['coping/laugh', 2, 2, 6]]
    >>> frequencies(c, texts, rollup=True)["references"].tolist()
    [3, 2]
    """
    lookup = _lookup(corpus)
    table = codings[SPAN_COLUMNS].copy()
    table["_who"] = table["coder"]  # a reference is one coder's coding, pooled or not
    if not by_coder:
        table["coder"] = "all"
    if rollup:
        table = with_ancestors(table)
    table = select_codes(table, codes)
    keys = ["code", "coder"]

    if len(table):
        grouped = table.groupby(keys, sort=True)
        counts = pd.DataFrame(
            {
                "files": grouped["doc_id"].nunique(),
                "references": table.drop_duplicates(
                    ["code", "coder", "_who", "doc_id", "start", "end"]
                )
                .groupby(keys, sort=True)
                .size(),
            }
        )
        merged = merge_spans(table, by=("code", "coder", "doc_id"))
        merged["characters"] = merged["end"] - merged["start"]
        if lookup is not None:
            merged["words"] = [
                count_words(lookup[d][s:e])
                for d, s, e in zip(merged["doc_id"], merged["start"], merged["end"], strict=True)
            ]
        else:
            merged["words"] = np.nan
        sums = merged.groupby(keys, sort=True)[["characters", "words"]].sum(min_count=1)
        result = counts.join(sums).reset_index()
    else:
        result = pd.DataFrame(columns=[*keys, "files", "references", "characters", "words"])

    return finish_frequencies(
        result, sorted(table["coder"].unique()), lookup, by_coder=by_coder, codes=codes,
        codebook=codebook,
    )  # fmt: skip


def finish_frequencies(
    result: pd.DataFrame,
    coders: list[str],
    lookup: Mapping[str, str] | None,
    *,
    by_coder: bool,
    codes,
    codebook: Codebook | None,
) -> pd.DataFrame:
    """From summed counts (``code, coder, files, references, characters, words``) to the
    table :func:`frequencies` returns: the codebook's unused codes, order, coverage.
    Shared with the partitioned (Dask) version, which sums partitions' counts first."""
    keys = ["code", "coder"]
    if codebook is not None:
        paths = codebook.paths
        if codes is not None:
            paths = select_codes(pd.DataFrame({"code": paths}), codes)["code"].tolist()
        coders = coders or (["all"] if not by_coder else [])
        grid = pd.DataFrame(
            [(p, c) for p in paths for c in coders] or None, columns=keys, dtype=object
        )
        result = grid.merge(result, on=keys, how="outer")
        order = {p: i for i, p in enumerate(codebook.paths)}
        result["_order"] = result["code"].map(order).fillna(len(order))
        result = result.sort_values(["_order", "code", "coder"], kind="stable").drop(
            columns="_order"
        )
    for col in ("files", "references", "characters"):
        result[col] = result[col].fillna(0).astype("int64")
    total = sum(len(t) for t in lookup.values()) if lookup is not None else 0
    result["words"] = (
        result["words"].fillna(0).astype("int64")
        if lookup is not None
        else result["words"].astype("float64")
    )
    result["coverage"] = result["characters"] / total if total else np.nan
    return result[FREQUENCY_COLUMNS].reset_index(drop=True)


def codings_by_coder(codings: pd.DataFrame) -> pd.DataFrame:
    """Codings, codes used and documents coded per coder and source.

    Examples
    --------
    >>> c = pd.DataFrame({"doc_id": ["d", "d", "e"], "code": ["x", "y", "x"],
    ...                   "coder": ["A", "A", "B"], "source": ["manual"] * 3})
    >>> codings_by_coder(c).values.tolist()
    [['A', 'manual', 2, 2, 1], ['B', 'manual', 1, 1, 1]]
    """
    columns = ["coder", "source", "codings", "codes", "documents"]
    if not len(codings):
        return pd.DataFrame(columns=columns)
    grouped = codings.groupby(["coder", "source"], sort=True)
    return pd.DataFrame(
        {
            "codings": grouped.size(),
            "codes": grouped["code"].nunique(),
            "documents": grouped["doc_id"].nunique(),
        }
    ).reset_index()[columns]
