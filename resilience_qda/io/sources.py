"""Source files into documents: text, Markdown, captions, Word, Whisper JSON, HTML and PDF,
one reader per kind; each document's language is detected, and a text that looks like a
transcript but does not read as speaker turns is reported in a warning."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

from ..core.errors import QDAWarning, ReadError
from ..core.model import Corpus, Document
from ..core.pages import PAGE_STARTS, format_page_starts
from ..core.turns import looks_like_transcript, transcript_problem
from .captions import captions_to_text
from .docx import read_docx
from .html import read_html, read_otr
from .language import language_of
from .notes import split_front_matter
from .pdf import read_pdf
from .text import read_text
from .whisper import read_whisper

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
CAPTION_SUFFIXES = {".vtt", ".srt"}
WORD_SUFFIXES = {".docx"}
WHISPER_SUFFIXES = {".json"}
HTML_SUFFIXES = {".html", ".htm", ".otr"}
PDF_SUFFIXES = {".pdf"}
#: Spreadsheets are read as surveys (one document per answer), not as one document.
TABLE_SUFFIXES = {".csv", ".tsv", ".xlsx"}
SUFFIXES = (
    TEXT_SUFFIXES | CAPTION_SUFFIXES | WORD_SUFFIXES | WHISPER_SUFFIXES | HTML_SUFFIXES
    | PDF_SUFFIXES
)  # fmt: skip


def read_document(
    path: str | os.PathLike,
    *,
    doc_id: str | None = None,
    kind: str | None = None,
    encoding: str | None = None,
    speaker_pattern: str | None = None,
    metadata: dict | None = None,
    language: str | None = None,
) -> Document:
    """Read one source file into a :class:`Document`.

    The reader follows the suffix: ``.txt``/``.md`` (encoding detected, BOM stripped, LF,
    NFC; an optional YAML front matter block becomes metadata), ``.vtt``/``.srt`` (captions
    become ``[time] Speaker: words`` turns), ``.docx`` (paragraphs), ``.json`` (Whisper or
    WhisperX segments become ``[time] SPEAKER_00: words`` turns), ``.html``/``.otr``
    (noScribe and oTranscribe transcripts), ``.pdf`` (the text layer, with ``page_starts``).
    ``kind`` defaults to the front matter's, then ``interview`` for captions and for texts
    with speaker turns, else ``document``. ``language`` (ISO 639-1) defaults to the file's
    own (front matter, Whisper), else the language detected in the text (left out when the
    text is too short to tell).

    A text that looks like a transcript (its kind says so, or label-like line starts
    recur) but yields no speaker turns, or whose turns cover less than 80% of it, is
    reported in a :class:`~resilience_qda.core.errors.QDAWarning` naming the file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "int-01.txt"
    >>> _ = p.write_text("Interviewer: Hello.\\nP: Hi.\\n")
    >>> read_document(p)
    Document('int-01', kind='interview', 27 chars)
    """
    path = Path(path)
    suffix = path.suffix.lower()
    meta: dict = {}
    if suffix in WORD_SUFFIXES:
        text, used = read_docx(path), "docx"
    elif suffix in WHISPER_SUFFIXES:
        (text, meta), used = read_whisper(path), "json"
        if meta["kind"] != "interview":
            warnings.warn(
                f"{path}: no segment names a speaker (Whisper without diarisation); read as "
                "timed paragraphs, not speaker turns. WhisperX with diarisation gives speakers",
                QDAWarning,
                stacklevel=2,
            )
    elif suffix == ".otr":
        text, used = read_otr(path), "otr"
    elif suffix in HTML_SUFFIXES:
        text, used = read_html(path, encoding=encoding)
    elif suffix in PDF_SUFFIXES:
        found, used = read_pdf(path), "pdf"
        text = found.text
        meta[PAGE_STARTS] = format_page_starts(found.page_starts)
        if found.empty_pages:
            pages = ", ".join(map(str, found.empty_pages[:20]))
            warnings.warn(
                f"{path}: page(s) {pages} have no text layer (pictures or scans); run OCR "
                "on the PDF to read them",
                QDAWarning,
                stacklevel=2,
            )
    elif suffix in TABLE_SUFFIXES:
        raise ReadError(
            f"{path}: a spreadsheet is read as survey answers, one document per answer: name "
            "its text column (resilience_qda.io.survey.import_survey, or --text-column on "
            "the command line)"
        )
    elif suffix in CAPTION_SUFFIXES:
        raw, used = read_text(path, encoding=encoding)
        text = captions_to_text(raw, name=str(path), fmt=suffix[1:])
        meta["kind"] = "interview"
    elif suffix in TEXT_SUFFIXES or not suffix:
        text, used = read_text(path, encoding=encoding)
        meta, text = split_front_matter(text, name=str(path))
        if not text.strip():
            raise ReadError(f"{path}: has front matter but no text after it")
    else:
        raise ReadError(
            f"{path}: cannot read '{suffix}' files; readable: {', '.join(sorted(SUFFIXES))}"
        )
    meta.update(metadata or {})
    if kind:
        meta["kind"] = kind
    meta.setdefault("original_file", path.name)
    meta.setdefault("encoding", used)
    doc_id = doc_id or str(meta.pop("doc_id", None) or path.stem)
    if re.search(r"[\x00-\x1f\x7f]", doc_id):
        raise ReadError(
            f"{path}: the document id {doc_id!r} contains a control character; give a "
            "doc_id of letters, digits, '-', '_' and '.'"
        )
    return Document(
        doc_id,
        text,
        finish_metadata(
            text, meta, speaker_pattern=speaker_pattern, language=language, name=str(path)
        ),
    )


def finish_metadata(
    text: str,
    metadata: dict,
    *,
    speaker_pattern: str | None = None,
    language: str | None = None,
    name: str = "<text>",
) -> dict:
    """A document's metadata completed: ``kind`` (``interview`` when the text reads as
    speaker turns, else ``document``) and ``language`` where not given, with a
    :class:`~resilience_qda.core.errors.QDAWarning` for a transcript that does not read as
    speaker turns (see :func:`read_document`)."""
    meta = dict(metadata)
    if not meta.get("kind"):
        meta["kind"] = "interview" if looks_like_transcript(text, speaker_pattern) else "document"
    if language:
        meta["language"] = language
    elif not meta.get("language"):
        found = language_of(text)
        if found:
            meta["language"] = found
    problem = transcript_problem(text, kind=meta["kind"], pattern=speaker_pattern)
    if problem:
        warnings.warn(f"{name}: {problem}", QDAWarning, stacklevel=3)
    return meta


def iter_source_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Expand files and folders into the readable files they contain (sorted, no hidden)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(
                f
                for f in p.rglob("*")
                if f.is_file()
                and f.suffix.lower() in SUFFIXES
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            if not found:
                raise ReadError(
                    f"{p}: the folder has no readable sources ({', '.join(sorted(SUFFIXES))})"
                )
            files += found
        elif p.exists():
            files.append(p)
        else:
            raise ReadError(f"{p}: no such file or folder")
    return files


def read_corpus(paths: Iterable[str | os.PathLike] | str | os.PathLike, **options) -> Corpus:
    """Read files and folders of sources into a :class:`Corpus` (doc_id = file stem).

    Two files with the same stem are refused, naming both.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    seen: dict[str, Path] = {}
    docs = []
    for f in iter_source_files(paths):
        doc = read_document(f, **options)
        if doc.doc_id in seen:
            raise ReadError(
                f"{f} and {seen[doc.doc_id]} would both be document "
                f"{doc.doc_id!r}; rename one of them"
            )
        seen[doc.doc_id] = f
        docs.append(doc)
    return Corpus(docs)
