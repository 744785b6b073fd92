"""Segment agreement (MAXQDA's criterion), the disagreements a team reviews, and the
code x document matrix of a coefficient."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..core.model import Corpus
from ..core.units import merge_spans
from ..core.units import units as make_units
from .agreement_data import (
    check_codings,
    group_codings,
    no_missing_data,
    resolve_coders,
    select_codes,
    select_documents,
    text_lengths,
)
from .agreement_units import judgements

SEGMENT_COLUMNS = [
    "code", "n_units", "segments_a", "segments_b", "matched_a", "matched_b",
    "a", "b", "c", "d", "p_o", "p_e", "kappa", "agreement_pct", "undefined",
]  # fmt: skip


def _two_sides(codings, texts, coders, codes, doc_ids):
    no_missing_data(doc_ids, "segments or character passages")
    groups = resolve_coders(codings, coders)
    if len(groups) != 2:
        raise ValueError(f"this comparison is between two coders or groups; got {len(groups)}")
    labels = [label for label, _ in groups]
    lookup = texts.texts if isinstance(texts, Corpus) else dict(texts)
    relevant = codings[codings["coder"].astype(str).isin({m for _, ms in groups for m in ms})]
    check_codings(relevant, text_lengths(lookup))
    grouped = group_codings(relevant, groups)
    docs, _ = select_documents(grouped, list(lookup), labels, doc_ids)
    code_list = select_codes(grouped[grouped["doc_id"].isin(docs)], codes)
    grouped = grouped[grouped["doc_id"].isin(docs) & grouped["code"].isin(code_list)]
    return grouped.drop_duplicates(), labels, code_list, lookup, docs


def segment_matches(
    codings: pd.DataFrame,
    corpus: Mapping[str, str] | Corpus,
    coders: Sequence[str | Sequence[str]],
    *,
    threshold: float = 0.9,
    codes: Sequence[str] | None = None,
    doc_ids: str | Sequence[str] = "shared",
) -> pd.DataFrame:
    """Each coded segment of either side with its best match on the other side.

    A segment matches when the other side coded the same code in the same document over a
    segment overlapping it by at least ``threshold`` of the two segments' combined extent
    (intersection over union, MAXQDA's "overlap of segments" criterion).

    Returns
    -------
    DataFrame
        ``coder, doc_id, code, start, end, other_start, other_end, overlap`` (the best
        intersection-over-union, 0 if none) and ``matched``.

    Examples
    --------
    >>> c = pd.DataFrame({"doc_id": ["s"] * 3, "start": [0, 1, 50], "end": [20, 20, 60],
    ...                   "code": ["x"] * 3, "coder": ["A", "B", "B"]})
    >>> segment_matches(c, {"s": "." * 100}, ["A", "B"])[["coder", "overlap", "matched"]]
      coder  overlap  matched
    0     A     0.95     True
    1     B     0.95     True
    2     B     0.00    False
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold is a share of overlap, above 0 and up to 1; got {threshold!r}")
    grouped, labels, _, _, docs = _two_sides(codings, corpus, coders, codes, doc_ids)
    rows = []
    for side, other in ((labels[0], labels[1]), (labels[1], labels[0])):
        mine = grouped[grouped["coder"] == side].reset_index(drop=True)
        mine["_seg"] = np.arange(len(mine))
        theirs = grouped[grouped["coder"] == other][["doc_id", "code", "start", "end"]]
        pairs = mine.merge(theirs, on=["doc_id", "code"], suffixes=("", "_o"))
        inter = np.minimum(pairs["end"], pairs["end_o"]) - np.maximum(
            pairs["start"], pairs["start_o"]
        )
        union = np.maximum(pairs["end"], pairs["end_o"]) - np.minimum(
            pairs["start"], pairs["start_o"]
        )
        pairs["overlap"] = np.clip(inter, 0, None) / union
        best = pairs.sort_values(["_seg", "overlap"], ascending=[True, False]).drop_duplicates(
            "_seg"
        )
        out = mine.merge(
            best[["_seg", "start_o", "end_o", "overlap"]], on="_seg", how="left"
        ).rename(columns={"start_o": "other_start", "end_o": "other_end"})
        out["overlap"] = out["overlap"].fillna(0.0)
        rows.append(out.drop(columns="_seg"))
    table = pd.concat(rows, ignore_index=True)
    table["matched"] = table["overlap"] >= threshold - 1e-12
    columns = ["coder", "doc_id", "code", "start", "end", "other_start", "other_end"]
    table = table[[*columns, "overlap", "matched"]]
    table = table.astype({"other_start": "Int64", "other_end": "Int64"})
    table.attrs["coders"] = labels
    table.attrs["doc_ids"] = docs
    return table


def segment_agreement(
    codings: pd.DataFrame,
    corpus: Mapping[str, str] | Corpus,
    coders: Sequence[str | Sequence[str]],
    *,
    threshold: float = 0.9,
    codes: Sequence[str] | None = None,
    doc_ids: str | Sequence[str] = "shared",
    n_categories: int | None = None,
) -> pd.DataFrame:
    """MAXQDA-style segment agreement per code, with Brennan and Prediger's kappa.

    Every segment of both sides is checked (:func:`segment_matches`): ``a`` counts matched
    segments (of both sides), ``b`` the first side's unmatched segments, ``c`` the second's;
    ``d`` is 0 because "coded by neither" is not defined for segments. ``p_o = a / (a + b +
    c)`` (MAXQDA's percentage); chance agreement is ``1 / q``, ``q`` being the number of
    codes compared (or ``n_categories``), as MAXQDA does after Brennan and Prediger (1981).

    Examples
    --------
    >>> c = pd.DataFrame({"doc_id": ["s"] * 3, "start": [0, 1, 50], "end": [20, 20, 60],
    ...                   "code": ["x", "x", "y"], "coder": ["A", "B", "B"]})
    >>> r = segment_agreement(c, {"s": "." * 100}, ["A", "B"])
    >>> r[["code", "a", "b", "c", "p_o", "kappa"]].values.tolist()
    [['x', 2, 0, 0, 1.0, 1.0], ['y', 0, 0, 1, 0.0, -1.0]]
    """
    matches = segment_matches(
        codings, corpus, coders, threshold=threshold, codes=codes, doc_ids=doc_ids
    )
    labels = matches.attrs["coders"]
    code_list = codes if codes is not None else sorted(matches["code"].unique())
    first = matches["coder"] == labels[0]
    g = pd.DataFrame(
        {
            "segments_a": first,
            "segments_b": ~first,
            "matched_a": first & matches["matched"],
            "matched_b": ~first & matches["matched"],
            "code": matches["code"],
        }
    ).groupby("code")
    table = g.sum().reindex(code_list, fill_value=0).astype("int64")
    table.index.name = "code"
    table = table.reset_index()
    table["a"] = table["matched_a"] + table["matched_b"]
    table["b"] = table["segments_a"] - table["matched_a"]
    table["c"] = table["segments_b"] - table["matched_b"]
    table["d"] = 0
    table["n_units"] = table["segments_a"] + table["segments_b"]
    q = n_categories or max(len(code_list), 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["p_o"] = table["a"] / table["n_units"].where(table["n_units"] > 0)
    table["p_e"] = 1.0 / q
    table["kappa"] = (table["p_o"] - table["p_e"]) / (1 - table["p_e"])
    table["agreement_pct"] = 100.0 * table["p_o"]
    table["undefined"] = table["n_units"] == 0
    table = table[SEGMENT_COLUMNS]
    table.attrs["coders"] = labels
    table.attrs["doc_ids"] = matches.attrs["doc_ids"]
    return table


def disagreements(
    codings: pd.DataFrame,
    corpus: Corpus,
    coders: Sequence[str | Sequence[str]],
    *,
    unit: str | pd.DataFrame = "sentence",
    codes: Sequence[str] | None = None,
    min_overlap: float = 0.0,
    doc_ids: str | Sequence[str] = "shared",
) -> pd.DataFrame:
    """The units where two coders (or groups) applied different codes, for review.

    Parameters
    ----------
    corpus : Corpus
        Gives the units and their text.
    unit : {"sentence", "turn", "paragraph", "document", "character"} or DataFrame
        The units compared (or a units table). ``"character"`` lists the exact passages
        (maximal runs of characters) where the two sides' codes differ, as NVivo's
        character-level comparison sees them; boundary differences of a few characters
        show up as short passages (filter on ``end - start``).
    codes, min_overlap, documents
        As for :func:`~resilience_qda.analysis.agreement_units.unit_matrix`
        (``min_overlap`` does not apply to characters).

    Returns
    -------
    DataFrame
        One row per unit where the code sets differ: ``doc_id, unit, start, end, speaker,
        coder_a, coder_b, codes_a, codes_b`` (each side's codes on the unit), ``only_a,
        only_b, both`` (codes joined by ``"; "``) and ``text``, in document order.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> corpus = Corpus([Document("d", "We laughed. It helped. Then home.")])
    >>> c = pd.DataFrame({"doc_id": ["d", "d", "d"], "start": [0, 0, 12],
    ...                   "end": [11, 11, 22], "code": ["laugh", "cope", "cope"],
    ...                   "coder": ["A", "B", "B"]})
    >>> disagreements(c, corpus, ["A", "B"])[["text", "only_a", "only_b"]].values.tolist()
    [['We laughed.', 'laugh', 'cope'], ['It helped.', '', 'cope']]
    """
    if isinstance(unit, str) and unit == "character":
        return _character_disagreements(codings, corpus, coders, codes, doc_ids)
    table = make_units(corpus, unit) if isinstance(unit, str) else unit
    core = judgements(codings, table, coders, codes, min_overlap, doc_ids, corpus)
    labels, code_list, scope = core["labels"], core["codes"], core["scope"]
    if len(labels) != 2:
        raise ValueError(f"disagreements are listed between two coders or groups; got {labels}")
    # Straight from the judgement arrays (units x codes rows): never a per-unit filter,
    # never a copy of the table per group.
    n_codes, x = len(code_list), core["x"]
    a, b = x[:, 0] == 1, x[:, 1] == 1
    differ = np.unique(np.flatnonzero(a != b) // max(n_codes, 1))
    rows = np.flatnonzero((a | b) & np.isin(np.arange(len(x)) // max(n_codes, 1), differ))
    code_names = np.array(code_list, dtype=object)
    hits = pd.DataFrame(
        {"_u": rows // n_codes, "code": code_names[rows % n_codes], "a": a[rows], "b": b[rows]}
    ).sort_values(["_u", "code"], kind="stable")
    out = scope.iloc[differ][["doc_id", "unit", "start", "end"]].reset_index(drop=True)
    if "speaker" in table.columns:
        speaker = table.set_index(["doc_id", "unit"])["speaker"]
        keys = pd.MultiIndex.from_frame(out[["doc_id", "unit"]])
        out["speaker"] = speaker.reindex(keys).to_numpy()
    out.insert(len(out.columns), "coder_a", labels[0])
    out.insert(len(out.columns), "coder_b", labels[1])
    masks = {
        "codes_a": hits["a"],
        "codes_b": hits["b"],
        "only_a": hits["a"] & ~hits["b"],
        "only_b": hits["b"] & ~hits["a"],
        "both": hits["a"] & hits["b"],
    }
    units_of = hits["_u"].to_numpy()
    names = hits["code"].to_numpy(dtype=object)
    position = {u: i for i, u in enumerate(differ.tolist())}
    for name, mask in masks.items():
        lists: list[list[str]] = [[] for _ in differ]
        for u, code in zip(units_of[mask.to_numpy()], names[mask.to_numpy()], strict=True):
            lists[position[u]].append(code)  # codes arrive sorted within each unit
        out[name] = np.array(["; ".join(x) for x in lists], dtype=object)
    texts = corpus.texts
    out["text"] = [
        texts[d][s:e] for d, s, e in zip(out["doc_id"], out["start"], out["end"], strict=True)
    ]
    order = {d: i for i, d in enumerate(corpus.doc_ids)}
    out = out.sort_values(
        ["doc_id", "start"], key=lambda s: s.map(order) if s.name == "doc_id" else s
    )
    out = out.reset_index(drop=True)
    out.attrs["coders"] = labels
    out.attrs["doc_ids"] = core["doc_ids"]
    return out


def _character_disagreements(codings, corpus, coders, codes, doc_ids) -> pd.DataFrame:
    grouped, labels, _, lookup, docs = _two_sides(codings, corpus, coders, codes, doc_ids)
    merged = merge_spans(grouped)
    spans_by_doc = dict(tuple(merged.groupby("doc_id", sort=False)))
    turns = corpus.turns
    turns_by_doc = dict(tuple(turns.groupby("doc_id", sort=False))) if len(turns) else {}
    out = []
    for doc_id in docs:
        spans = spans_by_doc.get(doc_id)
        if spans is None or not len(spans):
            continue
        runs = _differing_runs(spans, labels)
        if not runs:
            continue
        starts = np.array([r[0] for r in runs], dtype="int64")
        who = _speakers_at(turns_by_doc.get(doc_id), starts)
        text = lookup[doc_id]
        for (s, e, (a, b)), speaker in zip(runs, who, strict=True):
            out.append(
                {
                    "doc_id": doc_id,
                    "unit": 0,
                    "start": s,
                    "end": e,
                    "speaker": speaker,
                    "coder_a": labels[0],
                    "coder_b": labels[1],
                    "codes_a": "; ".join(sorted(a)),
                    "codes_b": "; ".join(sorted(b)),
                    "only_a": "; ".join(sorted(a - b)),
                    "only_b": "; ".join(sorted(b - a)),
                    "both": "; ".join(sorted(a & b)),
                    "text": text[s:e],
                }
            )
    columns = ["doc_id", "unit", "start", "end", "speaker", "coder_a", "coder_b", "codes_a"]
    columns += ["codes_b", "only_a", "only_b", "both", "text"]
    table = pd.DataFrame(out, columns=columns)
    table["unit"] = table.groupby("doc_id").cumcount().astype("int64")
    table.attrs["coders"] = labels
    table.attrs["doc_ids"] = docs
    return table


def _differing_runs(spans: pd.DataFrame, labels: list[str]) -> list[tuple]:
    """Maximal passages of one document where the two sides' code sets differ:
    ``(start, end, (codes_a, codes_b))``."""
    cuts = np.unique(np.r_[spans["start"].to_numpy(), spans["end"].to_numpy()])
    sides: dict[str, list[set]] = {label: [set() for _ in cuts[:-1]] for label in labels}
    for s, e, code, coder in spans[["start", "end", "code", "coder"]].itertuples(index=False):
        for i in range(np.searchsorted(cuts, s), np.searchsorted(cuts, e)):
            sides[coder][i].add(code)
    runs: list[list] = []
    run = None
    for i in range(len(cuts) - 1):
        key = (frozenset(sides[labels[0]][i]), frozenset(sides[labels[1]][i]))
        if key[0] == key[1]:
            run = None
            continue
        if run is not None and run[2] == key and run[1] == cuts[i]:
            run[1] = int(cuts[i + 1])
        else:
            run = [int(cuts[i]), int(cuts[i + 1]), key]
            runs.append(run)
    return [tuple(r) for r in runs]


def _speakers_at(turns: pd.DataFrame | None, positions: np.ndarray) -> list:
    """The speaker of the turn holding each position (None outside every turn)."""
    if turns is None or not len(turns):
        return [None] * len(positions)
    order = np.argsort(turns["start"].to_numpy(), kind="stable")
    t_start, t_end = turns["start"].to_numpy()[order], turns["end"].to_numpy()[order]
    speaker = turns["speaker"].to_numpy(dtype=object)[order]
    k = np.searchsorted(t_start, positions, side="right") - 1
    inside = (k >= 0) & (positions < t_end[np.maximum(k, 0)])
    return [speaker[i] if ok else None for i, ok in zip(np.maximum(k, 0), inside, strict=True)]


def agreement_matrix(table: pd.DataFrame, *, value: str = "kappa") -> pd.DataFrame:
    """A per code x document table as a matrix: codes in rows, documents in columns.

    Examples
    --------
    >>> t = pd.DataFrame({"code": ["x", "x", "y"], "doc_id": ["s", "t", "s"],
    ...                   "kappa": [0.5, 1.0, 0.2]})
    >>> agreement_matrix(t).fillna(-1).values.tolist()
    [[0.5, 1.0], [0.2, -1.0]]
    """
    missing = [c for c in ("code", "doc_id", value) if c not in table.columns]
    if missing:
        raise ValueError(
            f"agreement_matrix needs a per code x document table with {', '.join(missing)}; "
            "use coding_comparison or unit_agreement(..., by_document=True)"
        )
    matrix = table.pivot_table(index="code", columns="doc_id", values=value, aggfunc="first")
    return matrix.reindex(
        index=list(dict.fromkeys(table["code"])), columns=list(dict.fromkeys(table["doc_id"]))
    )
