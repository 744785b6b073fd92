"""Plain text from bytes: encoding detection, BOM, line ends, Unicode normalisation."""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
from pathlib import Path

from ..core.errors import ReadError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f]")
_MAGIC = {
    b"%PDF": "a PDF file",
    b"PK\x03\x04": "a zip archive (a .docx or .qdpx file?)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"{\\rtf": "an RTF document (save it as .docx or plain text)",
    b"\xd0\xcf\x11\xe0": "an old Word/Excel file (save it as .docx)",
    b"ID3": "an MP3 file",
    b"RIFF": "a RIFF (WAV/AVI) file",
}


def decode(data: bytes, *, name: str = "<bytes>", encoding: str | None = None) -> tuple[str, str]:
    """Decode bytes to text and say which encoding was used.

    Tries, in order: an explicit ``encoding``; a byte-order mark; UTF-8; UTF-16 without BOM;
    Windows-1252 (which also reads Latin-1 text the way people mean it); then
    charset-normalizer's best guess. Binary files are refused.

    Returns
    -------
    (text, encoding) : tuple of str
        The text still has its original line ends; the BOM is removed.
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise ReadError(f"{name}: cannot be read as {encoding}: {exc}") from None
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(enc), enc + "-sig" if enc == "utf-8" else enc
            except UnicodeDecodeError as exc:
                raise ReadError(
                    f"{name}: starts with a {enc} byte-order mark but is not "
                    f"valid {enc} ({exc.reason} at byte {exc.start})"
                ) from None
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise ReadError(f"{name}: this is {what}, not a text file")
    if b"\x00" in data:  # ASCII in UTF-16 is valid UTF-8 full of NULs: try UTF-16 first
        utf16 = _utf16_without_bom(data)
        if utf16:
            return utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise ReadError(f"{name}: looks like a binary file (it contains NUL bytes), not text")
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ReadError(
            f"{name}: the encoding could not be recognised; pass encoding=... "
            "(e.g. 'latin-1') or save the file as UTF-8"
        )
    return str(best), best.encoding


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    half = len(data) // 2
    for zeros, enc in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros > 0.3 * half:
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                return None
    return None


def normalise(text: str, *, name: str = "<text>") -> str:
    """Line ends to LF, Unicode to NFC; refuses text with NUL or many control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    if "\x00" in text:
        raise ReadError(f"{name}: contains NUL characters; it is probably not a text file")
    controls = len(_CONTROLS.findall(text, 0, 100_000))
    if controls > max(10, len(text[:100_000]) // 100):
        raise ReadError(
            f"{name}: contains {controls} control characters; "
            "it is probably a binary file, not text"
        )
    return text


def read_text(path: str | os.PathLike, *, encoding: str | None = None) -> tuple[str, str]:
    """Read a text file as stored text: decoded, BOM stripped, LF line ends, NFC.

    Returns ``(text, encoding_detected)``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
    >>> _ = p.write_bytes("\\ufeffCaf\\u00e9\\r\\nok".encode("utf-8"))
    >>> read_text(p)
    ('Café\\nok', 'utf-8-sig')
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReadError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ReadError(f"{path}: is a folder, not a file") from None
    if not data.strip():
        raise ReadError(f"{path}: the file is empty; nothing to read")
    text, used = decode(data, name=str(path), encoding=encoding)
    text = normalise(text, name=str(path))
    if not text.strip():
        raise ReadError(f"{path}: the file holds only whitespace; nothing to read")
    return text, used
