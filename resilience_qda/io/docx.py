"""Word ``.docx`` files: the text of the body, and codings kept as Word comments.

Reading: :func:`read_docx` gives the stored text (paragraphs joined by blank lines);
:func:`read_docx_codings` also turns commented passages into codings (the comment's text
names the codes, its author is the coder, replies become memos). Writing:
:func:`write_docx_codings` writes a document's text with codings as comments, so that a
colleague can review them in Word and send the file back.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import CodebookError, CodingsError, ReadError
from ..core.model import CODINGS_COLUMNS, Code, Codebook, Document, slugify
from ..core.turns import looks_like_transcript
from .atomic import write_bytes
from .codebook import read_codebook
from .container import OFFICE_LIMITS, SafeZip, check_package, parse_xml

#: What a file must hold to be a Word document.
_DOCX_PARTS = ("word/document.xml", "[Content_Types].xml")
_DOCX = "Word document (.docx)"


def check_docx(path: str | os.PathLike) -> None:
    """Refuse files that are not Word documents, or hostile ones, before any XML is parsed
    (every part's size, the compression ratio, DTDs: :func:`~.container.check_package`)."""
    path = Path(path)
    if path.is_file() and not zipfile.is_zipfile(path):
        raise ReadError(
            f"{path}: not a Word .docx file (a .docx is a zip archive; this is not "
            "one). Save it from Word as .docx, or as plain text"
        )
    check_package(path, kind=_DOCX, required=_DOCX_PARTS, limits=OFFICE_LIMITS)


def docx_paragraphs(path: str | os.PathLike) -> list[str]:
    """The text of each body paragraph (and each table row, cells joined by ``: `` when the
    first cell looks like a speaker label), in document order, empty ones skipped."""
    import docx
    from docx.oxml.ns import qn

    check_docx(path)
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many kinds on broken packages
        raise ReadError(f"{path}: the Word document cannot be opened ({exc})") from None
    body = document.element.body
    out: list[str] = []
    for block in body.iterchildren():
        if block.tag == qn("w:p"):
            out.append(_paragraph_text(block))
        elif block.tag == qn("w:tbl"):
            for row in block.iter(qn("w:tr")):
                cells = [
                    " ".join(_paragraph_text(p) for p in tc.iter(qn("w:p"))).strip()
                    for tc in row.iter(qn("w:tc"))
                ]
                cells = [c for c in cells if c]
                if len(cells) == 2 and len(cells[0]) <= 40 and not cells[0].endswith(":"):
                    out.append(f"{cells[0]}: {cells[1]}")
                else:
                    out.append(" | ".join(cells))
    return [unicodedata.normalize("NFC", p).strip() for p in out if p.strip()]


def _paragraph_text(p) -> str:
    from docx.oxml.ns import qn

    parts = []
    for node in p.iter(qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")):
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        elif node.tag == qn("w:tab"):
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def read_docx(path: str | os.PathLike) -> str:
    """The stored text of a Word document: its paragraphs separated by blank lines."""
    paragraphs = docx_paragraphs(path)
    if not paragraphs:
        raise ReadError(f"{path}: the Word document has no text")
    return "\n\n".join(paragraphs) + "\n"


#: Largest comments part (and relationships part) read.
MAX_COMMENTS_XML_BYTES = 50 * 1024 * 1024


def _part(archive: SafeZip, name: str) -> ET.Element:
    """A part of the package parsed with the one safe XML parser, size-capped."""
    data = archive.read(name, max_size=MAX_COMMENTS_XML_BYTES)
    return parse_xml(data, name=f"{archive.path}: {name}")


# --------------------------------------------------------------------------- comments in

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
_W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_MEMO_LINE = re.compile(r"(?im)(?:^|;)[ \t]*memo[ \t]*:[ \t]*")
_CODE_SPLIT = re.compile(r"[;\n]")


class _Marked:
    """Text with comment markers at offsets: ``marks`` holds ``(offset, kind, id)``."""

    def __init__(self, text: str = "", marks: list[tuple[int, str, str]] | None = None):
        self.text, self.marks = text, marks or []

    @classmethod
    def join(cls, sep: str, items: list[_Marked]) -> _Marked:
        out = cls()
        for k, item in enumerate(items):
            if k:
                out.text += sep
            out.marks += [(len(out.text) + o, kind, i) for o, kind, i in item.marks]
            out.text += item.text
        return out

    def strip(self) -> _Marked:
        lead = len(self.text) - len(self.text.lstrip())
        text = self.text.strip()
        return _Marked(text, [(min(max(o - lead, 0), len(text)), k, i) for o, k, i in self.marks])

    def nfc(self) -> _Marked:
        norm = unicodedata.normalize("NFC", self.text)
        if norm == self.text:
            return self
        marks = [(len(unicodedata.normalize("NFC", self.text[:o])), k, i) for o, k, i in self.marks]
        return _Marked(norm, marks)


def _marked_paragraph(p) -> _Marked:
    """The paragraph's text exactly as :func:`_paragraph_text` gives it, with markers."""
    from docx.oxml.ns import qn

    t, tab, br, cr = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
    start, end = qn("w:commentRangeStart"), qn("w:commentRangeEnd")
    parts: list[str] = []
    marks = []
    n = 0
    for node in p.iter(t, tab, br, cr, start, end):
        if node.tag in (start, end):
            marks.append((n, "start" if node.tag == start else "end", node.get(qn("w:id"))))
            continue
        piece = (node.text or "") if node.tag == t else ("\t" if node.tag == tab else "\n")
        parts.append(piece)
        n += len(piece)
    return _Marked("".join(parts), marks)


def _marked_body(body) -> tuple[str, dict[str, list[tuple[int, str]]]]:
    """The stored text of the body (as :func:`read_docx`) and each comment's marker offsets."""
    from docx.oxml.ns import qn

    blocks: list[_Marked] = []
    loose: list[tuple[int, str, str]] = []  # markers between blocks: (block index, kind, id)
    for block in body.iterchildren():
        if block.tag == qn("w:p"):
            blocks.append(_marked_paragraph(block))
        elif block.tag == qn("w:tbl"):
            for row in block.iter(qn("w:tr")):
                cells = [
                    _Marked.join(" ", [_marked_paragraph(p) for p in tc.iter(qn("w:p"))]).strip()
                    for tc in row.iter(qn("w:tc"))
                ]
                kept = [c for c in cells if c.text]
                lost = [m for c in cells if not c.text for m in c.marks]
                texts = [c.text for c in kept]
                if len(texts) == 2 and len(texts[0]) <= 40 and not texts[0].endswith(":"):
                    joined = _Marked.join(": ", kept)
                else:
                    joined = _Marked.join(" | ", kept)
                joined.marks += [
                    (0 if k == "start" else len(joined.text), k, i) for _, k, i in lost
                ]
                blocks.append(joined)
        elif block.tag in (qn("w:commentRangeStart"), qn("w:commentRangeEnd")):
            kind = "start" if block.tag == qn("w:commentRangeStart") else "end"
            loose.append((len(blocks), kind, block.get(qn("w:id"))))
    pieces: list[str] = []
    offsets: dict[str, list[tuple[int, str]]] = {}
    cursor = 0  # length of the text so far, before any separator
    loose_at: dict[int, list[tuple[str, str]]] = {}
    for k, kind, cid in loose:
        loose_at.setdefault(k, []).append((kind, cid))
    for k in range(len(blocks) + 1):
        for kind, cid in loose_at.get(k, []):
            offsets.setdefault(cid, []).append((cursor, kind))
        if k == len(blocks):
            break
        block = blocks[k].nfc().strip()
        if not block.text:
            for _, kind, cid in block.marks:
                offsets.setdefault(cid, []).append((cursor, kind))
            continue
        if pieces:
            pieces.append("\n\n")
            cursor += 2
        for o, kind, cid in block.marks:
            offsets.setdefault(cid, []).append((cursor + o, kind))
        pieces.append(block.text)
        cursor += len(block.text)
    return "".join(pieces) + "\n", offsets


def _text_of(element) -> str:
    """Text of a comment: its paragraphs joined by new lines."""
    paras = []
    for p in element.iter(f"{{{_W}}}p"):
        parts = []
        for node in p.iter():
            if node.tag not in (f"{{{_W}}}t", f"{{{_W}}}tab", f"{{{_W}}}br"):
                continue
            if node.tag == f"{{{_W}}}t":
                parts.append(node.text or "")
            else:
                parts.append("\t" if node.tag.endswith("tab") else "\n")
        paras.append("".join(parts))
    return unicodedata.normalize("NFC", "\n".join(paras)).strip()


def _comment_parts(archive: SafeZip, where: str) -> tuple[str | None, str | None]:
    """Names of the comments and commentsExtended parts, from the document's relationships."""
    names = set(archive.names)
    comments = "word/comments.xml" if "word/comments.xml" in names else None
    extended = "word/commentsExtended.xml" if "word/commentsExtended.xml" in names else None
    rels = "word/_rels/document.xml.rels"
    if rels in names:
        root = _part(archive, rels)
        for rel in root.iter(f"{{{_REL}}}Relationship"):
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External" or not target:
                continue
            name = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join("word", target))
            )
            if name not in names:
                if kind in ("comments", "commentsExtended"):
                    raise ReadError(
                        f"{where}: the document refers to its comments part {name}, which "
                        "is missing from the archive (the file is damaged); re-save it from "
                        "Word"
                    )
                continue
            if kind == "comments":
                comments = name
            elif kind == "commentsExtended":
                extended = name
    return comments, extended


