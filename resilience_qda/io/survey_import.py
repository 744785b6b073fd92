"""Survey answers into a project folder: one document per non-empty answer, streamed.

Each non-empty answer of the text column becomes a document of kind ``response``
(``sources/<doc_id>.txt``); the row's other columns become its attributes in
``sources.csv`` (with ``question``, the text column's name, ``respondent``, the id, and
``row``, the spreadsheet row); the code columns' values become one coder's codings of whole
answers (``codings/<coder>.csv``). Importing a second coder's file of the same answers (same
ids, same texts) adds that coder's codings; an id that the project already holds with
another text is refused, and nothing is changed.

Rows are read one at a time and written to a staging folder as they come; the rows of
``sources.csv`` and of the codings file are sorted on disk in chunks and merged, so memory
stays bounded whatever the number of rows (``benchmarks/bench_survey.py`` measures it). The
staged files are then committed as one project transaction (under the project's lock, through
a journal): a crash leaves the project as it was or with the whole survey imported.
"""

from __future__ import annotations

import csv
import heapq
import itertools
import os
import re
import shutil
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import CodebookError, ProjectError, QDAError, ReadError
from ..core.model import ANCHOR_COLUMNS, CODINGS_COLUMNS, Code, Codebook, slugify
from .codebook import codebook_to_yaml, read_codebook
from .language import detect_language, same_language
from .project import DEFAULT_CODEBOOK, coder_filename
from .survey import code_labels, open_table
from .transaction import Transaction, transaction

#: Kind of the documents made from answers.
KIND = "response"
#: Answers read to decide the language of a column.
LANGUAGE_SAMPLE = 200
#: Rows sorted in memory at a time when sorting ``sources.csv`` and codings rows.
CHUNK_ROWS = 20_000
_RESERVED = {"doc_id", "kind", "language", "question", "respondent", "row", "original_file"}
_UNSAFE = re.compile(r'[/\\:*?"<>|\s\x00-\x1f]+')
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORD = re.compile(r"[^\W_]")


class SurveyError(QDAError, ValueError):
    """A survey import was asked for with arguments that do not fit the file."""


