"""PDFs with a text layer, through pypdf: the text in reading order, with its pages.

pypdf (pure Python, no other dependency, maintained) reads each page's text in the order
of its content stream, which is the reading order of the PDFs that word processors and
transcription tools write. The pages are kept: ``page_starts`` holds the offset in the
stored text where each page begins, so that any span (a paragraph, a turn, a coding) can be
given its page (:func:`resilience_qda.core.pages.add_pages`).

A scanned PDF has no text layer (its pages are pictures); it is refused with a message that
says to run OCR first. Hostile files are capped: the file size, the number of pages, the
text per document, and (by pypdf) the bytes any one stream may decompress to.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import ReadError

#: Largest PDF read.
MAX_PDF_BYTES = 200 * 1024 * 1024
#: Most pages read from one PDF.
MAX_PAGES = 5_000
#: Most characters of text taken from one PDF.
MAX_TEXT_CHARS = 20_000_000
#: When no page has this many letters, the PDF has no text layer (a scan).
MIN_PAGE_LETTERS = 5
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class PdfText:
    """What :func:`read_pdf` found.

    Attributes
    ----------
    text : str
        The stored text: the pages' text, pages separated by a blank line.
    page_starts : tuple of int
        Offset in ``text`` where each page begins (page 1 first); a page without text
        begins where the next one does.
    empty_pages : tuple of int
        Pages (1-based) with no text layer.
    """

    text: str
    page_starts: tuple[int, ...]
    empty_pages: tuple[int, ...]


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROLS.sub("", text.replace("\t", " "))
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def read_pdf(path: str | os.PathLike) -> PdfText:
    """Read the text layer of a PDF, page by page.

    Raises
    ------
    ReadError
        For a file that is not a PDF, is damaged, encrypted with a password, too large,
        has more than :data:`MAX_PAGES` pages, holds a stream that would decompress past
        pypdf's limit, or has no text layer at all (a scanned PDF: run OCR first).

    Examples
    --------
    >>> found = read_pdf("interview.pdf")  # doctest: +SKIP
    >>> found.page_starts  # doctest: +SKIP
    (0, 1834, 3650)
    """
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError

    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ReadError(f"{path}: no such file") from None
    if size > MAX_PDF_BYTES:
        raise ReadError(
            f"{path}: is {size:,} bytes; PDFs larger than {MAX_PDF_BYTES:,} bytes are not read"
        )
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if not head.strip():
        raise ReadError(f"{path}: the file is empty; nothing to read")
    if b"%PDF-" not in head:
        raise ReadError(f"{path}: is not a PDF (it does not start with %PDF-)")
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)  # pypdf logs every repaired oddity of a file
    pages: list[str] = []
    try:
        try:
            reader = PdfReader(path, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise ReadError(
                    f"{path}: the PDF is protected by a password; save an unprotected copy "
                    "and import that"
                )
            n = len(reader.pages)
            if n > MAX_PAGES:
                raise ReadError(
                    f"{path}: has {n:,} pages; PDFs of more than {MAX_PAGES:,} are not read"
                )
            total = 0
            for number, page in enumerate(reader.pages, start=1):
                text = _clean(page.extract_text() or "")
                total += len(text)
                if total > MAX_TEXT_CHARS:
                    raise ReadError(
                        f"{path}: has more than {MAX_TEXT_CHARS:,} characters of text by page "
                        f"{number}; split it before importing"
                    )
                pages.append(text)
        except ReadError:
            raise
        except LimitReachedError as exc:
            raise ReadError(
                f"{path}: a stream of the PDF is larger than pypdf's cap of about 75 MB, "
                f"as declared or once decompressed ({exc}); not read (a decompression bomb "
                "or a damaged file?)"
            ) from None
        except FileNotDecryptedError:
            raise ReadError(f"{path}: the PDF is encrypted and cannot be read") from None
        except RecursionError:
            raise ReadError(f"{path}: the PDF's objects are nested too deeply; not read") from None
        except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
            raise ReadError(f"{path}: the PDF is damaged and cannot be read ({exc})") from None
    finally:
        logger.setLevel(level)
    if all(len(_LETTER.findall(t)) < MIN_PAGE_LETTERS for t in pages):
        raise ReadError(
            f"{path}: has no text layer ({len(pages)} page(s) of pictures: a scanned PDF?). "
            "Run OCR on it first (for example: ocrmypdf -l eng+dan in.pdf out.pdf) and import "
            "the result"
        )
    empty = tuple(i for i, t in enumerate(pages, start=1) if not t)
    text, starts = "", []
    for page_text in pages:
        if not page_text:
            starts.append(-1)
            continue
        if text:
            text += "\n\n"
        starts.append(len(text))
        text += page_text
    text += "\n"
    for i in range(len(starts) - 1, -1, -1):  # an empty page begins where the next one does
        if starts[i] < 0:
            starts[i] = starts[i + 1] if i + 1 < len(starts) else len(text)
    return PdfText(text, tuple(starts), empty)


__all__ = ["PdfText", "read_pdf"]
