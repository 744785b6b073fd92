"""The web app: the page, its static files and the JSON API, behind a token.

Security (see docs/coding-screen.md):

- the server listens on 127.0.0.1 only, and requests from any other address get 403;
- the ``Host`` header must be ``127.0.0.1:PORT`` or ``localhost:PORT`` (403 otherwise), so a
  web page on another site cannot reach the app by pointing its own name at 127.0.0.1
  (DNS rebinding);
- every request needs the run's token, as ``Authorization: Bearer TOKEN`` or ``?token=``:
  none gives 401, a wrong one 403. The only exceptions are the page's own script and style
  files listed in :data:`BOOTSTRAP` (a ``<script src>`` or ``<link>`` cannot send a header;
  they are the package's public code and hold no project data);
- a request with an ``Origin`` header from another origin gets 403;
- every answer carries a strict Content-Security-Policy (scripts, styles and requests from
  this origin only; no inline script, no frames, no forms elsewhere), ``no-referrer`` (the
  token never leaks in a Referer header) and ``nosniff``.
"""

from __future__ import annotations

import ipaddress
import secrets
from importlib import resources
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .api import handle, parse_body
from .errors import RequestError
from .session import CodingSession

#: Static files the page loads before it can send the token; served without it.
BOOTSTRAP = frozenset({"app.css", "page.js", "screen.js", "render.js", "dom.js", "api.js"})
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def static_text(name: str) -> str:
    """The text of a file of ``resilience_qda/serve/static``."""
    return (resources.files("resilience_qda.serve") / "static" / name).read_text(encoding="utf-8")


class CodingApp:
    """The ASGI app of a :class:`CodingSession` with a token.

    Parameters
    ----------
    session : CodingSession
    token : str, optional
        Default: a new random token (``secrets.token_urlsafe(32)``).
    port : int, optional
        The port the server listens on, for the ``Host`` check (set by the server once it
        has bound its socket; ``None`` accepts any port on a loopback name).

    Examples
    --------
    >>> app = CodingApp(CodingSession("data/sample"))  # doctest: +SKIP
    >>> uvicorn.run(app, host="127.0.0.1", port=8765)  # doctest: +SKIP
    """

    def __init__(
        self, session: CodingSession, *, token: str | None = None, port: int | None = None
    ):
        self.session = session
        self.token = token or secrets.token_urlsafe(32)
        self.port = port

    # ------------------------------------------------------------------ checks

    def _host_ok(self, host: str) -> bool:
        names = ("127.0.0.1", "localhost", "[::1]")
        if self.port is None:
            return any(host == n or host.startswith(n + ":") for n in names)
        return host in {f"{n}:{self.port}" for n in names}

    def _origin_ok(self, origin: str | None) -> bool:
        if origin is None:
            return True
        if self.port is None:
            return origin.startswith(("http://127.0.0.1:", "http://localhost:"))
        return origin in (f"http://127.0.0.1:{self.port}", f"http://localhost:{self.port}")

    def _token_status(self, request: Request) -> int:
        """0 if the request carries the token, else 401 (none) or 403 (a wrong one)."""
        header = request.headers.get("authorization")
        given = None
        if header is not None:
            scheme, _, value = header.partition(" ")
            given = value.strip() if scheme.lower() == "bearer" else ""
        elif "token" in request.query_params:
            given = request.query_params["token"]
        if given is None:
            return 401
        return 0 if secrets.compare_digest(given.encode(), self.token.encode()) else 403

    # ------------------------------------------------------------------ ASGI

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self._respond(request)
        response.raw_headers.extend(HEADERS)
        await response(scope, receive, send)

    async def _respond(self, request: Request) -> Response:
        client = request.client.host if request.client else ""
        try:
            loopback = ipaddress.ip_address(client).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            return _error(403, "the coding screen answers this computer (127.0.0.1) only")
        if not self._host_ok(request.headers.get("host", "")):
            return _error(403, "unexpected Host header; open the address the server printed")
        if not self._origin_ok(request.headers.get("origin")):
            return _error(403, "requests from other web pages are refused")
        raw = request.scope.get("raw_path")
        path = raw.decode("latin-1") if raw else request.url.path  # api.handle decodes once
        if request.method == "GET" and path.startswith("/static/"):
            name = path.removeprefix("/static/")
            if name in BOOTSTRAP:
                return _static(name)
        status = self._token_status(request)
        if status:
            message = (
                "this coding screen needs its token: open the address printed when it "
                "started (…/?token=…), or send Authorization: Bearer TOKEN"
            )
            response = _error(status, message if status == 401 else "wrong token")
            if status == 401:
                response.headers["www-authenticate"] = "Bearer"
            return response
        if path == "/" and request.method == "GET":
            return Response(static_text("index.html"), media_type="text/html; charset=utf-8")
        if path.startswith("/api/"):
            try:
                body = parse_body(await request.body())
            except RequestError as exc:
                return _error(400, str(exc))
            query = dict(parse_qsl(request.url.query))
            query.pop("token", None)
            reply = await run_in_threadpool(handle, self.session, request.method, path, query, body)
            if reply.status == 204:
                return Response(status_code=204)
            return JSONResponse(reply.body, status_code=reply.status)
        return _error(404, f"no page {path}")


def _static(name: str) -> Response:
    suffix = name[name.rfind(".") :]
    return Response(static_text(name), media_type=_TYPES.get(suffix, "text/plain"))


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


__all__ = ["BOOTSTRAP", "CSP", "CodingApp", "static_text"]
