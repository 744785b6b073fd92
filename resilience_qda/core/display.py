"""How the model's objects look in Jupyter: small, escaped HTML (``_repr_html_``).

Every piece of text that comes from a project (document text, names, attributes, code
descriptions) is escaped; nothing here runs script. Codings are shown as highlighted
passages, each with the codes that cover it in its tooltip and a legend of colours.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterable

import pandas as pd

#: Okabe-Ito, lightened for backgrounds: colour-blind readers can tell them apart.
HIGHLIGHTS = ("#cfe3f2", "#f8e3b8", "#c8eadf", "#f0d6e7", "#d3ecf8", "#f6d0bc", "#faf5c0")
#: Characters of a document shown before the rest is cut (a notebook is not a reader).
MAX_CHARS = 20_000

_STYLE = (
    "font-family: system-ui, sans-serif; font-size: 13px; line-height: 1.5; "
    "max-width: 60em; white-space: pre-wrap"
)


def esc(value: object) -> str:
    """``value`` as escaped HTML text (``None`` and NaN as an empty string)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value), quote=True)


def table_html(table: pd.DataFrame, *, max_rows: int = 20) -> str:
    """A DataFrame as an escaped HTML table, cut to ``max_rows`` rows with a note."""
    shown = table.head(max_rows)
    body = shown.to_html(index=False, escape=True, na_rep="", border=0)
    more = len(table) - len(shown)
    note = f"<p><em>{more} more row(s) not shown</em></p>" if more > 0 else ""
    return body + note


def _segments(length: int, spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, list]]:
    """Cut ``[0, length)`` at every span boundary; each piece lists the codes covering it."""
    clamped = ((max(0, s), min(length, e), c) for s, e, c in spans)
    spans = [(s, e, c) for s, e, c in clamped if e > s]
    cuts = sorted({0, length, *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    pieces = []
    for a, b in itertools.pairwise(cuts):
        codes = sorted({c for s, e, c in spans if s <= a and b <= e})
        pieces.append((a, b, codes))
    return pieces


def document_html(
    doc_id: str,
    text: str,
    codings: pd.DataFrame | None = None,
    *,
    kind: str = "",
    max_chars: int = MAX_CHARS,
) -> str:
    """A document's text as HTML with its codings highlighted (escaped).

    Parameters
    ----------
    doc_id, text : str
    codings : DataFrame, optional
        Rows of a codings table for this document (``start``, ``end``, ``code``, and
        ``coder``); a passage's tooltip names every code and coder covering it.
    kind : str
        Shown in the heading.
    max_chars : int
        Text beyond this many characters is cut, with a note.

    Examples
    --------
    >>> rows = pd.DataFrame({"start": [0], "end": [5], "code": ["a<b"], "coder": ["A"]})
    >>> html_ = document_html("d", "Hello <world>", rows)
    >>> "&lt;world&gt;" in html_ and "a&lt;b" in html_
    True
    """
    shown = text[:max_chars]
    codes: list[str] = []
    spans: list[tuple[int, int, str]] = []
    if codings is not None and len(codings):
        labels = codings["code"].astype(str)
        if "coder" in codings:
            labels = labels + " (" + codings["coder"].astype(str) + ")"
        codes = sorted(set(codings["code"].astype(str)))
        spans = list(zip(codings["start"], codings["end"], labels, strict=True))
    colour = {c: HIGHLIGHTS[i % len(HIGHLIGHTS)] for i, c in enumerate(codes)}
    parts = []
    for a, b, covering in _segments(len(shown), spans):
        piece = esc(shown[a:b])
        if covering:
            first = covering[0].rsplit(" (", 1)[0]
            title = esc("; ".join(covering))
            parts.append(f'<mark style="background:{colour[first]}" title="{title}">{piece}</mark>')
        else:
            parts.append(piece)
    legend = "".join(
        f'<span style="background:{colour[c]};padding:0 4px;margin-right:6px">{esc(c)}</span>'
        for c in codes
    )
    cut = (
        f"<p><em>{len(text) - max_chars:,} more characters not shown</em></p>"
        if len(text) > max_chars
        else ""
    )
    count = f", {len(spans)} coding(s)" if codings is not None else ""
    return (
        f"<div><strong>{esc(doc_id)}</strong> <span>({esc(kind)}{', ' if kind else ''}"
        f"{len(text):,} characters{count})</span>"
        + (f"<div style='margin:4px 0'>{legend}</div>" if legend else "")
        + f'<div style="{_STYLE}">{"".join(parts)}</div>{cut}</div>'
    )


def codebook_html(rows: Iterable[tuple[str, str, str, int]], *, title: str = "") -> str:
    """A codebook as a nested list: ``(path, name, description, depth)`` per code, in order;
    a code's description is its tooltip."""
    items, depth = [], -1
    for path, name, description, level in rows:
        while depth < level:
            items.append("<ul>")
            depth += 1
        while depth > level:
            items.append("</ul>")
            depth -= 1
        items.append(f'<li title="{esc(description)}">{esc(name)} <code>{esc(path)}</code></li>')
    items.extend("</ul>" for _ in range(depth + 1))
    return f"<div><strong>{esc(title)}</strong>{''.join(items)}</div>"
