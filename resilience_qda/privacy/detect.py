"""Find identifying spans in a corpus and list them for review before anything changes.

Three sources of candidates, most trustworthy first:

1. **patterns** (:mod:`.patterns`): e-mail, phone, postcode, date of birth, NHS number,
   street address;
2. **the key** (:mod:`.key`): every written form of every real name in the key;
3. **heuristics and entities**: named schools and services, and, when an installed trained
   spaCy pipeline is named, its PERSON, GPE/LOC/FAC and ORG entities.

Overlaps are settled in that order (an e-mail address that contains a name is one e-mail
address; a spaCy PERSON "Jayden Clarke" of which the key knows "Jayden" becomes the key's
pseudonym plus an entity "Clarke").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from ..core.errors import QDAError
from ..core.model import Corpus, Project
from .key import Key
from .patterns import _NOT_A_NAME, FINDERS, PLACEHOLDERS, Hit, find_patterns

#: Columns of the review table.
CANDIDATE_COLUMNS = (
    "candidate",
    "doc_id",
    "start",
    "end",
    "text",
    "kind",
    "detector",
    "replacement",
    "context",
    "action",
)
#: spaCy entity labels used, and the kind each becomes.
ENTITY_KINDS = {
    "PERSON": "NAME",
    "GPE": "PLACE",
    "LOC": "PLACE",
    "FAC": "PLACE",
    "ORG": "ORG",
}
#: Numbered placeholders of name-like kinds found without a key.
NUMBERED = {"NAME": "PERSON", "PLACE": "PLACE", "ORG": "ORGANISATION", "INSTITUTION": "INSTITUTION"}
_KEY_KINDS = {
    "person": "NAME",
    "people": "NAME",
    "place": "PLACE",
    "location": "PLACE",
    "organisation": "ORG",
    "organization": "ORG",
    "org": "ORG",
    "school": "INSTITUTION",
    "service": "ORG",
}
_RANK = {"pattern": 0, "key": 1, "heuristic": 2}
CONTEXT = 40


class PipelineError(QDAError, ValueError):
    """A named spaCy pipeline is not installed or finds no entities."""


def project_texts(project: Project | Corpus | Mapping[str, str]) -> dict[str, str]:
    """``{doc_id: text}`` of everything a project holds in prose: its sources and, as
    ``memo:<memo_id>``, its memos."""
    if isinstance(project, Project):
        texts = dict(project.corpus.texts)
        for memo_id, text in zip(project.memos["memo_id"], project.memos["text"], strict=True):
            texts[f"memo:{memo_id}"] = str(text)
        return texts
    return dict(project.texts if isinstance(project, Corpus) else project)


def find_key_names(text: str, key: Key) -> list[Hit]:
    """Every written form of the key's names in ``text`` (whole words; as written in the
    key or in capitals; any run of white space between words; not the first part of a
    hyphenated word such as "Rose-tinted").

    >>> from resilience_qda.privacy.key import key_from_frame
    >>> k = key_from_frame(pd.DataFrame({"name": ["Jayden Clarke"], "pseudonym": ["Child 1"]}))
    >>> t = "JAYDEN and Jayden's mum; Mr Clarke. jayden"
    >>> [t[h.start:h.end] for h in find_key_names(t, k)]
    ['JAYDEN', 'Jayden', 'Clarke']
    """
    pattern, _ = _key_pattern(key)
    if pattern is None:
        return []
    return [
        Hit(m.start(), m.end(), _key_kind(key, m.group()), "key") for m in pattern.finditer(text)
    ]


def key_names_in_name(
    value: str, key: Key | None, extra: Mapping[str, str] | None = None
) -> list[tuple[int, int, str, str]]:
    """Key names inside an identifier or a file name (``meeting-jayden-clarke.txt``,
    ``Sarah_Thompson``): whole words between separators (``-``, ``_``, ``.``, spaces), in any
    case, a trailing possessive ``s`` allowed (``jaydens-diary``).

    ``extra`` adds written forms (reviewed surfaces) with their replacements. Returns
    ``(start, end, replacement, form)`` tuples, left to right, longest form first.

    >>> from resilience_qda.privacy.key import key_from_frame
    >>> k = key_from_frame(pd.DataFrame({"name": ["Jayden Clarke"], "pseudonym": ["Child 1"]}))
    >>> key_names_in_name("meeting-jayden-clarke.txt", k)
    [(8, 21, 'Child 1', 'Jayden Clarke')]
    """
    table = _name_forms(key, extra)
    if not table:
        return []
    words = list(_WORD.finditer(value))
    low = [w.group().casefold() for w in words]
    out, i = [], 0
    while i < len(words):
        for parts, replacement, form in table.get(low[i], table.get(low[i][:-1], [])):
            n = len(parts)
            got = low[i : i + n]
            if (
                len(got) == n
                and got[:-1] == list(parts[:-1])
                and got[-1]
                in (
                    parts[-1],
                    parts[-1] + "s",
                )
            ):
                out.append((words[i].start(), words[i + n - 1].end(), replacement, form))
                i += n
                break
        else:
            i += 1
    return out


def _name_forms(key: Key | None, extra: Mapping[str, str] | None):
    forms = dict(key.variants) if key is not None else {}
    forms.update({f: r for f, r in (extra or {}).items() if f not in forms})
    cache_id = (key.version if key is not None else "") + repr(sorted(forms.items()))
    if cache_id not in _NAME_FORMS:
        table: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        for form, replacement in forms.items():
            parts = tuple(w.casefold() for w in _WORD.findall(form))
            if parts and len("".join(parts)) > 1:
                table.setdefault(parts[0], []).append((parts, replacement, form))
        for entries in table.values():
            entries.sort(key=lambda e: -len(e[0]))
        _NAME_FORMS.clear()  # one key at a time is in use
        _NAME_FORMS[cache_id] = table
    return _NAME_FORMS[cache_id]


def _key_kind(key: Key, surface: str) -> str:
    form = key_form(key, surface)
    return _KEY_KINDS.get(key.kinds.get(form, "person"), "NAME")


def key_form(key: Key, surface: str) -> str | None:
    """The key's written form that ``surface`` (as found in a text) is."""
    flat = re.sub(r"\s+", " ", surface)
    _, lookup = _key_pattern(key)
    return lookup.get(flat)


