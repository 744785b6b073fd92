"""Selection positions of other programs converted to code points of our stored text.

REFI-QDA says positions count characters, but producers disagree on what a character is:
NVivo counts UTF-16 code units (an emoji counts 2) and a CRLF as 2; qualitative-coding and
QualCoder count code points; ATLAS.ti is reported to count a CRLF as 1; Taguette counts UTF-8
bytes. We do not trust the ``origin`` attribute alone: each interpretation is tried on every
selection and scored by how often its boundaries fall between words (a right one almost
always does, a wrong one drifts), and by whether the text matches the selection's ``name``
when a producer fills it with the selected text.

Positions are then mapped through the normalisation the toolkit applies when it stores a text
(:func:`resilience_qda.io.text.normalise`: CRLF and CR to LF, Unicode NFC).
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .text import normalise

UNITS = ("codepoint", "utf16", "utf8")
_UNIT_LABEL = {"codepoint": "code points", "utf16": "UTF-16 code units", "utf8": "UTF-8 bytes"}
_BOM_UNITS = {"codepoint": 1, "utf16": 1, "utf8": 3}


@dataclass(frozen=True)
class Interpretation:
    """One way of counting positions: the unit, how a CRLF counts, whether a BOM counts."""

    unit: str = "codepoint"
    crlf: int = 2
    bom: bool = False

    def __str__(self) -> str:
        return (
            f"{_UNIT_LABEL[self.unit]}, CRLF counted {self.crlf}, "
            f"BOM {'counted' if self.bom else 'not counted'}"
        )


class SourceText:
    """A producer's text (decoded, BOM removed, line ends as written) and our stored text.

    Examples
    --------
    >>> src = SourceText("a\\r\\n😀 b", bom=False)
    >>> src.stored
    'a\\n😀 b'
    >>> src.to_stored([6], Interpretation("utf16", crlf=2)).tolist()  # 'b' in UTF-16 units
    [4]
    """

    def __init__(self, raw: str, *, bom: bool = False, name: str = "<text>"):
        self.raw, self.bom, self.name = raw, bom, name
        self.stored, self._raw_to_stored = _stored_map(raw, name=name)
        self._cache: dict[tuple[str, int], np.ndarray] = {}

    @cached_property
    def _lf_to_stored(self) -> np.ndarray:
        # positions counted in the text with CRLF collapsed to one character
        cps = _codepoints(self.raw)
        is_cr_of_crlf = np.zeros(len(cps), dtype=bool)
        if len(cps) > 1:
            is_cr_of_crlf[:-1] = (cps[:-1] == 13) & (cps[1:] == 10)
        keep = np.concatenate([[True], ~is_cr_of_crlf])  # positions not between CR and LF
        return self._raw_to_stored[keep]

    def _unit_map(self, unit: str, crlf: int) -> np.ndarray:
        """Array: producer position -> stored position (-1 inside a character)."""
        key = (unit, crlf)
        if key not in self._cache:
            base = self._raw_to_stored if crlf == 2 else self._lf_to_stored
            text = self.raw if crlf == 2 else self.raw.replace("\r\n", "\n")
            if unit == "codepoint":
                self._cache[key] = base
            else:
                cps = _codepoints(text)
                if unit == "utf16":
                    widths = 1 + (cps > 0xFFFF)
                else:
                    widths = 1 + (cps >= 0x80) + (cps >= 0x800) + (cps >= 0x10000)
                offsets = np.concatenate([[0], np.cumsum(widths, dtype=np.int64)])
                out = np.full(int(offsets[-1]) + 1, -1, dtype=np.int64)
                out[offsets] = base
                self._cache[key] = out
        return self._cache[key]

    def to_stored(self, positions: Sequence[int], how: Interpretation) -> np.ndarray:
        """Stored positions of producer positions; -1 where a position is impossible."""
        table = self._unit_map(how.unit, how.crlf)
        p = np.asarray(positions, dtype=np.int64)
        if how.bom and self.bom:
            p = p - _BOM_UNITS[how.unit]
        ok = (p >= 0) & (p < len(table))
        out = np.full(len(p), -1, dtype=np.int64)
        out[ok] = table[p[ok]]
        return out


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def _stored_map(raw: str, *, name: str) -> tuple[str, np.ndarray]:
    """The stored text of ``raw`` and an array mapping each raw position to a stored one."""
    stored = normalise(raw, name=name)
    cps = _codepoints(raw)
    n = len(cps)
    dropped = np.zeros(n, dtype=bool)  # the CR of a CRLF disappears
    if n > 1:
        dropped[:-1] = (cps[:-1] == 13) & (cps[1:] == 10)
    lf_pos = np.arange(n + 1, dtype=np.int64) - np.concatenate([[0], np.cumsum(dropped)])
    lf = raw.replace("\r\n", "\n").replace("\r", "\n")
    if unicodedata.is_normalized("NFC", lf):
        return stored, lf_pos
    return stored, _nfc_map(lf, stored)[lf_pos]


def _nfc_map(text: str, stored: str) -> np.ndarray:
    """Map positions of ``text`` to positions of its NFC form, segment by segment.

    A segment starts at a starter (combining class 0) that does not compose with the character
    before it; a starter blocks composition across it, so each segment normalises on its own.
    A position inside a segment whose length changed is clamped into the normalised segment.
    """
    out = np.zeros(len(text) + 1, dtype=np.int64)
    starts = [0]
    for i in range(1, len(text)):
        ch = text[i]
        if ord(ch) < 0x300 or (
            not unicodedata.combining(ch)
            and len(unicodedata.normalize("NFC", text[i - 1 : i + 1])) == 2
        ):
            starts.append(i)
    starts.append(len(text))
    pos = 0
    pieces = []
    for a, b in itertools.pairwise(starts):
        seg = unicodedata.normalize("NFC", text[a:b])
        pieces.append(seg)
        for i in range(a, b):
            out[i] = pos + min(i - a, len(seg))
        pos += len(seg)
    out[len(text)] = pos
    if "".join(pieces) != stored:  # pragma: no cover - guards the segmentation argument
        scale = len(stored) / max(1, len(text))
        return np.minimum(np.round(np.arange(len(text) + 1) * scale), len(stored)).astype(np.int64)
    return out


# --------------------------------------------------------------------------- choosing


@dataclass(frozen=True)
class Selection:
    """A producer's selection: which source, start and end in producer units, its name."""

    source: object
    start: int
    end: int
    name: str = ""