@dataclass
class SurveyImport:
    """What :func:`import_survey` did.

    Attributes
    ----------
    imported : int
        New documents (answers) written.
    matched : int
        Answers the project already had with the same id and text (their codings added).
    empty : int
        Rows whose answer was empty (no document).
    codings, coded : int
        Codings written, and answers with at least one code.
    unknown_codes : list of str
        Code paths the codebook lacks (kept, as every coding is).
    languages : Counter
        Documents per language (``""``: undetermined).
    """

    path: str
    project: str
    question: str
    imported: int = 0
    matched: int = 0
    empty: int = 0
    codings: int = 0
    coded: int = 0
    coder: str | None = None
    codes: list[str] = field(default_factory=list)
    unknown_codes: list[str] = field(default_factory=list)
    created_codes: list[str] = field(default_factory=list)
    languages: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One paragraph for people: what came in, and from whom."""
        langs = ", ".join(f"{n} {lang or 'undetermined'}" for lang, n in self.languages.items())
        text = (
            f"{self.path}: {self.imported} answer(s) of {self.question!r} imported into "
            f"{self.project} as documents of kind {KIND!r}"
        )
        if self.matched:
            text += f"; {self.matched} already there with the same text"
        if self.empty:
            text += f"; {self.empty} empty answer(s) skipped"
        if langs:
            text += f"; languages: {langs}"
        if self.coder:
            text += (
                f"; coder {self.coder}: {self.codings} coding(s) of {len(self.codes)} code(s) "
                f"on {self.coded} answer(s)"
            )
        if self.created_codes:
            text += f"; {len(self.created_codes)} code(s) added to the codebook"
        if self.unknown_codes:
            shown = ", ".join(self.unknown_codes[:10])
            text += f"; {len(self.unknown_codes)} code(s) not in the codebook (kept): {shown}"
        return text


def _clean(answer: str) -> str:
    """The stored text of an answer: LF, NFC, no control characters, trimmed; ``""`` for an
    answer without a letter or digit (``-``, ``.``: a placeholder for no answer)."""
    text = answer.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", unicodedata.normalize("NFC", text)).strip()
    return text if _WORD.search(text) else ""


def safe_id(value: str) -> str:
    """A document id from a respondent id: characters unsafe in file names become ``-``.

    >>> safe_id("R_3kL9x"), safe_id("anna@example.org / 2")
    ('R_3kL9x', 'anna@example.org-2')
    """
    return _UNSAFE.sub("-", unicodedata.normalize("NFC", value).strip()).strip("-").lstrip(".")


def _mark_label(column: str, pattern: str) -> str:
    """The code a mark in a code column stands for: the column name without the pattern's
    literal start (``Code: *`` and ``Code: Money`` give ``Money``)."""
    prefix = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
    if prefix and column.casefold().startswith(prefix.casefold()) and column[len(prefix) :].strip():
        return column[len(prefix) :].strip()
    return column


def _write_rows(path: Path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def sorted_rows(
    rows: Iterator[list[str]], key: Callable, folder: Path, *, chunk: int | None = None
) -> Iterator[list[str]]:
    """Rows sorted by ``key`` with at most ``chunk`` of them in memory: sorted chunks are
    written to ``folder`` and merged (``chunk`` defaults to :data:`CHUNK_ROWS`)."""
    chunk = chunk or CHUNK_ROWS
    files = []
    own = Path(tempfile.mkdtemp(prefix="sort-", dir=folder))  # two sorts may run at once
    while True:
        block = list(itertools.islice(rows, chunk))
        if not block:
            break
        block.sort(key=key)
        f = own / f"chunk-{len(files)}.csv"
        _write_rows(f, block)
        files.append(f)
    handles = [open(f, newline="", encoding="utf-8") for f in files]  # noqa: SIM115
    try:
        yield from heapq.merge(*(csv.reader(h) for h in handles), key=key)
    finally:
        for h in handles:
            h.close()
        shutil.rmtree(own, ignore_errors=True)


def _csv_reader(path: Path) -> Iterator[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        yield from csv.reader(fh)


def _coding_key(row: list[str]) -> tuple:
    try:
        return (row[0], int(row[1]), int(row[2]), row[3])
    except (ValueError, IndexError):
        raise ProjectError(
            f"a codings row has offsets that are not whole numbers: {row[:4]}; the coder's "
            "codings file needs repair (resilience-qda reanchor) before more are added"
        ) from None


class _Codes:
    """Code labels to code paths, resolved once each."""

    def __init__(self, book: Codebook, *, create: bool):
        self.book, self.create = book, create
        self.cache: dict[str, str | None] = {}
        self.created: list[str] = []
        self.unknown: set[str] = set()
        self.problems: list[str] = []

    def __call__(self, label: str) -> str | None:
        if label not in self.cache:
            self.cache[label] = self._resolve(label)
        return self.cache[label]

    def _resolve(self, label: str) -> str | None:
        try:
            return self.book.resolve(label)
        except CodebookError as exc:
            self.problems.append(f"code {label!r} skipped: {exc}")
            return None
        except KeyError:
            pass
        parts = [p.strip() for p in label.split("/") if p.strip()]
        path = "/".join(slugify(p) for p in parts)
        if not parts or any(not slugify(p) for p in parts):
            self.problems.append(f"code {label!r} gives no code path (letters or digits); skipped")
            return None
        if not self.create:
            self.unknown.add(path)
            return path
        made, at = [], ""
        for part in parts:
            at = f"{at}/{slugify(part)}" if at else slugify(part)
            if at not in self.book and not any(c.path == at for c in made):
                made.append(Code(at, part))
        if made:
            self.book = Codebook(
                [*self.book, *made],
                name=self.book.name,
                title=self.book.title,
                version=self.book.version,
                language=self.book.language,
            )
            self.created += [c.path for c in made]
        return path


class _PathsOnly(Codebook):
    """A codebook that resolves code paths only, not names (the built-in codebook of a
    project that has none of its own: a survey coder's "Tools" is not its
    ``practice-elements/materials/tools``)."""

    def __init__(self, book: Codebook):
        super().__init__(book, name=book.name, language=book.language)

    def resolve(self, label: str) -> str:
        if label.strip() in self:
            return label.strip()
        raise KeyError(label)


def _language_mode(sample: list[str], language: str | None) -> tuple[str, bool]:
    """The column's language and whether each answer needs its own detection."""
    if language:
        return language, False
    column, _ = detect_language("\n".join(sample))
    found = [detect_language(a)[0] for a in sample if len(a.split()) >= 5]
    found = [lang for lang in found if lang]
    agree = sum(same_language(lang, column) for lang in found) if column else 0
    mixed = bool(found) and (not column or agree < 0.9 * len(found))
    return column, mixed


