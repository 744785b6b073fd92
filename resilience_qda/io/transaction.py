"""Project transactions: one lock, files staged beside the project, a journal, recovery.

Every command that changes a project folder runs inside :func:`transaction`::

    with transaction("projects/study", command="import") as tx:
        old = tx.read("sources.csv")              # sees what this transaction staged
        tx.write("sources/new-doc.txt", b"...")   # staged, not yet visible
        tx.remove("codings/old%20name.csv")
    # here every change is in place, or (after an error) none is

Everything lives in one hidden folder of the project, which readers ignore::

    PROJECT/.resilience-qda/
      lock            held (flock) by the command that is changing the project; it holds
                      that command's name, start time, pid and host for "busy" messages
      journal.json    present only while a commit is under way (or was cut short)
      generation      a counter bumped by every commit, so readers notice one
      tx-<id>/new/    the staged files of a transaction
      tx-<id>/old/    the files a commit replaced or removed, until it ends

A commit writes the journal (the commit point), then renames each staged file into place,
keeping the file it replaces under ``old/``; then it deletes the journal and the ``tx-``
folder. If the process dies at any point, the next command that opens the project (to read
or to write) finds the journal and finishes the commit from the staged files (or, if they
are gone, puts the old files back), so the project is always the old one or the new one.
A transaction cut short before its journal was written leaves only a ``tx-`` folder, which
the next command removes.

The lock is an OS file lock (``flock``; ``msvcrt.locking`` on Windows) on ``lock``: the
operating system releases it when its process ends, however it ends, so a stale lock never
blocks a project. Threads of one process are serialised by an in-process lock first. A
thread that already holds a project's transaction joins it when it opens another
(``write_project`` inside a command's transaction commits with the command).
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TypeVar

from ..core.errors import ProjectBusyError, ProjectError, StorageError
from . import faults
from .storage import pid_alive, storage_error

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None
    import msvcrt

HIDDEN = ".resilience-qda"
LOCK_FILE = "lock"
JOURNAL = "journal.json"
GENERATION = "generation"
_TX_PREFIX = "tx-"
_NOTHING = "nothing was changed"
_HOST = socket.gethostname()
T = TypeVar("T")

_guard = threading.Lock()
_process_locks: dict[str, threading.Lock] = {}
_holders: dict[str, dict] = {}
_local = threading.local()


# --------------------------------------------------------------------------- the lock


def _key(root: Path) -> str:
    return os.path.realpath(root)


def _active() -> dict[str, Transaction]:
    if not hasattr(_local, "active"):
        _local.active = {}
    return _local.active


def _process_lock(key: str) -> threading.Lock:
    with _guard:
        return _process_locks.setdefault(key, threading.Lock())


def holds(root: str | os.PathLike) -> bool:
    """Whether the current thread is inside a transaction of ``root``."""
    return _key(Path(root)) in _active()


def _mkdir(path: Path, *, where: Path) -> None:
    """Create a folder and its parents with the usual mode (the umask applies)."""
    try:
        faults.check("mkdir", path)
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise storage_error(exc, where, doing="create a folder in", state=_NOTHING) from None


def _hidden(root: Path) -> Path:
    hidden = root / HIDDEN
    if not hidden.is_dir():
        _mkdir(hidden, where=root)
        ignore = hidden / ".gitignore"  # git (and so most backups of a repo) skip it
        with contextlib.suppress(OSError):
            ignore.write_text("# resilience-qda: lock, journal and staged files\n*\n")
    return hidden


class _FileLock:
    """The OS lock on ``PROJECT/.resilience-qda/lock`` (one open file description)."""

    def __init__(self, path: Path):
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        self.locked = False

    def try_lock(self) -> bool:
        try:
            if fcntl is not None:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:  # pragma: no cover - Windows: a byte far past the holder's text
                os.lseek(self.fd, 1 << 20, os.SEEK_SET)
                msvcrt.locking(self.fd, msvcrt.LK_NBLCK, 1)
        except (BlockingIOError, PermissionError):
            return False
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EDEADLK):
                return False
            raise
        self.locked = True
        return True

    def write_holder(self, holder: dict) -> None:
        data = json.dumps(holder).encode("utf-8")
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data, 0) if hasattr(os, "pwrite") else os.write(self.fd, data)

    def close(self) -> None:
        if self.locked:  # only the holder clears the holder's text
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)
            with contextlib.suppress(OSError):
                if fcntl is not None:
                    fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _read_holder(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _busy(root: Path, holder: dict) -> ProjectBusyError:
    if holder.get("command"):
        who = f"{holder['command']} since {holder.get('started', '?')}, pid {holder.get('pid')}"
        if holder.get("host") and holder["host"] != _HOST:
            who += f" on {holder['host']}"
        elif holder.get("pid") and not pid_alive(int(holder["pid"])):
            who += " (which has ended; a process it started may still hold the lock)"
    else:
        who = "another command is starting"
    return ProjectBusyError(
        f"{root}: project is busy: {who}; wait for it to finish, then run this again"
    )


class _Held:
    """A lock held by this thread: the in-process lock and the OS lock."""

    def __init__(self, root: Path, command: str, timeout: float, *, blocking: bool = True):
        self.root, self.key = root, _key(root)
        self.plock = _process_lock(self.key)
        deadline = time.monotonic() + max(0.0, timeout)
        got = (
            self.plock.acquire(timeout=max(0.0, timeout))
            if blocking
            else self.plock.acquire(blocking=False)
        )
        if not got:
            if not blocking:
                raise _NotNow
            raise _busy(root, _holders.get(self.key) or {})
        self.file: _FileLock | None = None
        try:
            hidden = _hidden(root)
            try:
                self.file = _FileLock(hidden / LOCK_FILE)
            except OSError as exc:
                raise storage_error(exc, hidden / LOCK_FILE, doing="lock", state=_NOTHING) from None
            delay = 0.005
            while not self.file.try_lock():
                if not blocking:
                    raise _NotNow
                if time.monotonic() >= deadline:
                    raise _busy(root, _read_holder(hidden / LOCK_FILE))
                time.sleep(delay)
                delay = min(delay * 2, 0.1)
            self.holder = {
                "command": command,
                "started": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
                "pid": os.getpid(),
                "host": _HOST,
                "thread": threading.current_thread().name,
            }
            with contextlib.suppress(OSError):
                self.file.write_holder(self.holder)
            _holders[self.key] = self.holder
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        _holders.pop(self.key, None)
        if self.file is not None:
            with contextlib.suppress(OSError):
                self.file.close()
            self.file = None
        with contextlib.suppress(RuntimeError):
            self.plock.release()


class _NotNow(Exception):
    """The lock is held by someone else (non-blocking attempt)."""


# --------------------------------------------------------------------------- transaction


def _clean(rel: str) -> str:
    """A project-relative POSIX path, refused if it could leave the project."""
    p = PurePosixPath(str(rel).replace("\\", "/"))
    parts = p.parts
    if (
        not parts
        or p.is_absolute()
        or any(part in ("", ".", "..") for part in parts)
        or parts[0] == HIDDEN
        or "\x00" in str(rel)
    ):
        raise ProjectError(
            f"{rel!r}: not a file inside the project; give a relative path such as "
            "'sources/interview-01.txt'"
        )
    return p.as_posix()


def _write_file(path: Path, data: bytes, *, shown: Path) -> None:
    fd = None
    try:
        faults.check("stage", shown)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except OSError as exc:
        raise storage_error(exc, shown, state=_NOTHING) from None
    finally:
        if fd is not None:
            os.close(fd)


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class Transaction:
    """The changes of one command to one project folder, committed together.

    Use it through :func:`transaction`; ``write``, ``remove`` and ``read`` take paths
    relative to the project folder (``"codings/A.csv"``).
    """

    def __init__(self, root: Path, command: str):
        self.root = root
        self.command = command
        self.txid = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._folder = root / HIDDEN / f"{_TX_PREFIX}{self.txid}"
        self._changes: dict[str, Path | None] = {}
        self._renames = 0
        self._made: set[Path] = set()
        self._inside: set[Path] = set()  # folders checked to lie inside the project

    # -- staging -------------------------------------------------------------------

    def _target(self, rel: str) -> Path:
        target = self.root / rel
        parent = target.parent
        if parent in self._inside:
            return target
        if parent.exists() and not parent.resolve().is_relative_to(self.root.resolve()):
            raise ProjectError(
                f"{parent}: is a symbolic link that leaves the project folder; writing "
                "through it is refused (replace the link with a real folder)"
            )
        if parent.exists():
            self._inside.add(parent)
        return target

    def write(self, rel: str, data: bytes) -> None:
        """Stage ``data`` as the new content of ``rel``."""
        rel = _clean(rel)
        shown = self._target(rel)
        staged = self._folder / "new" / rel
        if staged.parent not in self._made:
            _mkdir(staged.parent, where=self.root)
            self._made.add(staged.parent)
        _write_file(staged, bytes(data), shown=shown)
        self._changes[rel] = staged
        faults.staged(len(self._changes))

    @property
    def scratch(self) -> Path:
        """A private folder on the project's file system, removed with the transaction:
        for outputs written as streams and then handed to :meth:`adopt`."""
        folder = self._folder / "scratch"
        if folder not in self._made:
            _mkdir(folder, where=self.root)
            self._made.add(folder)
        return folder

    def adopt(self, rel: str, path: str | os.PathLike) -> None:
        """Stage the file at ``path`` (written in :attr:`scratch`, or elsewhere on the
        project's file system) as the new content of ``rel``, by moving it."""
        rel = _clean(rel)
        shown = self._target(rel)
        staged = self._folder / "new" / rel
        if staged.parent not in self._made:
            _mkdir(staged.parent, where=self.root)
            self._made.add(staged.parent)
        try:
            faults.check("stage", shown)
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(path, staged)
        except OSError as exc:
            raise storage_error(exc, shown, state=_NOTHING) from None
        self._changes[rel] = staged
        faults.staged(len(self._changes))

    def remove(self, rel: str) -> None:
        """Stage the removal of ``rel`` (nothing happens if it does not exist)."""
        rel = _clean(rel)
        self._target(rel)
        staged = self._changes.get(rel)
        if staged is not None:
            with contextlib.suppress(OSError):
                staged.unlink()
        self._changes[rel] = None

    def read(self, rel: str) -> bytes | None:
        """The content of ``rel`` as this transaction would leave it (None: no such file)."""
        rel = _clean(rel)
        if rel in self._changes:
            staged = self._changes[rel]
            return None if staged is None else staged.read_bytes()
        target = self._target(rel)
        if target.is_symlink() and not target.resolve().is_relative_to(self.root.resolve()):
            raise ProjectError(
                f"{target}: is a symbolic link to a file outside the project; refused"
            )
        try:
            return target.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise storage_error(exc, target, doing="read") from None

    def exists(self, rel: str) -> bool:
        """Whether ``rel`` exists as this transaction would leave it."""
        rel = _clean(rel)
        if rel in self._changes:
            return self._changes[rel] is not None
        return os.path.lexists(self.root / rel)

    @property
    def changes(self) -> dict[str, str]:
        """``{relative path: "write" | "remove"}`` of what is staged."""
        return {r: "remove" if s is None else "write" for r, s in sorted(self._changes.items())}

    # -- commit --------------------------------------------------------------------

    def _rename(self, src: Path, dst: Path) -> None:
        faults.check("commit", dst)
        os.replace(src, dst)
        self._renames += 1
        faults.renamed(self._renames)

    def _commit(self) -> None:
        entries = []
        for rel, staged in sorted(self._changes.items()):
            old = os.path.lexists(self.root / rel)
            if staged is None and not old:
                continue
            entries.append({"rel": rel, "op": "remove" if staged is None else "write", "old": old})
        if not entries:
            return
        hidden = self.root / HIDDEN
        try:
            for e in entries:
                target = self.root / e["rel"]
                if e["op"] == "write":
                    _mkdir(target.parent, where=self.root)
                    if e["old"] and not os.path.islink(target):  # keep the file's mode
                        with contextlib.suppress(OSError):
                            os.chmod(self._changes[e["rel"]], os.stat(target).st_mode & 0o7777)
                if e["old"]:
                    _mkdir((self._folder / "old" / e["rel"]).parent, where=self.root)
            journal = {
                "txid": self.txid,
                "command": self.command,
                "pid": os.getpid(),
                "host": _HOST,
                "entries": entries,
            }
            tmp = hidden / f"{JOURNAL}.{self.txid}.tmp"
            _write_file(tmp, json.dumps(journal).encode("utf-8"), shown=self.root)
            self._rename(tmp, hidden / JOURNAL)  # the commit point
            _fsync_dir(hidden)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(hidden / f"{JOURNAL}.{self.txid}.tmp")
            raise storage_error(exc, self.root, state=_NOTHING) from None
        current = hidden / GENERATION
        try:
            _bump_generation(hidden, self)
            for e in entries:
                current = self.root / e["rel"]
                if e["old"]:
                    self._rename(current, self._folder / "old" / e["rel"])
                if e["op"] == "write":
                    self._rename(self._folder / "new" / e["rel"], current)
            for parent in {(self.root / e["rel"]).parent for e in entries}:
                _fsync_dir(parent)
        except OSError as exc:
            failed = storage_error(exc, current, doing="replace")
            try:
                _roll_back(self.root, journal)
            except OSError:
                raise StorageError(
                    f"{failed}; the change could not be undone either: the next command "
                    f"on {self.root} completes it once the folder is writable again",
                    errno=failed.errno,
                    filename=failed.filename,
                ) from None
            raise StorageError(
                f"{failed}; {_NOTHING}", errno=failed.errno, filename=failed.filename
            ) from None
        _finish(self.root, self.txid)

    def _discard(self) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)


