"""Source files into documents together with the codings they carry.

Most sources are text only; a Word file may also carry a researcher's coding as comments
(the comment's text names the codes, its author is the coder, replies are memos; see
:func:`resilience_qda.io.docx.read_docx_codings`). :func:`read_sources` reads both, so
that importing a coded ``.docx`` brings its codings along.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from ..core.errors import ReadError
from ..core.model import Codebook, Document, empty_codings
from .docx import read_docx_codings
from .sources import WORD_SUFFIXES, finish_metadata, iter_source_files, read_document


@dataclass
class SourcesRead:
    """What :func:`read_sources` found.

    Attributes
    ----------
    documents : list of Document
    codings : DataFrame
        Codings from Word comments (empty when there were none).
    memos : DataFrame
        Replies to comments, as memos.
    codebook : Codebook
        The codebook, with the codes the comments named that it lacked.
    created_codes : list of str
        Those codes.
    problems : list of str
        Comments that could not be read as codings (each names its file).
    comments : dict
        Codings read per document id.
    """

    documents: list[Document]
    codings: pd.DataFrame
    memos: pd.DataFrame
    codebook: Codebook
    created_codes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    comments: dict[str, int] = field(default_factory=dict)


def read_sources(
    paths: Iterable[str | os.PathLike] | str | os.PathLike,
    *,
    codebook: Codebook,
    comments: bool = True,
    coder: str | None = None,
    kind: str | None = None,
    encoding: str | None = None,
    speaker_pattern: str | None = None,
    language: str | None = None,
) -> SourcesRead:
    """Read files and folders of sources, with the codings of commented Word files.

    Parameters
    ----------
    paths : path-like or iterable of path-like
    codebook : Codebook
        What comment labels are resolved against; labels it lacks become new codes.
    comments : bool
        Read Word comments as codings (default); ``False`` reads the text only.
    coder : str, optional
        The coder of every comment (default: each comment's author).
    kind, encoding, speaker_pattern, language
        As for :func:`resilience_qda.io.sources.read_document`.

    Examples
    --------
    >>> found = read_sources(["coded/interview-01.docx"], codebook=book)  # doctest: +SKIP
    >>> found.comments  # doctest: +SKIP
    {'interview-01': 14}
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    book = codebook
    documents: list[Document] = []
    frames, memo_frames = [], []
    problems: list[str] = []
    counts: dict[str, int] = {}
    created: list[str] = []
    seen: dict[str, str] = {}
    options = {"kind": kind, "encoding": encoding, "speaker_pattern": speaker_pattern}
    for f in iter_source_files(paths):
        if comments and f.suffix.lower() in WORD_SUFFIXES:
            found = read_docx_codings(
                f,
                codebook=book,
                coder=coder,
                create_codes=True,
                metadata={"kind": kind} if kind else None,
            )
            created += [p for p in found.codebook.paths if p not in book]
            book = found.codebook
            problems += [f"{f}: {p}" for p in found.problems]
            problems += [
                f"{f}: comment {r.comment} by {r.author}: {r.label!r} ({r.reason}); skipped"
                for r in found.unknown.itertuples(index=False)
            ]
            doc = found.document
            meta = finish_metadata(
                doc.text,
                dict(doc.metadata),
                speaker_pattern=speaker_pattern,
                language=language,
                name=str(f),
            )
            doc = Document(doc.doc_id, doc.text, meta)
            if len(found.codings):
                frames.append(found.codings.drop(columns=["comment"], errors="ignore"))
                counts[doc.doc_id] = len(found.codings)
            if len(found.memos):
                memo_frames.append(found.memos)
        else:
            doc = read_document(f, language=language, **options)
        if doc.doc_id in seen:
            raise ReadError(
                f"{f} and {seen[doc.doc_id]} would both be document {doc.doc_id!r}; rename "
                "one of them"
            )
        seen[doc.doc_id] = str(f)
        documents.append(doc)
    codings = pd.concat(frames, ignore_index=True) if frames else empty_codings()
    memos = (
        pd.concat(memo_frames, ignore_index=True)
        if memo_frames
        else pd.DataFrame(columns=["memo_id", "doc_id", "code", "text"])
    )
    return SourcesRead(documents, codings, memos, book, created, problems, counts)


__all__ = ["SourcesRead", "read_sources"]