@dataclass(frozen=True)
class _Comment:
    cid: str
    author: str
    date: str
    text: str
    para_ids: tuple[str, ...]


def _read_comments(path: Path) -> tuple[dict[str, _Comment], dict[str, str]]:
    """The comments of a .docx by id, and ``{reply id: parent id}``."""
    where = str(path)
    with SafeZip(path, limits=OFFICE_LIMITS, kind=_DOCX) as archive:
        comments_part, extended_part = _comment_parts(archive, where)
        if comments_part is None:
            return {}, {}
        root = _part(archive, comments_part)
        ext_root = _part(archive, extended_part) if extended_part is not None else None
    comments: dict[str, _Comment] = {}
    for el in root.iter(f"{{{_W}}}comment"):
        cid = el.get(f"{{{_W}}}id")
        if cid is None:
            continue
        paras = tuple(p.get(f"{{{_W14}}}paraId") or "" for p in el.iter(f"{{{_W}}}p"))
        comments[cid] = _Comment(
            cid,
            (el.get(f"{{{_W}}}author") or "").strip(),
            (el.get(f"{{{_W}}}date") or "").strip(),
            _text_of(el),
            paras,
        )
    parents: dict[str, str] = {}
    if ext_root is not None:
        by_para = {pid: c.cid for c in comments.values() for pid in c.para_ids if pid}
        for ex in ext_root.iter(f"{{{_W15}}}commentEx"):
            child = by_para.get(ex.get(f"{{{_W15}}}paraId") or "")
            parent = by_para.get(ex.get(f"{{{_W15}}}paraIdParent") or "")
            if child and parent and child != parent:
                parents[child] = parent
    return comments, parents


