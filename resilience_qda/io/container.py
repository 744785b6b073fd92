"""Containers from strangers: zip archives and the XML inside them, in one place.

REFI-QDA ``.qdpx`` projects, Word ``.docx`` and Excel ``.xlsx`` files are zip archives of XML
written by another program, or by someone who wants to hurt us. Every reader of such a file
goes through this module:

- :class:`SafeZip` reads members by name and never extracts anything to disk; it refuses
  member names that could escape a folder (``..``, absolute paths, drive letters), duplicate
  names, and caps the number of members, each member's size, the total size read and the
  compression ratio, checked against the headers first and again on the bytes actually
  decompressed, because headers can lie;
- :func:`check_package` vets a whole Office package before a third-party library
  (python-docx, openpyxl) parses any of it: every member's declared size, the total, the
  ratio, and no DTD in any XML part (a lying header only truncates what zipfile reads, and
  the CRC check then fails);
- :func:`parse_xml` is the one XML parser: defusedxml with DTDs, entities and external
  references refused.
"""

from __future__ import annotations

import os
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import defusedxml
import defusedxml.ElementTree as DET

from ..core.errors import ReadError

_CHUNK = 1 << 16
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class ZipLimits:
    """Caps on what a zip archive may hold.

    ``max_ratio`` applies once a member has decompressed to more than ``ratio_floor`` bytes,
    so small, very regular files (an empty XML project) are not refused.
    """

    max_members: int = 10_000
    max_member_size: int = 512 * 2**20
    max_total_size: int = 2 * 2**30
    max_ratio: float = 100.0
    ratio_floor: int = 2**20


