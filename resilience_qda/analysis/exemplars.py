"""Exemplar quotes an analyst can defend: typical of the code, spread across cases, in the
participant's own voice, of a length a report can carry, and pinned quotes first.

Typicality is measured, not guessed: each passage's TF-IDF vector (words, English stop words
and transcription fillers left out; the weighting of scikit-learn's ``TfidfVectorizer``) is
compared by cosine with the centre of the *other* passages of the code (leave-one-out, so a
passage does not vote for itself). Deterministic: no randomness, ties keep document order.
No spaCy, no scikit-learn: sentences are cut by the same rule as
:func:`resilience_qda.core.units.segment`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..core.errors import CodingsError
from ..core.units import segment
from .stopwords import ENGLISH_STOP_WORDS

#: Words left out of typicality besides scikit-learn's English stop words: transcription
#: marks and fillers that say nothing about a code.
FILLERS = frozenset(
    [
        "um",
        "umm",
        "er",
        "erm",
        "uh",
        "mm",
        "mhm",
        "hmm",
        "yeah",
        "yes",
        "ok",
        "okay",
        "oh",
        "like",
        "just",
        "really",
        "sort",
        "kind",
        "know",
        "mean",
        "think",
        "laughs",
        "laughing",
        "pause",
        "inaudible",
        "crosstalk",
        "gonna",
        "got",
        "get",
    ]
)
#: How a passage is voiced, best first (the ``voice`` column).
VOICES = ("own", "notes", "reported", "interviewer")
_TRUE = {"1", "true", "yes", "y", "x", "pinned"}
_FALSE = {"", "0", "false", "no", "n", "nan", "none"}


def typicality(texts: Sequence[str]) -> np.ndarray:
    """Cosine of each text's TF-IDF vector with the centre of the other texts (0 to 1).

    A passage close to what the other passages of a code say scores high; an outlier (a
    passage about something else, or one sharing no content word) scores 0. With fewer than
    two texts every score is 0.

    Examples
    --------
    >>> t = typicality(["the framework gave me ideas", "ideas from the framework",
    ...                 "new ideas, a framework", "the car park was full"])
    >>> [round(float(v), 2) for v in t]
    [0.54, 0.68, 0.54, 0.0]
    """
    _, vectors, total = _vectors_and_total(list(texts))
    if vectors is None:
        return np.zeros(len(texts))
    return _cosines(vectors, total)


_TOKEN = re.compile(r"(?u)\b[^\W\d_]{2,}\b")
_STOP = ENGLISH_STOP_WORDS | FILLERS


def _terms(text: str) -> list[str]:
    """Words of two or more letters, lower case, stop words and fillers left out."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in _STOP]