@dataclass(frozen=True)
class WordCodings:
    """What :func:`read_docx_codings` found in a Word file.

    Attributes
    ----------
    document : Document
        The document; its text is exactly :func:`read_docx`'s.
    codings : DataFrame
        One row per (commented passage, code): the codings table columns plus ``created``
        (the comment's date), ``comment`` (its id) and ``memo`` (a ``memo:`` line of the
        comment, where present).
    memos : DataFrame
        Replies to comments: ``memo_id, doc_id, code, start, end, coder, author, created,
        text`` (attached to the commented passage, and to its code when it has one).
    unknown : DataFrame
        Comment labels that name no code of the codebook: ``comment, author, label,
        reason, doc_id, start, end, passage``. Left out of ``codings`` unless
        ``create_codes`` was set (then the codes were created and the rows are here too).
    problems : list of str
        Comments that could not be placed (no range, a range outside the text, ...).
    codebook : Codebook
        The codebook, with the created codes when ``create_codes`` was set.
    """

    document: Document
    codings: pd.DataFrame
    memos: pd.DataFrame
    unknown: pd.DataFrame
    problems: list[str]
    codebook: Codebook


def _parse_labels(text: str) -> tuple[list[str], str]:
    """Code labels and memo of a comment: ``code; code`` lines, then ``memo: ...``.

    >>> _parse_labels("Hope; More reflexive; memo: first time she says it")
    (['Hope', 'More reflexive'], 'first time she says it')
    """
    m = _MEMO_LINE.search(text)
    head, memo = (text[: m.start()], text[m.end() :].strip()) if m else (text, "")
    labels = [x.strip() for x in _CODE_SPLIT.split(head)]
    return [x for x in labels if x], memo