_PATTERN_CACHE: dict[str, tuple[re.Pattern | None, dict[str, str]]] = {}
#: What may follow a name: not a letter (so "Rosemary" is not "Rose") and not "-word"
#: ("Rose-tinted"), but a possessive "s'" may ("the Jaydens' flat").
POSSESSIVE_OK = r"(?:(?=s['’](?!\w))|(?!\w|-[a-z]))"
_WORD = re.compile(r"[^\W_]+")
_NAME_FORMS: dict[str, dict[str, list[tuple[tuple[str, ...], str, str]]]] = {}


def _key_pattern(key: Key) -> tuple[re.Pattern | None, dict[str, str]]:
    cache_id = key.version + str(len(key.variants))
    if cache_id not in _PATTERN_CACHE:
        lookup: dict[str, str] = {}
        for form in key.variants:
            for shown in (form, form.upper()):
                lookup.setdefault(re.sub(r"\s+", " ", shown), form)
        forms = sorted(lookup, key=lambda f: (-len(f), f))
        alternation = "|".join(r"\s+".join(map(re.escape, f.split(" "))) for f in forms)
        pattern = re.compile(rf"(?<!\w)(?:{alternation}){POSSESSIVE_OK}") if forms else None
        _PATTERN_CACHE[cache_id] = (pattern, lookup)
    return _PATTERN_CACHE[cache_id]


