"""Render a :class:`~resilience_qda.report.document.Report` as one HTML page.

One Jinja2 template (``templates/report.html.j2``) with autoescaping: every text from the
project is escaped exactly once, by the template. The page allows no scripts (a strict
Content-Security-Policy); figures are embedded as SVG data URIs in ``<img>`` elements, so
nothing inside them can run.
"""

from __future__ import annotations

import base64

import jinja2

from .document import Report

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("resilience_qda.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render_page(report: Report, svgs: dict[str, bytes], *, version: str) -> str:
    """The report as an HTML page; ``svgs`` maps each figure's name to its SVG bytes."""
    images = {
        name: "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
        for name, svg in svgs.items()
    }
    return _ENV.get_template("report.html.j2").render(
        report=report, images=images, version=version, contents=report.contents()
    )