def _created_code(label: str, codebook: Codebook) -> list[Code]:
    """Codes (the label's ancestors first) to add so that ``label`` becomes a code path."""
    parts = [x.strip() for x in label.split("/") if x.strip()]
    new, path = [], ""
    for part in parts:
        path = f"{path}/{slugify(part)}" if path else slugify(part)
        if path not in codebook and not any(c.path == path for c in new):
            new.append(Code(path, part))
    return new


def read_docx_codings(
    path: str | os.PathLike,
    *,
    codebook: Codebook | None = None,
    doc_id: str | None = None,
    coder: str | None = None,
    create_codes: bool = False,
    metadata: dict | None = None,
) -> WordCodings:
    """Read a Word file whose passages carry comments as a document plus codings.

    The commented range of each comment is the span (across runs and paragraphs;
    overlapping and nested comments are fine), with surrounding white space trimmed. The
    comment's text names the codes: code paths or code names (see
    :meth:`Codebook.resolve`), several separated by ``;`` or new lines; a line starting with
    ``memo:`` and what follows is a memo of the coding. The comment's author is the coder
    and its date is kept (``created``). Replies to a comment become memos.

    Parameters
    ----------
    path : path-like
    codebook : Codebook, optional
        Codes are resolved against it (default: the built-in ``cop-evaluation``).
    doc_id : str, optional
        Default: the file's stem.
    coder : str, optional
        Use this coder for every comment instead of its author.
    create_codes : bool
        Create the codes that the codebook lacks (at the top level, or under the path
        written) instead of leaving those passages out.
    metadata : dict, optional
        Attributes of the document (``kind``, ``case``, ...).

    Raises
    ------
    ReadError
        The file is not a readable Word document, or is hostile (DTDs, entities, huge parts).

    Examples
    --------
    >>> found = read_docx_codings("interview-H.docx")  # doctest: +SKIP
    >>> found.codings[["start", "end", "code", "coder", "created"]]  # doctest: +SKIP
    >>> found.unknown  # labels the codebook lacks, with their passages  # doctest: +SKIP
    """
    import docx

    path = Path(path)
    check_docx(path)
    book = codebook if codebook is not None else read_codebook("cop-evaluation")
    comments, parents = _read_comments(path)  # first: its errors name the part
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many kinds on broken packages
        raise ReadError(f"{path}: the Word document cannot be opened ({exc})") from None
    text, markers = _marked_body(document.element.body)
    if text != read_docx(path):  # a guard: offsets must refer to the stored text
        raise ReadError(f"{path}: internal error: comment offsets disagree with the text")
    doc_id = doc_id or path.stem
    meta = dict(metadata or {})
    if not meta.get("kind"):
        meta["kind"] = "interview" if looks_like_transcript(text) else "document"
    meta.setdefault("original_file", path.name)
    meta.setdefault("encoding", "docx")
    doc = Document(doc_id, text, meta)

    problems: list[str] = []
    spans: dict[str, tuple[int, int]] = {}
    for cid in sorted(set(comments) | set(markers), key=_id_key):
        marks = markers.get(cid, [])
        starts = [o for o, k in marks if k == "start"]
        ends = [o for o, k in marks if k == "end"]
        c = comments.get(cid)
        if c is None:
            problems.append(f"comment range {cid} has no comment in the comments part (skipped)")
            continue
        if len(starts) != 1 or len(ends) != 1:
            if cid in parents:
                continue  # replies need no range of their own
            problems.append(
                f"comment {cid} by {c.author or '?'} ({c.text[:40]!r}) has "
                f"{len(starts)} range start(s) and {len(ends)} range end(s) in the body "
                "(text boxes, headers and content controls are not read); skipped"
            )
            continue
        s, e = starts[0], ends[0]
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e <= s:
            if cid not in parents:
                problems.append(
                    f"comment {cid} by {c.author or '?'} ({c.text[:40]!r}) marks no text; skipped"
                )
            continue
        spans[cid] = (s, e)

    base = book
    rows, unknown = [], []
    codes_of: dict[str, list[str]] = {}
    for cid, (s, e) in spans.items():
        if cid in parents:
            continue
        c = comments[cid]
        labels, memo = _parse_labels(c.text)
        if not labels:
            problems.append(
                f"comment {cid} by {c.author or '?'} on {text[s:e][:40]!r} names no code; skipped"
            )
            continue
        for label in labels:
            try:
                code, reason = base.resolve(label), ""
            except KeyError:
                code, reason = None, "no such code"
            except CodebookError as exc:
                code, reason = None, str(exc)
            if code is None and create_codes and reason == "no such code":
                made = _created_code(label, book)
                book = Codebook(
                    [*book, *made],
                    name=book.name,
                    title=book.title,
                    version=book.version,
                    language=book.language,
                )
                code = book.resolve(label) if not made else made[-1].path
            if code is None or reason:
                unknown.append(
                    {
                        "comment": cid,
                        "author": c.author,
                        "label": label,
                        "reason": reason,
                        "doc_id": doc_id,
                        "start": s,
                        "end": e,
                        "passage": text[s:e],
                    }
                )
            if code is None:
                continue
            codes_of.setdefault(cid, []).append(code)
            rows.append(
                {
                    "doc_id": doc_id,
                    "start": s,
                    "end": e,
                    "code": code,
                    "coder": coder or c.author or "word",
                    "source": "manual",
                    "score": np.nan,
                    "created": c.date,
                    "comment": cid,
                    "memo": memo,
                }
            )
    codings = pd.DataFrame(
        rows,
        columns=[*CODINGS_COLUMNS, "created", "comment", "memo"],
    ).astype({"start": "int64", "end": "int64", "score": "float64"})
    if not codings["memo"].astype(bool).any():
        codings = codings.drop(columns="memo")
    codings = codings.drop_duplicates(subset=["doc_id", "start", "end", "code", "coder"])
    codings = codings.sort_values(["doc_id", "start", "end", "code", "coder"], kind="stable")

    memos = []
    for cid, c in comments.items():
        root = cid
        seen = {cid}
        while root in parents and parents[root] not in seen:
            root = parents[root]
            seen.add(root)
        if root == cid:
            continue
        if root not in spans:
            problems.append(
                f"reply {cid} answers comment {root}, which marks no text; kept as a memo"
            )
        s, e = spans.get(root, (None, None))
        codes = codes_of.get(root, [])
        parent = comments.get(root)
        memos.append(
            {
                "memo_id": re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{doc_id}-comment-{cid}"),
                "doc_id": doc_id,
                "code": codes[0] if len(codes) == 1 else "",
                "start": s,
                "end": e,
                "coder": (coder or parent.author or "word") if parent else "",
                "author": c.author,
                "created": c.date,
                "text": c.text,
            }
        )
    memo_table = pd.DataFrame(
        memos,
        columns=["memo_id", "doc_id", "code", "start", "end", "coder", "author", "created", "text"],
    ).astype({"start": "Int64", "end": "Int64"})
    unknown_table = pd.DataFrame(
        unknown,
        columns=["comment", "author", "label", "reason", "doc_id", "start", "end", "passage"],
    )
    return WordCodings(
        doc, codings.reset_index(drop=True), memo_table, unknown_table, problems, book
    )