def import_survey(
    path: str | os.PathLike,
    project: str | os.PathLike,
    *,
    text_column: str,
    id_column: str | None = None,
    codes_columns: str | None = None,
    coder: str | None = None,
    doc_prefix: str = "",
    language: str | None = None,
    sheet: str | None = None,
    create_codes: bool = False,
) -> SurveyImport:
    """Import the answers of one column of a survey export into a project folder.

    Parameters
    ----------
    path : path-like
        A ``.csv``, ``.tsv`` or ``.xlsx`` file, one row per respondent.
    project : path-like
        The project folder (created when it does not exist).
    text_column : str
        The column of free-text answers; each non-empty answer becomes a document.
    id_column : str, optional
        Respondent ids; the document id is the id (made safe as a file name). Without it,
        answers are numbered ``response-1``, ``response-2``, ... in row order, so two
        coders' files must list the answers in the same order.
    codes_columns : str, optional
        A glob pattern naming the code columns (``"Code *"``); a cell names codes (paths or
        names, several separated by ``;`` or new lines) or holds a mark (``1``, ``x``,
        ``yes``) that codes the answer with the column's name. Needs ``coder``.
    coder : str, optional
        Whose codes they are; the codings are this coder's codings of whole answers.
        Importing the same answers again for this coder replaces their codings of them.
    doc_prefix : str
        Put before every document id (to import a second question of the same
        respondents: ``doc_prefix="q2-"``).
    language : str, optional
        ISO 639-1 code of the answers; default detected (per column, and per answer when
        the column mixes languages).
    sheet : str, optional
        The worksheet of an XLSX file (default: the first).
    create_codes : bool
        Add codes the codebook lacks to it (``codebook.yaml``); by default they are kept
        in the codings and listed in ``unknown_codes``.

    Returns
    -------
    SurveyImport
        Counts and codes; ``summary()`` says it in one paragraph.

    Raises
    ------
    ReadError
        The file cannot be read, lacks a named column, or has no answers.
    ProjectError
        An id the project already holds with another text, or two rows with one id
        (nothing is changed).

    Examples
    --------
    >>> report = import_survey("survey-coder-a.csv", "projects/survey",  # doctest: +SKIP
    ...     text_column="Q5 What helped?", id_column="ResponseId",
    ...     codes_columns="Code *", coder="A")
    >>> print(report.summary())  # doctest: +SKIP
    """
    if bool(codes_columns) != bool(coder):
        raise SurveyError(
            "codes_columns and coder go together: name the code columns (e.g. 'Code *') and "
            "the coder whose codes they are"
        )
    root = Path(project)
    existing = (root / "sources").is_dir()
    if root.exists() and not existing and (not root.is_dir() or any(root.iterdir())):
        raise ProjectError(
            f"{root}: exists and is not a project folder (it has no sources/ folder); name a "
            "new folder or a project"
        )
    book_file = root / "codebook.yaml"
    if book_file.exists():
        book = read_codebook(book_file)
    elif create_codes:  # the coders' codes start the project's own codebook
        book = Codebook(name=slugify(root.resolve().name) or "survey", language=language or "")
    else:  # the built-in codebook: only its exact paths are taken as its codes
        book = _PathsOnly(read_codebook(DEFAULT_CODEBOOK))
    table = open_table(path, sheet=sheet)
    try:
        text_i = table.column(text_column, what="text column")
        id_i = table.column(id_column, what="id column") if id_column else None
        code_is = table.matching(codes_columns) if codes_columns else []
        if codes_columns and not code_is:
            raise ReadError(
                f"{path}: no column matches the code columns pattern {codes_columns!r}; its "
                f"columns are {', '.join(repr(h) for h in table.header[:30])}"
            )
        if text_i in code_is or (id_i is not None and id_i in code_is):
            raise SurveyError(
                f"the code columns pattern {codes_columns!r} also matches the text or id "
                "column; make it narrower"
            )
        # staged inside the project's transaction: its lock held from reading the project's
        # files to the commit, a crash leaves the old project or the new one
        with transaction(root, command="import (survey)") as tx:
            staging = tx.scratch
            report = _stage(
                table,
                root,
                staging,
                existing=existing,
                text_i=text_i,
                id_i=id_i,
                code_is=code_is,
                codes_columns=codes_columns or "",
                coder=coder,
                doc_prefix=doc_prefix,
                language=language,
                codes=_Codes(book, create=create_codes),
            )
            _commit(staging, tx)
    finally:
        if callable(table.close):
            table.close()
    return report


