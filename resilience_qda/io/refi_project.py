"""A REFI-QDA ``<Project>`` element read into a :class:`~resilience_qda.core.model.Project`.

Everything the element holds either becomes part of the project (documents, code tree,
codings, memos, cases and attributes), is kept in ``project.exchange["refi"]`` for the way
back (GUIDs, sets, variable types, descriptions), or is listed in the :class:`ImportReport`'s
``not_imported``: nothing is dropped silently.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import pandas as pd

from ..core.errors import ReadError
from ..core.model import Codebook, Corpus, Document, Project, slugify, validate_codings
from ..core.turns import looks_like_transcript
from .container import check_member_name
from .names import name_problem
from .refi_codes import code_tree, read_sets
from .refi_offsets import OffsetChoice, Selection, SourceText, choose
from .refi_xml import (
    child,
    child_text,
    children,
    guid_key,
    local,
    namespace_note,
    read_capped,
    walk,
)
from .text import decode

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_UNSAFE_ID = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass
class ImportReport:
    """What a REFI-QDA file held, what was imported, and what was not.

    ``in_file`` counts elements of the XML (``sources``, ``text_sources``, ``codes``,
    ``selections``, ``codings``, ``users``, ``notes``, ``cases``, ``variables``, ``sets``);
    ``imported`` counts what the project got (``documents``, ``codes``, ``codings``,
    ``memos``, ``cases``); ``offsets`` says how positions were read.
    """

    file: str
    origin: str = ""
    in_file: dict[str, int] = field(default_factory=dict)
    imported: dict[str, int] = field(default_factory=dict)
    offsets: OffsetChoice | None = None
    not_imported: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A few lines for people: counts, offsets, then what was not imported."""
        lines = [
            f"{self.file} (written by {self.origin or 'an unnamed program'}): "
            + ", ".join(f"{v} {k}" for k, v in self.imported.items())
        ]
        if self.offsets is not None:
            lines.append(f"  positions read as {self.offsets}")
        lines += [f"  warning: {w}" for w in self.warnings]
        lines += [f"  not imported: {n}" for n in self.not_imported]
        return "\n".join(lines)


