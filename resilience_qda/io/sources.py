"""Source files into documents: text, Markdown, captions and Word, one reader per kind."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from ..core.errors import ReadError
from ..core.model import Corpus, Document
from ..core.turns import looks_like_transcript
from .captions import captions_to_text
from .docx import read_docx
from .notes import split_front_matter
from .text import read_text

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
CAPTION_SUFFIXES = {".vtt", ".srt"}
WORD_SUFFIXES = {".docx"}
SUFFIXES = TEXT_SUFFIXES | CAPTION_SUFFIXES | WORD_SUFFIXES


def read_document(
    path: str | os.PathLike,
    *,
    doc_id: str | None = None,
    kind: str | None = None,
    encoding: str | None = None,
    speaker_pattern: str | None = None,
    metadata: dict | None = None,
) -> Document:
    """Read one source file into a :class:`Document`.

    The reader follows the suffix: ``.txt``/``.md`` (encoding detected, BOM stripped, LF,
    NFC; an optional YAML front matter block becomes metadata), ``.vtt``/``.srt`` (captions
    become ``[time] Speaker: words`` turns), ``.docx`` (paragraphs). ``kind`` defaults to the
    front matter's, then ``interview`` for captions and for texts with speaker turns, else
    ``document``.

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
    if not meta.get("kind"):
        meta["kind"] = "interview" if looks_like_transcript(text, speaker_pattern) else "document"
    meta.setdefault("original_file", path.name)
    meta.setdefault("encoding", used)
    doc_id = doc_id or str(meta.pop("doc_id", None) or path.stem)
    if re.search(r"[\x00-\x1f\x7f]", doc_id):
        raise ReadError(
            f"{path}: the document id {doc_id!r} contains a control character; give a "
            "doc_id of letters, digits, '-', '_' and '.'"
        )
    return Document(doc_id, text, meta)


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