def _stage(table, root, staging, *, existing, text_i, id_i, code_is, codes_columns, coder,
           doc_prefix, language, codes) -> SurveyImport:  # fmt: skip
    """Read every row; write texts, attribute rows and codings rows into ``staging``."""
    header = table.header
    name = Path(table.path).name
    report = SurveyImport(str(table.path), str(root), header[text_i], coder=coder)
    attr_is = [
        i for i, h in enumerate(header) if h and i != text_i and i != id_i and i not in code_is
    ]
    attr_names = [f"{header[i]}_column" if header[i] in _RESERVED else header[i] for i in attr_is]
    fixed = ["doc_id", "kind", "question", "respondent", "row", "language", "original_file"]
    labels = {i: _mark_label(header[i], codes_columns) for i in code_is}
    (staging / "sources").mkdir()
    parts = staging / "parts"
    parts.mkdir()

    rows = table.rows
    head = list(itertools.islice(rows, LANGUAGE_SAMPLE * 3))
    sample = [_clean(c[text_i]) for _, c in head if len(c) > text_i and c[text_i].strip()][
        :LANGUAGE_SAMPLE
    ]
    column_language, mixed = _language_mode(sample, language)
    if codes.create and not len(codes.book) and not codes.book.language:
        codes.book.language = column_language  # a codebook started from these answers

    clashes: list[str] = []
    n_clashes = 0
    used_codes: set[str] = set()
    with (
        open(parts / "attributes.csv", "w", newline="", encoding="utf-8") as a_fh,
        open(parts / "codings.csv", "w", newline="", encoding="utf-8") as c_fh,
    ):
        attributes = csv.writer(a_fh, lineterminator="\n")
        codings = csv.writer(c_fh, lineterminator="\n")
        for n, (row_no, cells) in enumerate(itertools.chain(head, rows), start=1):
            answer = _clean(cells[text_i]) if len(cells) > text_i else ""
            if not answer:
                report.empty += 1
                continue
            if id_i is not None:
                raw = cells[id_i].strip() if len(cells) > id_i else ""
                if not raw:
                    raise ReadError(
                        f"{table.path}, row {row_no}: the answer has no id in column "
                        f"{header[id_i]!r}; fill it in, or import without the id column"
                    )
                doc_id = doc_prefix + safe_id(raw)
            else:
                raw, doc_id = "", f"{doc_prefix or 'response-'}{n}"
            if not doc_id or doc_id.startswith("."):
                raise ReadError(f"{table.path}, row {row_no}: id {raw!r} cannot be a document id")
            text = answer
            staged = staging / "sources" / f"{doc_id}.txt"
            if staged.exists():
                raise ProjectError(
                    f"{table.path}, row {row_no}: id {raw or doc_id!r} appears twice in the "
                    "file (as document " + repr(doc_id) + "); ids must be unique. Nothing was "
                    "changed"
                )
            target = root / "sources" / f"{doc_id}.txt"
            if existing and target.exists():
                if target.read_text(encoding="utf-8") == text:
                    report.matched += 1
                    staged.touch()  # marks the id as seen in this file
                else:
                    n_clashes += 1
                    if len(clashes) < 10:
                        clashes.append(f"{doc_id} (row {row_no})")
                    continue
            else:
                staged.write_text(text, encoding="utf-8")
                lang = column_language
                if mixed and len(answer.split()) >= 5:
                    lang = detect_language(answer)[0] or column_language
                report.imported += 1
                report.languages[lang] += 1
                attributes.writerow(
                    [doc_id, KIND, header[text_i], raw, row_no, lang, name]
                    + [cells[i].strip() if i < len(cells) else "" for i in attr_is]
                )
            if coder:
                found: list[str] = []
                for i in code_is:
                    for label in code_labels(cells[i] if i < len(cells) else "", labels[i]):
                        path = codes(label)
                        if path and path not in found:
                            found.append(path)
                codings.writerow([doc_id, -1, -1, "", "", "", "", "", "", ""])  # the answer
                end = len(answer)
                for path in found:
                    codings.writerow([doc_id, 0, end, path, coder, "manual", "", "", answer, ""])
                report.codings += len(found)
                report.coded += bool(found)
                used_codes.update(found)
    if n_clashes:
        raise ProjectError(
            f"{table.path}: {n_clashes} answer(s) have ids that {root} already holds with "
            f"another text: {', '.join(clashes)}{' ...' if n_clashes > len(clashes) else ''}. "
            "Nothing was changed. To import another question of the same respondents, give "
            "the documents a prefix (doc_prefix='q2-', --doc-prefix q2-)"
        )
    if not report.imported and not report.matched:
        raise ReadError(
            f"{table.path}: column {header[text_i]!r} has no answers (every row is empty)"
        )
    report.codes = sorted(used_codes)
    report.unknown_codes = sorted(codes.unknown & used_codes)
    report.created_codes = list(codes.created)
    report.warnings += codes.problems
    _stage_sources_csv(root, staging, fixed + attr_names)
    if coder:
        _stage_codings(root, staging, coder)
    if codes.created:
        (staging / "codebook.yaml").write_text(codebook_to_yaml(codes.book), encoding="utf-8")
    return report


