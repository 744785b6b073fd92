"""Operating-system errors as one-line messages that name the file and say what to do."""

from __future__ import annotations

import errno as E
import os

from ..core.errors import StorageError

#: errno -> (what went wrong, what to do)
_ADVICE = {
    E.ENOSPC: ("the disk is full", "free some space, or write somewhere else, and run it again"),
    E.EDQUOT: ("your disk quota is used up", "free some space and run it again"),
    E.EROFS: (
        "the file system is read-only",
        "copy the folder to a writable place (or remount it read-write) and run it again",
    ),
    E.EACCES: (
        "permission denied",
        "make the folder and its files writable for you (e.g. `chmod -R u+w`) or use a "
        "folder you own",
    ),
    E.EPERM: (
        "the operation is not permitted",
        "check the folder's permissions and that no other program has the file open",
    ),
    E.ENAMETOOLONG: (
        "the name is too long for the file system",
        "use a shorter file or folder name (at most 255 bytes per name)",
    ),
    E.EIO: ("the disk reported an input/output error", "check the disk, then run it again"),
    E.EMFILE: ("too many files are open", "close other programs and run it again"),
    E.ENOTDIR: ("a part of the path is a file, not a folder", "check the path"),
    E.EISDIR: ("it is a folder, not a file", "give a file name"),
    E.ENOENT: ("no such file or folder", "check the path"),
    E.EBUSY: ("the file is in use", "close the program that has it open and run it again"),
    E.EXDEV: ("it is on another file system", "use a folder on the same disk"),
}


def storage_error(
    exc: OSError, path: str | os.PathLike, *, doing: str = "write", state: str = ""
) -> StorageError:
    """A :class:`StorageError` for ``exc`` that names ``path``.

    Parameters
    ----------
    exc : OSError
        What the operating system raised.
    path : path-like
        The file or folder that was being written or read.
    doing : str
        The verb: ``write``, ``read``, ``create``, ``replace``.
    state : str
        What is left, e.g. ``"nothing was changed"``.

    Examples
    --------
    >>> import errno
    >>> print(storage_error(OSError(errno.ENOSPC, "No space"), "p/sources/a.txt",
    ...                     state="nothing was changed"))
    p/sources/a.txt: cannot write: the disk is full (ENOSPC); free some space, or write \
somewhere else, and run it again; nothing was changed
    """
    if isinstance(exc, StorageError):
        return exc
    code = exc.errno
    what, todo = _ADVICE.get(code, (exc.strerror or str(exc), "check the disk and the path"))
    name = E.errorcode.get(code, "") if code is not None else ""
    tag = f" ({name})" if name else ""
    tail = f"; {state}" if state else ""
    message = f"{os.fspath(path)}: cannot {doing}: {what}{tag}; {todo}{tail}"
    return StorageError(message, errno=code, filename=os.fspath(path))


def is_storage_error(exc: BaseException) -> bool:
    """Whether an exception is an OS error this module describes (not a bug)."""
    return isinstance(exc, OSError) and exc.errno in _ADVICE


def pid_alive(pid: int) -> bool:
    """Whether a process with this id still runs (one we may not signal counts as alive):
    how stale locks and the temporary files of killed writers are told from live ones."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


__all__ = ["is_storage_error", "pid_alive", "storage_error"]
