"""Run the coding screen: bind 127.0.0.1, print the address with its token, serve."""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import sys
import threading
import time
import webbrowser
from typing import TextIO

import uvicorn

from ..core.errors import ProjectError
from .app import CodingApp
from .session import CodingSession

#: The port used when none is given (``port=0`` picks a free one).
DEFAULT_PORT = 8765
HOST = "127.0.0.1"


def bind(port: int) -> socket.socket:
    """A listening TCP socket on 127.0.0.1 (``port=0``: a free port)."""
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise ProjectError(f"port must be a whole number from 0 to 65535; got {port!r}")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ProjectError(
                f"port {port} on {HOST} is in use (another coding screen?); give another "
                "port, or port 0 for any free one"
            ) from None
        raise
    sock.listen(128)
    return sock


def _server(app: CodingApp, sock: socket.socket) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,  # request lines would print the token
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    return uvicorn.Server(config)


def serve(
    path: str | os.PathLike,
    *,
    coder: str | None = None,
    port: int = DEFAULT_PORT,
    open_browser: bool = True,
    out: TextIO | None = None,
) -> None:
    """Serve the coding screen of a project until interrupted (Ctrl-C).

    The first line written to ``out`` (default stdout) is the address with the run's token,
    ``http://127.0.0.1:PORT/?token=TOKEN``.

    Examples
    --------
    >>> serve("data/sample", coder="Kath", port=0)  # doctest: +SKIP
    http://127.0.0.1:40123/?token=...
    """
    out = out or sys.stdout
    session = CodingSession(path, coder=coder)
    sock = bind(port)
    app = CodingApp(session, port=sock.getsockname()[1])
    url = f"http://{HOST}:{app.port}/?token={app.token}"
    print(url, file=out, flush=True)
    print(
        f"coding {session.root} as {session.coder!r}; press Ctrl-C to stop",
        file=sys.stderr,
        flush=True,
    )
    server = _server(app, sock)
    if open_browser:
        threading.Thread(target=_open_when_started, args=(server, url), daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


def _open_when_started(server: uvicorn.Server, url: str) -> None:
    for _ in range(200):
        if server.started:
            with contextlib.suppress(webbrowser.Error):
                webbrowser.open(url)
            return
        time.sleep(0.05)


class BackgroundServer:
    """The coding screen served from a thread of this process (notebooks, tests).

    Examples
    --------
    >>> with BackgroundServer(CodingSession("data/sample")) as srv:  # doctest: +SKIP
    ...     print(srv.url)
    """

    def __init__(self, session: CodingSession, *, port: int = 0):
        self.sock = bind(port)
        self.app = CodingApp(session, port=self.sock.getsockname()[1])
        self.url = f"http://{HOST}:{self.app.port}/?token={self.app.token}"
        self.server = _server(self.app, self.sock)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> BackgroundServer:
        self.thread.start()
        for _ in range(400):
            if self.server.started:
                return self
            time.sleep(0.025)
        raise RuntimeError("the coding screen's server did not start within 10 s")

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


__all__ = ["DEFAULT_PORT", "BackgroundServer", "bind", "serve"]
