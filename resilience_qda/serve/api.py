"""The JSON API of the coding screen, as plain functions of a request.

:func:`handle` takes a method, a path, the query and the JSON body and returns a
:class:`Reply` (status and JSON body). The web app (:mod:`.app`) and the Jupyter widget
(:mod:`.widget`) both call it, so the page and the widget read and write through the same
code. The routes (a contract; see docs/coding-screen.md):

======  ==============================  ===============================================
GET     /api/project                    documents, codes, coders
GET     /api/documents/{doc_id}         doc_id, text, turns, codings (with ids), memos
GET     /api/codings                    codings (``?doc_id=``, ``?coder=``)
POST    /api/codings                    201 the stored coding; 409 if it exists
PATCH   /api/codings/{id}               200 the coding with a new code, span or memo
DELETE  /api/codings/{id}               204
POST    /api/undo, /api/redo            ``{coder}``: that coder's last change
GET     /api/history                    ``?coder=``: changes to undo and redo
GET     /api/memos                      memos (``?doc_id=``)
POST    /api/memos                      201 a memo on a document, passage, code or coding
DELETE  /api/memos/{memo_id}            204
POST    /api/codes                      201 a new code written to codebook.yaml
GET     /api/suggestions                ``?doc_id=&coder=&source=``; ``/sources``
POST    /api/suggestions/accept|reject  ``{doc_id, coder, source, id}``
GET     /api/disagreement               ``?doc_id=&coders=A,B``
======  ==============================  ===============================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from ..core.errors import QDAError
from . import suggestions as sugg
from .errors import ConflictError, NotFoundError, RequestError
from .session import CodingSession, records

#: Largest request body accepted, in bytes.
MAX_BODY = 1_000_000


@dataclass(frozen=True)
class Reply:
    """An answer: HTTP status and a JSON-serialisable body (None for 204)."""

    status: int
    body: object = None


def _fields(body: object, allowed: set[str], required: set[str] = frozenset()) -> dict:
    if not isinstance(body, dict):
        raise RequestError(f"the request body must be a JSON object; got {type(body).__name__}")
    missing = sorted(required - set(body))
    if missing:
        raise RequestError(f"missing field(s): {', '.join(missing)}")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise RequestError(
            f"unknown field(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )
    return body


def _coder(session: CodingSession, value: object) -> str:
    return session.coder if value is None or value == "" else value


# --------------------------------------------------------------------------- handlers


def _project(s, q, b, **_):
    return Reply(200, s.project_view())


def _document(s, q, b, doc_id):
    return Reply(200, s.document_view(doc_id))


def _list_codings(s, q, b, **_):
    table = s.codings()
    if q.get("doc_id"):
        table = table[table["doc_id"] == q["doc_id"]]
    if q.get("coder"):
        table = table[table["coder"] == q["coder"]]
    return Reply(200, {"codings": [s.coding_dict(r) for r in records(table.drop(columns="id"))]})


def _add_coding(s, q, b, **_):
    f = _fields(
        b,
        {"doc_id", "start", "end", "code", "coder", "memo"},
        {"doc_id", "start", "end", "code"},
    )
    coding = s.add_coding(
        f["doc_id"],
        f["start"],
        f["end"],
        f["code"],
        coder=_coder(s, f.get("coder")),
        memo=f.get("memo"),
    )
    return Reply(201, coding)


def _patch_coding(s, q, b, coding_id):
    f = _fields(b, {"code", "start", "end", "memo"})
    return Reply(200, s.update_coding(coding_id, **f))


def _delete_coding(s, q, b, coding_id):
    s.delete_coding(coding_id)
    return Reply(204)


def _undo(s, q, b, **_):
    f = _fields(b if b is not None else {}, {"coder"})
    return Reply(200, s.undo(_coder(s, f.get("coder"))))


def _redo(s, q, b, **_):
    f = _fields(b if b is not None else {}, {"coder"})
    return Reply(200, s.redo(_coder(s, f.get("coder"))))


def _history(s, q, b, **_):
    coder = _coder(s, q.get("coder"))
    return Reply(200, {"coder": coder, **s.history(coder)})


def _memos(s, q, b, **_):
    memos = s.memos()
    if q.get("doc_id"):
        memos = memos[memos["doc_id"] == q["doc_id"]]
    return Reply(200, {"memos": records(memos)})


def _add_memo(s, q, b, **_):
    f = _fields(b, {"text", "doc_id", "code", "start", "end", "coder", "author"}, {"text"})
    text = f.pop("text")
    return Reply(201, s.add_memo(text, **f))


def _delete_memo(s, q, b, memo_id):
    s.delete_memo(memo_id)
    return Reply(204)


def _add_code(s, q, b, **_):
    f = _fields(b, {"name", "parent", "description"}, {"name"})
    return Reply(
        201,
        s.create_code(f["name"], parent=f.get("parent") or None, description=f.get("description")),
    )


def _sources(s, q, b, **_):
    return Reply(200, {"sources": sugg.sources(s, _coder(s, q.get("coder")))})


def _suggestions(s, q, b, **_):
    if not q.get("doc_id") or not q.get("source"):
        raise RequestError("give doc_id and source (coder:NAME, rules or model:NAME)")
    view = sugg.suggestion_view(s, q["doc_id"], coder=_coder(s, q.get("coder")), source=q["source"])
    return Reply(200, view)


def _decide(accepting: bool):
    def handler(s, q, b, **_):
        f = _fields(b, {"doc_id", "coder", "source", "id"}, {"doc_id", "source", "id"})
        args = (s, f["doc_id"], f["id"])
        kw = {"coder": _coder(s, f.get("coder")), "source": f["source"]}
        if accepting:
            return Reply(201, sugg.accept(*args, **kw))
        sugg.reject(*args, **kw)
        return Reply(204)

    return handler


def _disagreement(s, q, b, **_):
    coders = [c for c in (q.get("coders") or "").split(",") if c]
    if not q.get("doc_id"):
        raise RequestError("give doc_id and coders=A,B")
    return Reply(200, sugg.disagreement(s, q["doc_id"], coders))


_SEG = r"(?P<{}>[^/]+)"
ROUTES: list[tuple[str, re.Pattern, Callable]] = [
    (m, re.compile(p + r"\Z"), h)
    for m, p, h in [
        ("GET", r"/api/project", _project),
        ("GET", r"/api/documents/" + _SEG.format("doc_id"), _document),
        ("GET", r"/api/codings", _list_codings),
        ("POST", r"/api/codings", _add_coding),
        ("PATCH", r"/api/codings/" + _SEG.format("coding_id"), _patch_coding),
        ("DELETE", r"/api/codings/" + _SEG.format("coding_id"), _delete_coding),
        ("POST", r"/api/undo", _undo),
        ("POST", r"/api/redo", _redo),
        ("GET", r"/api/history", _history),
        ("GET", r"/api/memos", _memos),
        ("POST", r"/api/memos", _add_memo),
        ("DELETE", r"/api/memos/" + _SEG.format("memo_id"), _delete_memo),
        ("POST", r"/api/codes", _add_code),
        ("GET", r"/api/suggestions/sources", _sources),
        ("GET", r"/api/suggestions", _suggestions),
        ("POST", r"/api/suggestions/accept", _decide(True)),
        ("POST", r"/api/suggestions/reject", _decide(False)),
        ("GET", r"/api/disagreement", _disagreement),
    ]
]


def parse_body(raw: bytes) -> object:
    """The JSON of a request body (None when empty); :class:`RequestError` if malformed."""
    if not raw:
        return None
    if len(raw) > MAX_BODY:
        raise RequestError(f"the request body is {len(raw)} bytes; the limit is {MAX_BODY}")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(f"the request body is not JSON ({exc})") from None


def handle(
    session: CodingSession, method: str, path: str, query: dict | None = None, body=None
) -> Reply:
    """Answer one API request. ``path`` is percent-decoded segment by segment here.

    Errors become JSON ``{"error": message}`` with their status (400, 404, 405, 409);
    anything unexpected propagates (a bug: the web app answers 500).

    Examples
    --------
    >>> handle(session, "GET", "/api/project").status  # doctest: +SKIP
    200
    """
    query = query or {}
    allowed = []
    for route_method, pattern, handler in ROUTES:
        m = pattern.match(path)
        if not m:
            continue
        allowed.append(route_method)
        if route_method != method.upper():
            continue
        params = {k: unquote(v) for k, v in m.groupdict().items()}
        try:
            return handler(session, query, body, **params)
        except (RequestError, NotFoundError) as exc:
            return Reply(exc.status, {"error": str(exc)})
        except ConflictError as exc:
            return Reply(409, {"error": str(exc), **exc.detail})
        except QDAError as exc:  # e.g. a codings file that cannot be read or written
            return Reply(400, {"error": str(exc)})
    if allowed:
        return Reply(405, {"error": f"{method} is not allowed on {path}; use {', '.join(allowed)}"})
    return Reply(404, {"error": f"no API route {path}"})


__all__ = ["MAX_BODY", "ROUTES", "Reply", "handle", "parse_body"]
