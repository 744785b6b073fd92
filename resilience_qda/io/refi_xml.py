"""REFI-QDA XML helpers: names matched by local name, GUIDs, code definitions (parsing is
:func:`resilience_qda.io.container.parse_xml`)."""

from __future__ import annotations

import json
import os
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from ..core.errors import ReadError
from ..core.model import Code

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
#: Largest XML file (or source text outside an archive) read.
MAX_XML_BYTES = 256 * 2**20
_GUID = re.compile(
    r"^\{?([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?"
    r"([0-9a-fA-F]{12})\}?$"
)
_SCHEMA_GUID = re.compile(
    r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$|"
    r"^(\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\})$"
)
#: Namespace of the GUIDs we make (uuid5 of content), so exports are stable.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/resilience-qda/refi")


#: Namespaces of REFI-QDA files we know (1.0, and the draft some codebook exporters write).
KNOWN_NAMESPACES = {
    "Project": (PROJECT_NS,),
    "CodeBook": (CODEBOOK_NS, "urn:QDA-XML:codebook:0:4"),
}


def namespace_note(root: ET.Element, *, name: str) -> str | None:
    """A warning when the root element's XML namespace is not a REFI-QDA one.

    >>> namespace_note(ET.fromstring('<Project xmlns="urn:other"/>'), name="x.qde")
    "x.qde: the XML namespace is 'urn:other', not REFI-QDA's urn:QDA-XML:project:1.0; \
read by element names anyway: check that a REFI-QDA exporter wrote the file"
    """
    tag = root.tag if isinstance(root.tag, str) else ""
    ns = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
    known = KNOWN_NAMESPACES.get(local(tag), ())
    if not known or ns in known:
        return None
    shown = repr(ns) if ns else "missing"
    return (
        f"{name}: the XML namespace is {shown}, not REFI-QDA's {known[0]}; read by element "
        "names anyway: check that a REFI-QDA exporter wrote the file"
    )


def local(tag: object) -> str:
    """Local name of an element tag (``{urn:...}Code`` -> ``Code``)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(elem: ET.Element, name: str) -> list[ET.Element]:
    """Direct children with local name ``name``."""
    return [c for c in elem if local(c.tag) == name]


def child(elem: ET.Element, name: str) -> ET.Element | None:
    for c in elem:
        if local(c.tag) == name:
            return c
    return None


def child_text(elem: ET.Element, name: str) -> str:
    c = child(elem, name)
    return (c.text or "") if c is not None else ""


def walk(elem: ET.Element) -> Iterator[tuple[ET.Element, ET.Element | None]]:
    """Every element below ``elem`` with its parent, document order."""
    stack = [(elem, None)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        stack.extend((c, node) for c in reversed(list(node)))


def guid_key(value: str | None) -> str:
    """A GUID normalised for look-up: lower case, no braces; other strings stripped as is.

    >>> guid_key("{1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294}")
    '1ff58b12-6f6f-4b0c-8be5-bbdc91f55294'
    """
    value = (value or "").strip()
    m = _GUID.match(value)
    return "-".join(m.groups()).lower() if m else value


def is_schema_guid(value: str | None) -> bool:
    """True when ``value`` matches the schema's GUID pattern (and may be written back)."""
    return bool(value and _SCHEMA_GUID.match(value))


def make_guid(*parts: object) -> str:
    """A stable GUID from content (uuid5), upper case like most producers write them.

    >>> make_guid("code", "themes") == make_guid("code", "themes")
    True
    """
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(map(str, parts)))).upper()


_FOLD = (
    ("include", "Include: "),
    ("exclude", "Exclude: "),
    ("examples", "Examples: "),
    ("negative", "Negative case: "),
    ("patterns", "Rules: "),
)


def fold_definition(code: Code) -> str:
    """The description written for a code: its description, then include/exclude/examples,
    ``Negative case: yes`` for a negative code and its rule patterns (as JSON), on lines
    other tools show as text and our reader splits off again.

    >>> from resilience_qda.core.model import Code
    >>> print(fold_definition(Code("hope", "Hope", "Looking forward.",
    ...                            patterns={"phrases": ["look forward"]})))
    Looking forward.
    <BLANKLINE>
    Rules: {"phrases":["look forward"]}
    """
    lines = [f"{label}{getattr(code, key)}" for key, label in _FOLD[:2] if getattr(code, key)]
    if code.examples:
        lines.append("Examples: " + " | ".join(code.examples))
    if code.negative:
        lines.append("Negative case: yes")
    if code.patterns:
        rules = json.dumps(dict(code.patterns), ensure_ascii=False, separators=(",", ":"))
        lines.append("Rules: " + rules)
    if not lines:
        return code.description
    return (code.description + "\n\n" if code.description else "") + "\n".join(lines)


def unfold_definition(text: str) -> dict:
    """Inverse of :func:`fold_definition`: ``description``, ``include``, ``exclude``,
    ``examples``, ``negative`` and ``patterns`` from a written description (a ``Rules:``
    line that is not a JSON object leaves the whole description as it is).

    >>> unfold_definition("Hope.\\n\\nInclude: plans\\nExamples: a | b")["examples"]
    ('a', 'b')
    >>> unfold_definition("Doubt.\\n\\nNegative case: yes")["negative"]
    True
    >>> unfold_definition('Rules: {"words": ["hope"]}')["patterns"]
    {'words': ['hope']}
    """
    out: dict = {
        "description": text,
        "include": "",
        "exclude": "",
        "examples": (),
        "negative": False,
        "patterns": {},
    }
    head, sep, tail = text.rpartition("\n\n")
    block = tail if sep else text
    lines = block.split("\n")
    if not lines or not all(any(ln.startswith(lbl) for _, lbl in _FOLD) for ln in lines):
        return out
    found: dict = {}
    for ln in lines:
        for key, label in _FOLD:
            if ln.startswith(label):
                value = ln[len(label) :]
                if key == "examples":
                    found[key] = tuple(v.strip() for v in value.split(" | "))
                elif key == "negative":
                    found[key] = value.strip().lower() in ("yes", "true")
                elif key == "patterns":
                    try:
                        found[key] = json.loads(value)
                    except ValueError:
                        return out
                    if not isinstance(found[key], dict):
                        return out
                else:
                    found[key] = value
    out.update(found)
    out["description"] = head if sep else ""
    return out


def read_capped(path: str | os.PathLike, cap: int = MAX_XML_BYTES) -> bytes:
    """The bytes of a file, refused when larger than ``cap``."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ReadError(f"{path}: no such file") from None
    if size > cap:
        raise ReadError(f"{path}: is {size:,} bytes, more than the {cap:,} allowed; refused")
    with open(path, "rb") as fh:
        return fh.read(min(cap, size) + 1)
