"""Retrieval for quotation: every passage of a code with its speaker, case and context."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..core.codes import select_codes
from ..core.model import Corpus
from ..core.sorting import natural_key

RETRIEVAL_COLUMNS = [
    "doc_id",
    "start",
    "end",
    "code",
    "coder",
    "speaker",
    "interviewer",
    "text",
    "before",
    "after",
]


def speakers(spans: pd.DataFrame, turns: pd.DataFrame) -> pd.DataFrame:
    """The speaker of each span: the turn its ``start`` falls in (or the turn before it).

    Returns ``speaker`` and ``interviewer`` aligned with ``spans`` (empty outside transcripts).

    Examples
    --------
    >>> turns = pd.DataFrame({"doc_id": ["d", "d"], "start": [3, 20], "end": [15, 30],
    ...                       "speaker": ["I", "Participant L"], "interviewer": [True, False]})
    >>> spans = pd.DataFrame({"doc_id": ["d", "d", "e"], "start": [22, 4, 0]})
    >>> speakers(spans, turns)["speaker"].tolist()
    ['Participant L', 'I', None]
    """
    out = pd.DataFrame({"speaker": pd.Series([None] * len(spans), index=spans.index, dtype=object)})
    out["interviewer"] = pd.Series(False, index=spans.index, dtype=bool)
    if not len(spans) or not len(turns):
        return out
    left = spans[["doc_id", "start"]].assign(_row=np.arange(len(spans)))
    left = left.astype({"doc_id": object, "start": "int64"}).sort_values("start")
    right = turns[["doc_id", "start", "speaker", "interviewer"]]
    right = right.astype({"doc_id": object, "start": "int64"}).sort_values("start")
    found = pd.merge_asof(left, right, on="start", by="doc_id", direction="backward")
    found = found.sort_values("_row")
    out["speaker"] = pd.Series(
        [None if pd.isna(v) else v for v in found["speaker"]], index=spans.index, dtype=object
    )
    out["interviewer"] = found["interviewer"].eq(True).to_numpy()
    return out


def retrieve(
    codings: pd.DataFrame,
    corpus: Corpus,
    codes: str | Iterable[str] | None = None,
    *,
    rollup: bool = True,
    context: int = 120,
    attributes: Iterable[str] = ("case", "kind", "role"),
) -> pd.DataFrame:
    """Every coded passage of ``codes`` with its text, speaker, surrounding text and document
    attributes, in document order: what a researcher reads to choose quotations.

    Parameters
    ----------
    codings : DataFrame
        A codings table (a ``memo`` column, where present, is carried along).
    corpus : Corpus
        The documents the offsets point into.
    codes : str or list of str, optional
        The code(s) to retrieve; with ``rollup`` (default) codings of child codes too.
    context : int
        Characters of text kept ``before`` and ``after`` each passage.
    attributes : iterable of str
        Columns of ``corpus.documents`` to attach (those that exist).

    Returns
    -------
    DataFrame
        ``doc_id, start, end, code, coder, speaker, interviewer, text, before, after``, the
        attributes, and ``memo`` if the codings have memos.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> corpus = Corpus([Document("i", "Interviewer: And?\\n\\nParticipant L: We laughed.",
    ...                           {"kind": "interview", "case": "L"})])
    >>> c = pd.DataFrame({"doc_id": ["i"], "start": [34], "end": [45],
    ...                   "code": ["coping/have-a-laugh"], "coder": ["A"]})
    >>> retrieve(c, corpus, "coping")[["case", "speaker", "text"]].values.tolist()
    [['L', 'Participant L', 'We laughed.']]
    """
    table = select_codes(codings, codes, rollup=rollup)
    table = table.sort_values(["doc_id", "start", "end", "code", "coder"], kind="stable")
    table = table.reset_index(drop=True)
    keep = ["doc_id", "start", "end", "code", "coder"] + (["memo"] if "memo" in table else [])
    table = table[keep].copy()
    texts = corpus.texts
    triples = [
        (texts[d][s:e], texts[d][max(0, s - context) : s], texts[d][e : e + context])
        for d, s, e in zip(table["doc_id"], table["start"], table["end"], strict=True)
    ]
    table["text"] = [t[0] for t in triples]
    table["before"] = [t[1] for t in triples]
    table["after"] = [t[2] for t in triples]
    who = speakers(table, corpus.turns)
    table["speaker"] = who["speaker"]
    table["interviewer"] = who["interviewer"]
    docs = corpus.documents
    present = [a for a in attributes if a in docs.columns and a not in table.columns]
    if present:
        table = table.merge(docs[["doc_id", *present]], on="doc_id", how="left")
    columns = RETRIEVAL_COLUMNS + present + (["memo"] if "memo" in table else [])
    return table[columns]


def exemplars(
    retrieved: pd.DataFrame,
    *,
    n: int = 3,
    by: str = "case",
    spread: str | None = None,
    min_chars: int = 60,
    max_chars: int = 420,
    quoted: Mapping[object, int] | None = None,
) -> pd.DataFrame:
    """Pick up to ``n`` quotable passages from :func:`retrieve`'s table, one per ``by`` first.

    Participants' words come before the interviewer's and notes; passages of a quotable
    length (``min_chars`` to ``max_chars``) before shorter or longer ones; then different
    cases (or documents) before a second passage of the same one; with ``spread`` (e.g.
    ``"sector"``), cases of a group not yet quoted before a second case of a group. With
    ``quoted`` (how often each case was quoted already, e.g. for other codes), cases quoted
    less come first, so a set of quotes spreads across cases. Deterministic: ties keep
    document order.

    Examples
    --------
    >>> r = pd.DataFrame({"doc_id": ["i1", "i1", "i2", "i3"], "case": ["L", "L", "S", "B"],
    ...                   "sector": ["social work", "social work", "social work", "foster care"],
    ...                   "interviewer": [False] * 4,
    ...                   "text": ["x" * 100, "y" * 100, "z" * 100, "w" * 100]})
    >>> exemplars(r, n=2)["case"].tolist()
    ['L', 'S']
    >>> exemplars(r, n=2, spread="sector")["case"].tolist()
    ['L', 'B']
    >>> exemplars(r, n=2, quoted={"L": 1})["case"].tolist()
    ['S', 'B']
    """
    if not len(retrieved):
        return retrieved.copy()
    table = retrieved.reset_index(drop=True)
    length = table["text"].str.len()
    group = table[by] if by in table else table["doc_id"]
    group = group.astype(object).where(group.notna(), table["doc_id"])
    prior = group.map(lambda g: (quoted or {}).get(g, 0)).astype("int64")
    rank = pd.DataFrame(
        {
            "interviewer": table.get("interviewer", pd.Series(False, index=table.index)),
            "misfit": ~length.between(min_chars, max_chars),
            "prior": prior.values,
            "order": np.arange(len(table)),
            "group": group.values,
        }
    )
    # the best-fitting passage of each case first, then each case's second best, ...; among
    # passages that fit equally, cases quoted less often elsewhere first
    fitted = rank.sort_values(["interviewer", "misfit", "prior", "order"])
    fitted["repeat"] = fitted.groupby("group", sort=False).cumcount()
    keys = ["repeat", "interviewer", "misfit", "prior", "order"]
    if spread is not None and spread in table:
        wider = table[spread].astype(object).where(table[spread].notna(), "")
        fitted["wider"] = wider.loc[fitted.index].values
        fitted["spread"] = fitted.groupby(["repeat", "interviewer", "misfit", "wider"]).cumcount()
        keys = ["repeat", "interviewer", "misfit", "spread", "prior", "order"]
    best = fitted.sort_values(keys).index
    chosen = table.loc[best[:n]]
    if "start" not in chosen:
        return chosen
    return chosen.sort_values(
        ["doc_id", "start"], key=lambda s: s.map(natural_key) if s.name == "doc_id" else s
    )


def framework_matrix(
    codings: pd.DataFrame,
    corpus: Corpus,
    codes: Iterable[str],
    *,
    rows: str = "case",
    max_passages: int | None = None,
    separator: str = "\n\n",
) -> pd.DataFrame:
    """Framework matrix: one cell per (case, code) holding the passages to quote.

    Parameters
    ----------
    codings : DataFrame
        A codings table.
    corpus : Corpus
    codes : list of str
        The columns of the matrix (e.g. the four themes); codings of child codes count.
    rows : str
        A document attribute to group by (``case``, or ``doc_id``, ``role``, ``meeting``).
    max_passages : int, optional
        Keep at most this many passages per cell (the first, in document order).
    separator : str
        Between passages in ``passages_text``.

    Returns
    -------
    DataFrame
        ``<rows>, code, passages, passages_text`` for every combination of a ``rows`` value
        and a code (empty cells included); each passage is followed by ``[doc_id]``.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> corpus = Corpus([Document("i1", "Good. Bad.", {"case": "L"}),
    ...                  Document("i2", "Fine.", {"case": "S"})])
    >>> c = pd.DataFrame({"doc_id": ["i1", "i1"], "start": [0, 6], "end": [5, 10],
    ...                   "code": ["t/a", "t/a"], "coder": ["A", "A"]})
    >>> framework_matrix(c, corpus, ["t/a"]).values.tolist()
    [['L', 't/a', 2, 'Good. [i1]\\n\\nBad. [i1]'], ['S', 't/a', 0, '']]
    """
    codes = list(codes)
    docs = corpus.documents
    source = "doc_id" if rows == "doc_id" else rows
    if source not in docs.columns:
        raise KeyError(
            f"framework_matrix: the documents have no attribute {rows!r}; they have "
            f"{', '.join(docs.columns)}"
        )
    frames = []
    every = retrieve(codings, corpus, codes, context=0, attributes=()) if codes else None
    for code in codes:
        inside = (every["code"] == code) | every["code"].str.startswith(code + "/")
        found = every[inside].drop_duplicates(["doc_id", "start", "end"])
        found = found.assign(code=code).merge(
            docs[["doc_id"] + ([source] if source != "doc_id" else [])], on="doc_id"
        )
        frames.append(found)
    if not frames:
        return pd.DataFrame(columns=[rows, "code", "passages", "passages_text"])
    found = pd.concat(frames, ignore_index=True)
    values = sorted(docs[source].dropna().unique(), key=natural_key)
    cells = {key: cell for key, cell in found.groupby([source, "code"], sort=False)}
    out = []
    for value in values:
        for code in codes:
            cell = cells.get((value, code), found.iloc[:0])
            shown = cell if max_passages is None else cell.head(max_passages)
            text = separator.join(
                f"{t} [{d}]" for t, d in zip(shown["text"], shown["doc_id"], strict=True)
            )
            out.append((value, code, len(cell), text))
    return pd.DataFrame(out, columns=[rows, "code", "passages", "passages_text"]).astype(
        {"passages": "int64"}
    )
