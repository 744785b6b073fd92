"""Units of analysis: sentences, speaker turns, paragraphs, whole documents.

Every part of the toolkit that works per unit (rule widening, agreement, coding sheets,
learning from coding) uses these same spans, so a "sentence" means the same thing to a rule,
a model and a kappa. Sentences are found by a deterministic rule (no model), never across a
turn or paragraph boundary; a speaker label is never part of a unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .model import Corpus
from .pages import PAGE_STARTS, add_pages, pages_table
from .turns import TRANSCRIPT_KINDS

UNITS = ("sentence", "turn", "paragraph", "document")
UNITS_COLUMNS = ("doc_id", "unit", "start", "end", "speaker", "turn", "interviewer")

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
# A sentence ends at . ! ? or … (with closing quotes/brackets) followed by space and a
# capital, digit, quote or bracket, or at a line end.
_SENTENCE_END = re.compile(
    r"""(?<=[.!?…])["'”’)\]]*(?:[ \t]+(?=[A-Z0-9"'“‘(\[])|[ \t]*\n)|[ \t]*\n(?=[ \t]*\S)"""
)
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|vs|etc|e\.g|i\.e|approx|No|Fig|cf)|\b[A-Z])\.$"
)


def _spans(text: str, start: int, end: int, splitter: re.Pattern) -> list[tuple[int, int]]:
    """Cut ``text[start:end]`` at ``splitter`` matches; trim whitespace; drop empty pieces."""
    out = []
    pos = start
    for m in splitter.finditer(text, start, end):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, end))
    trimmed = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces = _spans(text, start, end, _SENTENCE_END)
    merged: list[tuple[int, int]] = []
    for s, e in pieces:  # re-join splits after abbreviations such as "Dr." or "e.g."
        if (
            merged
            and _ABBREVIATIONS.search(text[merged[-1][0] : merged[-1][1]])
            and "\n" not in text[merged[-1][1] : s]
        ):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


_NEVER = re.compile(r"(?!)")
_TURN_FIELDS = ("start", "end", "speaker", "turn", "interviewer")


def unit_rows(text: str, unit: str, turns: list[tuple]) -> list[tuple]:
    """The rows behind :func:`units` and :func:`segment`, without a DataFrame.

    Returns ``(start, end, speaker, turn, interviewer)`` of each unit; ``turns`` holds the
    same five fields of each speaker turn of the text (empty for a text without turns).
    """
    if unit == "document":
        return [(0, len(text), None, None, False)] if text.strip() else []
    blocks: list[tuple] = []
    if turns:
        first = min(t[0] for t in turns)
        header_end = text.rfind("\n", 0, first) + 1  # the line of the first speaker label
        if header_end > 0:
            blocks.append((0, header_end, None, None, False))
        blocks += turns
    else:
        blocks.append((0, len(text), None, None, False))
    rows = []
    for b_start, b_end, speaker, turn, interviewer in blocks:
        if unit == "turn" and turn is not None:
            pieces = _spans(text, b_start, b_end, _NEVER)
        else:
            pieces = _spans(text, b_start, b_end, _PARAGRAPH_BREAK)
            if unit == "sentence":
                pieces = [s for p in pieces for s in _sentences(text, *p)]
        rows += [(s, e, speaker, turn, interviewer) for s, e in pieces]
    return rows


def _check_unit(unit: str) -> None:
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}; got {unit!r}")


def _turn_tuples(turns: pd.DataFrame) -> list[tuple]:
    return list(zip(*(turns[c] for c in _TURN_FIELDS), strict=True))


def _unit_table(texts: Iterable[tuple[str, str, list[tuple]]], unit: str) -> pd.DataFrame:
    """The units table of ``(doc_id, text, turn tuples)`` triples, built in one go."""
    _check_unit(unit)
    columns: dict[str, list] = {name: [] for name in UNITS_COLUMNS}
    for doc_id, text, turns in texts:
        rows = unit_rows(text, unit, turns)
        columns["doc_id"] += [doc_id] * len(rows)
        columns["unit"] += range(len(rows))
        for name, values in zip(_TURN_FIELDS, zip(*rows, strict=True), strict=True) if rows else ():
            columns[name] += values
    return pd.DataFrame(columns).astype(
        {"unit": "int64", "start": "int64", "end": "int64", "turn": "Int64", "interviewer": "bool"}
    )


def segment(text: str, unit: str, *, turns: pd.DataFrame | None = None) -> pd.DataFrame:
    """The units of one text as ``unit, start, end, speaker, turn, interviewer``.

    Within a transcript (``turns`` given and not empty) units never leave a turn: a
    ``turn`` unit is a whole turn, paragraphs and sentences are cut inside turns, and text
    outside any turn (a header) is cut as if it had no turns. Without turns, a ``turn`` is a
    paragraph.

    Examples
    --------
    >>> segment("One. Two!\\n\\nThree", "sentence")[["start", "end"]].values.tolist()
    [[0, 4], [5, 9], [11, 16]]
    """
    table = _unit_table([("", text, [] if turns is None else _turn_tuples(turns))], unit)
    return table.drop(columns="doc_id")