def _stage_sources_csv(root: Path, staging: Path, new_columns: list[str]) -> None:
    """``sources.csv``: the project's rows as they were, then the new ones sorted by id."""
    old = root / "sources.csv"
    old_rows = _csv_reader(old) if old.exists() else iter([])
    old_header = next(old_rows, [])
    columns = old_header + [c for c in new_columns if c not in old_header]
    at = [columns.index(c) for c in new_columns]
    new = sorted_rows(
        _csv_reader(staging / "parts" / "attributes.csv"), lambda r: r[0], staging / "parts"
    )
    with open(staging / "sources.csv", "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(columns)
        for row in old_rows:
            out.writerow(row + [""] * (len(columns) - len(row)))
        for row in new:
            full = [""] * len(columns)
            for i, value in zip(at, row, strict=True):
                full[i] = value
            out.writerow(full)


def _stage_codings(root: Path, staging: Path, coder: str) -> None:
    """``codings/<coder>.csv``: the coder's earlier codings, with those of the answers in
    this file replaced by the new ones, sorted (doc_id, start, end, code)."""
    name = coder_filename(coder)
    old = root / "codings" / name
    columns = [*CODINGS_COLUMNS, *ANCHOR_COLUMNS]
    old_rows: Iterator[list[str]] = iter([])
    if old.exists():
        reader = _csv_reader(old)
        old_header = next(reader, [])
        missing = [c for c in ("doc_id", "start", "end", "code") if c not in old_header]
        if missing:
            raise ProjectError(f"{old}: has no column(s) {', '.join(missing)}; fix it first")
        columns = old_header + [c for c in columns if c not in old_header]
        order = [old_header.index(c) for c in ("doc_id", "start", "end", "code")]
        old_rows = (
            [r[i] for i in order] + [*r, *[""] * (len(columns) - len(r))] for r in reader if r
        )
    new_at = [columns.index(c) for c in [*CODINGS_COLUMNS, *ANCHOR_COLUMNS]]

    def new_rows():
        for r in _csv_reader(staging / "parts" / "codings.csv"):
            full = [""] * len(columns)
            for i, value in zip(new_at, r, strict=True):
                full[i] = value
            yield [r[0], r[1], r[2], r[3], *full]

    folder = staging / "parts"
    merged = heapq.merge(
        ((0, r) for r in sorted_rows(old_rows, _coding_key, folder)),
        ((1, r) for r in sorted_rows(new_rows(), _coding_key, folder)),
        key=lambda t: _coding_key(t[1]),
    )
    (staging / "codings").mkdir()
    with open(staging / "codings" / name, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(columns)
        for _, group in itertools.groupby(merged, key=lambda t: t[1][0]):
            group = list(group)
            fresh = any(tag for tag, _ in group)
            for tag, r in group:
                if (tag == 1) == fresh and int(r[1]) >= 0:
                    out.writerow(r[4:])


def _commit(staging: Path, tx: Transaction) -> None:
    """Hand the staged files to the project's transaction (committed when it ends)."""
    shutil.rmtree(staging / "parts")
    with os.scandir(staging / "sources") as entries:
        for entry in entries:
            if entry.stat().st_size:  # empty files only mark answers already there
                tx.adopt(f"sources/{entry.name}", entry.path)
    tx.adopt("sources.csv", staging / "sources.csv")
    if (staging / "codings").is_dir():
        for f in (staging / "codings").iterdir():
            tx.adopt(f"codings/{f.name}", f)
    if (staging / "codebook.yaml").exists():
        tx.adopt("codebook.yaml", staging / "codebook.yaml")


__all__ = ["SurveyError", "SurveyImport", "import_survey", "safe_id", "sorted_rows"]
