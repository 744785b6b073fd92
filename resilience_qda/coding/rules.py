"""Rule-based auto-coding: a codebook's patterns compiled into spaCy's ``span_ruler``.

Each codable code may carry ``patterns``::

    patterns:
      phrases: [lost my confidence, "run ragged"]     # matched on lower-case lemmas
      tokens:                                         # spaCy Matcher token patterns
        - [{LEMMA: {IN: [feel, be]}}, {LOWER: so, OP: "?"}, {LEMMA: isolate}]
      exclude: [no confidence]                        # vetoes an overlapping match
      weight: 1.0                                     # score of one match (default 1)

A match is widened to the unit of analysis that holds it (sentence, speaker turn, paragraph
or document, as :mod:`resilience_qda.core.units` cuts them, so a "sentence" is the same
here as in agreement or learning); interviewer turns are left out by default. spaCy is used
for matching only: after the ruler(s) the ``qda_vetoes`` component
(:mod:`resilience_qda.coding.vetoes`) applies the exclusions, so ``doc.spans["qda_rules"]``
holds exactly the matches that are coded. Documents stream through ``nlp.pipe`` in batches
(in a pool of worker processes with ``n_process``), long texts are cut at paragraph breaks,
and no more than a batch of ``Doc`` objects is alive at a time.
"""

from __future__ import annotations

import multiprocessing
import re
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd
from spacy.errors import MatchPatternError
from spacy.language import Language

from ..core.errors import CodebookError
from ..core.model import Codebook, Corpus, Document, empty_codings
from ..core.progress import progress_bar
from ..core.turns import TRANSCRIPT_KINDS, turn_rows
from ..core.units import UNITS, unit_rows
from ..io.codebook import check_patterns, read_codebook
from .languages import InLanguage, codebook_language
from .nlp import make_nlp
from .vetoes import EXCLUDE_ID, kept_matches

#: Name of the span_ruler component and of its ``doc.spans`` key.
RULER = "qda_rules"
#: Longest piece of text given to spaCy at once; longer texts are cut at paragraph breaks.
MAX_CHUNK = 100_000
#: Columns of the rule coder's codings (the schema's, then ``evidence``).
RULE_COLUMNS = ("doc_id", "start", "end", "code", "coder", "source", "score", "evidence")


def rule_patterns(codebook: Codebook) -> list[dict]:
    """The codebook's patterns as ``span_ruler`` patterns (``label`` = code path).

    Exclusion patterns get ``id="exclude"``; phrase patterns carry ``attr``, the token
    attribute they are matched on (``LEMMA`` for ``phrases`` and exclusions, ``LOWER`` for
    ``words``). Raises :class:`CodebookError` naming the code for patterns of the wrong shape.

    Examples
    --------
    >>> from resilience_qda.core.model import Code
    >>> cb = Codebook([Code("x", "X", patterns={"phrases": ["be brave"], "words": ["boxing"],
    ...                                         "exclude": ["not"]})])
    >>> [(p["pattern"], p["id"], p.get("attr")) for p in rule_patterns(cb)]
    [('be brave', '', 'LEMMA'), ('boxing', '', 'LOWER'), ('not', 'exclude', 'LEMMA')]
    """
    out: list[dict] = []
    for code in codebook:
        if not code.patterns or not code.codable:
            continue
        spec = check_patterns(dict(code.patterns), _where(codebook, code.path))
        keys = (("phrases", ""), ("words", ""), ("tokens", ""), ("exclude", EXCLUDE_ID))
        for key, pid in keys:
            for item in spec.get(key) or []:
                if isinstance(item, str):
                    attr = "LOWER" if key == "words" else "LEMMA"
                    out.append(
                        {
                            "label": code.path,
                            "pattern": item.strip().lower(),
                            "id": pid,
                            "attr": attr,
                        }
                    )
                else:
                    out.append({"label": code.path, "pattern": item, "id": pid})
    return out