def _id_key(cid: str) -> tuple[int, object]:
    return (0, int(cid)) if cid.lstrip("-").isdigit() else (1, cid)


# --------------------------------------------------------------------------- comments out


def docx_text(text: str) -> str:
    """The text a document reads back as after :func:`write_docx_codings` (paragraphs are
    the pieces between blank lines, trimmed; empty ones dropped).

    Equal to ``text`` for texts stored by the toolkit; when not, re-anchor codings
    imported from the written file (:func:`resilience_qda.coding.anchors.reanchor`).

    >>> docx_text("One.\\n\\nTwo.\\n") == "One.\\n\\nTwo.\\n"
    True
    >>> docx_text("  One.\\n\\n\\n\\nTwo.")
    'One.\\n\\nTwo.\\n'
    """
    paras = [unicodedata.normalize("NFC", p).strip() for p in text.split("\n\n")]
    return "\n\n".join(p for p in paras if p) + "\n"


def write_docx_codings(
    document: Document,
    codings: pd.DataFrame,
    path: str | os.PathLike,
    *,
    coder: str | None = None,
    codebook: Codebook | None = None,
) -> Path:
    """Write a document's text to a Word file with its codings as comments.

    Each passage coded by a coder becomes one comment (author: the coder; text: the code
    paths, one a line, then ``memo: ...`` if the codings carry a memo; date: the codings'
    ``created`` where present). Reading the file back with :func:`read_docx_codings` gives
    the same codings (for texts with ``docx_text(text) == text``, as stored sources are).

    Parameters
    ----------
    document : Document
    codings : DataFrame
        A codings table; only rows of this document are written.
    path : path-like
        The ``.docx`` to write (atomically).
    coder : str, optional
        Write only this coder's codings (default: everyone's).
    codebook : Codebook, optional
        When given, each comment names the code as ``path`` followed by nothing else;
        codes missing from it are still written (reported on reading).

    Examples
    --------
    >>> from resilience_qda.core.model import Document
    >>> import tempfile, pathlib
    >>> doc = Document("d", "P: I felt braver.\\n\\nP: Thanks.\\n")
    >>> c = pd.DataFrame({"doc_id": ["d"], "start": [3], "end": [17],
    ...                   "code": ["framework/coping/being-brave"], "coder": ["A"],
    ...                   "source": ["manual"], "score": [None]})
    >>> out = write_docx_codings(doc, c, pathlib.Path(tempfile.mkdtemp()) / "d.docx")
    >>> read_docx_codings(out).codings[["start", "end", "code", "coder"]].values.tolist()
    [[3, 17, 'framework/coping/being-brave', 'A']]
    """
    import docx
    from docx.oxml.ns import qn

    del codebook  # codes are written as paths, which resolve exactly
    text = document.text
    rows = codings[codings["doc_id"] == document.doc_id]
    if coder is not None:
        rows = rows[rows["coder"] == coder]
    if len(rows):
        bad = rows[(rows["start"] < 0) | (rows["end"] > len(text)) | (rows["start"] >= rows["end"])]
        if len(bad):
            r = bad.iloc[0]
            raise CodingsError(
                f"coding [{r['start']}:{r['end']}] of {document.doc_id!r} lies outside its "
                f"text ({len(text)} characters); validate the codings against the corpus"
            )
    # paragraphs: the pieces between blank lines, as read_docx will read them back
    paras: list[tuple[int, int]] = []
    pos = 0
    for piece in text.split("\n\n"):
        s, e = pos, pos + len(piece)
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            paras.append((s, e))
        pos += len(piece) + 2
    groups = []
    rows = rows.assign(
        _memo=rows["memo"].map(lambda m: m.strip() if isinstance(m, str) else "")
        if "memo" in rows
        else ""
    )
    # one comment per passage, coder and memo (a memo: line applies to every code above it)
    for (s, e, who, memo), g in rows.groupby(["start", "end", "coder", "_memo"], sort=True):
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e <= s:
            continue
        codes = list(dict.fromkeys(g["code"].astype(str)))
        created = ""
        if "created" in g:
            dates = [str(d) for d in g["created"] if isinstance(d, str) and d.strip()]
            created = dates[0] if dates else ""
        body = "\n".join(codes) + (f"\nmemo: {memo}" if memo else "")
        groups.append((int(s), int(e), str(who), body, created))
    cuts = sorted({x for s, e, *_ in groups for x in (s, e)})

    out = docx.Document()
    out.core_properties.title = document.doc_id
    runs_at: dict[int, object] = {}  # start offset -> run
    runs_end: dict[int, object] = {}  # end offset -> run
    for s, e in paras:
        paragraph = out.add_paragraph()
        inner = [c for c in cuts if s < c < e]
        for a, b in zip([s, *inner], [*inner, e], strict=True):
            run = paragraph.add_run(text[a:b])
            runs_at[a], runs_end[b] = run, run
    for s, e, who, body, created in groups:
        first = runs_at.get(s) or runs_at[min(k for k in runs_at if k > s)]
        last = runs_end.get(e) or runs_end[max(k for k in runs_end if k < e)]
        initials = "".join(w[0] for w in who.split() if w)[:4].upper()
        comment = out.add_comment([first, last], text=body, author=who, initials=initials)
        if created:
            comment._comment_elm.set(qn("w:date"), created)
    buf = io.BytesIO()
    out.save(buf)
    target = Path(path)
    write_bytes(target, buf.getvalue())
    return target
