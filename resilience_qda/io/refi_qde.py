"""Writing REFI-QDA projects: ``project.qde`` and the ``.qdpx`` archive, valid against the 1.0
schema.

Sources are written as UTF-8 without BOM with LF line ends (the stored text), positions count
code points (or UTF-16 code units with ``nvivo=True``), and each selection's ``name`` holds the
selected text. The archive is deterministic: the same project gives the same bytes.
"""

from __future__ import annotations

import io
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

from ..core.errors import QDAWarning
from ..core.model import Code, Codebook, Project
from .atomic import write_bytes
from .refi_extension import MEMBER, coding_entry, member_bytes, note_entry
from .refi_write import ORIGIN, Ids, code_elements, exchange_of, serialise
from .refi_xml import PROJECT_NS

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
#: Document metadata that is not written as a variable (derived, or written otherwise).
_SKIP_META = {"case", "n_chars", "n_words", "original_file", "encoding"}


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

    Examples
    --------
    >>> from resilience_qda.core.model import Corpus, Document, Codebook, Code
    >>> p = Project(Corpus([Document("d", "Hope.")]), Codebook([Code("hope", "Hope")]))
    >>> xml, files, notes = project_to_qde(p)
    >>> list(files), notes
    (['sources/EAB172F1-9749-5207-B995-914CD3383C6E.txt'], [])
    """
    return _QdeWriter(project, nvivo=nvivo).build()


class _QdeWriter:
    """One export: GUIDs, the element tree and the files, built part by part in schema order."""

    def __init__(self, project: Project, *, nvivo: bool):
        self.project, self.nvivo = project, nvivo
        refi = exchange_of(project)
        self.refi = refi
        self.ids = Ids(dict(refi.get("guids", {})))
        self.var_types: dict[str, str] = dict(refi.get("variables", {}))
        self.described: dict[str, str] = dict(refi.get("descriptions", {}))
        self.notes: list[str] = []
        self.files: dict[str, bytes] = {}
        self.codings = project.codings
        self.memos = project.memos.sort_values("memo_id", kind="stable")
        self.kept_codings: dict[str, dict] = {}  # what REFI-QDA has no place for
        self.kept_notes: dict[str, dict] = {}
        meta = refi.get("project", {})
        name = meta.get("name") or Path(project.path or "project").name
        ET.register_namespace("", PROJECT_NS)
        self.root = ET.Element(f"{{{PROJECT_NS}}}Project", {"name": name, "origin": ORIGIN})

    def el(self, parent: ET.Element, tag: str, attrs: dict | None = None, text: str | None = None):
        attrs = {k: v for k, v in (attrs or {}).items() if v is not None}
        e = ET.SubElement(parent, f"{{{PROJECT_NS}}}{tag}", attrs)
        if text is not None:
            e.text = text
        return e

    def build(self) -> tuple[str, dict[str, bytes], list[str]]:
        self.users()
        self.codes()
        self.variables()
        self.doc_guid = {d.doc_id: self.ids(f"source:{d.doc_id}") for d in self.project.corpus}
        self.cases()
        self.place_memos()
        self.sources()
        self.note_elements()
        self.sets()
        description = self.refi.get("project", {}).get("description")
        if description:
            self.el(self.root, "Description", text=description)
        for r in self.attach.get(("project",), []):
            self.el(self.root, "NoteRef", {"targetGUID": r})
        kept = member_bytes(self.kept_codings, self.kept_notes)
        if kept is not None:
            self.files[MEMBER] = kept
        return serialise(self.root), self.files, self.notes

    # -- parts, in the schema's order ---------------------------------------------

    def users(self) -> None:
        authors = self.memos.get("author", pd.Series(dtype=object)).dropna()
        known = [k[5:] for k in self.refi.get("guids", {}) if k.startswith("user:")]
        names = sorted(set(self.codings["coder"]) | {str(a) for a in authors} | set(known))
        self.user_guid = {c: self.ids(f"user:{c}") for c in names}
        if names:
            users = self.el(self.root, "Users")
            for c in names:
                self.el(users, "User", {"guid": self.user_guid[c], "name": c})

    def codes(self) -> None:
        """The code tree, plus codes the codings use but the codebook lacks (parents too)."""
        codebook = self.project.codebook
        missing = sorted(set(self.codings["code"]) - set(codebook.paths))
        if missing:
            codes: list[Code] = list(codebook)
            have = set(codebook.paths)
            for path in missing:
                parts = path.split("/")
                for i in range(1, len(parts) + 1):
                    p = "/".join(parts[:i])
                    if p not in have:
                        codes.append(Code(p, parts[i - 1], codable=i == len(parts)))
                        have.add(p)
            codebook = Codebook(codes, name=codebook.name, language=codebook.language)
            self.notes.append(
                f"{len(missing)} codes used in codings but not in the codebook were added: "
                + ", ".join(missing)
            )
        self.code_guid: dict[str, str] = {}
        self.code_elem: dict[str, ET.Element] = {}
        if len(codebook):
            codes_elem = self.el(self.el(self.root, "CodeBook"), "Codes")
            made = code_elements(codes_elem, codebook, self.ids, PROJECT_NS)
            self.code_guid, self.code_elem = made["guids"], made["elements"]

    def variables(self) -> None:
        """Variables for document attributes and case attributes, typed from their values."""
        cases = self.project.corpus.cases
        self.doc_vars = {
            d.doc_id: {k: v for k, v in d.metadata.items() if k not in _SKIP_META}
            for d in self.project.corpus
        }
        names = sorted(
            {k for v in self.doc_vars.values() for k in v} | {c for c in cases if c != "case"}
        )
        self.var_guid = {n: self.ids(f"variable:{n}") for n in names}
        self.kinds: dict[str, str] = {}
        for n in names:
            values = [v.get(n) for v in self.doc_vars.values()]
            values += cases[n].tolist() if n in cases else []
            self.kinds[n] = _variable_type(values, self.var_types.get(n))
        if names:
            parent = self.el(self.root, "Variables")
            for n in names:
                attrs = {"guid": self.var_guid[n], "name": n, "typeOfVariable": self.kinds[n]}
                v = self.el(parent, "Variable", attrs)
                if self.described.get(f"variable:{n}"):
                    self.el(v, "Description", text=self.described[f"variable:{n}"])

    def values_into(self, parent: ET.Element, values: dict) -> None:
        for n in sorted(values):
            got = _value(values[n])
            if got is None or n not in self.var_guid:
                continue
            kind, text = got
            if self.kinds[n] in ("Text", "Date", "DateTime"):
                kind = self.kinds[n]
            elif self.kinds[n] == "Float":
                kind = "Float"
            vv = self.el(parent, "VariableValue")
            self.el(vv, "VariableRef", {"targetGUID": self.var_guid[n]})
            self.el(vv, f"{kind}Value", text=text)

    def cases(self) -> None:
        corpus = self.project.corpus
        cases = corpus.cases
        of_docs = [str(d.metadata["case"]) for d in corpus if d.metadata.get("case")]
        names = list(dict.fromkeys([*map(str, cases["case"]), *of_docs]))
        if not names:
            return
        parent = self.el(self.root, "Cases")
        rows = {str(r["case"]): r for r in cases.to_dict("records")}
        for name in names:
            c = self.el(parent, "Case", {"guid": self.ids(f"case:{name}"), "name": name})
            if self.described.get(f"case:{name}"):
                self.el(c, "Description", text=self.described[f"case:{name}"])
            self.values_into(c, {k: v for k, v in rows.get(name, {}).items() if k != "case"})
            for d in corpus:
                if str(d.metadata.get("case", "")) == name:
                    self.el(c, "SourceRef", {"targetGUID": self.doc_guid[d.doc_id]})

    def place_memos(self) -> None:
        """Decide where each memo's NoteRef goes; code NoteRefs are written here."""
        self.memo_guid: dict[str, str] = {}
        self.attach: dict[tuple, list[str]] = {}
        for m in self.memos.to_dict("records"):
            mid = str(m["memo_id"])
            self.memo_guid[mid] = self.ids(f"note:{mid}")
            doc, code = _blank(m.get("doc_id")), _blank(m.get("code"))
            start, end = _blank(m.get("start")), _blank(m.get("end"))
            if doc is not None and doc not in self.project.corpus:
                self.notes.append(
                    f"memo {mid!r} annotates unknown document {doc!r}; attached to the project"
                )
                doc = None
            if doc is not None and start is not None and end is not None:
                key = ("sel", doc, int(start), int(end), code, _blank(m.get("coder")))
            elif doc is not None:
                key = ("doc", doc)
            elif code is not None and code in self.code_elem:
                key = ("code", code)
            else:
                key = ("project",)
            self.attach.setdefault(key, []).append(self.memo_guid[mid])
        for key, refs in self.attach.items():
            if key[0] == "code":  # NoteRef comes before child codes in the schema
                elem = self.code_elem[key[1]]
                kids = [c for c in elem if c.tag == f"{{{PROJECT_NS}}}Code"]
                for c in kids:
                    elem.remove(c)
                for r in refs:
                    self.el(elem, "NoteRef", {"targetGUID": r})
                elem.extend(kids)

    def sources(self) -> None:
        if not len(self.project.corpus):
            return
        parent = self.el(self.root, "Sources")
        by_doc: dict[str, list[dict]] = {}
        for row in self.codings.to_dict("records"):
            by_doc.setdefault(row["doc_id"], []).append(row)
        astral = []
        for doc in self.project.corpus:
            guid = self.doc_guid[doc.doc_id]
            member = f"{guid}.txt"
            self.files[f"sources/{member}"] = doc.text.encode("utf-8")
            attrs = {"guid": guid, "name": doc.doc_id, "plainTextPath": f"internal://{member}"}
            src = self.el(parent, "TextSource", attrs)
            if self.described.get(f"source:{doc.doc_id}"):
                self.el(src, "Description", text=self.described[f"source:{doc.doc_id}"])
            if not self.nvivo and _ASTRAL.search(doc.text):
                astral.append(doc.doc_id)
            self.selections(src, doc, by_doc.get(doc.doc_id, []))
            for r in self.attach.get(("doc", doc.doc_id), []):
                self.el(src, "NoteRef", {"targetGUID": r})
            self.values_into(src, self.doc_vars[doc.doc_id])
        if astral:
            self.notes.append(
                f"{len(astral)} source(s) have characters beyond U+FFFF (emoji, rare scripts): "
                f"{', '.join(astral[:5])}; positions are code points as REFI-QDA specifies, "
                "which NVivo reads shifted: export with nvivo=True for NVivo"
            )

    def selections(self, src: ET.Element, doc, rows: list[dict]) -> None:
        """One PlainTextSelection per selection GUID read (else per range), codings inside,
        memos on the coding or the range they annotate."""
        groups: dict[tuple, list[dict]] = {}
        for r in rows:
            key = f"{r['doc_id']}|{r['start']}|{r['end']}|{r['code']}|{r['coder']}"
            sel_key = self.ids.known.get(f"selection:{key}") or key.rsplit("|", 2)[0]
            groups.setdefault((int(r["start"]), int(r["end"]), sel_key), []).append(
                {**r, "_key": key}
            )
        memo_ranges = {k[2:4]: k for k in self.attach if k[0] == "sel" and k[1] == doc.doc_id}
        have = {g[:2] for g in groups}
        for start, end in memo_ranges:
            if (start, end) not in have:
                groups[(start, end, f"{doc.doc_id}|{start}|{end}")] = []
        pos = _utf16_positions(doc.text) if self.nvivo else None
        placed: set[tuple] = set()
        for start, end, sel_key in sorted(groups):
            members = sorted(groups[(start, end, sel_key)], key=lambda m: (m["code"], m["coder"]))
            first = members[0]["_key"] if members else sel_key
            s, e = (int(pos[start]), int(pos[end])) if pos is not None else (start, end)
            attrs = {
                "guid": self.ids(f"selection:{first}"),
                "name": doc.text[start:end],
                "startPosition": str(s),
                "endPosition": str(e),
                "creatingUser": self.user_guid.get(members[0]["coder"]) if members else None,
            }
            sel = self.el(src, "PlainTextSelection", attrs)
            for m in members:
                cattrs = {
                    "guid": self.ids(f"coding:{m['_key']}"),
                    "creatingUser": self.user_guid.get(m["coder"]),
                }
                created = _datetime(m.get("created"))
                if created is not None:
                    cattrs["creationDateTime"] = created
                cod = self.el(sel, "Coding", cattrs)
                self.kept_codings[cattrs["guid"]] = coding_entry(m)
                self.el(cod, "CodeRef", {"targetGUID": self.code_guid[m["code"]]})
                ck = ("sel", doc.doc_id, start, end, m["code"], m["coder"])
                if ck not in placed:
                    for r in self.attach.get(ck, []):
                        self.el(cod, "NoteRef", {"targetGUID": r})
                    placed.add(ck)
            for key, refs in self.attach.items():
                if key[0] == "sel" and key[1:4] == (doc.doc_id, start, end) and key not in placed:
                    for r in refs:
                        self.el(sel, "NoteRef", {"targetGUID": r})
                    placed.add(key)

    def note_elements(self) -> None:
        if not self.memo_guid:
            return
        parent = self.el(self.root, "Notes")
        for m in self.memos.to_dict("records"):
            mid = str(m["memo_id"])
            attrs = {"guid": self.memo_guid[mid], "name": str(_blank(m.get("name")) or mid)}
            author = _blank(m.get("author"))
            if author is not None and str(author) in self.user_guid:
                attrs["creatingUser"] = self.user_guid[str(author)]
            created = _datetime(m.get("created"))
            if created is not None:
                attrs["creationDateTime"] = created
            note = self.el(parent, "Note", attrs)
            self.kept_notes[attrs["guid"]] = note_entry(m)
            self.el(note, "PlainTextContent", text=str(m.get("text") or ""))

    def sets(self) -> None:
        sets = [s for s in self.refi.get("sets", []) if s.get("name")]
        if not sets:
            return
        parent = self.el(self.root, "Sets")
        members = (
            ("MemberCode", self.code_guid, "codes"),
            ("MemberSource", self.doc_guid, "sources"),
            ("MemberNote", self.memo_guid, "notes"),
        )
        for s in sets:
            guid = self.ids(f"set:{s['name']}", prefer=s.get("guid"))
            se = self.el(parent, "Set", {"guid": guid, "name": s["name"]})
            if s.get("description"):
                self.el(se, "Description", text=s["description"])
            for tag, table, key in members:
                for member in s.get(key, []):
                    if member in table:
                        self.el(se, tag, {"targetGUID": table[member]})