class _Reader:
    """State of one project import."""

    def __init__(self, root, *, file, member, base, unit):
        self.root, self.file, self.member, self.unit = root, file, member, unit
        self.base = Path(base).resolve() if base is not None else None
        self.report = ImportReport(file=file, origin=root.get("origin", ""))
        self.guids: dict[str, str] = {}
        self.users: dict[str, str] = {}
        self.note_targets: dict[str, list[dict]] = {}
        self.descriptions: dict[str, str] = {}

    # -- pieces ----------------------------------------------------------------

    def read_users(self) -> None:
        users = child(self.root, "Users")
        seen: dict[str, int] = {}
        for u in children(users, "User") if users is not None else []:
            guid = u.get("guid", "")
            name = (u.get("name") or u.get("id") or "").strip() or f"user-{guid_key(guid)[:8]}"
            if name in seen:
                name = f"{name} ({guid_key(guid)[:8]})"
            seen[name] = 1
            self.users[guid_key(guid)] = name
            self.guids[f"user:{name}"] = guid

    def coder(self, *elems: ET.Element | None) -> str:
        for e in elems:
            if e is not None and e.get("creatingUser"):
                key = guid_key(e.get("creatingUser"))
                if key in self.users:
                    return self.users[key]
                name = f"user-{key[:8]}"
                self.users[key] = name
                self.guids[f"user:{name}"] = e.get("creatingUser")
                self.report.warnings.append(
                    f"user {e.get('creatingUser')} is not in <Users>; their codings are "
                    f"attributed to {name!r}"
                )
                return name
        return "unknown"

    def describe(self, key: str, elem: ET.Element) -> None:
        """Keep an element's Description for the way back (sources, cases, variables)."""
        text = child_text(elem, "Description").strip()
        if text:
            self.descriptions[key] = text

    def note_refs(self, elem: ET.Element, target: dict) -> None:
        for ref in children(elem, "NoteRef"):
            self.note_targets.setdefault(guid_key(ref.get("targetGUID")), []).append(target)

    def text_of(self, elem: ET.Element, what: str) -> tuple[str, bool] | None:
        """Text and BOM flag of a TextSource-like element, or None with a warning."""
        inline = child(elem, "PlainTextContent")
        if inline is not None:
            return inline.text or "", False
        ref = elem.get("plainTextPath")
        if not ref:
            self.report.warnings.append(
                f"{what} has no text (no plainTextPath or PlainTextContent)"
            )
            return None
        data = self.load(ref, what)
        if data is None:
            return None
        try:
            text, _encoding = decode(data, name=ref)
        except ReadError as exc:
            self.report.warnings.append(f"{what}: {exc}")
            return None
        return text, data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))

    def load(self, ref: str, what: str) -> bytes | None:
        scheme, _, rest = ref.partition("://")
        if not _:
            scheme, rest = "internal", ref  # a bare file name (qualitative-coding)
        scheme = scheme.lower()
        rest = unquote(rest)
        if scheme == "internal":
            check_member_name(rest, archive=self.file)
            names = [rest, f"sources/{rest}"] if "/" in rest else [f"sources/{rest}", rest]
            if self.member is not None:
                for n in names:
                    data = self.member(n)
                    if data is not None:
                        return data
            if self.base is not None:
                for n in names:
                    found = self.from_base(n)
                    if found is not None:
                        return found
            where = "in the archive" if self.member is not None else "(a bare .qde has no sources)"
            self.report.warnings.append(f"{what}: text {ref!r} not found {where}")
            return None
        if scheme in ("relative", "absolute", "file"):
            if self.base is None:
                self.report.warnings.append(
                    f"{what}: text {ref!r} is outside the project file; not followed (pass a "
                    "base folder, base=DIR, to look it up there)"
                )
                return None
            if scheme == "relative":
                check_member_name(rest.lstrip("/"), archive=self.file)
                data = self.from_base(rest.lstrip("/"))
            else:  # by file name inside the base folder, never the absolute path itself
                data = self.from_base(PurePosixPath(rest.replace("\\", "/")).name)
            if data is None:
                self.report.warnings.append(f"{what}: text {ref!r} not found in {self.base}")
            return data
        self.report.warnings.append(f"{what}: cannot follow {ref!r} (unknown scheme {scheme!r})")
        return None

    def from_base(self, rel: str) -> bytes | None:
        """A file under the base folder, path segments matched ignoring case."""
        assert self.base is not None
        target = self.base
        for part in PurePosixPath(rel.replace("\\", "/")).parts:
            step = target / part
            if not step.exists() and target.is_dir():
                hits = [p for p in target.iterdir() if p.name.casefold() == part.casefold()]
                step = hits[0] if len(hits) == 1 else step
            target = step
        target = target.resolve()
        if not target.is_relative_to(self.base):
            raise ReadError(f"{self.file}: source path {rel!r} leaves the base folder; refused")
        if not target.is_file():
            return None
        return read_capped(target)

    def read_codes(self) -> None:
        codebook_elem = child(self.root, "CodeBook")
        self.codes, self.code_by_guid, elems = code_tree(
            child(codebook_elem, "Codes") if codebook_elem is not None else None,
            origin=self.file,
            notes=self.report.warnings,
        )
        for path, elem in elems:
            self.note_refs(elem, {"code": path})
            self.guids[f"code:{path}"] = elem.get("guid", "")
        self.counts = dict.fromkeys(_COUNTS, 0)
        self.counts["codes"], self.counts["users"] = len(self.codes), len(self.users)

    def read_variables(self) -> None:
        self.variables: dict[str, tuple[str, str]] = {}
        var_elem = child(self.root, "Variables")
        for v in children(var_elem, "Variable") if var_elem is not None else []:
            name, kind = v.get("name", ""), v.get("typeOfVariable", "Text")
            self.variables[guid_key(v.get("guid"))] = (name, kind)
            self.guids[f"variable:{name}"] = v.get("guid", "")
            self.describe(f"variable:{name}", v)
        self.counts["variables"] = len(self.variables)

    def values(self, elem: ET.Element) -> dict:
        """``{variable name: typed value}`` of an element's VariableValue children."""
        out = {}
        for vv in children(elem, "VariableValue"):
            ref = child(vv, "VariableRef")
            key = guid_key(ref.get("targetGUID") if ref is not None else "")
            name = self.variables.get(key, ("", ""))[0]
            if not name:
                self.report.not_imported.append(
                    f"a value of an undefined variable in {elem.get('name')!r}"
                )
                continue
            for node in vv:
                if local(node.tag) != "VariableRef":
                    out[name] = _typed(local(node.tag), node.text or "")
        return out

    def read_sources(self) -> None:
        """Texts of the TextSources; other sources reported; codings queued for placing."""
        self.docs: list[dict] = []
        self.pending: list[dict] = []  # codings to place once the offset unit is chosen
        self.texts: dict[str, SourceText] = {}
        self.source_by_guid: dict[str, str] = {}
        used_ids: set[str] = set()
        sources_elem = child(self.root, "Sources")
        for src in list(sources_elem) if sources_elem is not None else []:
            kind = local(src.tag)
            self.counts["sources"] += 1
            label = f"{kind} {src.get('name') or src.get('plainTextPath') or src.get('guid')!r}"
            if kind != "TextSource":
                n_cod = sum(1 for e, _ in walk(src) if local(e.tag) == "Coding")
                self.report.not_imported.append(
                    f"{label}: {kind[:-6] or kind} sources are not imported yet"
                    + (f" ({n_cod} codings on it skipped)" if n_cod else "")
                )
                continue
            self.counts["text_sources"] += 1
            sels = children(src, "PlainTextSelection")
            self.counts["selections"] += len(sels)
            described = sum(bool(child_text(sel, "Description").strip()) for sel in sels)
            if described:
                self.report.not_imported.append(f"{label}: descriptions of {described} selections")
            n_codings = sum(len(children(s, "Coding")) for s in sels) + len(children(src, "Coding"))
            self.counts["codings"] += n_codings
            doc_id = _doc_id(src, used_ids)
            got = self.text_of(src, label)
            if got is not None:
                try:
                    self.texts[doc_id] = SourceText(got[0], bom=got[1], name=label)
                except ReadError as exc:  # binary or control characters: not a text
                    self.report.warnings.append(str(exc))
                    got = None
            if got is None:
                if n_codings:
                    self.report.not_imported.append(
                        f"{label}: {n_codings} codings (its text is missing or unreadable)"
                    )
                continue
            self.source_by_guid[guid_key(src.get("guid"))] = doc_id
            self.guids[f"source:{doc_id}"] = src.get("guid", "")
            self.docs.append({"doc_id": doc_id, "meta": self.values(src)})
            self.describe(f"source:{doc_id}", src)
            self.note_refs(src, {"doc_id": doc_id})
            if src.get("richTextPath"):
                self.report.not_imported.append(
                    f"{label}: rich text copy {src.get('richTextPath')!r} (the plain text is used)"
                )
            for sel in sels:
                self.pending.append(
                    {"doc_id": doc_id, "sel": sel, "codings": children(sel, "Coding")}
                )
            for cod in children(src, "Coding"):
                self.pending.append({"doc_id": doc_id, "sel": None, "codings": [cod]})

    def place_codings(self) -> list[dict]:
        """Choose the offset unit, then turn each coding into a codings-table row."""
        report = self.report
        with_sel = [p for p in self.pending if p["sel"] is not None]
        picks = [
            Selection(
                p["doc_id"],
                _int(p["sel"].get("startPosition")),
                _int(p["sel"].get("endPosition")),
                p["sel"].get("name") or "",
            )
            for p in with_sel
        ]
        choice = choose(picks, self.texts, origin=report.origin, unit=self.unit)
        report.offsets = choice if picks else None
        by_doc: dict[str, list[int]] = {}
        for i, pick in enumerate(picks):
            by_doc.setdefault(pick.source, []).append(i)
        spans: dict[int, tuple[int, int]] = {}
        for doc_id, idx in by_doc.items():
            text = self.texts[doc_id]
            starts = text.to_stored([picks[i].start for i in idx], choice.how).tolist()
            ends = text.to_stored([picks[i].end for i in idx], choice.how).tolist()
            spans.update(zip(idx, zip(starts, ends, strict=True), strict=True))
        for p, i in zip(with_sel, range(len(picks)), strict=True):
            p["span"] = spans[i]

        rows: list[dict] = []
        bad_range = unknown_codes = whole = 0
        for p in self.pending:
            doc_id, sel = p["doc_id"], p["sel"]
            if sel is None:
                s, e = 0, len(self.texts[doc_id].stored)
                whole += 1
            else:
                s, e = p["span"]
                if s < 0 or e < 0 or s >= e:
                    bad_range += max(1, len(p["codings"]))
                    continue
                self.note_refs(sel, {"doc_id": doc_id, "start": s, "end": e})
            for cod in p["codings"]:
                coder = self.coder(cod, sel)
                ref = child(cod, "CodeRef")
                target = guid_key(ref.get("targetGUID")) if ref is not None else ""
                code = self.code_by_guid.get(target)
                if code is None:
                    unknown_codes += 1
                    code = f"unknown-code-{slugify(target)[:8] or 'none'}"
                key = f"{doc_id}|{s}|{e}|{code}|{coder}"
                if sel is not None:
                    self.guids.setdefault(f"selection:{key}", sel.get("guid", ""))
                self.guids.setdefault(f"coding:{key}", cod.get("guid", ""))
                self.note_refs(
                    cod, {"doc_id": doc_id, "start": s, "end": e, "code": code, "coder": coder}
                )
                row = {"doc_id": doc_id, "start": s, "end": e, "code": code, "coder": coder}
                if cod.get("creationDateTime"):
                    row["created"] = cod.get("creationDateTime")
                rows.append(row)
        if bad_range:
            report.not_imported.append(
                f"{bad_range} codings whose positions do not fit their text (read as {choice.how})"
            )
        folders = {c.path for c in self.codes if not c.codable}
        on_folders = sum(row["code"] in folders for row in rows)
        if on_folders:
            report.warnings.append(
                f"{on_folders} codings use codes marked not codable (folders); kept"
            )
        if unknown_codes:
            report.warnings.append(
                f"{unknown_codes} codings point to codes missing from the codebook (kept)"
            )
        if whole:
            report.warnings.append(
                f"{whole} codings of whole sources imported as spanning the full text"
            )
        return rows

    def read_cases(self) -> None:
        self.case_rows: list[dict] = []
        self.case_of: dict[str, str] = {}
        cases_elem = child(self.root, "Cases")
        for c in children(cases_elem, "Case") if cases_elem is not None else []:
            self.counts["cases"] += 1
            name = (c.get("name") or "").strip() or f"case-{guid_key(c.get('guid'))[:8]}"
            self.guids[f"case:{name}"] = c.get("guid", "")
            self.case_rows.append({"case": name, **self.values(c)})
            self.describe(f"case:{name}", c)
            for sref in children(c, "SourceRef"):
                doc_id = self.source_by_guid.get(guid_key(sref.get("targetGUID")))
                if doc_id is None:
                    self.report.not_imported.append(
                        f"case {name!r}: a link to a source that was not imported"
                    )
                elif self.case_of.get(doc_id, name) != name:
                    self.report.not_imported.append(
                        f"case {name!r}: source {doc_id!r} already belongs to case "
                        f"{self.case_of[doc_id]!r} (a document has one case here)"
                    )
                else:
                    self.case_of[doc_id] = name
            extra = len(children(c, "CodeRef")) + len(children(c, "SelectionRef"))
            if extra:
                self.report.not_imported.append(
                    f"case {name!r}: {extra} links to codes or selections"
                )

    def read_notes(self) -> list[dict]:
        """Notes become memos attached to the first thing that refers to them."""
        memos = []
        notes_elem = child(self.root, "Notes")
        self.note_refs(self.root, {})
        used: set[str] = set()
        for note in children(notes_elem, "Note") if notes_elem is not None else []:
            self.counts["notes"] += 1
            label = f"note {note.get('name') or note.get('guid')!r}"
            got = self.text_of(note, label)
            if got is None:
                self.report.not_imported.append(f"{label}: its text is missing")
                continue
            fallback = f"note-{slugify(guid_key(note.get('guid')))[:8]}"
            given = (note.get("name") or "").strip()
            as_id = given if _SAFE_ID.match(given) and not name_problem(f"{given}.md") else ""
            memo_id = _unique(as_id or slugify(given) or fallback, used)
            self.guids[f"note:{memo_id}"] = note.get("guid", "")
            targets = self.note_targets.get(guid_key(note.get("guid")), [{}])
            if len(targets) > 1:
                self.report.not_imported.append(
                    f"{label}: {len(targets) - 1} more places it annotates (kept the first)"
                )
            text = got[0].replace("\r\n", "\n").strip()
            memo = {"memo_id": memo_id, "doc_id": None, "code": None, **targets[0], "text": text}
            if note.get("name"):
                memo["name"] = note.get("name")
            author = self.coder(note)
            if author != "unknown":
                memo["author"] = author
            if note.get("creationDateTime"):
                memo["created"] = note.get("creationDateTime")
            memos.append(memo)
            inner = len(children(note, "PlainTextSelection"))
            if inner:
                self.report.not_imported.append(f"{label}: {inner} selections inside the note")
        return memos

    def read_sets_and_rest(self) -> None:
        notes = {guid_key(v): k[5:] for k, v in self.guids.items() if k.startswith("note:")}
        lookups = {"code": self.code_by_guid, "source": self.source_by_guid, "note": notes}
        self.sets = read_sets(self.root, lookups)
        self.counts["sets"] = len(self.sets)
        for s in self.sets:
            if s["unknown"]:
                self.report.not_imported.append(
                    f"set {s['name']!r}: {len(s['unknown'])} members that were not imported"
                )
        for kind, tag in (("Links", "Link"), ("Graphs", "Graph")):
            elem = child(self.root, kind)
            n = len(children(elem, tag)) if elem is not None else 0
            if n:
                self.report.not_imported.append(
                    f"{n} {kind.lower()} (not modelled yet; {kind} are not written back)"
                )

    def assemble(self, rows: list[dict], memos: list[dict]) -> Project:
        documents = []
        for d in self.docs:
            text = self.texts[d["doc_id"]].stored
            meta = dict(d["meta"])
            meta.setdefault("kind", "interview" if looks_like_transcript(text) else "document")
            if d["doc_id"] in self.case_of:
                meta["case"] = self.case_of[d["doc_id"]]
            documents.append(Document(d["doc_id"], text, meta))
        corpus = Corpus(documents, cases=pd.DataFrame(self.case_rows) if self.case_rows else None)
        name = self.root.get("name", "")
        codebook = Codebook(self.codes, name=slugify(name) or "refi", title=name)
        project = Project(corpus, codebook, memos=_memo_table(memos), path=None)
        if rows:
            table = pd.DataFrame(rows).assign(source="import", score=None)
            project.codings = validate_codings(table, corpus, origin=self.file)
        report = self.report
        report.in_file = self.counts
        report.imported = {
            "documents": len(corpus),
            "codes": len(codebook),
            "codings": len(project.codings),
            "memos": len(project.memos),
            "cases": len(corpus.cases),
        }
        project.warnings = [*report.warnings, *(f"not imported: {n}" for n in report.not_imported)]
        project.exchange["refi"] = {
            "project": {
                "name": name,
                "origin": report.origin,
                "description": child_text(self.root, "Description"),
            },
            "guids": {k: v for k, v in self.guids.items() if v},
            "variables": dict(self.variables.values()),
            "descriptions": self.descriptions,
            "sets": self.sets,
            "report": report,
        }
        return project


