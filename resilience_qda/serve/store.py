"""Where the coding screen reads and writes codings: one write path, :func:`update_codings`.

Every change to a coder's codings goes through ``update_codings(path, coder, change)``:
``change`` is a function ``DataFrame -> DataFrame`` applied to that coder's current codings,
and the result is written to ``codings/<coder>.csv`` before the function returns. This
module's :data:`update_codings` is ``resilience_qda.io.project.update_codings`` (project
transactions with a lock and a journal, issue 16), so the screen's threads, other
processes and commands such as ``sheet import`` never lose each other's codings; the
earlier fallback (one process-wide lock, an atomic ``write_codings``) is kept for
comparison.

Coding ids are derived from the coding itself (a hash of document, span, code and coder),
so they survive restarts without an id column in the files.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..core.errors import CodingsError
from ..core.model import ANCHOR_COLUMNS, CODINGS_COLUMNS, empty_codings, validate_codings
from ..io.atomic import write_bytes
from ..io.project import coder_filename, write_codings
from ..io.project import update_codings as project_update_codings

#: One lock for every write of this process (codings, memos, codebook).
WRITE_LOCK = threading.RLock()


def coding_id(doc_id: str, start: int, end: int, code: str, coder: str) -> str:
    """The id of a coding: 16 hex digits of a hash of its document, span, code and coder.

    >>> coding_id("interview-L", 10, 42, "themes/more-reflexive", "A")
    '7f1be5b841b6c27b'
    """
    key = "\x1f".join([doc_id, str(int(start)), str(int(end)), code, coder])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def with_ids(codings: pd.DataFrame) -> pd.DataFrame:
    """A copy of a codings table with an ``id`` column first.

    >>> c = pd.DataFrame({"doc_id": ["d"], "start": [0], "end": [2], "code": ["x"],
    ...                   "coder": ["A"]})
    >>> with_ids(c).columns.tolist()[:2]
    ['id', 'doc_id']
    """
    ids = [
        coding_id(d, s, e, c, k)
        for d, s, e, c, k in zip(
            codings["doc_id"],
            codings["start"],
            codings["end"],
            codings["code"],
            codings["coder"],
            strict=True,
        )
    ]
    return codings.assign(id=pd.Series(ids, index=codings.index, dtype=object))[
        ["id", *codings.columns]
    ]


def coder_file(path: str | os.PathLike, coder: str) -> Path:
    """``PROJECT/codings/<coder>.csv`` (the name %-escaped)."""
    return Path(path) / "codings" / coder_filename(coder)


def read_coder_codings(path: str | os.PathLike, coder: str) -> pd.DataFrame:
    """One coder's codings as stored (validated, without the anchor columns); empty if
    the coder has no file yet.

    >>> read_coder_codings("data/sample", "nobody").empty
    True
    """
    f = coder_file(path, coder)
    if not f.exists():
        return empty_codings()
    try:
        table = pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        return empty_codings()
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise CodingsError(f"{f}: cannot be read as CSV ({exc})") from None
    if "coder" not in table:
        table["coder"] = coder
    if "source" not in table:
        table["source"] = "manual"
    table["coder"] = table["coder"].replace("", coder)
    table = table.drop(columns=[c for c in ANCHOR_COLUMNS if c in table])
    return validate_codings(table, origin=str(f))


def _update_codings_fallback(
    path: str | os.PathLike, coder: str, change: Callable[[pd.DataFrame], pd.DataFrame]
) -> pd.DataFrame:
    """Apply ``change`` to a coder's codings and write the result before returning it.

    A fallback for ``resilience_qda.io.project.update_codings`` (same signature): the
    coder's file is read, changed and replaced atomically under :data:`WRITE_LOCK`. If
    ``change`` raises, nothing is written.

    Examples
    --------
    >>> def add(table):  # doctest: +SKIP
    ...     return pd.concat([table, new_rows])
    >>> update_codings("my-project", "A", add)  # doctest: +SKIP
    """
    with WRITE_LOCK:
        current = read_coder_codings(path, coder)
        new = change(current.copy())
        others = sorted(set(new["coder"]) - {coder}) if len(new) else []
        if others:
            raise CodingsError(
                f"a change to the codings of {coder!r} returned rows of coder(s) "
                f"{', '.join(map(repr, others))}"
            )
        if len(new):
            write_codings(new, path)
        else:  # write_codings writes one file per coder present: write the empty file here
            header = ",".join([*CODINGS_COLUMNS, *ANCHOR_COLUMNS]) + "\n"
            write_bytes(coder_file(path, coder), header.encode("utf-8"))
        return new


def _update_codings_transactional(
    path: str | os.PathLike, coder: str, change: Callable[[pd.DataFrame], pd.DataFrame]
) -> pd.DataFrame:
    """:func:`resilience_qda.io.project.update_codings` (the project's lock and a
    transaction, so other processes and commands are safe too), with ``change`` given the
    coder's codings without the anchor columns, as the screen has always seen them."""

    def without_anchors(table: pd.DataFrame) -> pd.DataFrame:
        return change(table.drop(columns=[c for c in ANCHOR_COLUMNS if c in table]))

    return project_update_codings(path, coder, without_anchors)


#: The one write path of the coding screen and the widget: the project transaction.
update_codings = _update_codings_transactional


__all__ = [
    "WRITE_LOCK",
    "coder_file",
    "coding_id",
    "read_coder_codings",
    "update_codings",
    "with_ids",
]