class SafeZip:
    """A zip archive opened for reading members by name.

    Parameters
    ----------
    path : path-like
    limits : ZipLimits, optional

    Raises
    ------
    ReadError
        When the file is not a zip archive, or holds too many members, a member name that
        could escape a folder, a duplicate name, or an encrypted member.

    Examples
    --------
    >>> import io, zipfile, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.zip"
    >>> with zipfile.ZipFile(p, "w") as z:
    ...     z.writestr("Sources/a.txt", "hello")
    >>> with SafeZip(p) as archive:
    ...     archive.read("sources/A.TXT")
    b'hello'
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        limits: ZipLimits | None = None,
        kind: str = "REFI-QDA project (.qdpx)",
    ):
        self.path = Path(path)
        self.limits = limits or ZipLimits()
        self.kind = kind
        self._read_total = 0
        _check_entry_count(self.path, self.limits.max_members, kind)
        try:
            self._zip = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile as exc:
            raise ReadError(
                f"{self.path}: not a zip archive ({exc}); a {kind} file is a zip"
            ) from None
        except FileNotFoundError:
            raise ReadError(f"{self.path}: no such file") from None
        try:
            self._index = self._build_index()
        except BaseException:
            self._zip.close()
            raise

    def _build_index(self) -> dict[str, zipfile.ZipInfo]:
        infos = self._zip.infolist()
        if len(infos) > self.limits.max_members:
            raise ReadError(
                f"{self.path}: holds {len(infos)} members, more than the limit of "
                f"{self.limits.max_members}; refused"
            )
        index: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            check_member_name(info.filename, archive=self.path)
            if info.is_dir():
                continue
            key = info.filename.replace("\\", "/").casefold()
            if key in index:
                raise ReadError(
                    f"{self.path}: has two members named {info.filename!r} (ignoring case); "
                    "refused because it is ambiguous which one to read"
                )
            index[key] = info
        return index

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    @property
    def names(self) -> list[str]:
        """Member names (files only), as stored."""
        return [info.filename for info in self._index.values()]

    @property
    def infos(self) -> list[zipfile.ZipInfo]:
        """The members (files only) with their declared sizes."""
        return list(self._index.values())

    def head(self, name: str, size: int) -> bytes:
        """The first ``size`` bytes of a member (for sniffing a prolog), without the caps of
        :meth:`read`: at most ``size`` bytes are ever decompressed."""
        info = self._index[name.replace("\\", "/").casefold()]
        try:
            with self._zip.open(info) as fh:
                return fh.read(size)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError) as exc:
            raise ReadError(f"{self.path}: member {info.filename!r} is damaged ({exc})") from None

    def find(self, name: str) -> str | None:
        """The stored name of member ``name`` (matched ignoring case), or None."""
        check_member_name(name, archive=self.path)
        info = self._index.get(name.replace("\\", "/").casefold())
        return info.filename if info else None

    def read(self, name: str, *, max_size: int | None = None) -> bytes:
        """Read one member by name (case-insensitive), streaming with every cap checked.

        ``max_size`` lowers the member size cap for this read (e.g. for XML to be parsed).
        """
        check_member_name(name, archive=self.path)
        info = self._index.get(name.replace("\\", "/").casefold())
        if info is None:
            raise ReadError(f"{self.path}: has no member {name!r}")
        where = f"{self.path}: member {info.filename!r}"
        if info.flag_bits & 0x1:
            raise ReadError(f"{where} is encrypted; export the project again without a password")
        lim = self.limits
        cap = min(lim.max_member_size, max_size or lim.max_member_size)
        if info.file_size > cap:
            raise ReadError(
                f"{where} claims {info.file_size:,} bytes, more than the limit of {cap:,}; refused"
            )
        if self._read_total + info.file_size > lim.max_total_size:
            raise ReadError(
                f"{where}: reading it would pass the total limit of {lim.max_total_size:,} bytes"
            )
        budget = min(cap, info.file_size)
        chunks: list[bytes] = []
        size = 0
        try:
            with self._zip.open(info) as fh:
                while True:
                    chunk = fh.read(_CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > budget:
                        raise ReadError(
                            f"{where} decompresses to more than the {budget:,} bytes its "
                            "header declares (or the size limit); refused"
                        )
                    consumed = max(1, info.compress_size - getattr(fh, "_compress_left", 0))
                    if size > lim.ratio_floor and size > lim.max_ratio * consumed:
                        raise ReadError(
                            f"{where} expands more than {lim.max_ratio:g} times "
                            "(a zip bomb?); refused"
                        )
                    chunks.append(chunk)
        except zipfile.BadZipFile as exc:
            raise ReadError(f"{where} is damaged ({exc})") from None
        except (NotImplementedError, RuntimeError) as exc:
            raise ReadError(f"{where} cannot be read ({exc})") from None
        except EOFError:
            raise ReadError(f"{where} is truncated") from None
        self._read_total += size
        return b"".join(chunks)


def check_member_name(name: str, *, archive: object = "<zip>") -> str:
    """Return ``name`` if it is a safe relative member name, else raise :class:`ReadError`.

    >>> check_member_name("sources/a.txt")
    'sources/a.txt'
    >>> check_member_name("../etc/passwd")  # doctest: +ELLIPSIS, +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    ReadError: <zip>: member name '../etc/passwd' is unsafe (...); refused
    """
    normal = name.replace("\\", "/")
    why = None
    if "\x00" in name:
        why = "it contains a NUL character"
    elif normal.startswith("/"):
        why = "it is an absolute path"
    elif _DRIVE.match(normal):
        why = "it starts with a drive letter"
    elif any(part == ".." for part in normal.split("/")):
        why = "it has a '..' part"
    if why:
        raise ReadError(f"{archive}: member name {name!r} is unsafe ({why}); refused")
    return name


def _check_entry_count(path: Path, max_members: int, kind: str) -> None:
    """Read the member count from the end-of-central-directory record before zipfile does.

    zipfile reads the whole central directory into memory; a hostile archive with millions of
    entries is refused here first.
    """
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            tail = min(size, 65_536 + 22)
            fh.seek(size - tail)
            data = fh.read(tail)
    except FileNotFoundError:
        raise ReadError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ReadError(f"{path}: is a folder, not a file") from None
    at = data.rfind(b"PK\x05\x06")
    if at < 0 or len(data) - at < 22:
        raise ReadError(
            f"{path}: not a zip archive (no end-of-archive record); a {kind} file is a zip"
        )
    entries = struct.unpack("<H", data[at + 10 : at + 12])[0]
    if entries == 0xFFFF:  # zip64: the real count is in the zip64 record
        loc = data.rfind(b"PK\x06\x07", 0, at)
        if loc >= 0:
            offset = struct.unpack("<Q", data[loc + 8 : loc + 16])[0]
            try:
                with open(path, "rb") as fh:
                    fh.seek(offset)
                    rec = fh.read(56)
                if rec[:4] == b"PK\x06\x06":
                    entries = struct.unpack("<Q", rec[32:40])[0]
            except (OSError, struct.error):
                pass
    if entries > max_members:
        raise ReadError(
            f"{path}: declares {entries:,} members, more than the limit of {max_members:,}; refused"
        )


#: Caps for Office files (.docx, .xlsx): text documents, never hundreds of megabytes.
OFFICE_LIMITS = ZipLimits(max_members=10_000, max_member_size=200 * 2**20, max_total_size=2**30)
#: How much of an XML part's start is read to find its prolog.
_PROLOG = 64 * 1024
_XML_PART = re.compile(r"\.(xml|rels|vml)$", re.IGNORECASE)


def check_package(
    path: str | os.PathLike,
    *,
    kind: str,
    required: Iterable[str] = (),
    limits: ZipLimits = OFFICE_LIMITS,
) -> None:
    """Refuse a hostile or broken Office package before any library parses it.

    Checks the member count and names (:class:`SafeZip`), every member's declared size
    against ``limits.max_member_size``, their sum against ``limits.max_total_size``, the
    declared compression ratio, that the ``required`` members exist, and that no XML part
    declares a DTD or entities.

    Raises
    ------
    ReadError
        Naming the file, the member and the cap.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.docx"
    >>> with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
    ...     z.writestr("word/styles.xml", b"<a/>" + b" " * 3_000_000)
    >>> check_package(p, kind="Word document", limits=ZipLimits(max_member_size=2**20))
    ... # doctest: +ELLIPSIS, +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    ReadError: ...: member 'word/styles.xml' claims 3,000,004 bytes, more than the limit ...
    """
    path = Path(path)
    if not path.is_file():
        raise ReadError(f"{path}: no such file")
    with SafeZip(path, limits=limits, kind=kind) as archive:
        total = 0
        for info in archive.infos:
            where = f"{path}: member {info.filename!r}"
            if info.flag_bits & 0x1:
                raise ReadError(f"{where} is encrypted; save the file again without a password")
            if info.file_size > limits.max_member_size:
                raise ReadError(
                    f"{where} claims {info.file_size:,} bytes, more than the limit of "
                    f"{limits.max_member_size:,} for a {kind}; refused (a zip bomb?)"
                )
            total += info.file_size
            if total > limits.max_total_size:
                raise ReadError(
                    f"{path}: unpacks to more than {limits.max_total_size:,} bytes; a {kind} "
                    "this large is refused (a zip bomb?)"
                )
            ratio_base = max(1, info.compress_size)
            if (
                info.file_size > limits.ratio_floor
                and info.file_size > limits.max_ratio * ratio_base
            ):
                raise ReadError(
                    f"{where} expands {info.file_size / ratio_base:,.0f} times; refused "
                    "(a zip bomb?)"
                )
            if _XML_PART.search(info.filename):
                refuse_dtd(archive.head(info.filename, _PROLOG), where=where)
        missing = [n for n in required if archive.find(n) is None]
        if missing:
            raise ReadError(
                f"{path}: is a zip archive but not a {kind} (it has no {', '.join(missing)})"
            )


def refuse_dtd(head: bytes, *, where: str) -> None:
    """Refuse XML whose prolog declares a DTD or entities (how XML attacks work).

    ``head`` is the start of the XML; comments and processing instructions before the root
    are skipped.

    >>> refuse_dtd(b'<?xml version="1.0"?><!-- hi --><w:document/>', where="x")
    >>> refuse_dtd(b'<!DOCTYPE x [<!ENTITY a "b">]><x/>', where="x")
    ... # doctest: +ELLIPSIS, +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    ReadError: x: declares a DTD or entities...
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.decode("utf-8", errors="replace")
    i = 0
    while True:
        while i < len(text) and text[i] in " \t\r\n\ufeff":
            i += 1
        if text.startswith("<?", i):
            j = text.find("?>", i)
        elif text.startswith("<!--", i):
            j = text.find("-->", i)
        else:
            break
        if j < 0:
            raise ReadError(
                f"{where}: the XML prolog is malformed or longer than {len(head):,} bytes"
            )
        i = j + 2
    if text[i : i + 9].upper() == "<!DOCTYPE" or "<!ENTITY" in text[i : i + 4096].upper():
        raise ReadError(
            f"{where}: declares a DTD or entities, which these files never need; refused "
            "(it may be an XML attack). Save the file again from the program that made it"
        )


def parse_xml(data: bytes, *, name: str) -> ET.Element:
    """Parse XML bytes with DTDs, entities and external references refused.

    >>> parse_xml(b"<a><b/></a>", name="x").tag
    'a'
    >>> parse_xml(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', name="x.qde")
    ... # doctest: +ELLIPSIS, +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    ReadError: x.qde: has a DOCTYPE (a DTD); ... refused
    """
    try:
        return DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        raise ReadError(
            f"{name}: has a DOCTYPE (a DTD); these files never need one and DTDs can hide "
            "entity bombs or read local files: refused"
        ) from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden) as exc:
        raise ReadError(
            f"{name}: declares entities or external references ({exc}); refused"
        ) from None
    except ET.ParseError as exc:
        line, col = getattr(exc, "position", (0, 0))
        raise ReadError(
            f"{name}: is not well-formed XML (line {line}, column {col + 1}: "
            f"{str(exc).split(':')[0]}); the file is damaged or cut off: export it again"
        ) from None