def load_pipeline(name: str):
    """Load an installed trained spaCy pipeline (a package name or a folder); never
    downloads.

    Raises
    ------
    PipelineError
        The pipeline is not installed, or it has no ``ner`` or ``entity_ruler`` component.
    """
    import spacy

    if Path(name).is_dir() or spacy.util.is_package(name):
        nlp = spacy.load(name)
    else:
        installed = ", ".join(spacy.util.get_installed_models()) or "none"
        raise PipelineError(
            f"spaCy pipeline {name!r} is not installed (installed pipelines: {installed}); "
            "this tool never downloads one: install it yourself (e.g. `pip install` the "
            "pipeline's package) or name a pipeline folder"
        )
    if not any(p in nlp.pipe_names for p in ("ner", "entity_ruler")):
        raise PipelineError(
            f"spaCy pipeline {name!r} has no ner or entity_ruler component (it has "
            f"{nlp.pipe_names}); name a trained pipeline that finds entities"
        )
    return nlp


def find_entities(text: str, nlp, *, labels: Mapping[str, str] = ENTITY_KINDS) -> list[Hit]:
    """PERSON, place and organisation entities a spaCy pipeline finds (paragraph by
    paragraph, so long texts stay within the pipeline's limits)."""
    name = f"spacy:{nlp.meta.get('lang', 'xx')}_{nlp.meta.get('name', 'pipeline')}"
    spans = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text)]
    out = []
    for (offset, _), doc in zip(spans, nlp.pipe(text[s:e] for s, e in spans), strict=True):
        for ent in doc.ents:
            if ent.label_ in labels:
                s, e = offset + ent.start_char, offset + ent.end_char
                s, e = _name_span(text, s, e)
                if e > s:
                    out.append(Hit(s, e, labels[ent.label_], name))
    return out


def _name_span(text: str, s: int, e: int) -> tuple[int, int]:
    """Trim a name-like span to its name: no leading 'the', no trailing possessive."""
    m = re.match(r"(?:(?:the|a|an)\s+)+", text[s:e], re.IGNORECASE)
    if m:
        s += m.end()
    m = re.search(r"(?:['’]s?|\W+)$", text[s:e])
    if m:
        e = s + m.start()
    return s, e


def resolve_overlaps(hits: Iterable[Hit], text: str) -> list[Hit]:
    """Keep one reading of every stretch of text: patterns before key names before
    heuristics and entities, longer before shorter; a lower-ranked name-like entity that
    overlaps keeps its name-like remainder.

    >>> t = "mail jo.smith@example.org"
    >>> resolve_overlaps([Hit(5, 13, "NAME", "key"), Hit(5, 25, "EMAIL", "pattern")], t)
    [Hit(start=5, end=25, kind='EMAIL', detector='pattern')]
    """
    ordered = sorted(set(hits), key=lambda h: (_RANK.get(h.detector, 3), h.start - h.end, h.start))
    taken: list[Hit] = []

    def free(s: int, e: int) -> bool:
        return all(e <= t.start or s >= t.end for t in taken)

    for h in ordered:
        if free(h.start, h.end):
            taken.append(h)
        elif _RANK.get(h.detector, 3) == 3:
            for s, e in _leftovers(h, taken):
                s, e = _name_span(text, *_strip(text, s, e))
                piece = text[s:e]
                name_like = piece[:1].isupper() and piece.lower() not in _NOT_A_NAME
                if e > s + 1 and name_like and free(s, e):
                    taken.append(Hit(s, e, h.kind, h.detector))
    return sorted(taken)


def _leftovers(h: Hit, taken: list[Hit]) -> list[tuple[int, int]]:
    pieces = [(h.start, h.end)]
    for t in taken:
        pieces = [
            part
            for s, e in pieces
            for part in ((s, min(e, t.start)), (max(s, t.end), e))
            if part[1] > part[0]
        ]
    return pieces


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and not text[s].isalnum():
        s += 1
    while e > s and not text[e - 1].isalnum():
        e -= 1
    return s, e