class _Tfidf:
    """TF-IDF as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` computes it
    (``(1 + ln tf) * (ln((1 + n) / (1 + df)) + 1)``, rows L2-normalised), on dicts: ranking
    a code's passages needs no sparse matrix, and no seconds spent importing scikit-learn.
    A test checks the vectors against scikit-learn's."""

    def __init__(self, texts: list[str]):
        self.rows_terms = [_terms(t) for t in texts]
        df: dict[str, int] = {}
        for terms in self.rows_terms:
            for term in set(terms):
                df[term] = df.get(term, 0) + 1
        n = len(texts)
        self.idf = {t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in df.items()}

    def vector(self, terms: list[str]) -> dict[str, float]:
        counts: dict[str, int] = {}
        for term in terms:
            if term in self.idf:
                counts[term] = counts.get(term, 0) + 1
        weights = {t: (1.0 + math.log(c)) * self.idf[t] for t, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {t: w / norm for t, w in weights.items()} if norm > 0 else {}

    def rows(self) -> list[dict[str, float]]:
        return [self.vector(terms) for terms in self.rows_terms]


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def _vectors_and_total(texts: list[str]):
    """The fitted TF-IDF, its rows for ``texts`` and their sum; all None with fewer than
    two texts or no content word at all."""
    if len(texts) < 2:
        return None, None, None
    tfidf = _Tfidf(texts)
    if not tfidf.idf:  # only stop words: nothing to compare
        return None, None, None
    vectors = tfidf.rows()
    total: dict[str, float] = {}
    for row in vectors:
        for term, weight in row.items():
            total[term] = total.get(term, 0.0) + weight
    return tfidf, vectors, total


def _cosines(vectors: list[dict[str, float]], total: dict[str, float]) -> np.ndarray:
    """Cosine of each row with the sum of the other rows, in one pass:
    ``x.(S - x) = x.S - |x|^2`` and ``|S - x|^2 = |S|^2 - 2 x.S + |x|^2``."""
    ss = sum(w * w for w in total.values())
    out = np.zeros(len(vectors))
    for i, row in enumerate(vectors):
        xs = _dot(row, total)
        xx = sum(w * w for w in row.values())
        rest = ss - 2 * xs + xx
        out[i] = (xs - xx) / math.sqrt(rest) if rest > 1e-12 else 0.0
    return np.clip(out, 0.0, 1.0)


def _best_window(text: str, centre: dict[str, float], tfidf: _Tfidf, max_chars: int):
    """The run of whole sentences of ``text`` (at most ``max_chars``) most like ``centre``:
    ``(start, end, cosine)`` within ``text``, or None if no sentence is short enough."""
    sentences = segment(text, "sentence")[["start", "end"]].to_numpy().tolist()
    windows = [
        (sentences[i][0], sentences[j][1])
        for i in range(len(sentences))
        for j in range(i, len(sentences))
        if sentences[j][1] - sentences[i][0] <= max_chars
    ]
    if not windows:
        return None
    norm = math.sqrt(sum(w * w for w in centre.values()))
    scores = [
        _dot(tfidf.vector(_terms(text[s:e])), centre) / norm if norm > 0 else 0.0
        for s, e in windows
    ]
    best = int(np.argmax(scores))  # first of equals: the earliest window
    return windows[best][0], windows[best][1], float(max(0.0, min(1.0, scores[best])))


def _minus(total: dict[str, float], row: dict[str, float]) -> dict[str, float]:
    return {t: w - row.get(t, 0.0) for t, w in total.items()}


def _flags(values: pd.Series, what: str) -> pd.Series:
    """A yes/no column (``pinned``) as booleans; values other than yes/no are refused."""
    if values.dtype == bool:
        return values
    text = values.map(lambda v: "" if v is None or v is pd.NA else str(v)).str.strip().str.lower()
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        raise CodingsError(
            f"the {what} column holds {values[bad].iloc[0]!r}; use yes/true/1 to pin a "
            "passage and leave it empty (or no/false/0) otherwise"
        )
    return text.isin(_TRUE)


_WORD = re.compile(r"[\w'’]+")


class _Mentions:
    """Finds participants' labels named in a text: one-word labels by a set look-up of the
    text's words (fast with thousands of cases), longer ones by a regex; ``A`` and ``I``,
    English words, count only as ``Participant A``; a possessive (``L's``) names ``L``."""

    def __init__(self, labels: Iterable[str]):
        words = {str(x).strip() for x in labels if str(x).strip()}
        self.single = {w for w in words if _WORD.fullmatch(w) and w not in ("A", "I")}
        longer = sorted((w for w in words if w not in self.single), key=lambda w: (-len(w), w))
        parts = [
            rf"\bParticipant {re.escape(w)}\b"
            if w in ("A", "I")
            else rf"(?<![\w'’]){re.escape(w)}(?![\w'’])"
            for w in longer
        ]
        self.others = re.compile("|".join(f"(?P<g{i}>{p})" for i, p in enumerate(parts)))
        self.longer = longer

    def other_than(self, text: str, case: object) -> bool:
        """Does ``text`` name a participant other than ``case``?"""
        own = None if case is None else str(case)
        if self.single and any(
            w in self.single and w != own
            for w in (t.removesuffix("'s").removesuffix("’s") for t in _WORD.findall(text))
        ):
            return True
        if not self.longer:
            return False
        return any(self.longer[int(m.lastgroup[1:])] != own for m in self.others.finditer(text))


def passage_cases(
    retrieved: pd.DataFrame, cases: Iterable[str] | None = None, *, by: str = "case"
) -> pd.Series:
    """The case (participant) of each passage: its document's ``case``, else its speaker
    when the speaker label names a known case (``Amara``, ``Participant L``), as in a focus
    group; else None (observation notes, the interviewer).

    Examples
    --------
    >>> r = pd.DataFrame({"case": ["L", None, None], "interviewer": [False] * 3,
    ...                   "speaker": ["Participant L", "Amara", None]})
    >>> passage_cases(r, ["L", "Amara"]).tolist()
    ['L', 'Amara', None]
    """
    own = retrieved[by] if by in retrieved else pd.Series([None] * len(retrieved))
    own = own.astype(object).where(own.notna(), None)
    labels = {str(c) for c in (cases if cases is not None else own.dropna().unique())}
    if "speaker" not in retrieved:
        return own.reset_index(drop=True)
    asked = (
        retrieved["interviewer"].eq(True)
        if "interviewer" in retrieved
        else pd.Series(False, index=retrieved.index)
    )
    out = []
    for case, who, interviewer in zip(own, retrieved["speaker"], asked, strict=True):
        if case is not None:
            out.append(case)
            continue
        label = str(who).strip() if isinstance(who, str) and not interviewer else ""
        label = label.removeprefix("Participant ").strip()
        out.append(label if label in labels else None)
    return pd.Series(out, dtype=object)


def exemplars(
    retrieved: pd.DataFrame,
    *,
    n: int = 3,
    by: str = "case",
    spread: str | None = None,
    pinned: pd.DataFrame | Iterable[tuple[str, int, int]] | None = None,
    cases: Iterable[str] | None = None,
    min_chars: int = 40,
    max_chars: int = 600,
) -> pd.DataFrame:
    """Choose up to ``n`` exemplar quotes of a code from :func:`retrieve`'s table.

    The order, best first:

    1. **pinned** passages (a ``pinned`` column that is yes/true/1, as a coder can set in
       ``codings/<coder>.csv``, or the spans given in ``pinned``), ordered among
       themselves by the rules below;
    2. then one passage per **case** (``by``) before a second passage of any case, so the
       quotes spread across people; with ``spread`` (e.g. ``"sector"``), cases of a group
       not yet quoted come before a second case of a group;
    3. within that, the **voice**: a participant's own words (``own``: their turn in a
       transcript, or a document of theirs without turns such as a diary) before an
       observer's notes (``notes``: no speaker and no case), before a participant reporting
       someone else (``reported``: the passage names another case, e.g. F recounting what
       L said), before the interviewer's words;
    4. passages of at least ``min_chars`` before shorter ones;
    5. the most **typical** passage first: the highest cosine between its TF-IDF vector and
       the centre of the code's other passages (:func:`typicality`).

    A passage longer than ``max_chars`` is trimmed to the run of whole sentences (at most
    ``max_chars``) most like the code's centre, and its ``start``/``end`` move with it; if
    no sentence is short enough it is skipped (unless pinned). The same span under two codes
    counts once.

    Parameters
    ----------
    retrieved : DataFrame
        :func:`~resilience_qda.analysis.retrieval.retrieve`'s table for one code (or
        branch) and one coder: ``doc_id, start, end, text`` and, where known, ``case``,
        ``speaker``, ``interviewer``, ``pinned``.
    n : int
        How many quotes.
    by : str
        The column whose values the quotes spread across (default ``case``; in a focus
        group the speaker, when it names a case; passages with neither, such as
        observation notes, count by document).
    spread : str, optional
        A wider grouping to spread across too (``sector``, ``role``).
    pinned : DataFrame or iterable of (doc_id, start, end), optional
        Spans to pin besides those the ``pinned`` column marks.
    cases : iterable of str, optional
        Every participant's label, to recognise one participant reporting another (default:
        the values of ``by`` in ``retrieved``).
    min_chars, max_chars : int
        Shorter passages come last; longer ones are trimmed or skipped.

    Returns
    -------
    DataFrame
        The chosen rows of ``retrieved`` (``text`` trimmed where needed), best first, with
        ``rank`` (1..), ``pinned``, ``voice``, ``typicality``, ``trimmed``,
        ``cases_voicing`` (how many cases voiced the code: distinct cases of
        non-interviewer passages, by :func:`passage_cases`) and ``passages_coded``
        (distinct passages of the code).

    Examples
    --------
    >>> r = pd.DataFrame({
    ...     "doc_id": ["i1", "i1", "i2", "i3"], "start": [0, 50, 0, 0], "end": [40, 90, 40, 40],
    ...     "case": ["L", "L", "S", "F"], "interviewer": [False] * 4,
    ...     "text": ["The framework gave me new ideas for Belonging.",
    ...              "We had new ideas and the framework helped.",
    ...              "New ideas from the framework, in Belonging.",
    ...              "L said the framework gave her new ideas."]})
    >>> picks = exemplars(r, n=3)
    >>> picks[["case", "voice"]].values.tolist()
    [['L', 'own'], ['S', 'own'], ['F', 'reported']]
    >>> int(picks["cases_voicing"].iloc[0])
    3
    """
    columns = list(retrieved.columns)
    extra = ["rank", "pinned", "voice", "typicality", "trimmed", "cases_voicing", "passages_coded"]
    if not len(retrieved):
        out = retrieved.copy()
        for col in extra:
            if col not in out:
                out[col] = pd.Series(dtype="object")
        return out[[*columns, *[c for c in extra if c not in columns]]]
    key = ["doc_id", "start", "end"] if {"start", "end"} <= set(retrieved) else ["doc_id", "text"]
    table = retrieved.drop_duplicates(key).reset_index(drop=True).copy()
    texts = table["text"].astype(str).tolist()
    labels = [str(c) for c in cases] if cases is not None else None
    spoken_by = passage_cases(table, labels, by=by)
    labels = labels if labels is not None else [str(c) for c in spoken_by.dropna().unique()]
    group = spoken_by.where(spoken_by.notna(), table["doc_id"])
    interviewer = (
        table["interviewer"].eq(True)
        if "interviewer" in table
        else pd.Series(False, index=table.index)
    )

    # pinned
    pin = (
        _flags(table["pinned"], "pinned")
        if "pinned" in table
        else pd.Series(False, index=table.index)
    )
    if pinned is not None:
        if "start" not in table or "end" not in table:
            raise CodingsError(
                "pinned spans need the retrieved table's start and end columns; pass "
                "retrieve()'s table"
            )
        spans = (
            set(zip(pinned["doc_id"], pinned["start"], pinned["end"], strict=True))
            if isinstance(pinned, pd.DataFrame)
            else {tuple(p) for p in pinned}
        )
        mine = zip(table["doc_id"], table["start"], table["end"], strict=True)
        pin = pin | pd.Series([(d, int(s), int(e)) in spans for d, s, e in mine], index=table.index)

    # voice
    # without a speaker column every passage counts as spoken; with one, no speaker: notes
    speaker = table["speaker"] if "speaker" in table else pd.Series(["?"] * len(table))
    voice = []
    mentions = _Mentions(labels)
    for text, case, who, asked in zip(texts, spoken_by, speaker, interviewer, strict=True):
        if asked:
            voice.append("interviewer")
        elif (who is None or who is pd.NA or (isinstance(who, float) and np.isnan(who))) and (
            case is None
        ):
            voice.append("notes")  # no speaker, no case: an observer's notes
        elif mentions.other_than(text, case):
            voice.append("reported")
        else:
            voice.append("own")

    # typicality, trimming long passages to their most typical sentences
    tfidf, vectors, total = _vectors_and_total(texts)
    typical = _cosines(vectors, total) if vectors is not None else np.zeros(len(texts))
    trimmed = np.zeros(len(table), dtype=bool)
    skip = np.zeros(len(table), dtype=bool)
    for i, text in enumerate(texts):
        if len(text) <= max_chars or pin.iloc[i]:
            continue
        window = (
            _best_window(text, _minus(total, vectors[i]), tfidf, max_chars)
            if tfidf is not None
            else _first_window(text, max_chars)
        )
        if window is None:
            skip[i] = True
            continue
        s, e, score = window
        trimmed[i] = True
        typical[i] = score if tfidf is not None else typical[i]
        table.loc[i, "text"] = text[s:e]
        if "start" in table:
            offset = int(table.loc[i, "start"])
            table.loc[i, "start"], table.loc[i, "end"] = offset + s, offset + e
        if "before" in table:
            keep = len(str(table.loc[i, "before"]))
            table.loc[i, "before"] = (
                (str(table.loc[i, "before"]) + text[:s])[-keep:] if keep else ""
            )
        if "after" in table:
            keep = len(str(table.loc[i, "after"]))
            table.loc[i, "after"] = (text[e:] + str(table.loc[i, "after"]))[:keep]

    voicing = int(pd.Series(spoken_by[~interviewer.to_numpy()]).dropna().nunique())
    rank = pd.DataFrame(
        {
            "unpinned": ~pin.to_numpy(),
            "voice": [VOICES.index(v) for v in voice],
            "short": table["text"].str.len().to_numpy() < min_chars,
            "typical": -np.round(typical, 12),
            "order": np.arange(len(table)),
            "group": group.to_numpy(),
        }
    )[~skip]
    fitted = rank.sort_values(["unpinned", "voice", "short", "typical", "order"])
    fitted["repeat"] = fitted.groupby("group", sort=False).cumcount()
    fitted.loc[~fitted["unpinned"], "repeat"] = -1
    keys = ["unpinned", "repeat", "voice", "short", "typical", "order"]
    if spread is not None and spread in table:
        wider = table[spread].astype(object).where(table[spread].notna(), "")
        fitted["wider"] = wider.loc[fitted.index].to_numpy()
        fitted["spread"] = fitted.groupby(["repeat", "wider"]).cumcount()
        keys = ["unpinned", "repeat", "spread", "voice", "short", "typical", "order"]
    best = fitted.sort_values(keys).index[:n]
    out = table.loc[best].copy()
    if by in out:  # a focus-group speaker who names a case is that case
        out[by] = spoken_by.loc[best].to_numpy()
    out["rank"] = np.arange(1, len(out) + 1)
    out["pinned"] = pin.loc[best].to_numpy()
    out["voice"] = [voice[i] for i in best]
    out["typicality"] = typical[best].round(4)
    out["trimmed"] = trimmed[best]
    out["cases_voicing"] = voicing
    out["passages_coded"] = len(table)
    return out.reset_index(drop=True)[[*columns, *[c for c in extra if c not in columns]]]


def _first_window(text: str, max_chars: int):
    """Without a vocabulary to compare: the first run of sentences that fits."""
    sentences = segment(text, "sentence")[["start", "end"]].to_numpy().tolist()
    fitting = [(s, e) for s, e in sentences if e - s <= max_chars]
    if not fitting:
        return None
    start, end = fitting[0]
    for s, e in sentences:
        if s >= end and e - start <= max_chars:
            end = e
        elif s >= end:
            break
    return start, end, 0.0


__all__ = ["FILLERS", "VOICES", "exemplars", "passage_cases", "typicality"]
