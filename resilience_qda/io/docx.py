"""Word ``.docx`` files: the paragraphs of the body, in order, as text."""

from __future__ import annotations

import os
import unicodedata
import zipfile
from pathlib import Path

from ..errors import ReadError

#: Caps on what a .docx may hold before we refuse it (zip bombs, hostile files).
MAX_MEMBERS = 10_000
MAX_XML_BYTES = 200 * 1024 * 1024


def check_docx(path: str | os.PathLike) -> None:
    """Refuse files that are not Word documents before any XML is parsed."""
    path = Path(path)
    if not path.is_file():
        raise ReadError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise ReadError(
            f"{path}: not a Word .docx file (a .docx is a zip archive; this is not "
            "one). Save it from Word as .docx, or as plain text"
        )
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise ReadError(f"{path}: has {len(infos)} parts; refusing more than {MAX_MEMBERS}")
            names = {i.filename: i for i in infos}
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                raise ReadError(
                    f"{path}: is a zip archive but not a Word document "
                    "(it has no word/document.xml)"
                )
            if names["word/document.xml"].file_size > MAX_XML_BYTES:
                raise ReadError(
                    f"{path}: word/document.xml claims "
                    f"{names['word/document.xml'].file_size} bytes; refusing "
                    f"more than {MAX_XML_BYTES}"
                )
    except zipfile.BadZipFile as exc:
        raise ReadError(f"{path}: the zip archive is damaged ({exc})") from None


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
