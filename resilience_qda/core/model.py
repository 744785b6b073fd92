"""The few types: documents, corpus, codebook, project, and the codings table schema.

The codings table is the one interchange object of the toolkit: a tidy DataFrame with one row
per (span, code, coder). Offsets are Unicode code points into the document's stored text,
``end`` exclusive.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from .display import codebook_html, document_html, esc, table_html
from .errors import CodebookError, CodingsError
from .turns import TRANSCRIPT_KINDS, turn_rows, turns_frame

#: Columns every codings table has, in this order.
CODINGS_COLUMNS = ("doc_id", "start", "end", "code", "coder", "source", "score")
#: Where a coding came from.
SOURCES = ("manual", "rules", "model", "import")
#: Anchor columns written with every coding so it can be found again after text edits.
ANCHOR_COLUMNS = ("prefix", "quote", "suffix")
#: Characters of context kept before and after a quote.
ANCHOR_CONTEXT = 24


#: Letters that Unicode does not decompose into an ASCII letter and a mark.
_TRANSLITERATE = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "đ": "d",
     "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D", "ı": "i"}
)  # fmt: skip


def slugify(name: str) -> str:
    """Return the path segment of a code name: lower case, ASCII, words joined by hyphens.

    >>> slugify("More responsive and flexible")
    'more-responsive-and-flexible'
    >>> slugify("Understand other people's feelings")
    'understand-other-peoples-feelings'
    >>> slugify("Økonomi og støtte"), slugify("Größe")
    ('okonomi-og-stotte', 'grosse')
    """
    name = name.translate(_TRANSLITERATE)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower().replace("'", "")).strip("-")


def count_words(text: str) -> int:
    """Number of words (runs of letters, digits and apostrophes) in ``text``."""
    return len(re.findall(r"\w+(?:['’]\w+)*", text))


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class Document:
    """One source text: an interview transcript, an observation note, a diary.

    ``text`` is the stored text (NFC, LF line ends) that coding offsets refer to; ``metadata``
    holds the per-document attributes (``kind``, ``case``, ``date``, ...).
    """

    doc_id: str
    text: str
    metadata: Mapping[str, object] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return str(self.metadata.get("kind") or "document")

    def __repr__(self) -> str:
        return f"Document({self.doc_id!r}, kind={self.kind!r}, {len(self.text)} chars)"

    def _repr_html_(self) -> str:
        return document_html(self.doc_id, self.text, kind=self.kind)


class Corpus:
    """An ordered collection of documents plus the case attributes that describe them.

    Parameters
    ----------
    documents : iterable of Document
    cases : DataFrame, optional
        One row per case (participant) with a ``case`` column and its attributes.

    Examples
    --------
    >>> corpus = Corpus([Document("n1", "Interviewer: Hi.\\n\\nP: Hello.", {"kind": "interview"})])
    >>> corpus.turns[["speaker", "start", "end"]].values.tolist()
    [['Interviewer', 13, 16], ['P', 21, 27]]
    """

    def __init__(self, documents: Iterable[Document] = (), cases: pd.DataFrame | None = None):
        self._docs: dict[str, Document] = {}
        for doc in documents:
            if doc.doc_id in self._docs:
                raise CodingsError(f"two documents have the id {doc.doc_id!r}; ids must be unique")
            self._docs[doc.doc_id] = doc
        self.cases = _cases_frame(cases)

    def __iter__(self) -> Iterator[Document]:
        return iter(self._docs.values())

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._docs

    def __getitem__(self, doc_id: str) -> Document:
        try:
            return self._docs[doc_id]
        except KeyError:
            raise KeyError(f"no document {doc_id!r} in the corpus") from None

    def __repr__(self) -> str:
        return f"Corpus({len(self)} documents)"

    def _repr_html_(self) -> str:
        kinds = self.documents["kind"].value_counts()
        summary = ", ".join(f"{n} {esc(k)}" for k, n in kinds.items())
        return (
            f"<div><strong>Corpus</strong>: {len(self)} documents ({summary}), "
            f"{len(self.cases)} cases{table_html(self.documents)}</div>"
        )

    @property
    def doc_ids(self) -> list[str]:
        return list(self._docs)

    @property
    def texts(self) -> dict[str, str]:
        """``{doc_id: text}``: what offsets refer to."""
        return {d.doc_id: d.text for d in self}

    @cached_property
    def documents(self) -> pd.DataFrame:
        """One row per document: ``doc_id``, ``kind``, its attributes, ``n_chars``,
        ``n_words``, and the attributes of its case joined on ``case``."""
        rows = [
            {
                "doc_id": d.doc_id,
                "kind": d.kind,
                **{k: v for k, v in d.metadata.items() if k not in ("doc_id", "kind")},
                "n_chars": len(d.text),
                "n_words": count_words(d.text),
            }
            for d in self
        ]
        table = pd.DataFrame(rows, columns=None if rows else ["doc_id", "kind"])
        if "case" not in table:
            table["case"] = pd.NA
        if len(self.cases):
            extra = [c for c in self.cases.columns if c == "case" or c not in table.columns]
            table = table.merge(self.cases[extra], on="case", how="left")
        return table

    @cached_property
    def turns(self) -> pd.DataFrame:
        """One row per speaker turn of every transcript: ``doc_id``, ``turn`` (0-based),
        ``start``, ``end`` (the words spoken, without the label), ``speaker`` as written,
        ``time`` (a timestamp if the transcript has one) and ``interviewer``."""
        rows = [
            row
            for d in self
            if d.kind in TRANSCRIPT_KINDS
            for row in turn_rows(d.text, doc_id=d.doc_id, interviewer=d.metadata.get("interviewer"))
        ]
        return turns_frame(rows)


def _cases_frame(cases: pd.DataFrame | None) -> pd.DataFrame:
    if cases is None or len(cases) == 0:
        return pd.DataFrame({"case": pd.Series(dtype="object")})
    if "case" not in cases.columns:
        raise CodingsError(f"the cases table needs a 'case' column; it has {list(cases.columns)}")
    return cases.copy()


# --------------------------------------------------------------------------- codebook


@dataclass(frozen=True)
class Code:
    """One code of a codebook, addressed by its ``path`` (e.g. ``themes/more-reflexive``)."""

    path: str
    name: str
    description: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()
    color: str | None = None
    patterns: Mapping[str, object] = field(default_factory=dict)
    codable: bool = True
    #: Identifier of the code in another tool (a REFI-QDA GUID), kept for round trips.
    guid: str | None = None
    #: A negative (disconfirming) code: its passages count against claims, not for them
    #: (e.g. scepticism about the framework, practice unchanged).
    negative: bool = False

    @property
    def parent(self) -> str | None:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else None

    @property
    def depth(self) -> int:
        return self.path.count("/")


class Codebook:
    """A tree of codes addressed by paths; a parent's path is a prefix of its children's.

    Examples
    --------
    >>> cb = Codebook([Code("themes", "Themes"), Code("themes/more-reflexive", "More reflexive")])
    >>> cb.children("themes")
    ['themes/more-reflexive']
    >>> cb.resolve("More reflexive")
    'themes/more-reflexive'
    """

    def __init__(
        self,
        codes: Iterable[Code] = (),
        *,
        name: str = "",
        title: str = "",
        version: str = "",
        language: str = "",
    ):
        self.name, self.title, self.version = name, title, str(version or "")
        #: ISO 639-1 code of the language the codebook's patterns are written in ("" when
        #: it does not say; rule coding then takes English).
        self.language = str(language or "").strip().lower()
        #: What other tools need for round trips (REFI-QDA code sets), JSON-serialisable.
        self.exchange: dict = {}
        self._codes: dict[str, Code] = {}
        for code in codes:
            if code.path in self._codes:
                raise CodebookError(f"code path {code.path!r} appears twice in codebook {name!r}")
            if code.parent is not None and code.parent not in self._codes:
                raise CodebookError(
                    f"code {code.path!r} has parent {code.parent!r}, which is not defined "
                    "before it in the codebook"
                )
            self._codes[code.path] = code

    def __iter__(self) -> Iterator[Code]:
        return iter(self._codes.values())

    def __len__(self) -> int:
        return len(self._codes)

    def __contains__(self, path: object) -> bool:
        return path in self._codes

    def __getitem__(self, path: str) -> Code:
        try:
            return self._codes[path]
        except KeyError:
            raise KeyError(f"no code {path!r} in codebook {self.name!r}") from None

    def __repr__(self) -> str:
        return f"Codebook({self.name!r}, {len(self)} codes)"

    def _repr_html_(self) -> str:
        rows = ((c.path, c.name, c.description, c.depth) for c in self)
        return codebook_html(rows, title=f"Codebook {self.name} ({len(self)} codes)")

    @property
    def paths(self) -> list[str]:
        return list(self._codes)

    @property
    def roots(self) -> list[str]:
        return [p for p, c in self._codes.items() if c.parent is None]

    def children(self, path: str) -> list[str]:
        return [p for p, c in self._codes.items() if c.parent == path]

    def descendants(self, path: str) -> list[str]:
        prefix = path + "/"
        return [p for p in self._codes if p.startswith(prefix)]

    def ancestors(self, path: str) -> list[str]:
        """Paths above ``path``, nearest first (works for paths not in the codebook)."""
        parts = path.split("/")
        return ["/".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]

    def resolve(self, label: str) -> str:
        """Return the path a code path, a code name or a name slug refers to.

        Raises ``KeyError`` when nothing matches and ``CodebookError`` when a name is
        ambiguous (names may repeat across branches; paths never do).
        """
        label = label.strip()
        if label in self._codes:
            return label
        as_path = "/".join(slugify(part) for part in label.split("/"))
        if as_path in self._codes:
            return as_path
        wanted = slugify(label)
        hits = [p for p, c in self._codes.items() if slugify(c.name) == wanted]
        if len(hits) == 1:
            return hits[0]
        if not hits:
            raise KeyError(f"no code named {label!r} in codebook {self.name!r}")
        raise CodebookError(
            f"code name {label!r} is ambiguous in codebook {self.name!r}: it could be "
            f"{', '.join(hits)}; use the full path"
        )

    @property
    def negative(self) -> list[str]:
        """Paths of the codes marked negative (disconfirming), in codebook order."""
        return [p for p, c in self._codes.items() if c.negative]

    def to_frame(self) -> pd.DataFrame:
        """One row per code: ``code`` (path), ``parent``, ``name``, ``description``, ...,
        ``codable`` and ``negative``."""
        rows = [
            {
                "code": c.path,
                "parent": c.parent or "",
                "name": c.name,
                "description": c.description,
                "include": c.include,
                "exclude": c.exclude,
                "examples": " | ".join(c.examples),
                "color": c.color or "",
                "depth": c.depth,
                "codable": c.codable,
                "negative": c.negative,
            }
            for c in self
        ]
        return pd.DataFrame(
            rows,
            columns=[
                "code",
                "parent",
                "name",
                "description",
                "include",
                "exclude",
                "examples",
                "color",
                "depth",
                "codable",
                "negative",
            ],
        )


# --------------------------------------------------------------------------- codings table


#: Largest offset a codings table accepts (texts are far shorter; larger numbers are damage).
MAX_OFFSET = 2**53


def empty_codings() -> pd.DataFrame:
    """A codings table with no rows and the schema's columns and dtypes."""
    return pd.DataFrame(
        {
            "doc_id": pd.Series(dtype="object"),
            "start": pd.Series(dtype="int64"),
            "end": pd.Series(dtype="int64"),
            "code": pd.Series(dtype="object"),
            "coder": pd.Series(dtype="object"),
            "source": pd.Series(dtype="object"),
            "score": pd.Series(dtype="float64"),
        }
    )


