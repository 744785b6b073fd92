"""Reading zip archives from strangers: members by name, with caps checked while streaming.

A ``.qdpx`` file is a zip archive written by another program, or by someone who wants to
hurt us. :class:`SafeZip` never extracts anything to disk, refuses member names that could
escape a folder (``..``, absolute paths, drive letters), refuses duplicate names, and caps the
number of members, each member's size, the total size read and the compression ratio. The caps
are checked against the headers first and again on the bytes actually decompressed, because
headers can lie.
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

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

    def __init__(self, path: str | os.PathLike, *, limits: ZipLimits | None = None):
        self.path = Path(path)
        self.limits = limits or ZipLimits()
        self._read_total = 0
        _check_entry_count(self.path, self.limits.max_members)
        try:
            self._zip = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile as exc:
            raise ReadError(
                f"{self.path}: not a zip archive ({exc}); a .qdpx file is a zip"
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


def _check_entry_count(path: Path, max_members: int) -> None:
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
        raise ReadError(f"{path}: not a zip archive (no end-of-archive record); a .qdpx is a zip")
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
