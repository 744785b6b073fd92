"""Re-anchoring: find every coding again after its source text was edited.

Each coding carries an anchor: the coded text (``quote``) with a little context before and
after it (``prefix``, ``suffix``; see :func:`resilience_qda.core.model.anchor_codings`). When a
source text changes (a typo fixed, a name pseudonymised, a line break added), each coding is
looked for in the new text, most trustworthy evidence first:

1. **position**: with the old text at hand, the two texts are diffed (lines, then characters
   inside changed lines) and the old span is carried through the diff; a passage whose
   words were rewritten where they stood is orphaned, never looked for elsewhere;
2. **quote**: the quote occurs verbatim with its whole context (when it is repeated, the
   occurrence whose context agrees best, then the nearest to where it was; never an
   occurrence that the diff shows belongs to other words);
3. **context**: without the old text, where the whole context still stands the passage is
   judged in its place (edited there, or orphaned if rewritten);
4. **fuzzy**: the anchor (prefix + quote + suffix) is aligned with the new text and the
   quote's part of it is taken if it is similar enough and its context is nearby; else a
   verbatim quote with enough context, or a long quote found once with some context.

Every coding gets a status: ``kept`` (same offsets, same text), ``moved`` (same words at
new offsets; whitespace changes count as the same words), ``changed`` (the coded words were
edited but the passage is clearly the same: similarity at least ``threshold``),
``shortened`` (part of the coded passage was deleted; what is left is the passage's own
words) or ``orphaned`` (no confident match: the coding is taken out and reported, never put
on other words).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np
import pandas as pd

from ..core.errors import CodingsError
from ..core.model import (
    ANCHOR_COLUMNS,
    ANCHOR_CONTEXT,
    Corpus,
    Document,
    Project,
    anchor_codings,
    validate_codings,
)

#: What can happen to a coding when its text is edited.
STATUSES = ("kept", "moved", "changed", "shortened", "orphaned")
#: Columns of the re-anchoring report.
REPORT_COLUMNS = (
    "doc_id",
    "code",
    "coder",
    "old_start",
    "old_end",
    "start",
    "end",
    "status",
    "method",
    "similarity",
    "quote",
    "new_text",
)
#: Hunks of a diff larger than this (characters, either side) are not diffed character by
#: character; codings inside them are found by their anchors instead.
MAX_HUNK = 20_000
#: Quotes shorter than this must have their whole context when found away from their place.
SHORT_QUOTE = 20
#: A quote at least this long that occurs exactly once is the same passage when a little of
#: its context (``MIN_CONTEXT``) agrees (e.g. a paragraph moved elsewhere).
LONG_QUOTE = 40
#: Least share of the context that must agree for a coding to move by quote or fuzzy match.
MIN_CONTEXT = 0.25


@dataclass(frozen=True)
class Reanchoring:
    """The result of :func:`reanchor`.

    Attributes
    ----------
    codings : DataFrame
        The codings that were found again (orphans left out), with new offsets and fresh
        anchor columns; other columns travel along.
    report : DataFrame
        One row per input coding of the re-anchored documents (``REPORT_COLUMNS``) plus
        ``row``, the coding's position in the input table.
    """

    codings: pd.DataFrame
    report: pd.DataFrame

    @property
    def orphans(self) -> pd.DataFrame:
        """Report rows of the codings that could not be placed."""
        return self.report[self.report["status"] == "orphaned"].reset_index(drop=True)

    def summary(self) -> dict[str, int]:
        """How many codings got each status."""
        counts = self.report["status"].value_counts()
        return {s: int(counts.get(s, 0)) for s in STATUSES}


# --------------------------------------------------------------------------- diffs


def diff_opcodes(old: str, new: str) -> list[tuple[str, int, int, int, int]]:
    """Character-level opcodes (as :meth:`difflib.SequenceMatcher.get_opcodes`) from
    ``old`` to ``new``, computed line by line first so long texts stay fast.

    Examples
    --------
    >>> diff_opcodes("one two\\nthree\\n", "one too\\nthree\\n")[:2]
    [('equal', 0, 5, 0, 5), ('replace', 5, 6, 5, 6)]
    """
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    ao = np.concatenate([[0], np.cumsum([len(x) for x in a])]).astype(int)
    bo = np.concatenate([[0], np.cumsum([len(x) for x in b])]).astype(int)
    out: list[tuple[str, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        a1, a2, b1, b2 = int(ao[i1]), int(ao[i2]), int(bo[j1]), int(bo[j2])
        if tag == "equal" or not (a2 > a1 and b2 > b1):
            out.append((tag, a1, a2, b1, b2))
        elif max(a2 - a1, b2 - b1) > MAX_HUNK:
            out.append(("replace", a1, a2, b1, b2))
        else:
            sm = SequenceMatcher(None, old[a1:a2], new[b1:b2], autojunk=False)
            out += [
                (t, a1 + x1, a1 + x2, b1 + y1, b1 + y2) for t, x1, x2, y1, y2 in sm.get_opcodes()
            ]
    return out


class _Mapper:
    """Carries offsets of the old text through a diff to the new text."""

    def __init__(self, opcodes: list[tuple[str, int, int, int, int]], old_len: int, new_len):
        self.ops = [op for op in opcodes if op[2] > op[1]]  # inserts hold no old characters
        self.i1 = [op[1] for op in self.ops]
        self.old_len, self.new_len = old_len, new_len

    def _op(self, p: int, side: str):
        # the opcode holding old character p (start) or p - 1 (end)
        q = p if side == "start" else p - 1
        k = bisect.bisect_right(self.i1, q) - 1
        return self.ops[k] if 0 <= k < len(self.ops) else None

    def pos(self, p: int, side: str) -> int:
        if side == "start" and p >= self.old_len:
            return self.new_len
        if side == "end" and p <= 0:
            return 0
        op = self._op(p, side)
        if op is None:
            return 0 if side == "start" else self.new_len
        tag, i1, _i2, j1, j2 = op
        if tag == "equal":
            return j1 + (p - i1)
        return j1 if side == "start" else j2

    def surviving(self, s: int, e: int) -> int:
        """Characters of old ``[s, e)`` that the diff keeps unchanged."""
        k = max(0, bisect.bisect_right(self.i1, s) - 1)
        n = 0
        for tag, i1, i2, _j1, _j2 in self.ops[k:]:
            if i1 >= e:
                break
            if tag == "equal":
                n += max(0, min(i2, e) - max(i1, s))
        return n


# --------------------------------------------------------------------------- judging


_WS = re.compile(r"\s+")


def _same_words(a: str, b: str) -> bool:
    return _WS.sub(" ", a).strip() == _WS.sub(" ", b).strip()


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _judge(
    quote: str, text: str, s: int, e: int, *, threshold: float, min_kept: float, grown: bool
) -> tuple[str | None, float]:
    """Status of the candidate span ``text[s:e]`` for ``quote`` (None if not acceptable)."""
    span = text[s:e]
    if not span.strip():
        return None, 0.0
    if span == quote or _same_words(span, quote):
        return "same", 1.0
    sm = SequenceMatcher(None, quote, span, autojunk=False)
    matched = sum(b.size for b in sm.get_matching_blocks() if b.size >= 3 or b.size == len(span))
    ratio = sm.ratio()
    recall, precision = matched / len(quote), matched / len(span)
    if ratio >= threshold:
        return "changed", ratio
    if precision >= 0.95 and recall >= min_kept and len(span) < len(quote):
        return "shortened", ratio
    if grown and recall >= 0.95 and precision >= 0.5:
        return "changed", ratio  # words inserted inside the passage; all of it still there
    return None, ratio


def _context_score(text: str, p: int, q: int, prefix: str, suffix: str) -> float:
    """Share of the anchor's context that agrees with the text around ``text[p:q]``."""
    total = len(prefix) + len(suffix)
    if total == 0:
        return 1.0
    before = text[max(0, p - len(prefix)) : p]
    n = 0
    while n < len(before) and before[-1 - n] == prefix[-1 - n]:
        n += 1
    after = text[q : q + len(suffix)]
    m = 0
    while m < len(after) and after[m] == suffix[m]:
        m += 1
    return (n + m) / total