def validate_codings(
    codings: pd.DataFrame,
    corpus: Mapping[str, str] | Corpus | None = None,
    *,
    origin: str = "codings",
) -> pd.DataFrame:
    """Check a codings table against the schema and return a normalised copy.

    The copy has the schema's columns first (optional columns after them), integer offsets,
    float scores, and rows sorted by ``(doc_id, start, end, code, coder)``. With ``corpus``
    (a corpus or ``{doc_id: text}``), every ``doc_id`` must exist and every span must lie
    within its text.

    Parameters
    ----------
    codings : DataFrame
    corpus : Corpus or mapping, optional
    origin : str
        Named in error messages (e.g. the file the rows came from).

    Raises
    ------
    CodingsError
        Naming the offending rows (by position in the input) and what is wrong with them.

    Examples
    --------
    >>> rows = pd.DataFrame({"doc_id": ["d"], "start": [0], "end": [5], "code": ["x"],
    ...                      "coder": ["A"], "source": ["manual"], "score": [None]})
    >>> validate_codings(rows, {"d": "hello world"})["end"].tolist()
    [5]
    """
    missing = [c for c in CODINGS_COLUMNS if c not in codings.columns and c != "score"]
    if missing:
        raise CodingsError(
            f"{origin}: missing column(s) {', '.join(missing)}; a codings table needs "
            f"{', '.join(CODINGS_COLUMNS)} (score may be empty)"
        )
    table = codings.copy()
    if "score" not in table:
        table["score"] = np.nan
    table = table.reset_index(drop=True)
    problems: list[tuple[int, str]] = []

    for col in ("doc_id", "code", "coder", "source"):
        bad = table[col].isna() | (table[col].astype(str).str.strip() == "")
        problems += [(i, f"{col} is empty") for i in np.flatnonzero(bad)]
        table[col] = table[col].astype(object).where(~bad, "").astype(str)
    numbers_ok = pd.Series(True, index=table.index)
    for col in ("start", "end"):
        numeric = pd.to_numeric(table[col], errors="coerce")
        if numeric.dtype == object:  # integers too large for int64 stay Python ints
            numeric = pd.to_numeric(numeric.astype(float), errors="coerce")
        bad = numeric.isna() | (numeric != np.floor(numeric.fillna(0)))
        problems += [
            (i, f"{col} is not a whole number ({table[col].iloc[i]!r})")
            for i in np.flatnonzero(bad)
        ]
        huge = ~bad & (numeric.abs() > MAX_OFFSET)
        problems += [
            (i, f"{col} {table[col].iloc[i]!r} is far too large to be a position in a text")
            for i in np.flatnonzero(huge)
        ]
        bad |= huge
        numbers_ok &= ~bad
        table[col] = numeric.fillna(-1).astype("int64")
    score = pd.to_numeric(table["score"], errors="coerce")
    bad = score.isna() & table["score"].notna() & (table["score"].astype(str).str.strip() != "")
    problems += [
        (i, f"score is not a number ({table['score'].iloc[i]!r})") for i in np.flatnonzero(bad)
    ]
    table["score"] = score.astype("float64")

    bad = ~table["source"].isin(SOURCES)
    problems += [
        (i, f"source {table['source'].iloc[i]!r} is not one of {', '.join(SOURCES)}")
        for i in np.flatnonzero(bad & (table["source"] != ""))
    ]
    problems += [
        (i, "start is negative") for i in np.flatnonzero((table["start"] < 0) & numbers_ok)
    ]
    ok = numbers_ok & (table["start"] >= 0)
    bad = (table["start"] >= table["end"]) & ok
    problems += [
        (i, f"start {table['start'].iloc[i]} is not before end {table['end'].iloc[i]}")
        for i in np.flatnonzero(bad)
    ]
    if corpus is not None:
        lengths = {
            d: len(t) for d, t in (corpus.texts if isinstance(corpus, Corpus) else corpus).items()
        }
        known = table["doc_id"].isin(lengths.keys())
        problems += [
            (i, f"doc_id {table['doc_id'].iloc[i]!r} is not a document of the project")
            for i in np.flatnonzero(~known & (table["doc_id"] != ""))
        ]
        size = table["doc_id"].map(lengths).astype("float64")  # a header-only file too
        past = known & (table["end"] > size)
        problems += [
            (
                i,
                f"end {table['end'].iloc[i]} is past the end of {table['doc_id'].iloc[i]!r} "
                f"({int(size.iloc[i])} characters)",
            )
            for i in np.flatnonzero(past)
        ]
    if problems:
        problems.sort()
        shown = "; ".join(f"row {i + 1}: {msg}" for i, msg in problems[:10])
        more = f" (and {len(problems) - 10} more problems)" if len(problems) > 10 else ""
        raise CodingsError(f"{origin}: {len(problems)} invalid coding(s): {shown}{more}")

    extra = [c for c in table.columns if c not in CODINGS_COLUMNS]
    table = table[list(CODINGS_COLUMNS) + extra]
    return table.sort_values(
        ["doc_id", "start", "end", "code", "coder"], kind="stable"
    ).reset_index(drop=True)


