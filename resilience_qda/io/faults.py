"""Test seams for fault injection: make a write fail with an OS error, or end the process
in the middle of a commit, as a full disk, a read-only folder or a power cut would.

Both are driven by environment variables so that subprocesses can be told to fail:

``RESILIENCE_QDA_FAULT=ERRNO:POINT[@N]``
    Raise ``OSError(ERRNO)`` at the N-th (default: every) pass through ``POINT``:
    ``stage`` (writing a staged file of a project transaction), ``commit`` (a rename of a
    commit), ``mkdir`` (creating a folder) or ``write`` (an atomic write outside a project).
    ``ERRNO`` is a name such as ``ENOSPC``, ``EROFS``, ``EACCES``, ``ENAMETOOLONG``.
``RESILIENCE_QDA_CRASH_AFTER_RENAMES=N``
    End the process (``os._exit(86)``, no clean-up, like ``kill -9``) right after the N-th
    rename of a commit.
``RESILIENCE_QDA_CRASH_AFTER_STAGED=N``
    The same right after the N-th file a transaction stages (before its commit begins).

Nothing happens when the variables are unset; they are read at each use.
"""

from __future__ import annotations

import errno as errnos
import os

FAULT_ENV = "RESILIENCE_QDA_FAULT"
CRASH_ENV = "RESILIENCE_QDA_CRASH_AFTER_RENAMES"
CRASH_STAGED_ENV = "RESILIENCE_QDA_CRASH_AFTER_STAGED"
CRASH_STATUS = 86
_counts: dict[str, int] = {}


def check(point: str, path: str | os.PathLike) -> None:
    """Raise the injected ``OSError`` if ``RESILIENCE_QDA_FAULT`` names ``point``.

    >>> os.environ[FAULT_ENV] = "ENOSPC:stage"
    >>> check("stage", "x.txt")
    Traceback (most recent call last):
    ...
    OSError: [Errno 28] No space left on device (injected): 'x.txt'
    >>> del os.environ[FAULT_ENV]; check("stage", "x.txt")
    """
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    name, _, where = spec.partition(":")
    where, _, nth = where.partition("@")
    if where != point:
        return
    _counts[point] = _counts.get(point, 0) + 1
    if nth and _counts[point] != int(nth):
        return
    code = getattr(errnos, name.strip().upper(), None)
    if not isinstance(code, int):
        raise ValueError(f"{FAULT_ENV}={spec!r}: {name!r} is not an errno name such as ENOSPC")
    raise OSError(code, f"{os.strerror(code)} (injected)", os.fspath(path))


def renamed(count: int) -> None:
    """Called by a commit after each rename; ends the process after the N-th if asked."""
    limit = os.environ.get(CRASH_ENV)
    if limit and count >= int(limit):
        os._exit(CRASH_STATUS)


def staged(count: int) -> None:
    """Called by a transaction after each staged file; ends the process after the N-th."""
    limit = os.environ.get(CRASH_STAGED_ENV)
    if limit and count >= int(limit):
        os._exit(CRASH_STATUS)


def reset() -> None:
    """Forget how many times each point was passed (for tests)."""
    _counts.clear()