def _where(codebook: Codebook, path: str) -> str:
    origin = getattr(codebook, "origin", None) or f"codebook {codebook.name!r}"
    line = getattr(codebook, "lines", {}).get(path)
    return f"{origin}{f', line {line}' if line else ''}: code {path!r}"


def compile_rules(
    codebook: Codebook | str = "cop-evaluation", *, nlp: Language | str | None = None
) -> Language:
    """Return a pipeline whose last component is a ``span_ruler`` holding the codebook's rules.

    Parameters
    ----------
    codebook : Codebook or str
        A codebook, a codebook file or a built-in name.
    nlp : Language or str, optional
        The pipeline to add the ruler to (a copy is not made: pass a fresh one), or the name
        of an installed trained pipeline; default :func:`~resilience_qda.coding.nlp.make_nlp`.

    Raises
    ------
    CodebookError
        Naming the code (and the codebook line) whose pattern spaCy rejects.

    Examples
    --------
    >>> nlp = compile_rules("cop-evaluation")
    >>> doc = nlp("We were feeling really isolated.")
    >>> sorted({s.label_ for s in doc.spans["qda_rules"]})
    ['context/feeling-isolated']
    """
    book = codebook if isinstance(codebook, Codebook) else read_codebook(codebook)
    pipeline = make_nlp(nlp, language=codebook_language(book))
    if RULER in pipeline.pipe_names:
        raise ValueError(f"the pipeline already has a {RULER!r} component; pass a fresh one")
    ruler = pipeline.add_pipe(
        "span_ruler",
        name=RULER,
        config={
            "spans_key": RULER,
            "phrase_matcher_attr": "LEMMA",
            "validate": True,
            "overwrite": True,
        },
    )
    lemmatise = _lemmatiser(pipeline)
    phrases: dict[str, list[dict]] = {"LEMMA": [], "LOWER": []}
    counters: dict = {}
    for p in rule_patterns(book):
        if isinstance(p["pattern"], str):
            attr = p.pop("attr")
            phrases[attr].append(p)
            continue
        key = "exclude" if p["id"] == EXCLUDE_ID else "tokens"
        n = counters.get((p["label"], key), 0)
        counters[(p["label"], key)] = n + 1
        tokens = [_lemma_values(t, lemmatise) for t in p["pattern"]]
        try:  # one at a time, so that an error names the pattern
            ruler.add_patterns([{**p, "pattern": t} for t in _split_first_token(tokens)])
        except (MatchPatternError, ValueError, KeyError, TypeError) as exc:
            detail = re.sub(r"Invalid token patterns for matcher rule '\(.*?\)'\s*", "", str(exc))
            raise CodebookError(
                f"{_where(book, p['label'])}: spaCy rejects patterns.{key}"
                f"[{_token_index(book, p, key)}] {p['pattern']!r}: {' '.join(detail.split())}"
            ) from None
    ruler.add_patterns(phrases["LEMMA"])
    if phrases["LOWER"]:  # exact word forms: a second ruler adding to the same spans
        words = pipeline.add_pipe(
            "span_ruler",
            name=f"{RULER}_words",
            config={"spans_key": RULER, "phrase_matcher_attr": "LOWER", "overwrite": False},
        )
        words.add_patterns(phrases["LOWER"])
    pipeline.add_pipe("qda_vetoes", name=f"{RULER}_vetoes", config={"spans_key": RULER})
    pipeline.meta["qda_codebook"] = book.name
    return pipeline


def _split_first_token(tokens: list[dict]) -> list[list[dict]]:
    """One pattern per value of a first token ``{ATTR: {IN: [...]}}`` (same matches).

    The Matcher tries every pattern's first token at every token of every text; a plain
    attribute test there runs in C, an ``IN`` set runs a Python predicate. Later tokens are
    tested only where a match has started, so they are left as written.
    """
    first = tokens[0]
    if len(first) != 1:
        return [tokens]
    ((attr, value),) = first.items()
    if (
        isinstance(value, dict)
        and list(value) == ["IN"]
        and isinstance(value["IN"], list)
        and value["IN"]
        and all(isinstance(v, str) for v in value["IN"])
    ):
        return [[{attr: v}, *tokens[1:]] for v in dict.fromkeys(value["IN"])]
    return [tokens]