def coded_text(codings: pd.DataFrame, corpus: Mapping[str, str] | Corpus) -> pd.Series:
    """The text of each coding's span, ``text[start:end]``, aligned with ``codings``."""
    lookup = corpus.texts if isinstance(corpus, Corpus) else corpus
    return pd.Series(
        [
            lookup[d][s:e]
            for d, s, e in zip(codings["doc_id"], codings["start"], codings["end"], strict=True)
        ],
        index=codings.index,
        dtype="object",
    )


def anchor_codings(
    codings: pd.DataFrame, corpus: Mapping[str, str] | Corpus, *, context: int = ANCHOR_CONTEXT
) -> pd.DataFrame:
    """Return a copy of ``codings`` with the anchor columns ``prefix``, ``quote``, ``suffix``
    (the coded text and a little context) filled from the current texts."""
    lookup = corpus.texts if isinstance(corpus, Corpus) else corpus
    out = codings.copy()
    triples = [
        (lookup[d][max(0, s - context) : s], lookup[d][s:e], lookup[d][e : e + context])
        for d, s, e in zip(out["doc_id"], out["start"], out["end"], strict=True)
    ]
    for i, col in enumerate(ANCHOR_COLUMNS):
        out[col] = pd.Series([t[i] for t in triples], index=out.index, dtype="object")
    return out