# --------------------------------------------------------------------------- values


def _datetime(value: object) -> str | None:
    """A ``creationDateTime``: a date-time as it is, a date as midnight UTC, else None.

    >>> _datetime("2010-05-04"), _datetime("2010-05-04T10:00:00Z"), _datetime("May")
    ('2010-05-04T00:00:00Z', '2010-05-04T10:00:00Z', None)
    """
    value = _blank(value)
    if value is None:
        return None
    text = str(value).strip()
    if _DATETIME.match(text):
        return text
    if _DATE.match(text):
        return f"{text}T00:00:00Z"
    return None


def _utf16_positions(text: str) -> np.ndarray:
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return np.concatenate([[0], np.cumsum(1 + (cps > 0xFFFF), dtype=np.int64)])


def _value(value: object) -> tuple[str, str] | None:
    """(schema type, text) of an attribute value; None for blanks."""
    if _blank(value) is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "Boolean", "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return "Integer", str(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isinf(value):
            return "Text", str(value)
        return "Float", format(Decimal(repr(float(value))), "f")
    return "Text", str(value)


def _variable_type(values: list, known: str | None) -> str:
    """The schema type of a variable: numbers and booleans by value; dates when the variable
    was a date in the file it came from and every value still looks like one."""
    types = {t[0] for t in map(_value, values) if t}
    if types and types <= {"Integer"}:
        return "Integer"
    if types and types <= {"Integer", "Float"}:
        return "Float"
    if types == {"Boolean"}:
        return "Boolean"
    if known in ("Date", "DateTime"):
        pattern = _DATE if known == "Date" else _DATETIME
        if all(pattern.match(t[1]) for t in map(_value, values) if t):
            return known
    return "Text"


def _blank(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


# --------------------------------------------------------------------------- archive


def qdpx_bytes(project: Project, *, nvivo: bool = False) -> tuple[bytes, list[str]]:
    """The ``.qdpx`` archive of a project as bytes (deterministic), and warnings.

    Examples
    --------
    >>> from resilience_qda.core.model import Corpus, Document, Codebook, Code
    >>> p = Project(Corpus([Document("d", "Hope 😀.")]), Codebook([Code("hope", "Hope")]))
    >>> data, notes = qdpx_bytes(p)
    >>> data[:2], data == qdpx_bytes(p)[0], "U+FFFF" in notes[0]
    (b'PK', True, True)
    """
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
        points (the standard) and a :class:`~resilience_qda.core.errors.QDAWarning` says which
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