@dataclass
class OffsetChoice:
    """The interpretation used for a file's positions and how sure we are of it.

    ``confidence`` is ``high`` (boundaries fit and no other interpretation comes close, or
    every plausible interpretation gives the same positions on this text), ``medium``,
    ``low``, or ``none`` (no selections to judge: the producer's usual unit is assumed).
    ``scores`` gives the fit of each interpretation tried (share of boundaries between words,
    blended with the share of selections whose name matches the text where names do).
    """

    how: Interpretation
    confidence: str
    fit: float
    n_selections: int
    scores: dict[str, float] = field(default_factory=dict)
    forced: bool = False
    #: False when every interpretation tried gives the same positions on these texts.
    distinct: bool = True
    #: The best interpretation giving other positions, and its fit.
    runner_up: tuple[str, float] | None = None
    #: Whether selection names holding the selected text were part of the evidence.
    by_names: bool = False

    def __str__(self) -> str:
        if self.forced:
            return f"{self.how} (given by the caller)"
        if self.confidence == "none":
            return f"{self.how} (assumed: no selections to check)"
        same = "" if self.distinct else " (every interpretation gives the same positions here)"
        if self.runner_up:
            same = f" (next best: {self.runner_up[0]}, {self.runner_up[1]:.0%})"
        what = "word boundaries and selection names" if self.by_names else "word boundaries"
        return (
            f"{self.how}: fit {self.fit:.0%} on {what} of {self.n_selections} selections; "
            f"confidence {self.confidence}{same}"
        )


def candidates(sources: Iterable[SourceText]) -> list[Interpretation]:
    """Interpretations worth trying on these texts."""
    sources = list(sources)
    crlfs = (2, 1) if any("\r\n" in s.raw for s in sources) else (2,)
    boms = (False, True) if any(s.bom for s in sources) else (False,)
    return [Interpretation(u, c, b) for u in UNITS for c in crlfs for b in boms]


def producer_default(origin: str) -> Interpretation:
    """What a producer is known to use, from its ``origin`` attribute.

    >>> producer_default("NVivo for Windows 12.6").unit
    'utf16'
    """
    o = (origin or "").lower()
    if "nvivo" in o:
        return Interpretation("utf16", 2, False)
    if "atlas" in o:
        return Interpretation("codepoint", 1, False)
    if "taguette" in o:
        return Interpretation("utf8", 2, False)
    return Interpretation("codepoint", 2, False)


def _is_boundary(text: str, i: int) -> bool:
    if i <= 0 or i >= len(text):
        return True
    return not (text[i - 1].isalnum() and text[i].isalnum())


def _same_text(name: str, covered: str) -> float:
    """How well a selection's name says it is this text: 1 exactly, 0.75 up to surrounding
    white space (from 3 characters), 0.5 as its start (from 10 characters, as producers that
    shorten long quotations write it), else 0."""
    name = unicodedata.normalize("NFC", name.replace("\r\n", "\n").replace("\r", "\n"))
    if name == covered:
        return 1.0
    if len(name.strip()) < 3:
        return 0.0
    name, covered = name.strip(), covered.strip()
    if name == covered:
        return 0.75
    head = name.rstrip("…").rstrip(".").rstrip()
    return 0.5 if 10 <= len(head) < len(covered) and covered.startswith(head) else 0.0


