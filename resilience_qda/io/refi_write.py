"""Writing REFI-QDA: stable GUIDs, the round-trip data kept beside a project folder, and
codebooks (``.qdc``) valid against the 1.0 schema. Projects are written by :mod:`.refi_qde`.

GUIDs are stable: a GUID read from another tool is written back; anything else gets a uuid5 of
its content, so the same project exported twice gives the same GUIDs.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ..core.errors import CodebookError, ProjectError
from ..core.model import Codebook, Project
from ..core.version import __version__
from .atomic import write_text
from .refi_xml import CODEBOOK_NS, fold_definition, is_schema_guid, make_guid

EXCHANGE_FILE = "refi-exchange.json"
ORIGIN = f"resilience-qda {__version__}"
_RGB = re.compile(r"^#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --------------------------------------------------------------------------- exchange data


def exchange_of(project: Project) -> dict:
    """``project.exchange["refi"]``, loaded from the project folder's sidecar if not in memory."""
    refi = project.exchange.get("refi")
    if refi:
        return refi
    sidecar = Path(project.path or "") / EXCHANGE_FILE
    if project.path and sidecar.is_file():
        try:
            data = json.loads(sidecar.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ProjectError(
                f"{sidecar}: is not valid JSON ({exc}); fix it, or delete it to export with "
                "new GUIDs"
            ) from None
        if isinstance(data, dict):
            return data
    return {}


def save_exchange(project: Project, folder: str | os.PathLike) -> Path | None:
    """Write the round-trip data (GUIDs, sets, variable types) beside a project folder's files.

    The file ``refi-exchange.json`` is optional: without it an export makes new stable GUIDs.
    """
    refi = {k: v for k, v in exchange_of(project).items() if k != "report"}
    guids = dict(refi.get("guids", {}))
    for code in project.codebook:
        if code.guid:
            guids[f"code:{code.path}"] = code.guid
    refi["guids"] = guids
    if not any(refi.get(k) for k in ("guids", "sets", "variables")):
        return None
    target = Path(folder) / EXCHANGE_FILE
    write_text(target, json.dumps(refi, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return target


class Ids:
    """GUIDs: the one read from another tool when valid, else a uuid5 of the content."""

    def __init__(self, known: dict[str, str]):
        self.known = known
        self.used: set[str] = set()

    def __call__(self, key: str, prefer: str | None = None) -> str:
        for guid in (prefer, self.known.get(key)):
            if is_schema_guid(guid) and guid.lower() not in self.used:
                break
        else:
            guid, n = make_guid(key), 1
            while guid.lower() in self.used:
                n += 1
                guid = make_guid(key, n)
        self.used.add(guid.lower())
        return guid


# --------------------------------------------------------------------------- codebook


def _color(value: str | None) -> str | None:
    if not value:
        return None
    if _RGB.match(str(value)):
        return str(value)
    try:
        from matplotlib.colors import to_hex

        return to_hex(str(value)).upper()
    except ValueError:
        return None


def code_elements(parent: ET.Element, codebook: Codebook, ids: Ids, ns: str) -> dict:
    by_path: dict[str, ET.Element] = {}
    guids: dict[str, str] = {}

    def add(path: str, into: ET.Element) -> None:
        code = codebook[path]
        guid = ids(f"code:{path}", prefer=code.guid)
        guids[path] = guid
        attrs = {"guid": guid, "name": code.name, "isCodable": "true" if code.codable else "false"}
        color = _color(code.color)
        if color:
            attrs["color"] = color
        elem = ET.SubElement(into, f"{{{ns}}}Code", attrs)
        definition = fold_definition(code)
        if definition:
            ET.SubElement(elem, f"{{{ns}}}Description").text = definition
        by_path[path] = elem
        for kid in codebook.children(path):
            add(kid, elem)

    for root in codebook.roots:
        add(root, parent)
    return {"elements": by_path, "guids": guids}


def codebook_to_qdc(codebook: Codebook) -> str:
    """A codebook as REFI-QDA ``.qdc`` XML (valid against ``Codebook.xsd``).

    Examples
    --------
    >>> from resilience_qda.io.codebook import read_codebook
    >>> xml = codebook_to_qdc(read_codebook("cop-evaluation"))
    >>> xml.startswith('<?xml version="1.0" encoding="utf-8"?>')
    True
    """
    if not len(codebook):
        raise CodebookError(
            f"codebook {codebook.name!r} has no codes; a .qdc file needs at least one"
        )
    ET.register_namespace("", CODEBOOK_NS)
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", {"origin": ORIGIN})
    codes = ET.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    refi = codebook.exchange.get("refi", {})
    ids = Ids(dict(refi.get("guids", {})))
    made = code_elements(codes, codebook, ids, CODEBOOK_NS)
    sets = [s for s in refi.get("sets", []) if s.get("name")]
    if sets:
        sets_elem = ET.SubElement(root, f"{{{CODEBOOK_NS}}}Sets")
        for s in sets:
            guid = s.get("guid") if is_schema_guid(s.get("guid")) else make_guid("set", s["name"])
            el = ET.SubElement(
                sets_elem, f"{{{CODEBOOK_NS}}}Set", {"guid": guid, "name": s["name"]}
            )
            if s.get("description"):
                ET.SubElement(el, f"{{{CODEBOOK_NS}}}Description").text = s["description"]
            for path in s.get("codes", []):
                if path in made["guids"]:
                    ET.SubElement(el, f"{{{CODEBOOK_NS}}}MemberCode", {"guid": made["guids"][path]})
    return serialise(root)


def write_qdc(codebook: Codebook, path: str | os.PathLike) -> Path:
    """Write a codebook as a ``.qdc`` file (atomically).

    Examples
    --------
    >>> from resilience_qda.io.codebook import read_codebook
    >>> write_qdc(read_codebook("cop-evaluation"), "cop-evaluation.qdc")  # doctest: +SKIP
    PosixPath('cop-evaluation.qdc')
    """
    write_text(path, codebook_to_qdc(codebook))
    return Path(path)


def serialise(root: ET.Element) -> str:
    for elem in root.iter():  # XML 1.0 cannot hold most control characters
        if elem.text and _NOT_XML.search(elem.text):
            elem.text = _NOT_XML.sub("\ufffd", elem.text)
        for key, value in elem.attrib.items():
            if _NOT_XML.search(value):
                elem.set(key, _NOT_XML.sub("\ufffd", value))
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"