def read_project_element(root: ET.Element, *, file: str, member, base, unit) -> Project:
    if local(root.tag) != "Project":
        hint = " (a codebook: import a .qdc file)" if local(root.tag) == "CodeBook" else ""
        raise ReadError(f"{file}: the root element is <{local(root.tag)}>, not <Project>{hint}")
    r = _Reader(root, file=file, member=member, base=base, unit=unit)
    note = namespace_note(root, name=file)
    if note:
        r.report.warnings.append(note)
    _unique_guids(root, file=file, notes=r.report.warnings)
    r.read_users()
    r.read_codes()
    r.read_variables()
    r.read_sources()
    rows = r.place_codings()
    r.read_cases()
    memos = r.read_notes()
    r.read_sets_and_rest()
    return r.assemble(rows, memos)


#: Elements others point to by GUID: two with one GUID make those links ambiguous.
_LINKED = {
    "TextSource": "source",
    "PictureSource": "source",
    "PDFSource": "source",
    "AudioSource": "source",
    "VideoSource": "source",
    "User": "user",
    "Case": "case",
    "Note": "note",
    "Variable": "variable",
}


def _unique_guids(root: ET.Element, *, file: str, notes: list[str]) -> None:
    """Refuse a file whose sources or users share a GUID (cases, sets, notes and codings
    would point to the wrong one); list other shared GUIDs as warnings."""
    seen: dict[str, ET.Element] = {}
    for elem, _ in walk(root):
        kind = _LINKED.get(local(elem.tag))
        guid = elem.get("guid")
        if kind is None or not guid:
            continue
        k = guid_key(guid)
        first = seen.setdefault(k, elem)
        if first is elem:
            continue
        what = (
            f"{local(first.tag)} {first.get('name')!r} and {local(elem.tag)} "
            f"{elem.get('name')!r} have the same GUID {guid}"
        )
        if kind in ("source", "user"):
            raise ReadError(
                f"{file}: {what}; links to them (cases, codings, notes) would be ambiguous, so "
                "nothing was imported: export the project again, or give one of them a new "
                "GUID"
            )
        notes.append(f"{what}; links to the second one may point to the first")


