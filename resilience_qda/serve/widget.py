"""``CodingWidget``: the coding screen in Jupyter (anywidget), writing through the same API.

The front end is the page's own component (``static/screen.js`` and the modules it uses,
joined into one ES module); its API calls travel as widget messages and are answered by
:func:`resilience_qda.serve.api.handle`, the function behind the web app's routes.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

try:
    import anywidget
    import traitlets
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "CodingWidget needs anywidget: pip install 'resilience-qda[widget]' (or pip install "
        "anywidget)"
    ) from exc

from ..core.model import Project
from .api import handle
from .app import static_text
from .session import CodingSession

#: The page's modules in dependency order, joined into the widget's one ES module.
MODULES = ("dom.js", "api.js", "render.js", "screen.js", "widget.js")
_LOCAL_IMPORT = re.compile(r'^import\s+\{[^}]*\}\s+from\s+"\./[\w.-]+\.js";[ \t]*$', re.MULTILINE)


def widget_esm() -> str:
    """The widget's ES module: the screen's modules joined, their local imports removed."""
    return "\n".join(_LOCAL_IMPORT.sub("", static_text(name)) for name in MODULES)


class CodingWidget(anywidget.AnyWidget):
    """Code a document of a project by hand in a notebook.

    Parameters
    ----------
    project : Project or path-like
        A project read from a folder (``rq.read_project``), or the folder itself; codings
        are written to its ``codings/<coder>.csv`` as they are made.
    doc_id : str, optional
        The document to open first (default: the first).
    coder : str, optional
        Who codes (default: the login name).
    height : int
        Height of the screen in pixels.

    Examples
    --------
    >>> import resilience_qda as rq
    >>> rq.CodingWidget("data/sample", "interview-L", coder="Kath")  # doctest: +SKIP
    """

    _esm = widget_esm()
    _css = static_text("app.css")
    doc_id = traitlets.Unicode("").tag(sync=True)
    coder = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Int(640).tag(sync=True)

    def __init__(
        self,
        project: Project | str | os.PathLike,
        doc_id: str | None = None,
        *,
        coder: str | None = None,
        height: int = 640,
    ):
        path = project.path if isinstance(project, Project) else project
        if path is None:
            raise ValueError(
                "CodingWidget needs a project read from a folder (its path is where codings "
                "are written); this Project has no path: write it with rq.write_project first"
            )
        session = CodingSession(path, coder=coder)
        if doc_id is not None:
            session.document_or_404(doc_id)
        super().__init__(doc_id=doc_id or "", coder=session.coder, height=height)
        self.session = session
        self.on_msg(self._on_message)

    def _on_message(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("kind") == "request":
            self.send(self.answer(content))

    def answer(self, message: dict) -> dict:
        """The reply to one request message ``{id, method, path, query, body}``."""
        parts = urlsplit(str(message.get("path", "")))
        query = message.get("query") or {}
        reply = handle(
            self.session,
            str(message.get("method", "GET")),
            parts.path,
            {str(k): str(v) for k, v in query.items()},
            message.get("body"),
        )
        return {
            "kind": "reply",
            "id": message.get("id"),
            "status": reply.status,
            "body": reply.body,
        }


__all__ = ["MODULES", "CodingWidget", "widget_esm"]
