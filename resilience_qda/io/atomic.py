"""Atomic writes: a temporary file beside the target, then a rename; into a project folder,
through the project's transaction.

A file written inside a project folder (``PROJECT/x`` or ``PROJECT/sub/x``, where ``PROJECT``
has a ``sources/`` folder) goes through :func:`~resilience_qda.io.transaction.transaction`,
so it takes the project's lock and joins a command's transaction when one is open. Any
other file is written to ``.<name>.<pid>-<random>.tmp`` beside it and renamed into place;
temporary files that a killed process left behind are removed the next time the same file
is written. OS errors become one-line :class:`~resilience_qda.core.errors.StorageError`
messages that name the file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from . import faults
from .storage import pid_alive, storage_error
from .transaction import HIDDEN, transaction


def project_root_of(path: str | os.PathLike) -> tuple[Path, str] | None:
    """``(project folder, relative path)`` if ``path`` lies in a project folder (at most
    two levels down), else None.

    >>> project_root_of("data/sample/codebook.yaml")
    (PosixPath('data/sample'), 'codebook.yaml')
    >>> project_root_of("report/report.html") is None
    True
    """
    path = Path(path)
    for up, root in enumerate(path.parents):
        if up >= 2:
            break
        rel = path.relative_to(root)
        if rel.parts[0] == HIDDEN:
            return None
        if (root / "sources").is_dir():
            return root, rel.as_posix()
    return None


def _remove_stale_temporaries(path: Path) -> None:
    """Temporary files of ``path`` whose writer has ended (killed mid-write)."""
    with contextlib.suppress(OSError):
        for tmp in path.parent.glob(f".{path.name}.*.tmp"):
            pid = tmp.name[len(path.name) + 2 :].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
                with contextlib.suppress(OSError):
                    tmp.unlink()


def _temp_beside(path: Path, data: bytes) -> Path:
    try:
        faults.check("mkdir", path.parent)
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise storage_error(exc, path.parent, doing="create the folder") from None
    _remove_stale_temporaries(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    fd = None
    try:
        faults.check("write", path)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException as exc:
        if fd is not None:
            os.close(fd)
            fd = None
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise storage_error(exc, path, state="the file was not changed") from None
        raise
    finally:
        if fd is not None:
            os.close(fd)
    return tmp


def write_bytes(path: str | os.PathLike, data: bytes, *, command: str | None = None) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    Inside a project folder the write is a project transaction (``command`` names it for
    anyone who finds the project busy).
    """
    path = Path(path)
    inside = project_root_of(path)
    if inside is not None:
        root, rel = inside
        with transaction(root, command=command or f"write {rel}") as tx:
            tx.write(rel, data)
        return
    tmp = _temp_beside(path, data)
    try:
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise storage_error(exc, path, doing="replace", state="the file was not changed") from None


def write_text(path: str | os.PathLike, text: str, *, command: str | None = None) -> None:
    """Write UTF-8 text (no BOM, line ends as given) atomically."""
    write_bytes(path, text.encode("utf-8"), command=command)


__all__ = ["project_root_of", "write_bytes", "write_text"]
