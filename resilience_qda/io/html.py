"""Transcripts saved as HTML (noScribe) or in oTranscribe's ``.otr`` files.

The visible text is kept: each paragraph (``<p>``, ``<div>``, ``<li>``, headings, table
rows) becomes a paragraph of the stored text, ``<br>`` a line break; scripts, styles and the
``<head>`` are dropped. oTranscribe's timestamp buttons
(``<span class="timestamp" data-timestamp="72.5">01:12</span>``) become ``[00:01:12]``, so
that a turn such as ``[00:01:12] Interviewer: ...`` keeps its time. In a noScribe file the
paragraphs before its first audio segment (``<a name="ts_...">``: the title and the note
on the transcription) are left out. Speaker labels are then read like those of any
transcript.
"""

from __future__ import annotations

import os
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

from ..core.errors import ReadError
from .text import decode, normalise
from .whisper import read_json

#: Largest HTML file read.
MAX_HTML_BYTES = 50 * 1024 * 1024
#: Deepest nesting of elements accepted (hostile files nest without end).
MAX_DEPTH = 500

_BLOCKS = {
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "blockquote", "pre", "section", "article", "header", "footer", "dd", "dt", "hr",
}  # fmt: skip
_SKIP = {"script", "style", "head", "title", "template", "noscript"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "wbr"}


class _Text(HTMLParser):
    def __init__(self, name: str):
        super().__init__(convert_charrefs=True)
        self.name = name
        self.parts: list[str] = []
        self.skip = 0
        self.depth = 0
        self.stamp = 0  # inside an oTranscribe timestamp span
        self.block = 0  # where the current block began in parts
        self.first_segment: int | None = None  # where noScribe's first segment's block began

    def handle_starttag(self, tag, attrs):
        if tag not in _VOID:
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ReadError(
                    f"{self.name}: HTML elements are nested more than {MAX_DEPTH} deep; "
                    "not read (it is not a transcript export)"
                )
        if tag in _SKIP:
            self.skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
            self.block = len(self.parts)
        a = dict(attrs)
        if tag == "a" and self.first_segment is None and (a.get("name") or "").startswith("ts_"):
            self.first_segment = self.block
        if tag == "span" and "timestamp" in (a.get("class") or "").split():
            if self.stamp:
                self.stamp += 1
                return
            try:
                seconds = max(0.0, float(a.get("data-timestamp") or "nan"))
            except ValueError:
                seconds = float("nan")
            if seconds == seconds:  # not NaN
                s = int(seconds)
                self.parts.append(f"[{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}] ")
                self.stamp = 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag not in _VOID:
            self.depth = max(0, self.depth - 1)
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        elif tag == "span" and self.stamp:
            self.stamp -= 1

    def handle_data(self, data):
        if not self.skip and not self.stamp:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str, *, name: str = "<html>") -> str:
    """The visible text of an HTML transcript: paragraphs separated by blank lines.

    Examples
    --------
    >>> html_to_text("<p><b>Interviewer:</b> Hi.<br>Go on.</p><p>P: Well&hellip;</p>")
    'Interviewer: Hi.\\nGo on.\\n\\nP: Well…\\n'
    >>> html_to_text('<p><span class="timestamp" data-timestamp="72.5">01:12</span> I: So?</p>')
    '[00:01:12] I: So?\\n'
    """
    parser = _Text(name)
    try:
        parser.feed(markup)
        parser.close()
    except RecursionError:
        raise ReadError(f"{name}: the HTML is nested too deeply; not read") from None
    parts = parser.parts[parser.first_segment or 0 :]  # noScribe: no title and tool notes
    text = unicodedata.normalize("NFC", "".join(parts))
    paragraphs = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = [" ".join(line.split()) for line in block.split("\n")]
        block = "\n".join(line for line in lines if line)
        if block:
            paragraphs.append(block)
    if not paragraphs:
        raise ReadError(f"{name}: the HTML has no visible text")
    return "\n\n".join(paragraphs) + "\n"


def read_html(path: str | os.PathLike, *, encoding: str | None = None) -> tuple[str, str]:
    """Read an ``.html`` transcript (e.g. from noScribe): ``(text, encoding)``."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ReadError(f"{path}: no such file") from None
    if size > MAX_HTML_BYTES:
        raise ReadError(
            f"{path}: is {size:,} bytes; HTML files larger than {MAX_HTML_BYTES:,} bytes are "
            "not read"
        )
    data = path.read_bytes()
    if not data.strip():
        raise ReadError(f"{path}: the file is empty; nothing to read")
    head = data[:2048].decode("ascii", errors="ignore")
    declared = re.search(r"<meta[^>]+charset=[\"']?([\w-]+)", head, re.IGNORECASE)
    try:
        markup, used = decode(
            data, name=str(path), encoding=encoding or (declared.group(1) if declared else None)
        )
    except ReadError:
        if encoding:
            raise
        markup, used = decode(data, name=str(path))  # the declared charset was wrong
    return html_to_text(normalise(markup, name=str(path)), name=str(path)), used


def read_otr(path: str | os.PathLike) -> str:
    """Read an oTranscribe ``.otr`` file (JSON whose ``text`` is the transcript's HTML)."""
    data = read_json(path, limit=MAX_HTML_BYTES)
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise ReadError(
            f"{path}: not an oTranscribe file (a JSON object with the transcript's HTML as 'text')"
        )
    return html_to_text(normalise(data["text"], name=str(path)), name=str(path))


__all__ = ["html_to_text", "read_html", "read_otr"]