def _token_index(book: Codebook, pattern: dict, key: str) -> int:
    items = book[pattern["label"]].patterns.get(key) or []
    return next((n for n, item in enumerate(items) if item == pattern["pattern"]), 0)


def _lemmatiser(pipeline: Language):
    """A function giving the lemma the pipeline assigns to one word (cached)."""
    cache: dict[str, str] = {}

    def lemma(word: str) -> str:
        if word not in cache:
            doc = pipeline.make_doc(word)
            for name, proc in pipeline.pipeline:
                if not name.startswith(RULER):
                    doc = proc(doc)
            cache[word] = " ".join(t.lemma_ or t.lower_ for t in doc) if len(doc) else word
        return cache[word]

    return lemma


def _lemma_values(token: dict, lemmatise) -> dict:
    """A token pattern with its ``LEMMA`` values (a string, or ``IN``/``NOT_IN`` lists)
    replaced by their lemmas, so that patterns may name any inflection."""
    out = {}
    for key, value in token.items():
        if isinstance(key, str) and key.upper() == "LEMMA":
            if isinstance(value, str):
                value = lemmatise(value)
            elif isinstance(value, dict):
                value = {
                    op: [lemmatise(v) if isinstance(v, str) else v for v in vals]
                    if op in ("IN", "NOT_IN") and isinstance(vals, list)
                    else vals
                    for op, vals in value.items()
                }
        out[key] = value
    return out


_COMPILED: dict[tuple, Language] = {}


def _compiled(book: Codebook, nlp: Language | str | None) -> Language:
    """:func:`compile_rules`, remembered for the last few (codebook, pipeline name) pairs."""
    if isinstance(nlp, Language):
        return compile_rules(book, nlp=nlp)
    key = (
        book.name,
        book.language,
        tuple((c.path, c.codable, repr(c.patterns)) for c in book),
        nlp,
    )
    if key not in _COMPILED:
        if len(_COMPILED) >= 4:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = compile_rules(book, nlp=nlp)
    return _COMPILED[key]


# --------------------------------------------------------------------------- matching


_WORKER: dict[str, Any] = {}


def _match_texts(nlp: Language, texts: list[str], batch_size: int) -> list[list[tuple]]:
    """``(start_char, end_char, code, False)`` of every coded match in each text.

    The pipeline's ``qda_vetoes`` component has already removed exclusions and the matches
    they veto, so ``doc.spans`` holds exactly what is coded.
    """
    return [
        [(s.start_char, s.end_char, s.label_, False) for s in doc.spans.get(RULER, ())]
        for doc in nlp.pipe(texts, batch_size=batch_size)
    ]


def _worker_match(texts: list[str]) -> list[list[tuple]]:
    return _match_texts(_WORKER["nlp"], texts, _WORKER["batch_size"])


