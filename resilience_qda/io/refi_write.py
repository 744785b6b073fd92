"""Writing REFI-QDA projects (``.qdpx``) and codebooks (``.qdc``) valid against the 1.0 schemas.

Sources are written as UTF-8 without BOM with LF line ends, positions count code points (or
UTF-16 code units with ``nvivo=True``), the selection ``name`` holds the selected text, and
GUIDs are stable: a GUID read from another tool is written back; anything else gets a uuid5
of its content, so the same project exported twice gives the same GUIDs.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from ..errors import CodebookError, QDAWarning
from ..model import Code, Codebook, Project
from .atomic import write_bytes, write_text
from .refi_xml import CODEBOOK_NS, PROJECT_NS, fold_definition, is_schema_guid, make_guid

EXCHANGE_FILE = "refi-exchange.json"
ORIGIN = f"resilience-qda {__version__}"
_RGB = re.compile(r"^#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_SKIP_META = {"case", "n_chars", "n_words", "original_file", "encoding"}


# --------------------------------------------------------------------------- exchange data


def exchange_of(project: Project) -> dict:
    """``project.exchange["refi"]``, loaded from the project folder's sidecar if not in memory."""
    refi = project.exchange.get("refi")
    if refi:
        return refi
    if project.path and (Path(project.path) / EXCHANGE_FILE).is_file():
        return json.loads((Path(project.path) / EXCHANGE_FILE).read_text(encoding="utf-8"))
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


class _Ids:
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


def _code_elements(parent: ET.Element, codebook: Codebook, ids: _Ids, ns: str) -> dict:
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
    ids = _Ids(dict(refi.get("guids", {})))
    made = _code_elements(codes, codebook, ids, CODEBOOK_NS)
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
    return _serialise(root)


def write_qdc(codebook: Codebook, path: str | os.PathLike) -> Path:
    """Write a codebook as a ``.qdc`` file (atomically)."""
    write_text(path, codebook_to_qdc(codebook))
    return Path(path)


def _serialise(root: ET.Element) -> str:
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


# --------------------------------------------------------------------------- project


def _utf16_positions(text: str) -> np.ndarray:
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return np.concatenate([[0], np.cumsum(1 + (cps > 0xFFFF), dtype=np.int64)])