def _bump_generation(hidden: Path, tx: Transaction | None) -> None:
    gen = hidden / GENERATION
    try:
        count = int(gen.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        count = 0
    txid = tx.txid if tx is not None else uuid.uuid4().hex
    tmp = hidden / f"{GENERATION}.{txid}.tmp"
    _write_file(tmp, f"{count + 1} {txid}\n".encode(), shown=hidden)
    try:
        if tx is not None:
            tx._rename(tmp, gen)
        else:
            os.replace(tmp, gen)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _finish(root: Path, txid: str) -> None:
    """The commit is complete: drop the journal, then the staged and old files."""
    hidden = root / HIDDEN
    with contextlib.suppress(FileNotFoundError):
        os.unlink(hidden / JOURNAL)
    _fsync_dir(hidden)
    shutil.rmtree(hidden / f"{_TX_PREFIX}{txid}", ignore_errors=True)


def _roll_forward(root: Path, journal: dict) -> None:
    folder = root / HIDDEN / f"{_TX_PREFIX}{journal['txid']}"
    for e in journal["entries"]:
        target, new, old = root / e["rel"], folder / "new" / e["rel"], folder / "old" / e["rel"]
        if e["op"] == "write":
            if new.exists():  # not in place yet
                if e["old"] and os.path.lexists(target) and not os.path.lexists(old):
                    old.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(target, old)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(new, target)
        elif e["old"] and not os.path.lexists(old) and os.path.lexists(target):
            old.parent.mkdir(parents=True, exist_ok=True)
            os.replace(target, old)


def _roll_back(root: Path, journal: dict) -> None:
    folder = root / HIDDEN / f"{_TX_PREFIX}{journal['txid']}"
    for e in reversed(journal["entries"]):
        target, new, old = root / e["rel"], folder / "new" / e["rel"], folder / "old" / e["rel"]
        in_place = not new.exists() and os.path.lexists(target)
        if e["op"] == "write" and in_place and (not e["old"] or os.path.lexists(old)):
            # the new file is in place: take it out again
            new.parent.mkdir(parents=True, exist_ok=True)
            os.replace(target, new)
        if e["old"] and os.path.lexists(old):
            os.replace(old, target)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(root / HIDDEN / JOURNAL)
    _fsync_dir(root / HIDDEN)
    shutil.rmtree(folder, ignore_errors=True)


def _can_roll_forward(root: Path, journal: dict) -> bool:
    folder = root / HIDDEN / f"{_TX_PREFIX}{journal['txid']}"
    if not folder.is_dir():  # only a finished commit removes it (after the journal)
        return True
    for e in journal["entries"]:
        if e["op"] != "write":
            continue
        new, old = folder / "new" / e["rel"], folder / "old" / e["rel"]
        in_place = not new.exists() and (not e["old"] or os.path.lexists(old))
        if not in_place and not new.exists():
            return False
    return True


def _recover_locked(root: Path) -> str:
    """Finish or undo a commit that was cut short; remove what aborted transactions left.

    The caller holds the lock. Returns ``"finished"``, ``"rolled back"`` or ``""``.
    """
    hidden = root / HIDDEN
    if not hidden.is_dir():
        return ""
    done = ""
    journal_file = hidden / JOURNAL
    if journal_file.exists():
        try:
            journal = json.loads(journal_file.read_text(encoding="utf-8"))
            if not isinstance(journal["txid"], str) or not isinstance(journal["entries"], list):
                raise TypeError("unexpected shape")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ProjectError(
                f"{journal_file}: the journal of an unfinished change cannot be read ({exc}); "
                f"check the project's files, then delete {journal_file} by hand"
            ) from None
        try:
            if _can_roll_forward(root, journal):
                _roll_forward(root, journal)
                _bump_generation(hidden, None)
                _finish(root, journal["txid"])
                done = "finished"
            else:
                _roll_back(root, journal)
                _bump_generation(hidden, None)
                done = "rolled back"
        except OSError as exc:
            raise storage_error(
                exc,
                root,
                doing="finish the change a stopped command left in",
                state=f"the project is unchanged until then (journal: {journal_file})",
            ) from None
    for leftover in hidden.iterdir():
        name = leftover.name
        if name.startswith(_TX_PREFIX) and leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        elif name.endswith(".tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()
    return done


#: Folders where versions before transactions left ``.<name>.<random>.tmp`` files.
_OLD_TEMP_FOLDERS = ("", "sources", "codings", "memos")


def _remove_old_temporaries(root: Path) -> None:
    """Temporary files that killed runs of earlier versions left in the project."""
    for folder in _OLD_TEMP_FOLDERS:
        with contextlib.suppress(OSError), os.scandir(root / folder) as it:
            for entry in it:
                if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file():
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


def _needs_recovery(root: Path) -> bool:
    hidden = root / HIDDEN
    try:
        names = os.listdir(hidden)
    except OSError:
        return False
    return any(n == JOURNAL or n.startswith(_TX_PREFIX) or n.endswith(".tmp") for n in names)


def recover(root: str | os.PathLike, *, timeout: float = 0.0) -> str:
    """Finish or roll back a commit that a stopped command left in ``root``, and remove the
    staged files of transactions that never committed. Every reader and writer of a project
    calls it first, so nobody needs to.

    With ``timeout=0`` (what readers use) it does nothing while another command holds the
    lock, since the journal and staged files are then that command's own.

    Returns
    -------
    str
        ``"finished"``, ``"rolled back"``, or ``""`` when there was nothing to do.

    Examples
    --------
    >>> recover("data/sample")
    ''
    """
    root = Path(root)
    if holds(root) or not _needs_recovery(root):
        return ""
    try:
        held = _Held(root, "recovery", timeout, blocking=timeout > 0)
    except _NotNow:
        return ""
    except StorageError as exc:
        if timeout > 0 or (root / HIDDEN / JOURNAL).exists():
            raise StorageError(
                f"{exc}; a stopped command left an unfinished change in {root} that can only "
                "be completed where the folder is writable",
                errno=exc.errno,
                filename=exc.filename,
            ) from None
        return ""
    try:
        return _recover_locked(root)
    finally:
        held.release()


@contextlib.contextmanager
def transaction(
    root: str | os.PathLike, *, command: str, timeout: float = 10.0
) -> Iterator[Transaction]:
    """Change a project folder as one transaction, under its lock.

    Parameters
    ----------
    root : path-like
        The project folder (created, with its parents, if missing; the umask applies).
    command : str
        What is changing the project (shown to anyone who finds it busy).
    timeout : float
        Seconds to wait for another command to finish before raising
        :class:`~resilience_qda.core.errors.ProjectBusyError`.

    Yields
    ------
    Transaction
        Stage changes with ``write``, ``remove``; ``read`` sees them. They are committed
        together when the block ends, and discarded if it raises.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp()) / "study"
    >>> with transaction(root, command="example") as tx:
    ...     tx.write("sources/a.txt", b"Hello.")
    ...     tx.read("sources/a.txt")
    b'Hello.'
    >>> (root / "sources" / "a.txt").read_text()
    'Hello.'
    """
    root = Path(root)
    key = _key(root)
    outer = _active().get(key)
    if outer is not None:  # this thread already changes this project: join its transaction
        yield outer
        return
    if root.exists() and not root.is_dir():
        raise ProjectError(f"{root}: exists and is not a folder")
    created = not root.exists()
    if created:
        _mkdir(root, where=root)
    try:
        held = _Held(root, command, timeout)
    except BaseException:
        if created:
            _remove_new_folder(root)
        raise
    tx = Transaction(root, command)
    _active()[key] = tx
    committed = False
    try:
        _recover_locked(root)
        _remove_old_temporaries(root)
        yield tx
        tx._commit()
        committed = True
    finally:
        _active().pop(key, None)
        tx._discard()
        if created and not committed:
            _remove_new_folder(root)
        held.release()


def _remove_new_folder(root: Path) -> None:
    """Remove a project folder this transaction created and could not fill, so that a
    failed first write leaves no folder behind (only if nothing else is in it)."""
    try:
        names = set(os.listdir(root)) - {HIDDEN}
        if any(not p.is_dir() for n in names for p in [root / n, *(root / n).rglob("*")]):
            return  # someone else's file: keep the folder
    except OSError:
        return
    shutil.rmtree(root / HIDDEN, ignore_errors=True)
    for n in names:
        shutil.rmtree(root / n, ignore_errors=True)
    with contextlib.suppress(OSError):
        os.rmdir(root)


# --------------------------------------------------------------------------- readers


def _token(root: Path) -> tuple[bool, bytes] | None:
    """The project's commit state: ``None`` while a commit is under way."""
    hidden = root / HIDDEN
    try:
        gen = (hidden / GENERATION).read_bytes()
    except OSError:
        gen = b""
    if os.path.exists(hidden / JOURNAL):
        return None
    return (True, gen)


def read_consistently(
    root: str | os.PathLike, read: Callable[[], T], *, timeout: float = 10.0
) -> T:
    """Call ``read()`` (which reads the project folder ``root``) so that it sees no commit
    half done: an unfinished commit of a stopped command is completed first, and a read
    that overlapped another command's commit is repeated.

    Inside a transaction of ``root`` the read runs as it is (it sees the committed files).

    Examples
    --------
    >>> read_consistently("data/sample", lambda: 42)
    42
    """
    root = Path(root)
    if holds(root):
        return read()
    deadline = time.monotonic() + timeout
    for attempt in itertools.count():
        if attempt >= _OPTIMISTIC_READS:  # commits keep coming: read under the lock
            try:
                held = _Held(root, "read", max(0.0, deadline - time.monotonic()))
            except StorageError:  # a folder we cannot lock (read-only): keep trying
                held = None
            if held is not None:
                try:
                    _recover_locked(root)
                    return read()
                finally:
                    held.release()
        recover(root)
        before = _token(root)
        if before is not None:
            try:
                result = read()
            except Exception:
                if _token(root) == before:
                    raise
            else:
                if _token(root) == before:
                    return result
        if time.monotonic() >= deadline:
            break
        time.sleep(min(0.002 * (attempt + 1), 0.05))
    raise _busy(root, _read_holder(root / HIDDEN / LOCK_FILE))


#: Reads repeated because a commit overlapped them, before a reader takes the lock.
_OPTIMISTIC_READS = 3


__all__ = [
    "HIDDEN",
    "Transaction",
    "holds",
    "read_consistently",
    "recover",
    "transaction",
]
