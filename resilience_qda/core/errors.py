"""The exception tree: each class also subclasses the built-in it resembles."""


class QDAError(Exception):
    """Base class of every error that resilience_qda raises on purpose."""


class ReadError(QDAError, ValueError):
    """A file could not be read: it is missing, empty, binary, malformed or hostile."""


class CodingsError(QDAError, ValueError):
    """A codings table breaks the schema (missing columns, bad offsets, unknown documents)."""


class CodebookError(QDAError, ValueError):
    """A codebook is malformed: duplicate paths, unknown parents, invalid patterns."""


class ProjectError(QDAError, ValueError):
    """A project folder is inconsistent or cannot be written."""


class QDAWarning(UserWarning):
    """Something was kept but looks wrong (codes missing from the codebook, moved codings)."""


class ClaimsError(QDAError, ValueError):
    """A claims ledger (claims.yaml) is malformed: missing keys, unknown codes, bad values."""


class ProjectBusyError(QDAError, TimeoutError):
    """Another command holds the project's lock and did not finish in time."""


class StorageError(QDAError, OSError):
    """The operating system refused a read or write (disk full, read-only, permissions,
    a name too long); the message names the file and what to do."""

    def __init__(self, message: str, *, errno: int | None = None, filename: str | None = None):
        super().__init__(message)
        self.errno = errno
        self.filename = filename

    def __str__(self) -> str:
        return str(self.args[0])