def _chunks(text: str, size: int | None = None) -> list[tuple[int, str]]:
    """Cut a text at paragraph breaks (else line ends, else spaces) into pieces <= size."""
    size = size or MAX_CHUNK
    if len(text) <= size:
        return [(0, text)]
    out, pos = [], 0
    while len(text) - pos > size:
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = text.rfind(sep, pos + size // 2, pos + size)
            if cut > 0:
                cut += len(sep)
                break
        if cut <= 0:
            cut = pos + size
        out.append((pos, text[pos:cut]))
        pos = cut
    out.append((pos, text[pos:]))
    return out


def _batches(documents: Iterable[Document], batch_size: int) -> Iterator[tuple[list, list]]:
    """Group documents' chunks into batches: ``(docs finished in this batch, chunk texts)``.

    Each batch carries the chunk keys ``(doc, offset, last)``.
    """
    keys: list[tuple[Document, int, bool]] = []
    texts: list[str] = []
    for doc in documents:
        pieces = _chunks(doc.text)
        for n, (offset, piece) in enumerate(pieces):
            keys.append((doc, offset, n == len(pieces) - 1))
            texts.append(piece)
            if len(texts) >= batch_size:
                yield keys, texts
                keys, texts = [], []
    if texts:
        yield keys, texts


def _matched_batches(
    documents: Iterable[Document], nlp: Language, *, batch_size: int, n_process: int
) -> Iterator[tuple[list, list]]:
    """Yield ``(keys, matches)`` per batch, in input order, in this process or a pool.

    The pool's workers send back only ``(start, end, code)`` tuples. spaCy's own
    ``nlp.pipe(n_process=2)`` sends back whole serialised ``Doc`` objects and was half as
    fast as one process on 1M words, against 0.97x for this pool
    (``python benchmarks/bench_rules.py --pipeline``), so the pool stays.
    """
    batches = _batches(documents, batch_size)
    if n_process <= 1:
        for keys, texts in batches:
            yield keys, _match_texts(nlp, texts, batch_size)
        return
    methods = multiprocessing.get_all_start_methods()
    if "fork" not in methods:
        raise ValueError("n_process > 1 needs the 'fork' start method (Linux, macOS)")
    _WORKER.update(nlp=nlp, batch_size=batch_size)
    try:
        with multiprocessing.get_context("fork").Pool(n_process) as pool:
            pending: deque = deque()
            for keys, texts in batches:
                pending.append((keys, pool.apply_async(_worker_match, (texts,))))
                if len(pending) >= 2 * n_process:  # bounded: never more than this in flight
                    k, result = pending.popleft()
                    yield k, result.get()
            while pending:
                k, result = pending.popleft()
                yield k, result.get()
    finally:
        _WORKER.clear()


# --------------------------------------------------------------------------- widening


def _doc_units(doc: Document, unit: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``start``, ``end`` and ``interviewer`` of the document's units, in text order.

    The same units as :func:`resilience_qda.core.units.units` gives (the same row
    builder, without a DataFrame per document).
    """
    who = doc.metadata.get("interviewer")
    transcript = doc.kind in TRANSCRIPT_KINDS
    turns = (
        [(s, e, sp, n, i) for _, n, s, e, sp, _, i in turn_rows(doc.text, interviewer=who)]
        if transcript
        else []
    )
    rows = unit_rows(doc.text, unit, turns)
    return (
        np.fromiter((r[0] for r in rows), dtype="int64", count=len(rows)),
        np.fromiter((r[1] for r in rows), dtype="int64", count=len(rows)),
        np.fromiter((bool(r[4]) for r in rows), dtype=bool, count=len(rows)),
    )


def widen(doc: Document, matches: list[tuple], **options) -> pd.DataFrame:
    """Turn one document's rule matches into codings of whole units.

    ``matches`` are ``(start, end, code, is_exclude)``; an exclusion match vetoes every
    match of the same code that it overlaps. Each unit holding a kept match is coded once
    per code, with ``score`` the summed weight of its distinct matches and ``evidence`` the
    matched words (``" | "``-joined, in text order). Options: ``unit``, ``interviewer``,
    ``weights`` (``{code: weight}``), ``coder``.

    Examples
    --------
    >>> d = Document("d", "No confidence at all. Confidence grew.")
    >>> m = [(0, 13, "a", True), (3, 13, "a", False), (22, 32, "a", False)]
    >>> widen(d, m)[["start", "end", "code", "evidence"]].values.tolist()
    [[22, 38, 'a', 'Confidence']]
    """
    return _rows_frame(widen_rows(doc, matches, **options))


def widen_rows(
    doc: Document,
    matches: list[tuple],
    *,
    unit: str = "sentence",
    interviewer: bool = False,
    weights: dict[str, float] | None = None,
    coder: str = "rules",
) -> list[tuple]:
    """:func:`widen` as a list of row tuples (the columns of ``RULE_COLUMNS``)."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}; got {unit!r}")
    if not matches:
        return []
    kept = [matches[i][:3] for i in kept_matches(matches)]
    if not kept:
        return []
    starts, ends, asked = _doc_units(doc, unit)
    if not interviewer:
        starts, ends = starts[~asked], ends[~asked]
    weights = weights or {}
    span_starts = np.fromiter((m[0] for m in kept), dtype="int64", count=len(kept))
    span_ends = np.fromiter((m[1] for m in kept), dtype="int64", count=len(kept))
    los = np.searchsorted(ends, span_starts, side="right").tolist()
    his = np.searchsorted(starts, span_ends, side="left").tolist()
    found: dict[tuple[int, str], list] = {}
    for (s, e, code), lo, hi in zip(kept, los, his, strict=True):
        for i in range(lo, hi):
            entry = found.setdefault((i, code), [0.0, []])
            entry[0] += weights.get(code, 1.0)
            words = doc.text[s:e]
            if words not in entry[1]:
                entry[1].append(words)
    keys = sorted(found, key=lambda k: (starts[k[0]], ends[k[0]], k[1]))
    return [
        (
            doc.doc_id,
            int(starts[i]),
            int(ends[i]),
            code,
            coder,
            "rules",
            found[(i, code)][0],
            " | ".join(found[(i, code)][1]),
        )
        for i, code in keys
    ]


def _rows_frame(rows: list[tuple]) -> pd.DataFrame:
    if not rows:
        return _empty_rule_codings()
    columns = list(zip(*rows, strict=True))
    return pd.DataFrame(
        {
            name: np.array(values, dtype=dtype) if dtype else pd.Series(values, dtype="object")
            for name, values, dtype in zip(
                RULE_COLUMNS,
                columns,
                (None, "int64", "int64", None, None, None, "float64", None),
                strict=True,
            )
        }
    )


def _empty_rule_codings() -> pd.DataFrame:
    return empty_codings().assign(evidence=pd.Series(dtype="object"))


# --------------------------------------------------------------------------- public API


def rules_coder(codebook: Codebook) -> str:
    """The coder name of a codebook's rules: ``rules:<codebook name>``.

    >>> rules_coder(Codebook(name="cop-evaluation")), rules_coder(Codebook())
    ('rules:cop-evaluation', 'rules:codebook')
    """
    return f"rules:{codebook.name or 'codebook'}"


def iter_codings(
    corpus: Iterable[Document],
    codebook: Codebook | str = "cop-evaluation",
    *,
    unit: str = "sentence",
    nlp: Language | str | None = None,
    interviewer: bool = False,
    batch_size: int = 64,
    n_process: int = 1,
    progress: bool | None = None,
    as_tuples: bool = False,
    all_languages: bool = False,
) -> Iterator[pd.DataFrame]:
    """Auto-code documents one at a time: yield each document's codings as it is finished.

    A generator: documents are read from ``corpus`` as they are needed, so a lazy
    iterable codes a corpus of any size in bounded memory.

    Parameters
    ----------
    corpus : iterable of Document
    codebook : Codebook or str
        A codebook, a codebook file or a built-in name (default ``cop-evaluation``).
    unit : {"sentence", "turn", "paragraph", "document"}
        What a match is widened to.
    nlp : Language or str, optional
        A pipeline (without a rules component) or the name of an installed trained pipeline;
        default: blank English + lookup lemmatizer, offline.
    interviewer : bool
        Code the interviewer's turns too (default: left out).
    batch_size : int
        Texts per ``nlp.pipe`` batch (and per task with ``n_process`` > 1).
    n_process : int
        Worker processes (each holds its own copy of the pipeline; needs the ``fork``
        start method, so Linux or macOS).
    progress : bool, optional
        Show a progress bar; default: on a terminal or in a notebook.
    as_tuples : bool
        Yield each document's codings as a list of row tuples instead of a DataFrame
        (faster for writers that stream rows to a file).
    all_languages : bool
        Code documents in every language. By default documents in another language than
        the codebook's (``language:``, English when undeclared; a document's ``language``
        attribute, else detected) are left out with a warning naming them.

    Yields
    ------
    DataFrame
        ``doc_id, start, end, code, coder, source, score, evidence`` for one document,
        with ``coder="rules:<codebook name>"`` and ``source="rules"``.

    Examples
    --------
    >>> docs = [Document("m1", "Everyone felt isolated. We met again.")]
    >>> next(iter_codings(docs))[["start", "end", "code", "evidence"]].values.tolist()
    [[0, 23, 'context/feeling-isolated', 'felt isolated']]
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}; got {unit!r}")
    if batch_size < 1 or n_process < 1:
        raise ValueError("batch_size and n_process must be at least 1")
    book = codebook if isinstance(codebook, Codebook) else read_codebook(codebook)
    pipeline = _compiled(book, nlp)  # errors in the codebook surface here, before any output
    coder = rules_coder(book)
    corpus = InLanguage(
        corpus, codebook_language(book), all_languages=all_languages, codebook=book.name
    )
    weights = {
        c.path: float(c.patterns.get("weight", 1.0)) for c in book if c.patterns and c.codable
    }
    return _code_stream(
        corpus,
        pipeline,
        unit=unit,
        interviewer=interviewer,
        weights=weights,
        coder=coder,
        batch_size=batch_size,
        n_process=n_process,
        progress=progress,
        as_tuples=as_tuples,
    )


def _code_stream(
    documents,
    pipeline,
    *,
    unit,
    interviewer,
    weights,
    coder,
    batch_size,
    n_process,
    progress,
    as_tuples,
) -> Iterator[pd.DataFrame]:
    bar = progress_bar(documents, desc="coding", progress=progress)
    collected: list[tuple] = []
    try:
        for keys, matches in _matched_batches(
            documents, pipeline, batch_size=batch_size, n_process=n_process
        ):
            for (doc, offset, last), found in zip(keys, matches, strict=True):
                collected += [(s + offset, e + offset, c, x) for s, e, c, x in found]
                if last:
                    rows = widen_rows(
                        doc,
                        collected,
                        unit=unit,
                        interviewer=interviewer,
                        weights=weights,
                        coder=coder,
                    )
                    yield rows if as_tuples else _rows_frame(rows)
                    collected = []
                    if bar is not None:
                        bar.update(1)
    finally:
        if bar is not None:
            bar.close()


def code(
    corpus: Corpus | Iterable[Document],
    codebook: Codebook | str = "cop-evaluation",
    **options,
) -> pd.DataFrame:
    """Auto-code a corpus with a codebook's rules; return the codings table.

    Takes the options of :func:`iter_codings`.

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> corpus = Corpus([Document("i1", "Interviewer: Did you use the framework sheet?\\n\\n"
    ...     "Participant L: Yes, I keep the framework sheet in my bag.", {"kind": "interview"})])
    >>> codings = code(corpus)
    >>> for code, evidence in codings[["code", "evidence"]].values:
    ...     print(code, "|", evidence)
    practice-elements/materials/artefacts | framework sheet | in my bag
    steps/have-it-to-hand | in my bag
    >>> codings[["start", "end", "coder", "source"]].drop_duplicates().values.tolist()
    [[62, 104, 'rules:cop-evaluation', 'rules']]
    """
    options["as_tuples"] = True
    rows = [row for rows in iter_codings(corpus, codebook, **options) for row in rows]
    return _rows_frame(rows)


__all__ = [
    "RULE_COLUMNS",
    "code",
    "compile_rules",
    "iter_codings",
    "rule_patterns",
    "rules_coder",
    "widen",
    "widen_rows",
]
