"""The coding screen: code by hand in a browser (``resilience-qda serve``) or in Jupyter
(:class:`CodingWidget`), both writing through :class:`CodingSession`.

Modules: ``session`` (state and operations), ``store`` (the one write path), ``suggestions``
(suggestions and review), ``api`` (the JSON API as functions), ``app`` (the ASGI app and
its security), ``server`` (uvicorn on 127.0.0.1), ``widget`` (the Jupyter widget), and
``static/`` (the page: plain ES modules and CSS, no build step).
"""

from .session import CodingSession

__all__ = ["CodingSession", "CodingWidget"]


def __getattr__(name: str):
    if name == "CodingWidget":  # anywidget is optional: import it only when asked for
        from .widget import CodingWidget

        return CodingWidget
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
