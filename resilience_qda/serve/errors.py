"""Errors of the coding screen, each mapped to an HTTP status by :mod:`.api`."""

from __future__ import annotations

from ..core.errors import QDAError


class RequestError(QDAError, ValueError):
    """A request is malformed: a missing field, a span outside the text (HTTP 400)."""

    status = 400


class NotFoundError(QDAError, LookupError):
    """A request names a document, code, coding or memo that does not exist (HTTP 404)."""

    status = 404


class ConflictError(QDAError, ValueError):
    """A request clashes with what is stored: a duplicate coding, nothing to undo (HTTP 409).

    ``detail`` carries what the client may need (e.g. the existing coding).
    """

    status = 409

    def __init__(self, message: str, detail: dict | None = None):
        super().__init__(message)
        self.detail = detail or {}