def find_candidates(
    corpus: Project | Corpus | Mapping[str, str],
    *,
    key: Key | None = None,
    kinds: Iterable[str] | None = None,
    nlp=None,
    context: int = CONTEXT,
) -> pd.DataFrame:
    """Every identifying span of a project (sources and memos), a corpus or ``{doc_id:
    text}``, with what would replace it: the review list.

    Parameters
    ----------
    corpus : Project, Corpus or mapping
    key : Key, optional
        Real names and their pseudonyms (:func:`~resilience_qda.privacy.key.read_key`).
    kinds : iterable of str, optional
        Pattern kinds to look for (default all: ``EMAIL PHONE POSTCODE DOB NHS ADDRESS
        INSTITUTION``).
    nlp : spacy.Language, optional
        A trained pipeline (:func:`load_pipeline`) whose entities are candidates too.
    context : int
        Characters of context shown either side.

    Returns
    -------
    DataFrame
        ``CANDIDATE_COLUMNS``: one row per span, sorted by document and position.
        ``replacement`` is the pseudonym (key names), a placeholder such as ``[PHONE]``, or
        a numbered placeholder such as ``[PERSON 2]`` that is the same for the same name in
        every document; ``action`` is ``replace`` (set it to ``keep`` for a false alarm).

    Examples
    --------
    >>> table = find_candidates({"d": "Ring me on 07700 900123 after the 14 May meeting."})
    >>> table[["text", "kind", "replacement"]].values.tolist()
    [['07700 900123', 'PHONE', '[PHONE]']]
    """
    lookup = project_texts(corpus)
    rows = []
    numbers: dict[tuple[str, str], str] = {}
    for doc_id, text in lookup.items():
        hits = find_patterns(text, kinds=kinds)
        if key is not None:
            hits += find_key_names(text, key)
        if nlp is not None:
            hits += find_entities(text, nlp)
        for h in resolve_overlaps(hits, text):
            surface = text[h.start : h.end]
            rows.append(
                {
                    "doc_id": doc_id,
                    "start": h.start,
                    "end": h.end,
                    "text": surface,
                    "kind": h.kind,
                    "detector": h.detector,
                    "replacement": _replacement(h, surface, key, numbers),
                    "context": _context(text, h.start, h.end, context),
                    "action": "replace",
                }
            )
    table = pd.DataFrame(rows, columns=[c for c in CANDIDATE_COLUMNS if c != "candidate"])
    table = table.astype({"start": "int64", "end": "int64"})
    table.insert(0, "candidate", range(1, len(table) + 1))
    return table


def _replacement(h: Hit, surface: str, key: Key | None, numbers: dict) -> str:
    if h.detector == "key" and key is not None:
        return key.variants[key_form(key, surface)]
    if h.kind in PLACEHOLDERS and h.kind not in NUMBERED:
        return PLACEHOLDERS[h.kind]
    label = NUMBERED.get(h.kind, h.kind)
    norm = (label, re.sub(r"\s+", " ", surface).casefold())
    if norm not in numbers:
        n = sum(1 for k in numbers if k[0] == label) + 1
        numbers[norm] = f"[{label} {n}]"
    return numbers[norm]


def _context(text: str, s: int, e: int, width: int) -> str:
    before = text[max(0, s - width) : s]
    after = text[e : e + width]
    lead = "…" if s > width else ""
    tail = "…" if e + width < len(text) else ""
    shown = f"{lead}{before}«{text[s:e]}»{after}{tail}"
    return re.sub(r"\s*\n\s*", " ⏎ ", shown)


def candidate_summary(candidates: pd.DataFrame) -> pd.DataFrame:
    """How many candidates of each kind and detector, and in how many documents."""
    if not len(candidates):
        return pd.DataFrame(columns=["kind", "detector", "candidates", "documents"])
    return (
        candidates.groupby(["kind", "detector"])
        .agg(candidates=("candidate", "size"), documents=("doc_id", "nunique"))
        .reset_index()
    )


__all__ = [
    "CANDIDATE_COLUMNS",
    "ENTITY_KINDS",
    "FINDERS",
    "PipelineError",
    "candidate_summary",
    "find_candidates",
    "find_entities",
    "find_key_names",
    "key_form",
    "key_names_in_name",
    "load_pipeline",
    "project_texts",
    "resolve_overlaps",
]
