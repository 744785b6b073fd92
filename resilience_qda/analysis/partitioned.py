"""Analysis of codings tables larger than memory: Dask DataFrames, map then combine.

Each function takes a Dask DataFrame of codings (e.g. ``read_codings(..., engine="dask")``
over the Parquet parts the Dask engine writes) and returns the same pandas table as its
pandas namesake. Every count here is a sum over documents, so each partition computes its
partial counts with the pandas function itself (map) and the client adds them up and
derives the ratios (combine): only the partial tables, a few rows per code, ever travel.
A document's codings must lie in one partition: the Dask engine writes them so
(``whole_documents=True``); otherwise they are first shuffled by ``doc_id``.

>>> import resilience_qda as rq  # doctest: +SKIP
>>> codings = rq.read_codings("codings.parquet", engine="dask")  # doctest: +SKIP
>>> rq.partitioned.frequencies(codings, corpus, whole_documents=True)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..core.codes import select_codes
from ..core.errors import require_dask
from ..core.model import Codebook, Corpus
from ..core.stats import kappa_2x2
from .agreement_character import coding_comparison
from .agreement_units import unit_agreement
from .cooccurrence import cooccurrence as _cooccurrence
from .cooccurrence import pair_table
from .frequencies import finish_frequencies
from .frequencies import frequencies as _frequencies
from .matrix import COUNTS, finish_matrix, matrix_cells

_TEXT = ("doc_id", "code", "coder", "source")


def _plain(part: pd.DataFrame) -> pd.DataFrame:
    """A partition with object strings (categoricals of unknown categories vary by part)."""
    cols = {c: object for c in _TEXT if c in part.columns}
    return part.astype(cols)


def _documents_whole(codings, whole_documents: bool):
    if whole_documents:
        return codings
    # task-based shuffle: works under any scheduler (p2p needs a distributed one)
    return codings.astype({"doc_id": "string"}).shuffle(on="doc_id", shuffle_method="tasks")


def _map(codings, function, meta: pd.DataFrame, *args) -> pd.DataFrame:
    """Run ``function(partition, *args)`` on every partition; the partial tables, concatenated."""
    require_dask()
    import dask

    shared = [
        dask.delayed(a, pure=True) if isinstance(a, (dict, pd.DataFrame)) else a for a in args
    ]
    return codings.map_partitions(
        lambda part, *a: function(_plain(part), *a), *shared, meta=meta, align_dataframes=False
    ).compute()


def frequencies(
    codings,
    corpus: Mapping[str, str] | Corpus | None = None,
    *,
    by_coder: bool = True,
    rollup: bool = False,
    codes: str | Iterable[str] | None = None,
    codebook: Codebook | None = None,
    whole_documents: bool = False,
) -> pd.DataFrame:
    """:func:`resilience_qda.analysis.frequencies.frequencies` of a Dask DataFrame: files,
    references, characters and words per partition, added up.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> c = pd.DataFrame({"doc_id": ["d1", "d1", "d2"], "start": [0, 16, 0],
    ...                   "end": [15, 26, 8], "code": ["coping/laugh", "coping", "coping/laugh"],
    ...                   "coder": ["A", "A", "A"]})
    >>> texts = {"d1": "We had a laugh. It helped.", "d2": "A laugh."}
    >>> t = frequencies(dd.from_pandas(c, npartitions=2), texts)
    >>> t[["code", "files", "references", "words"]].values.tolist()
    [['coping', 1, 1, 2], ['coping/laugh', 2, 2, 6]]
    """
    lookup = dict(corpus.texts if isinstance(corpus, Corpus) else corpus) if corpus else None
    codings = _documents_whole(codings, whole_documents)

    def partial(part, texts):
        t = _frequencies(part, texts, by_coder=by_coder, rollup=rollup, codes=codes)
        return t[["code", "coder", "files", "references", "characters", "words"]].astype(
            {"code": object, "coder": object, "words": "float64"}
        )

    meta = pd.DataFrame(
        {
            "code": pd.Series(dtype=object),
            "coder": pd.Series(dtype=object),
            **{c: pd.Series(dtype="int64") for c in ("files", "references", "characters")},
            "words": pd.Series(dtype="float64"),
        }
    )
    parts = _map(codings, partial, meta, lookup)
    keys = ["code", "coder"]
    summed = parts.groupby(keys, sort=True)[["files", "references", "characters"]].sum()
    summed["words"] = parts.groupby(keys, sort=True)["words"].sum(min_count=1)
    result = summed.reset_index()
    return finish_frequencies(
        result, sorted(set(parts["coder"])), lookup, by_coder=by_coder, codes=codes,
        codebook=codebook,
    )  # fmt: skip


def matrix(
    codings,
    documents: pd.DataFrame,
    *,
    by: str,
    count: str = "references",
    codes: str | Iterable[str] | None = None,
    rollup: bool = False,
    whole_documents: bool = False,
) -> pd.DataFrame:
    """:func:`resilience_qda.analysis.matrix.matrix` of a Dask DataFrame: cell counts per
    partition, added up (cases: the distinct cases of each cell, united)."""
    if count not in COUNTS:
        raise ValueError(f"count must be one of {', '.join(COUNTS)}; got {count!r}")
    codings = _documents_whole(codings, whole_documents)
    keys = ["code", by]

    def partial(part, docs):
        table = matrix_cells(part, docs, by=by, count=count, codes=codes, rollup=rollup)
        return table.astype({"code": object, by: object})

    meta = pd.DataFrame({"code": pd.Series(dtype=object), by: pd.Series(dtype=object)})
    meta[count if count != "cases" else "case"] = pd.Series(
        dtype="int64" if count != "cases" else object
    )
    parts = _map(codings, partial, meta, documents)
    if count == "cases":
        values = parts.drop_duplicates().groupby(keys)["case"].nunique()
    else:
        values = parts.groupby(keys)[count].sum()
    return finish_matrix(values, parts["code"], documents, by=by, count=count, codes=codes)


def cooccurrence(
    codings,
    *,
    how: str = "overlap",
    units: pd.DataFrame | None = None,
    within: int = 0,
    codes: str | Iterable[str] | None = None,
    rollup: bool = False,
    whole_documents: bool = False,
) -> pd.DataFrame:
    """:func:`resilience_qda.analysis.cooccurrence.cooccurrence` of a Dask DataFrame:
    passages carrying each pair of codes counted per partition, added up."""
    codings = _documents_whole(codings, whole_documents)

    def partial(part, unit_table):
        t = _cooccurrence(
            part, how=how, units=unit_table, within=within, codes=codes, rollup=rollup
        )
        return t[["coder", "code_a", "code_b", "count"]].astype(
            {"coder": object, "code_a": object, "code_b": object}
        )

    meta = pd.DataFrame(
        {
            "coder": pd.Series(dtype=object),
            "code_a": pd.Series(dtype=object),
            "code_b": pd.Series(dtype=object),
            "count": pd.Series(dtype="int64"),
        }
    )
    parts = _map(codings, partial, meta, units)
    frames = []
    for coder, rows in parts.groupby("coder", sort=True):
        names = pd.Index(sorted(set(rows["code_a"])))
        k = len(names)
        both = np.zeros((k, k), dtype="int64")
        np.add.at(
            both, (names.get_indexer(rows["code_a"]), names.get_indexer(rows["code_b"])),
            rows["count"].to_numpy(),
        )  # fmt: skip
        frames.append(pair_table(coder, names, both))
    if not frames:
        return _cooccurrence(parts.iloc[:0].assign(doc_id=[], start=[], end=[], code=[]))
    return pd.concat(frames, ignore_index=True)


def agreement(
    codings,
    corpus: Corpus,
    coders: Sequence[str],
    *,
    unit: str = "sentence",
    codes: Sequence[str] | None = None,
    whole_documents: bool = False,
) -> pd.DataFrame:
    """Agreement counts of two coders on a Dask DataFrame, added up over partitions.

    ``unit="character"``: NVivo's coding comparison, one row per code x document (as
    :func:`~resilience_qda.analysis.agreement_character.coding_comparison`). Other units:
    Cohen's kappa per code from the summed ``a, b, c, d`` (as
    :func:`~resilience_qda.analysis.agreement_units.unit_agreement` with
    ``method="cohen"``).
    """
    from ..core.units import units as make_units

    if len(coders) != 2:
        raise ValueError(f"agreement counts are between two coders; got {list(coders)}")
    codings = _documents_whole(codings, whole_documents)
    texts = dict(corpus.texts)
    if codes is None:  # every code used in the documents both coders coded, known first
        used = codings[codings["coder"].astype(str).isin([str(c) for c in coders])]
        used = used[["doc_id", "coder", "code"]].astype(str)
        used = used.map_partitions(pd.DataFrame.drop_duplicates).compute().drop_duplicates()
        sides = used.groupby("doc_id")["coder"].nunique()
        shared = set(sides[sides == len(set(coders))].index)
        codes = sorted(set(used.loc[used["doc_id"].isin(shared), "code"]))
    if unit == "character":

        def partial(part, lookup):
            docs = [d for d in dict.fromkeys(part["doc_id"])]
            if not len(part):
                return None
            return coding_comparison(part, {d: lookup[d] for d in docs}, coders, codes=codes)

        sample = coding_comparison(
            pd.DataFrame(columns=["doc_id", "start", "end", "code", "coder"]), {}, coders
        )
        parts = _map(codings, _or_empty(partial, sample), sample, texts)
        order = {d: i for i, d in enumerate(texts)}
        parts = parts.sort_values(
            ["code", "doc_id"], key=lambda s: s.map(order) if s.name == "doc_id" else s,
            kind="stable",
        )  # fmt: skip
        return parts.reset_index(drop=True)
    table = make_units(corpus, unit)

    def partial(part, unit_table):
        if not len(part):
            return sample
        mine = unit_table[unit_table["doc_id"].isin(set(part["doc_id"]))]
        t = unit_agreement(part, mine, coders, method="cohen", codes=codes, corpus=texts)
        return t[["code", "n_units", "a", "b", "c", "d"]]

    sample = pd.DataFrame(
        {"code": pd.Series(dtype=object), **{c: pd.Series(dtype="int64") for c in "nabcd"}}
    ).rename(columns={"n": "n_units"})
    parts = _map(codings, partial, sample, table)
    sums = parts.groupby("code", sort=True)[["n_units", "a", "b", "c", "d"]].sum()
    sums = sums.reindex(select_codes(pd.DataFrame({"code": codes}), None)["code"], fill_value=0)
    p_o, p_e, kappa = kappa_2x2(sums["a"], sums["b"], sums["c"], sums["d"])
    out = sums.reset_index()
    out.insert(0, "method", "cohen")
    out["p_o"], out["p_e"], out["kappa"] = p_o, p_e, kappa
    out["undefined"] = np.isnan(out["kappa"])
    out["agreement_pct"] = 100.0 * out["p_o"]
    return out


def _or_empty(function, sample):
    def wrapped(part, *args):
        out = function(part, *args)
        return sample if out is None else out[list(sample.columns)]

    return wrapped