_COUNTS = (
    "sources",
    "text_sources",
    "selections",
    "codings",
    "codes",
    "users",
    "notes",
    "cases",
    "variables",
    "sets",
)


def _memo_table(memos: list[dict]) -> pd.DataFrame:
    columns = ["memo_id", "doc_id", "code", "text"]
    table = pd.DataFrame(memos)
    for c in columns:
        if c not in table:
            table[c] = pd.Series(dtype="object")
    return table[columns + [c for c in table.columns if c not in columns]]


def _typed(kind: str, text: str) -> object:
    text = text.strip()
    try:
        if kind == "IntegerValue":
            return int(text)
        if kind == "FloatValue":
            return float(text)
        if kind == "BooleanValue":
            return text.lower() in ("true", "1")
    except ValueError:
        return text
    return text


def _int(value: str | None) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return -1


def _unique(name: str, taken: set[str]) -> str:
    out, n = name, 2
    while out in taken:
        out, n = f"{name}-{n}", n + 1
    taken.add(out)
    return out


def _doc_id(src: ET.Element, taken: set[str]) -> str:
    """A document id (file stem) from a source's name, else its file name, else its GUID."""
    for candidate in (
        src.get("name"),
        PurePosixPath((src.get("plainTextPath") or "").split("://")[-1].replace("\\", "/")).stem,
        guid_key(src.get("guid")),
    ):
        cleaned = _UNSAFE_ID.sub("-", (candidate or "").strip()).strip(" .-")
        if cleaned:
            return _unique(cleaned, taken)
    return _unique("source", taken)