def score(
    selections: Sequence[Selection], texts: dict[object, SourceText], how: Interpretation
) -> tuple[float, tuple]:
    """Fit of one interpretation: share of boundaries between words, and per selection
    ``(stored span, boundary points 0-2, name matches or None)``."""
    by_source: dict[object, list[int]] = {}
    for i, sel in enumerate(selections):
        by_source.setdefault(sel.source, []).append(i)
    mapped: dict[int, tuple[int, int]] = {}
    for key, idx in by_source.items():
        src = texts[key]
        starts = src.to_stored([selections[i].start for i in idx], how)
        ends = src.to_stored([selections[i].end for i in idx], how)
        for i, s, e in zip(idx, starts.tolist(), ends.tolist(), strict=True):
            mapped[i] = (s, e)
    per: list[tuple[tuple[int, int], int, float | None]] = []
    for i, sel in enumerate(selections):
        s, e = mapped[i]
        text = texts[sel.source].stored
        if s < 0 or e < 0 or s >= e:
            per.append(((s, e), 0, 0.0 if sel.name.strip() else None))
            continue
        points = _is_boundary(text, s) + _is_boundary(text, e)
        named = _same_text(sel.name, text[s:e]) if sel.name.strip() else None
        per.append(((s, e), points, named))
    boundary = sum(p[1] for p in per) / (2 * len(per)) if per else 0.0
    return boundary, tuple(per)


def choose(
    selections: Sequence[Selection],
    texts: dict[object, SourceText],
    *,
    origin: str = "",
    unit: str | Interpretation | None = None,
) -> OffsetChoice:
    """Pick the interpretation of ``selections`` that fits ``texts`` best.

    Parameters
    ----------
    selections : sequence of Selection
    texts : dict
        ``{source key: SourceText}`` for every source the selections point into.
    origin : str
        The producer (``origin`` attribute): breaks ties, never overrides the evidence.
    unit : str or Interpretation, optional
        Force an interpretation (``"utf16"``, ``"codepoint"``, ``"utf8"`` with CRLF counted 2
        and no BOM, or an :class:`Interpretation`).

    Examples
    --------
    >>> text = SourceText("Hi 😀 there, friend")
    >>> sels = [Selection("d", 6, 11), Selection("d", 13, 19)]  # UTF-16: 'there', 'friend'
    >>> choice = choose(sels, {"d": text})
    >>> choice.how.unit, text.stored[slice(*text.to_stored([6, 11], choice.how))]
    ('utf16', 'there')
    """
    default = producer_default(origin)
    if unit is not None:
        how = unit if isinstance(unit, Interpretation) else Interpretation(unit, 2, False)
        return OffsetChoice(how, "given", float("nan"), len(selections), forced=True)
    usable = [s for s in selections if s.source in texts]
    if not usable:
        return OffsetChoice(default, "none", float("nan"), 0)
    tried = candidates(texts[s] for s in {s.source for s in usable})
    if default not in tried:
        tried.insert(0, default)
    results = {how: score(usable, texts, how)[1] for how in tried}
    use_names = any(p[2] for per in results.values() for p in per)  # names hold the text

    def points(p: tuple) -> float:
        """0..1 for one selection: boundaries fit, blended with its name where names count
        (a name equal to the covered text is much stronger evidence than word boundaries)."""
        fit = p[1] / 2
        return 0.25 * fit + 0.75 * p[2] if use_names and p[2] is not None else fit

    def total(how: Interpretation, among: list[int] | None = None) -> float:
        per = results[how]
        idx = range(len(per)) if among is None else among
        return sum(points(per[i]) for i in idx) / max(1, len(idx))

    order = {how: i for i, how in enumerate(tried)}
    ranked = sorted(tried, key=lambda h: (-round(total(h), 9), h != default, order[h]))
    best = ranked[0]
    spans = [p[0] for p in results[best]]
    rivals = [h for h in ranked[1:] if [p[0] for p in results[h]] != spans]
    fit = total(best)
    confidence = "high" if fit >= 0.9 else "medium" if fit >= 0.75 else "low"
    for rival in rivals:
        # judge only on the selections where the two interpretations disagree
        differ = [i for i, p in enumerate(results[rival]) if p[0] != spans[i]]
        margin = total(best, differ) - total(rival, differ)
        evidence = 2 * len(differ) * margin  # boundary points the best gets right, rival not
        if (margin >= 0.1 and evidence >= 10) or (margin >= 0.25 and evidence >= 4):
            continue
        if margin > 0 and confidence == "high":
            confidence = "medium"
        elif margin <= 0:
            confidence = "low"
    n = len(usable)
    return OffsetChoice(
        best,
        confidence,
        fit,
        n,
        scores={str(h): round(total(h), 4) for h in ranked},
        distinct=bool(rivals),
        runner_up=(str(rivals[0]), round(total(rivals[0]), 4)) if rivals else None,
        by_names=use_names,
    )
