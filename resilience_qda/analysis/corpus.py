"""Describing the corpus: documents, words and participants."""

from __future__ import annotations

import pandas as pd


def documents_by_kind(documents: pd.DataFrame) -> pd.DataFrame:
    """Documents and words per document kind.

    Parameters
    ----------
    documents : DataFrame
        ``corpus.documents`` (needs ``kind`` and ``n_words``).

    Returns
    -------
    DataFrame
        ``kind, documents, words, mean_words, min_words, max_words``, largest kind first.

    Examples
    --------
    >>> docs = pd.DataFrame({"kind": ["interview", "interview", "observation"],
    ...                      "n_words": [1000, 1500, 600]})
    >>> documents_by_kind(docs)["documents"].tolist()
    [2, 1]
    """
    grouped = documents.groupby("kind")["n_words"]
    table = pd.DataFrame(
        {
            "documents": grouped.size(),
            "words": grouped.sum(),
            "mean_words": grouped.mean().round(1),
            "min_words": grouped.min(),
            "max_words": grouped.max(),
        }
    ).reset_index()
    return table.sort_values(["documents", "kind"], ascending=[False, True], ignore_index=True)


def cases_by_attribute(cases: pd.DataFrame, attribute: str) -> pd.DataFrame:
    """How many cases (participants) have each value of one attribute, e.g. ``sector``.

    Returns ``<attribute>, cases, share`` (share of all cases, 0-1), most common first.

    Examples
    --------
    >>> cases = pd.DataFrame({"case": list("LSB"), "sector": ["social work"] * 2 + ["foster care"]})
    >>> cases_by_attribute(cases, "sector").values.tolist()
    [['social work', 2, 0.667], ['foster care', 1, 0.333]]
    """
    if attribute not in cases.columns:
        raise KeyError(
            f"the cases table has no attribute {attribute!r}; it has "
            f"{[c for c in cases.columns if c != 'case']}"
        )
    counts = cases.groupby(attribute)["case"].nunique().rename("cases").reset_index()
    counts["share"] = (counts["cases"] / max(1, cases["case"].nunique())).round(3)
    return counts.sort_values(["cases", attribute], ascending=[False, True], ignore_index=True)