def units(corpus: Corpus, unit: str = "sentence") -> pd.DataFrame:
    """The units of every document of a corpus.

    Returns
    -------
    DataFrame
        ``doc_id, unit, start, end, speaker, turn, interviewer``; ``unit`` numbers units
        within their document from 0; ``speaker``/``turn`` are empty outside transcripts.
        When a document came from a PDF (it has ``page_starts``), a ``page`` column gives
        the page each unit starts on.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> c = Corpus([Document("d", "I: Why?\\n\\nP: Because. It works.", {"kind": "interview"})])
    >>> units(c, "sentence")[["speaker", "start", "end"]].values.tolist()
    [['I', 3, 7], ['P', 12, 20], ['P', 21, 30]]
    """
    turns = corpus.turns
    by_doc: dict[str, list[tuple]] = {}
    for doc_id, row in zip(turns["doc_id"], _turn_tuples(turns), strict=True):
        by_doc.setdefault(doc_id, []).append(row)
    table = _unit_table(
        (
            (d.doc_id, d.text, by_doc.get(d.doc_id, []) if d.kind in TRANSCRIPT_KINDS else [])
            for d in corpus
        ),
        unit,
    )
    if any(PAGE_STARTS in d.metadata for d in corpus):  # documents from PDFs: the page too
        pages = pages_table((d.doc_id, len(d.text), d.metadata) for d in corpus)
        table = add_pages(table, pages)
    return table


def code_units(
    codings: pd.DataFrame, units_table: pd.DataFrame, *, min_overlap: float = 0.0
) -> pd.DataFrame:
    """Which units carry which code for which coder.

    A unit carries a code for a coder when one of that coder's codings of the code overlaps
    it by at least one character, or, with ``min_overlap`` > 0, covers at least that share
    of the unit's characters (codings of one coder and code are merged first).

    Returns
    -------
    DataFrame
        ``doc_id, unit, code, coder, overlap`` (characters of the unit covered), one row
        per (unit, code, coder) that carries the code.

    Examples
    --------
    >>> u = pd.DataFrame({"doc_id": ["d", "d"], "unit": [0, 1], "start": [0, 10],
    ...                   "end": [10, 20]})
    >>> c = pd.DataFrame({"doc_id": ["d"], "start": [8], "end": [12], "code": ["x"],
    ...                   "coder": ["A"]})
    >>> code_units(c, u)[["unit", "overlap"]].values.tolist()
    [[0, 2], [1, 2]]
    >>> code_units(c, u, min_overlap=0.5)["unit"].tolist()
    []
    """
    columns = ["doc_id", "unit", "code", "coder", "overlap"]
    if not len(codings) or not len(units_table):
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c in ("unit", "overlap") else object) for c in columns}
        )
    merged = merge_spans(codings)
    u = units_table[["doc_id", "unit", "start", "end"]]
    rows = []
    units_by_doc = dict(tuple(u.groupby("doc_id", sort=False)))
    for doc_id, spans in merged.groupby("doc_id", sort=False):
        du = units_by_doc.get(doc_id)
        if du is None or not len(du):
            continue
        us, ue, unit_no = du["start"].to_numpy(), du["end"].to_numpy(), du["unit"].to_numpy()
        order = np.argsort(us, kind="stable")
        us_sorted, ue_max = us[order], np.maximum.accumulate(ue[order])
        for s, e, code, coder in spans[["start", "end", "code", "coder"]].itertuples(index=False):
            # candidate units start before e; keep those ending after s
            hi = np.searchsorted(us_sorted, e, side="left")
            lo = np.searchsorted(ue_max[:hi], s, side="right")
            idx = order[lo:hi]
            ov = np.minimum(ue[idx], e) - np.maximum(us[idx], s)
            keep = ov > 0
            for i, o in zip(idx[keep], ov[keep], strict=True):
                rows.append((doc_id, int(unit_no[i]), code, coder, int(o)))
    table = pd.DataFrame(rows, columns=columns)
    table = table.groupby(["doc_id", "unit", "code", "coder"], as_index=False, sort=True)[
        "overlap"
    ].sum()
    if min_overlap > 0:
        size = table.merge(u, on=["doc_id", "unit"])
        table = table[
            (size["overlap"] / (size["end"] - size["start"])).to_numpy() >= min_overlap - 1e-12
        ]
    return table.reset_index(drop=True).astype({"unit": "int64", "overlap": "int64"})


def merge_spans(
    codings: pd.DataFrame, by: tuple[str, ...] = ("doc_id", "code", "coder")
) -> pd.DataFrame:
    """Merge overlapping or touching spans within each group of ``by`` columns.

    Returns ``*by, start, end``, sorted.

    Examples
    --------
    >>> c = pd.DataFrame({"doc_id": ["d"] * 3, "code": ["x"] * 3, "coder": ["A"] * 3,
    ...                   "start": [0, 5, 20], "end": [10, 12, 25]})
    >>> merge_spans(c)[["start", "end"]].values.tolist()
    [[0, 12], [20, 25]]
    """
    by = list(by)
    if not len(codings):
        return pd.DataFrame(columns=[*by, "start", "end"])
    table = codings[[*by, "start", "end"]].sort_values([*by, "start", "end"], kind="stable")
    groups = table.groupby(by, sort=False)
    group_id = groups.ngroup().to_numpy()
    starts = table["start"].to_numpy()
    run_end = groups["end"].cummax().to_numpy()  # furthest end so far within each group
    new_group = np.r_[True, group_id[1:] != group_id[:-1]]
    prev_end = np.r_[-1, run_end[:-1]]
    opens = new_group | (starts > prev_end)
    block = np.cumsum(opens) - 1
    out = (
        table.assign(_block=block)
        .groupby("_block", sort=True)
        .agg(**{c: (c, "first") for c in by}, start=("start", "min"), end=("end", "max"))
    )
    return out.reset_index(drop=True)
