"""Tiny PDFs written by hand for the tests: text pages in Helvetica, a page of graphics only
(a scan has no text layer), and hostile streams."""

from __future__ import annotations

import zlib


def pdf_bytes(
    contents: list[bytes], *, compress: bool = True, lengths: list[int] | None = None
) -> bytes:
    """A PDF whose pages have these content streams (``lengths`` overrides the /Length of
    each stream, to make a file that claims more than it holds)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    streams = []
    for n, content in enumerate(contents):
        data = zlib.compress(content) if compress else content
        length = lengths[n] if lengths else len(data)
        flt = b" /Filter /FlateDecode" if compress else b""
        streams.append(add(b"<< /Length %d%s >>\nstream\n" % (length, flt) + data + b"\nendstream"))
    pages_id = len(objects) + len(contents) + 1
    kids = [
        add(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (pages_id, font, s)
        )
        for s in streams
    ]
    add(
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % k for k in kids)
        + b"] /Count %d >>" % len(kids)
    )
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        xref,
    )
    return bytes(out)


def text_page(lines: list[str]) -> bytes:
    """A content stream writing ``lines`` top to bottom (Windows-1252 text)."""
    parts = [b"BT /F1 11 Tf 72 740 Td 14 TL"]
    for line in lines:
        raw = (
            line.encode("cp1252")
            .replace(b"\\", b"\\\\")
            .replace(b"(", b"\\(")
            .replace(b")", b"\\)")
        )
        parts.append(b"(" + raw + b") Tj T*")
    parts.append(b"ET")
    return b"\n".join(parts)


#: A page of graphics only: what a scanned page looks like to a text extractor.
PICTURE_PAGE = b"q 0.2 0.2 0.2 rg 72 72 468 648 re f Q"
