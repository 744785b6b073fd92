"""Output folders written whole: built beside their place, then swapped in.

:func:`staged_folder` is how the report writes ``report/``: every file goes into
``.report.new-<pid>-<random>/`` beside it, and only when all are written does the new folder
take the old one's place (one atomic exchange on Linux; elsewhere two renames, and a run cut
short between them is put right by the next). An interrupted run leaves the old folder or
the new one, and the next run removes whatever a killed one left behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from ..core.errors import ProjectError
from . import faults
from .storage import pid_alive, storage_error

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where it is not available."""
    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.restype = ctypes.c_int
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot exchange
        return False
    raise OSError(code, os.strerror(code), os.fspath(b))


def _leftovers(out: Path) -> list[tuple[Path, str, int]]:
    found = []
    with contextlib.suppress(OSError):
        for p in out.parent.iterdir():
            for kind in ("new", "old"):
                prefix = f".{out.name}.{kind}-"
                if p.name.startswith(prefix):
                    pid = p.name[len(prefix) :].split("-", 1)[0]
                    if pid.isdigit():
                        found.append((p, kind, int(pid)))
    return found


def recover_folder(out: str | os.PathLike) -> None:
    """Put right what a killed :func:`staged_folder` left beside ``out``: restore the old
    folder if the swap was cut in half, and remove staged and old copies."""
    out = Path(out)
    for p, kind, pid in _leftovers(out):
        if pid != os.getpid() and pid_alive(pid):
            continue  # another run is under way
        if kind == "old" and not out.exists():
            with contextlib.suppress(OSError):
                os.replace(p, out)
                continue
        shutil.rmtree(p, ignore_errors=True)


#: What a report folder holds; anything else in it stops the swap.
REPORT_ENTRIES = frozenset({"report.html", "figures", "tables"})


@contextlib.contextmanager
def staged_folder(
    out: str | os.PathLike, *, owns: frozenset[str] = REPORT_ENTRIES
) -> Iterator[Path]:
    """Yield a new empty folder beside ``out``; when the block ends, it replaces ``out``.

    ``out`` may be missing, empty, or hold only the entries named in ``owns`` (a folder
    with other files is refused rather than replaced). If the block raises, ``out`` is
    left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "report"
    >>> with staged_folder(out) as folder:
    ...     _ = (folder / "report.html").write_text("<p>hi</p>")
    >>> sorted(p.name for p in out.iterdir())
    ['report.html']
    """
    out = Path(out)
    recover_folder(out)
    if out.exists():
        if not out.is_dir():
            raise ProjectError(f"{out}: exists and is not a folder; give a folder with --out")
        foreign = sorted(p.name for p in out.iterdir() if p.name not in owns)
        if foreign:
            raise ProjectError(
                f"{out}: holds other files ({', '.join(foreign[:5])}"
                f"{' ...' if len(foreign) > 5 else ''}); the report replaces the whole "
                "folder: give a new or empty folder"
            )
    staged = out.parent / f".{out.name}.new-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        faults.check("mkdir", staged)
        staged.mkdir(parents=True)
    except OSError as exc:
        raise storage_error(exc, out, doing="create", state="nothing was changed") from None
    try:
        yield staged
        _swap(staged, out)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise


def _swap(staged: Path, out: Path) -> None:
    try:
        faults.check("commit", out)
        if not out.exists():
            os.replace(staged, out)
            return
        if _exchange(staged, out):
            shutil.rmtree(staged, ignore_errors=True)  # now the old folder
            return
        old = out.parent / f".{out.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
        os.replace(out, old)
        try:
            os.replace(staged, out)
        except OSError:
            os.replace(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        raise storage_error(exc, out, doing="replace", state="the old folder was kept") from None


def put(folder: Path, rel: str, data: bytes, *, shown: Path) -> None:
    """Write ``folder/rel`` (creating its folder); errors name ``shown/rel``."""
    target = folder / rel
    try:
        faults.check("write", shown / rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as exc:
        raise storage_error(exc, shown / rel, state="the old folder was kept") from None


__all__ = ["REPORT_ENTRIES", "put", "recover_folder", "staged_folder"]