# --------------------------------------------------------------------------- project


@dataclass
class Project:
    """A corpus, its codebook, everyone's codings and the memos: one study.

    ``codings`` is the codings table of all coders; ``memos`` a table with ``memo_id``,
    ``text`` and what the memo is attached to (``doc_id``, ``code``), where known.
    """

    corpus: Corpus
    codebook: Codebook
    codings: pd.DataFrame = field(default_factory=empty_codings)
    memos: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["memo_id", "doc_id", "code", "text"])
    )
    path: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: What other tools need for round trips but analysis never uses (REFI-QDA GUIDs, sets,
    #: variable types), JSON-serialisable; see ``resilience_qda.io.refi``.
    exchange: dict = field(default_factory=dict)
    #: A fingerprint of the project folder's files when it was read (``path``), so that
    #: writing it back can refuse to overwrite changes made since; see ``io.project``.
    folder_state: str | None = field(default=None, repr=False, compare=False)

    @property
    def coders(self) -> list[str]:
        return sorted(self.codings["coder"].unique().tolist())

    def codings_of(self, coder: str) -> pd.DataFrame:
        """The codings of one coder (a copy)."""
        return self.codings[self.codings["coder"] == coder].reset_index(drop=True)

    def unknown_codes(self) -> list[str]:
        """Codes used in the codings that the codebook lacks (kept, never dropped)."""
        return sorted(set(self.codings["code"]) - set(self.codebook.paths))

    def __repr__(self) -> str:
        return (
            f"Project({len(self.corpus)} documents, {len(self.codebook)} codes, "
            f"{len(self.codings)} codings by {len(self.coders)} coder(s))"
        )

    def show(self, doc_id: str, *, coder: str | Iterable[str] | None = None) -> CodedDocument:
        """A document with its codings, shown highlighted in a notebook.

        Examples
        --------
        >>> project.show("interview-L", coder="A")  # doctest: +SKIP
        """
        rows = self.codings[self.codings["doc_id"] == doc_id]
        if coder is not None:
            rows = rows[rows["coder"].isin([coder] if isinstance(coder, str) else list(coder))]
        return CodedDocument(self.corpus[doc_id], rows.reset_index(drop=True))

    def _repr_html_(self) -> str:
        per_coder = (
            self.codings.groupby("coder")
            .agg(
                codings=("code", "size"), codes=("code", "nunique"), documents=("doc_id", "nunique")
            )
            .reset_index()
        )
        where = f" at <code>{esc(self.path)}</code>" if self.path else ""
        notes = "".join(f"<li>{esc(w)}</li>" for w in self.warnings)
        return (
            f"<div><strong>Project</strong>{where}: {len(self.corpus)} documents, "
            f"{len(self.codebook)} codes in codebook {esc(self.codebook.name)}, "
            f"{len(self.codings)} codings by {len(self.coders)} coder(s)"
            f"{table_html(per_coder) if len(per_coder) else ''}"
            + (f"<p>Warnings:</p><ul>{notes}</ul>" if notes else "")
            + "</div>"
        )


@dataclass(frozen=True)
class CodedDocument:
    """A document and some of its codings: what :meth:`Project.show` returns."""

    document: Document
    codings: pd.DataFrame

    def _repr_html_(self) -> str:
        d = self.document
        return document_html(d.doc_id, d.text, self.codings, kind=d.kind)