def _near_context(text: str, p: int, q: int, prefix: str, suffix: str, slack: int = 32) -> float:
    """Share of the anchor's context found near ``text[p:q]`` (within ``slack`` extra
    characters, in runs of 3 or more): context words still close by, even if text was
    inserted right at the passage's edge."""
    total = len(prefix) + len(suffix)
    if total == 0:
        return 1.0
    found = 0
    for ctx, window in (
        (prefix, text[max(0, p - len(prefix) - slack) : p]),
        (suffix, text[q : q + len(suffix) + slack]),
    ):
        if ctx and window:
            blocks = SequenceMatcher(None, ctx, window, autojunk=False).get_matching_blocks()
            found += sum(b.size for b in blocks if b.size >= 3)
    return found / total


def _bracketed(
    text: str, prefix: str, quote: str, suffix: str, expected: int
) -> tuple[int, int] | None:
    """Where the whole context still stands, the quote's place between it: the end of a
    verbatim ``prefix`` followed, within reach, by a verbatim ``suffix`` (nearest to
    ``expected``). Contexts of fewer than 12 visible characters are no evidence."""
    if len(prefix.strip()) < 12 or len(suffix.strip()) < 12:
        return None
    reach = 2 * len(quote) + 80
    best = None
    for a in (p + len(prefix) for p in _occurrences(text, prefix, limit=50)):
        b = text.find(suffix, a, a + reach + len(suffix))
        if b >= 0 and (best is None or abs(a - expected) < abs(best[0] - expected)):
            best = (a, b)
    return best