def _value(value: object) -> tuple[str, str] | None:
    """(schema type, text) of an attribute value; None for blanks."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "Boolean", "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return "Integer", str(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isinf(value):
            return "Text", str(value)
        return "Float", format(Decimal(repr(float(value))), "f")
    text = str(value)
    if not text.strip():
        return None
    return "Text", text


def _typed_text(kind: str, text: str) -> tuple[str, str]:
    if kind == "Date" and _DATE.match(text):
        return "Date", text
    if kind == "DateTime" and _DATETIME.match(text):
        return "DateTime", text
    return "Text", text


def project_to_qde(
    project: Project, *, nvivo: bool = False
) -> tuple[str, dict[str, bytes], list[str]]:
    """The ``project.qde`` XML of a project, the source files it refers to, and warnings.

    Parameters
    ----------
    project : Project
    nvivo : bool
        Write positions as UTF-16 code units (what NVivo reads) instead of code points.

    Returns
    -------
    (xml, files, warnings)
        ``files`` maps member names (``sources/<guid>.txt``) to UTF-8 bytes.
    """
    refi = exchange_of(project)
    ids = _Ids(dict(refi.get("guids", {})))
    var_types: dict[str, str] = dict(refi.get("variables", {}))
    described: dict[str, str] = dict(refi.get("descriptions", {}))
    notes: list[str] = []
    ns = PROJECT_NS
    ET.register_namespace("", ns)

    def el(parent: ET.Element, tag: str, attrs: dict | None = None, text: str | None = None):
        e = ET.SubElement(
            parent, f"{{{ns}}}{tag}", {k: v for k, v in (attrs or {}).items() if v is not None}
        )
        if text is not None:
            e.text = text
        return e

    meta = refi.get("project", {})
    root = ET.Element(
        f"{{{ns}}}Project",
        {"name": meta.get("name") or Path(project.path or "project").name, "origin": ORIGIN},
    )
    codings = project.codings
    memos = project.memos.sort_values("memo_id", kind="stable")

    # users
    authors = memos.get("author", pd.Series(dtype=object)).dropna()
    known_users = [k[5:] for k in refi.get("guids", {}) if k.startswith("user:")]
    coders = sorted(set(codings["coder"]) | {str(a) for a in authors} | set(known_users))
    user_guid = {c: ids(f"user:{c}") for c in coders}
    if coders:
        users = el(root, "Users")
        for c in coders:
            el(users, "User", {"guid": user_guid[c], "name": c})

    # codes, including codes used by codings but missing from the codebook
    codebook = project.codebook
    missing = sorted(set(codings["code"]) - set(codebook.paths))
    if missing:
        extra: list[Code] = list(codebook)
        have = set(codebook.paths)
        for path in missing:
            parts = path.split("/")
            for i in range(1, len(parts) + 1):
                p = "/".join(parts[:i])
                if p not in have:
                    extra.append(Code(p, parts[i - 1], codable=i == len(parts)))
                    have.add(p)
        codebook = Codebook(extra, name=codebook.name)
        notes.append(
            f"{len(missing)} codes used in codings but not in the codebook were added: "
            + ", ".join(missing)
        )
    code_guid: dict[str, str] = {}
    code_elem: dict[str, ET.Element] = {}
    if len(codebook):
        made = _code_elements(el(el(root, "CodeBook"), "Codes"), codebook, ids, ns)
        code_guid, code_elem = made["guids"], made["elements"]

    # variables (document attributes and case attributes)
    cases = project.corpus.cases
    case_cols = [c for c in cases.columns if c != "case"]
    doc_vars: dict[str, dict[str, object]] = {}
    for doc in project.corpus:
        doc_vars[doc.doc_id] = {k: v for k, v in doc.metadata.items() if k not in _SKIP_META}
    names = sorted({k for v in doc_vars.values() for k in v} | set(case_cols))
    var_guid = {n: ids(f"variable:{n}") for n in names}
    kinds: dict[str, str] = {}
    for n in names:
        values = [v.get(n) for v in doc_vars.values()] + (cases[n].tolist() if n in cases else [])
        types = {t[0] for t in (_value(v) for v in values) if t}
        if types <= {"Integer"} and types:
            kind = "Integer"
        elif types <= {"Integer", "Float"} and types:
            kind = "Float"
        elif types == {"Boolean"}:
            kind = "Boolean"
        else:
            kind = "Text"
        if kind == "Text" and var_types.get(n) in ("Date", "DateTime"):
            texts = [_value(v)[1] for v in values if _value(v)]
            pattern = _DATE if var_types[n] == "Date" else _DATETIME
            if all(pattern.match(t) for t in texts):
                kind = var_types[n]
        kinds[n] = kind
    if names:
        vars_elem = el(root, "Variables")
        for n in names:
            v = el(
                vars_elem, "Variable", {"guid": var_guid[n], "name": n, "typeOfVariable": kinds[n]}
            )
            if described.get(f"variable:{n}"):
                el(v, "Description", text=described[f"variable:{n}"])

    def values_into(parent: ET.Element, values: dict) -> None:
        for n in sorted(values):
            got = _value(values[n])
            if got is None or n not in var_guid:
                continue
            kind, text = got
            if kinds[n] == "Float" and kind == "Integer":
                kind = "Float"
            if kinds[n] in ("Date", "DateTime"):
                kind = kinds[n]
            elif kinds[n] == "Text":
                kind = "Text"
            vv = el(parent, "VariableValue")
            el(vv, "VariableRef", {"targetGUID": var_guid[n]})
            el(vv, f"{kind}Value", text=text)

    # cases
    doc_guid = {d.doc_id: ids(f"source:{d.doc_id}") for d in project.corpus}
    case_names = list(
        dict.fromkeys(
            [
                *map(str, cases["case"]),
                *(str(d.metadata["case"]) for d in project.corpus if d.metadata.get("case")),
            ]
        )
    )
    if case_names:
        cases_elem = el(root, "Cases")
        rows = {str(r["case"]): r for r in cases.to_dict("records")}
        for name in case_names:
            c = el(cases_elem, "Case", {"guid": ids(f"case:{name}"), "name": name})
            if described.get(f"case:{name}"):
                el(c, "Description", text=described[f"case:{name}"])
            values_into(c, {k: v for k, v in rows.get(name, {}).items() if k != "case"})
            for d in project.corpus:
                if str(d.metadata.get("case", "")) == name:
                    el(c, "SourceRef", {"targetGUID": doc_guid[d.doc_id]})

    # memos: where each is attached
    memo_guid: dict[str, str] = {}
    attach: dict[tuple, list[str]] = {}
    for m in memos.to_dict("records"):
        mid = str(m["memo_id"])
        memo_guid[mid] = ids(f"note:{mid}")
        doc, code = _blank_none(m.get("doc_id")), _blank_none(m.get("code"))
        start, end = _blank_none(m.get("start")), _blank_none(m.get("end"))
        if doc is not None and doc not in project.corpus:
            notes.append(
                f"memo {mid!r} annotates unknown document {doc!r}; attached to the project"
            )
            doc = None
        if doc is not None and start is not None and end is not None:
            key = ("sel", doc, int(start), int(end), code, _blank_none(m.get("coder")))
        elif doc is not None:
            key = ("doc", doc)
        elif code is not None and code in code_elem:
            key = ("code", code)
        else:
            key = ("project",)
        attach.setdefault(key, []).append(memo_guid[mid])
    for key, refs in attach.items():
        if key[0] == "code":
            elem = code_elem[key[1]]
            kids = [c for c in elem if c.tag == f"{{{ns}}}Code"]
            for c in kids:
                elem.remove(c)
            for r in refs:
                el(elem, "NoteRef", {"targetGUID": r})
            elem.extend(kids)

    # sources
    files: dict[str, bytes] = {}
    astral: list[str] = []
    if len(project.corpus):
        sources = el(root, "Sources")
        grouped: dict[str, list[dict]] = {}
        for row in codings.to_dict("records"):
            grouped.setdefault(row["doc_id"], []).append(row)
        for doc in project.corpus:
            guid = doc_guid[doc.doc_id]
            member = f"{guid}.txt"
            files[f"sources/{member}"] = doc.text.encode("utf-8")
            src = el(
                sources,
                "TextSource",
                {"guid": guid, "name": doc.doc_id, "plainTextPath": f"internal://{member}"},
            )
            if described.get(f"source:{doc.doc_id}"):
                el(src, "Description", text=described[f"source:{doc.doc_id}"])
            has_astral = _ASTRAL.search(doc.text) is not None
            if has_astral and not nvivo:
                astral.append(doc.doc_id)
            pos = _utf16_positions(doc.text) if nvivo else None
            _selections(
                el, src, doc, grouped.get(doc.doc_id), attach, ids, code_guid, user_guid, pos
            )
            for r in attach.get(("doc", doc.doc_id), []):
                el(src, "NoteRef", {"targetGUID": r})
            values_into(src, doc_vars[doc.doc_id])
    if astral:
        notes.append(
            f"{len(astral)} source(s) have characters beyond U+FFFF (emoji, rare scripts): "
            f"{', '.join(astral[:5])}; positions are code points as REFI-QDA specifies, which "
            "NVivo reads shifted: export with the NVivo option (--nvivo) for NVivo"
        )

    # notes
    if memo_guid:
        notes_elem = el(root, "Notes")
        for m in memos.to_dict("records"):
            mid = str(m["memo_id"])
            attrs = {"guid": memo_guid[mid], "name": str(_blank_none(m.get("name")) or mid)}
            author = _blank_none(m.get("author"))
            if author is not None and str(author) in user_guid:
                attrs["creatingUser"] = user_guid[str(author)]
            created = _blank_none(m.get("created"))
            if created is not None and _DATETIME.match(str(created)):
                attrs["creationDateTime"] = str(created)
            n = el(notes_elem, "Note", attrs)
            el(n, "PlainTextContent", text=str(m.get("text") or ""))

    # sets
    sets = [s for s in refi.get("sets", []) if s.get("name")]
    if sets:
        sets_elem = el(root, "Sets")
        for s in sets:
            se = el(
                sets_elem,
                "Set",
                {"guid": ids(f"set:{s['name']}", prefer=s.get("guid")), "name": s["name"]},
            )
            if s.get("description"):
                el(se, "Description", text=s["description"])
            for tag, table, key in (
                ("MemberCode", code_guid, "codes"),
                ("MemberSource", doc_guid, "sources"),
                ("MemberNote", memo_guid, "notes"),
            ):
                for member_key in s.get(key, []):
                    if member_key in table:
                        el(se, tag, {"targetGUID": table[member_key]})
    if meta.get("description"):
        el(root, "Description", text=meta["description"])
    for r in attach.get(("project",), []):
        el(root, "NoteRef", {"targetGUID": r})
    return _serialise(root), files, notes


def _selections(el, src, doc, rows, attach, ids, code_guid, user_guid, pos) -> None:
    """PlainTextSelection elements of one source: one per selection GUID read, else one per
    range; codings inside; memos attached to a range or a coding."""
    groups: dict[tuple, list[dict]] = {}
    order: list[tuple] = []
    for r in rows or []:
        key = f"{r['doc_id']}|{r['start']}|{r['end']}|{r['code']}|{r['coder']}"
        sel_key = ids.known.get(f"selection:{key}") or f"{r['doc_id']}|{r['start']}|{r['end']}"
        g = (int(r["start"]), int(r["end"]), sel_key)
        if g not in groups:
            groups[g] = []
            order.append(g)
        groups[g].append({**r, "_key": key})
    for key in attach:
        if key[0] == "sel" and key[1] == doc.doc_id and not any(g[:2] == key[2:4] for g in order):
            g = (key[2], key[3], f"{doc.doc_id}|{key[2]}|{key[3]}")
            groups[g] = []
            order.append(g)
    order.sort(key=lambda g: (g[0], g[1], g[2]))
    placed: set[tuple] = set()
    for start, end, sel_key in order:
        members = sorted(groups[(start, end, sel_key)], key=lambda m: (m["code"], m["coder"]))
        first = members[0]["_key"] if members else f"{doc.doc_id}|{start}|{end}"
        guid = ids(f"selection:{first}") if members else ids(f"selection:{sel_key}")
        s, e = (int(pos[start]), int(pos[end])) if pos is not None else (start, end)
        attrs = {
            "guid": guid,
            "name": doc.text[start:end],
            "startPosition": str(s),
            "endPosition": str(e),
        }
        if members:
            attrs["creatingUser"] = user_guid.get(members[0]["coder"])
        sel = el(src, "PlainTextSelection", attrs)
        for m in members:
            cattrs = {"guid": ids(f"coding:{m['_key']}"), "creatingUser": user_guid.get(m["coder"])}
            created = _blank_none(m.get("created"))
            if created is not None and _DATETIME.match(str(created)):
                cattrs["creationDateTime"] = str(created)
            cod = el(sel, "Coding", cattrs)
            el(cod, "CodeRef", {"targetGUID": code_guid[m["code"]]})
            ck = ("sel", doc.doc_id, start, end, m["code"], m["coder"])
            if ck not in placed:
                for r in attach.get(ck, []):
                    el(cod, "NoteRef", {"targetGUID": r})
                placed.add(ck)
        for key, refs in attach.items():
            if key[0] == "sel" and key[1:4] == (doc.doc_id, start, end) and key not in placed:
                for r in refs:
                    el(sel, "NoteRef", {"targetGUID": r})
                placed.add(key)


def _blank_none(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def qdpx_bytes(project: Project, *, nvivo: bool = False) -> tuple[bytes, list[str]]:
    """The ``.qdpx`` archive of a project as bytes (deterministic), and warnings."""
    xml, files, notes = project_to_qde(project, nvivo=nvivo)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in [("project.qde", xml.encode("utf-8")), *sorted(files.items())]:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue(), notes


def write_qdpx(project: Project, path: str | os.PathLike, *, nvivo: bool = False) -> Path:
    """Write a project as a REFI-QDA ``.qdpx`` archive (atomically).

    Parameters
    ----------
    project : Project
    path : path-like
    nvivo : bool
        Positions in UTF-16 code units, as NVivo reads them. Without it positions are code
        points (the standard) and a :class:`~resilience_qda.errors.QDAWarning` says which
        texts NVivo would read shifted.

    Examples
    --------
    >>> from resilience_qda.io import read_project
    >>> write_qdpx(read_project("data/sample"), "sample.qdpx")  # doctest: +SKIP
    PosixPath('sample.qdpx')
    """
    data, notes = qdpx_bytes(project, nvivo=nvivo)
    for note in notes:
        warnings.warn(note, QDAWarning, stacklevel=2)
    write_bytes(path, data)
    return Path(path)