def _occurrences(text: str, quote: str, limit: int = 2000) -> list[int]:
    out, i = [], text.find(quote)
    while i >= 0 and len(out) < limit:
        out.append(i)
        i = text.find(quote, i + 1)
    return out


def _best_exact(
    text: str, quote: str, prefix: str, suffix: str, expected: int, taken: frozenset = frozenset()
) -> tuple[int | None, float, int]:
    """Best verbatim occurrence of ``quote`` not in ``taken`` (the images of the quote's
    other occurrences in the old text): (position, context score, occurrences)."""
    hits = [p for p in _occurrences(text, quote) if p not in taken]
    if not hits:
        return None, 0.0, 0
    scored = [
        (_context_score(text, p, p + len(quote), prefix, suffix), -abs(p - expected), p)
        for p in hits
    ]
    score, _, p = max(scored)
    return p, score, len(hits)


def _fuzzy_window(
    text: str, prefix: str, quote: str, suffix: str, expected: int
) -> tuple[int, int] | None:
    """Align the anchor with the text; return the span aligned with the quote, if any."""
    anchor = prefix + quote + suffix
    k = 8 if len(anchor) >= 16 else max(3, len(anchor) // 2)
    votes: Counter[int] = Counter()
    for g in range(0, max(1, len(anchor) - k + 1), max(1, k // 2)):
        gram = anchor[g : g + k]
        if not gram.strip():
            continue
        for p in _occurrences(text, gram, limit=50):
            votes[(p - g) // 16] += 1
    if not votes:
        return None
    # an edit inside the anchor splits its votes between neighbouring offsets: add them up
    w = max(2, len(anchor) // 64)
    total = {b: sum(votes.get(b + d, 0) for d in range(-w, w + 1)) for b in votes}
    best = max(total.items(), key=lambda kv: (kv[1], votes[kv[0]], -abs(kv[0] * 16 - expected)))
    if best[1] < 3:
        return None
    offset = best[0] * 16
    lo = max(0, offset - 32 - len(anchor) // 4)
    hi = min(len(text), offset + len(anchor) + len(anchor) // 4 + 32)
    window = text[lo:hi]
    ops = SequenceMatcher(None, anchor, window, autojunk=False).get_opcodes()
    mapper = _Mapper(ops, len(anchor), len(window))
    s = mapper.pos(len(prefix), "start")
    e = mapper.pos(len(prefix) + len(quote), "end")
    if e <= s:
        return None
    return lo + s, lo + e


# --------------------------------------------------------------------------- locating


def _locate(
    text: str,
    start: int,
    end: int,
    prefix: str,
    quote: str,
    suffix: str,
    mapper: _Mapper | None,
    *,
    threshold: float,
    min_kept: float,
    taken: frozenset = frozenset(),
) -> tuple[str, str, int | None, int | None, float]:
    """(status, method, start, end, similarity) of one coding in the new text."""
    if not quote:
        return "orphaned", "none", None, None, 0.0

    def placed(method: str, s: int, e: int, verdict: str, sim: float):
        if verdict == "same":
            status = "kept" if (s, e) == (start, end) and text[s:e] == quote else "moved"
        else:
            status = verdict
        return status, method, s, e, sim

    expected = start
    if mapper is not None:
        s = mapper.pos(start, "start")
        e = mapper.pos(end, "end")
        expected = s
        s, e = _trim(text, s, e)
        verdict, sim = _judge(quote, text, s, e, threshold=threshold, min_kept=min_kept, grown=True)
        if verdict is not None:
            return placed("position", s, e, verdict, sim)
        if mapper.surviving(start, end) >= 0.25 * len(quote):
            # the passage is still where it was but its words were rewritten: never look
            # for the old words elsewhere
            return "orphaned", "position", None, None, sim
    else:
        if text[start:end] == quote and (
            len(quote) >= SHORT_QUOTE or _context_score(text, start, end, prefix, suffix) >= 0.5
        ):
            return "kept", "position", start, end, 1.0

    p, score, n = _best_exact(text, quote, prefix, suffix, expected, taken)
    needed = 1.0 if len(quote) < SHORT_QUOTE else 0.5
    if p is not None and score >= 1.0:
        return placed("quote", p, p + len(quote), "same", 1.0)
    if mapper is None:
        bracket = _bracketed(text, prefix, quote, suffix, expected)
        if bracket is not None:  # the passage's place is known: judge what stands there now
            k = text.find(quote, *bracket)
            if k >= 0:  # text was added at its edges: the words are still all there
                return placed("context", k, k + len(quote), "same", 1.0)
            s, e = _trim(text, *bracket)
            verdict, sim = _judge(
                quote, text, s, e, threshold=threshold, min_kept=min_kept, grown=True
            )
            if verdict is not None:
                return placed("context", s, e, verdict, sim)
            return "orphaned", "context", None, None, sim  # rewritten where it stood
    fuzzy = None
    if mapper is None:  # the anchor aligned with the text, if its context agrees better
        span = _fuzzy_window(text, prefix, quote, suffix, expected)
        if span is not None:
            s, e = _trim(text, *span)
            verdict, sim = _judge(
                quote, text, s, e, threshold=threshold, min_kept=min_kept, grown=False
            )
            ctx = _near_context(text, s, e, prefix, suffix)
            if verdict is not None and ctx >= MIN_CONTEXT and (p is None or ctx > score):
                fuzzy = placed("fuzzy", s, e, verdict, sim)
    if fuzzy is not None:
        return fuzzy
    if p is not None and score >= needed:
        return placed("quote", p, p + len(quote), "same", 1.0)
    if (
        p is not None
        and n == 1
        and len(quote) >= LONG_QUOTE
        and _near_context(text, p, p + len(quote), prefix, suffix) >= MIN_CONTEXT
    ):
        return placed("quote", p, p + len(quote), "same", 1.0)
    return "orphaned", "none", None, None, 0.0


def reanchor(
    codings: pd.DataFrame,
    corpus: Mapping[str, str] | Corpus,
    *,
    old_corpus: Mapping[str, str] | Corpus | None = None,
    threshold: float = 0.8,
    min_kept: float = 0.5,
    context: int = ANCHOR_CONTEXT,
) -> Reanchoring:
    """Find codings again in edited texts.

    Parameters
    ----------
    codings : DataFrame
        A codings table. Its anchor columns (``prefix``, ``quote``, ``suffix``) say what each
        coding covered; without them, ``old_corpus`` must be given and the anchors are taken
        from it.
    corpus : Corpus or mapping
        The new texts ``{doc_id: text}``. Codings of documents not in ``corpus`` are returned
        unchanged and not reported.
    old_corpus : Corpus or mapping, optional
        The texts the codings' offsets refer to. With them, offsets are carried through a
        diff of old and new text (most reliable); without them, only the anchors are used.
    threshold : float
        Least similarity (:meth:`difflib.SequenceMatcher.ratio`, 0-1) between the quote and
        a changed passage for the coding to stay on it.
    min_kept : float
        Least share of a shortened passage's characters that must remain.
    context : int
        Characters of context in the fresh anchors of the result.

    Returns
    -------
    Reanchoring
        ``.codings`` (orphans left out, fresh anchors), ``.report`` (one row per coding),
        ``.orphans`` and ``.summary()``.

    Examples
    --------
    >>> old = "Interviewer: Why?\\n\\nP: I liked the map of moves. It helped."
    >>> new = "Interviewer: Why did you go?\\n\\nP: I liked the map of resilient moves. It helped."
    >>> c = pd.DataFrame({"doc_id": ["d", "d"], "start": [22, 48], "end": [47, 58],
    ...                   "code": ["x", "y"], "coder": ["A", "A"], "source": ["manual"] * 2,
    ...                   "score": [None, None]})
    >>> r = reanchor(c, {"d": new}, old_corpus={"d": old})
    >>> r.report[["status", "new_text"]].values.tolist()
    [['changed', 'I liked the map of resilient moves.'], ['moved', 'It helped.']]
    """
    new_lookup = corpus.texts if isinstance(corpus, Corpus) else dict(corpus)
    old_lookup = None
    if old_corpus is not None:
        old_lookup = old_corpus.texts if isinstance(old_corpus, Corpus) else dict(old_corpus)
    table = codings.reset_index(drop=True)
    has_anchor = all(c in table.columns for c in ANCHOR_COLUMNS)
    if not has_anchor:
        if old_lookup is None:
            raise CodingsError(
                "cannot re-anchor: the codings have no prefix/quote/suffix columns and no "
                "old texts were given; pass old_corpus= (the texts the offsets refer to)"
            )
        missing = sorted(set(table["doc_id"]) - set(old_lookup))
        if missing:
            raise CodingsError(f"cannot re-anchor: no old text for document(s) {missing}")
        table = anchor_codings(table, old_lookup)
    for col in ANCHOR_COLUMNS:
        table[col] = table[col].fillna("").astype(str)

    todo = table["doc_id"].isin(new_lookup.keys())
    rows = []
    new_start = table["start"].to_numpy(dtype="int64").copy()
    new_end = table["end"].to_numpy(dtype="int64").copy()
    keep = np.ones(len(table), dtype=bool)
    for doc_id, idx in table.index[todo].groupby(table["doc_id"][todo]).items():
        new = new_lookup[doc_id]
        old = old_lookup.get(doc_id) if old_lookup is not None else None
        mapper = (
            _Mapper(diff_opcodes(old, new), len(old), len(new))
            if old is not None and old != new
            else None
        )
        for i in idx:
            r = table.loc[i]
            s0, e0 = int(r["start"]), int(r["end"])
            if old is not None and old == new and old[s0:e0] == r["quote"]:
                status, method, s, e, sim = "kept", "position", s0, e0, 1.0
            else:
                use = mapper if old is not None and old[s0:e0] == r["quote"] else None
                taken = frozenset()
                if use is not None:  # where the quote's other old occurrences went
                    q = r["quote"]
                    taken = frozenset(
                        use.pos(o, "start")
                        for o in _occurrences(old, q)
                        if o != s0 and use.surviving(o, o + len(q)) == len(q)
                    )
                status, method, s, e, sim = _locate(
                    new,
                    s0,
                    e0,
                    r["prefix"],
                    r["quote"],
                    r["suffix"],
                    use,
                    threshold=threshold,
                    min_kept=min_kept,
                    taken=taken,
                )
            if s is None:
                keep[i] = False
            else:
                new_start[i], new_end[i] = s, e
            rows.append(
                {
                    "row": int(i),
                    "doc_id": doc_id,
                    "code": r["code"],
                    "coder": r["coder"],
                    "old_start": s0,
                    "old_end": e0,
                    "start": s,
                    "end": e,
                    "status": status,
                    "method": method,
                    "similarity": round(float(sim), 3),
                    "quote": r["quote"],
                    "new_text": new[s:e] if s is not None else "",
                }
            )
    report = pd.DataFrame(rows, columns=["row", *REPORT_COLUMNS])
    report = report.astype({"start": "Int64", "end": "Int64", "old_start": "int64"})
    report = report.sort_values("row", kind="stable").reset_index(drop=True)
    out = table.copy()
    out["start"], out["end"] = new_start, new_end
    out = out[keep].reset_index(drop=True)
    lookup = {d: t for d, t in new_lookup.items()}
    moved = out["doc_id"].isin(lookup.keys())
    if moved.any():
        fresh = anchor_codings(out[moved], lookup, context=context)
        for col in ANCHOR_COLUMNS:
            out.loc[moved, col] = fresh[col]
    return Reanchoring(out, report)


def update_source(
    project: Project,
    doc_id: str,
    text: str,
    *,
    threshold: float = 0.8,
    min_kept: float = 0.5,
) -> tuple[Project, Reanchoring]:
    """Replace a document's text and re-anchor every coding and memo that points into it.

    Returns a new project (the input is not changed) and the :class:`Reanchoring` of the
    document's codings. Orphaned codings are left out of the new project (they are in the
    report); memos on an orphaned passage keep their document but lose their span, with
    ``(was [start:end] ...)`` added to their text.

    Examples
    --------
    >>> from resilience_qda.core.model import Codebook, Corpus, Document
    >>> c = pd.DataFrame({"doc_id": ["d"], "start": [3], "end": [16], "code": ["x"],
    ...                   "coder": ["A"], "source": ["manual"], "score": [None]})
    >>> p = Project(Corpus([Document("d", "P: I felt braver.")]), Codebook(), c)
    >>> new, result = update_source(p, "d", "P: Honestly, I felt braver.")
    >>> result.report[["status", "new_text"]].values.tolist()
    [['moved', 'I felt braver']]
    """
    import dataclasses

    from ..io.memos import memos_frame

    if doc_id not in project.corpus:
        raise CodingsError(f"no document {doc_id!r} in the project; add it with import")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    old = project.corpus[doc_id]
    mine = project.codings["doc_id"] == doc_id
    result = reanchor(
        project.codings[mine],
        {doc_id: text},
        old_corpus={doc_id: old.text},
        threshold=threshold,
        min_kept=min_kept,
    )
    codings = pd.concat([project.codings[~mine], result.codings], ignore_index=True)
    codings = validate_codings(codings)
    docs = [
        Document(d.doc_id, text, d.metadata) if d.doc_id == doc_id else d for d in project.corpus
    ]
    corpus = Corpus(docs, cases=project.corpus.cases)

    memos = memos_frame(project.memos.to_dict("records")) if len(project.memos) else None
    if memos is not None:
        on_doc = (memos["doc_id"] == doc_id).fillna(False) & memos["start"].notna()
        if on_doc.any():
            spans = memos[on_doc].assign(
                code=memos["code"].fillna("memo"),
                coder=memos["coder"].fillna("memo"),
                source="manual",
                score=np.nan,
            )
            spans = spans.astype({"start": "int64", "end": "int64"})
            moved = reanchor(
                spans[["doc_id", "start", "end", "code", "coder", "source", "score"]],
                {doc_id: text},
                old_corpus={doc_id: old.text},
                threshold=threshold,
                min_kept=min_kept,
            ).report
            idx = memos.index[on_doc]
            for i, r in zip(idx, moved.itertuples(index=False), strict=True):
                if r.status == "orphaned":
                    memos.loc[i, "text"] = (
                        f"{memos.loc[i, 'text']}\n\n(was [{r.old_start}:{r.old_end}] "
                        f"{r.quote[:60]!r}; the passage was edited away)"
                    )
                    memos.loc[i, ["start", "end"]] = pd.NA
                else:
                    memos.loc[i, ["start", "end"]] = [int(r.start), int(r.end)]
    new = dataclasses.replace(
        project,
        corpus=corpus,
        codings=codings,
        memos=memos if memos is not None else project.memos,
    )
    return new, result


def drifted(codings: pd.DataFrame, corpus: Mapping[str, str] | Corpus) -> pd.Series:
    """Which codings no longer cover their anchor quote (a boolean Series).

    Codings without a ``quote`` column never count as drifted.

    Examples
    --------
    >>> c = pd.DataFrame({"doc_id": ["d"], "start": [0], "end": [5], "quote": ["Hello"]})
    >>> drifted(c, {"d": "Hullo world"}).tolist()
    [True]
    """
    if "quote" not in codings or not len(codings):
        return pd.Series(False, index=codings.index)
    lookup = corpus.texts if isinstance(corpus, Corpus) else corpus
    return pd.Series(
        [
            d in lookup and lookup[d][s:e] != q
            for d, s, e, q in zip(
                codings["doc_id"],
                codings["start"],
                codings["end"],
                codings["quote"].fillna(""),
                strict=True,
            )
        ],
        index=codings.index,
    )


__all__ = [
    "REPORT_COLUMNS",
    "STATUSES",
    "Reanchoring",
    "diff_opcodes",
    "drifted",
    "reanchor",
    "update_source",
]
