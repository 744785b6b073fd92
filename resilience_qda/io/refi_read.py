"""Reading REFI-QDA projects (``.qdpx``, bare ``.qde``) and codebooks (``.qdc``).

Everything the file holds either becomes part of the :class:`~resilience_qda.model.Project`
(documents, code tree, codings, memos, cases and attributes), is kept in
``project.exchange["refi"]`` for the way back (GUIDs, sets, variable types), or is listed in
the import report's ``not_imported``: nothing is dropped silently.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import pandas as pd

from ..errors import ReadError
from ..model import Code, Codebook, Corpus, Document, Project, slugify, validate_codings
from .refi_offsets import OffsetChoice, Selection, SourceText, choose
from .refi_xml import (
    child,
    child_text,
    children,
    guid_key,
    local,
    parse_xml,
    unfold_definition,
    walk,
)
from .safezip import SafeZip, ZipLimits, check_member_name
from .text import decode
from .transcripts import looks_like_transcript

MAX_XML_BYTES = 256 * 2**20
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


# --------------------------------------------------------------------------- entry points


def read_qdpx(
    path: str | os.PathLike,
    *,
    base: str | os.PathLike | None = None,
    unit: str | None = None,
    limits: ZipLimits | None = None,
) -> Project:
    """Read a REFI-QDA project archive (``.qdpx``) into a :class:`Project`.

    Parameters
    ----------
    path : path-like
    base : path-like, optional
        Folder where ``relative://`` and ``absolute://`` sources may be looked up (by
        relative path, and by file name for absolute paths). Without it they are never
        followed: they can point anywhere on disk.
    unit : {"codepoint", "utf16", "utf8"}, optional
        Force how selection positions are counted instead of detecting it.
    limits : ZipLimits, optional
        Caps on the archive (member count, sizes, compression ratio).

    Returns
    -------
    Project
        ``project.exchange["refi"]["report"]`` is the :class:`ImportReport` (also summarised
        in ``project.warnings``).

    Examples
    --------
    >>> project = read_qdpx("interviews.qdpx")  # doctest: +SKIP
    >>> print(import_report(project).summary())  # doctest: +SKIP
    """
    path = Path(path)
    with SafeZip(path, limits=limits) as archive:
        qde = [n for n in archive.names if "/" not in n and n.lower().endswith(".qde")]
        if not qde:
            raise ReadError(
                f"{path}: has no project.qde inside; it is not a REFI-QDA project "
                f"(members: {', '.join(archive.names[:5]) or 'none'})"
            )
        if len(qde) > 1:
            preferred = [n for n in qde if n.lower() == "project.qde"]
            if len(preferred) != 1:
                raise ReadError(f"{path}: holds several .qde files ({', '.join(qde)}); which one?")
            qde = preferred
        root = parse_xml(archive.read(qde[0]), name=f"{path}:{qde[0]}")

        def member(name: str) -> bytes | None:
            found = archive.find(name)
            return archive.read(found) if found else None

        return _project(root, file=str(path), member=member, base=base, unit=unit)


def read_qde(
    path: str | os.PathLike, *, base: str | os.PathLike | None = None, unit: str | None = None
) -> Project:
    """Read a bare ``project.qde`` (the XML without its zip).

    It imports what it holds (code tree, users, cases, memos, inline texts and their
    codings); each text it cannot find is listed in the warnings with its codings. With
    ``base``, ``internal://`` sources are looked up in ``base/sources/`` too.
    """
    path = Path(path)
    data = _read_capped(path)
    root = parse_xml(data, name=str(path))
    return _project(root, file=str(path), member=None, base=base, unit=unit)


def read_refi(path: str | os.PathLike, **options) -> Project | Codebook:
    """Read a ``.qdpx``, ``.qde`` (a Project) or ``.qdc`` (a Codebook) by its suffix."""
    suffix = Path(path).suffix.lower()
    if suffix == ".qdc":
        return read_qdc(path)
    if suffix == ".qde":
        return read_qde(path, **options)
    return read_qdpx(path, **options)


def import_report(project: Project) -> ImportReport | None:
    """The :class:`ImportReport` of a project read from a REFI-QDA file, if any."""
    return project.exchange.get("refi", {}).get("report")


def _read_capped(path: Path, cap: int = MAX_XML_BYTES) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ReadError(f"{path}: no such file") from None
    if size > cap:
        raise ReadError(f"{path}: is {size:,} bytes, more than the {cap:,} allowed; refused")
    with open(path, "rb") as fh:
        return fh.read(min(cap, size) + 1)


# --------------------------------------------------------------------------- codebook


def read_qdc(path: str | os.PathLike) -> Codebook:
    """Read a REFI-QDA codebook (``.qdc``; namespaces ``urn:QDA-XML:codebook:1.0`` and
    ``0:4``) into a :class:`Codebook`. GUIDs are kept on each ``Code.guid``; sets go to
    ``codebook.exchange["refi"]["sets"]``.

    Examples
    --------
    >>> cb = read_qdc("codebook.qdc")  # doctest: +SKIP
    """
    path = Path(path)
    root = parse_xml(_read_capped(path), name=str(path))
    if local(root.tag) != "CodeBook":
        raise ReadError(
            f"{path}: the root element is <{local(root.tag)}>, not <CodeBook>; not a REFI-QDA "
            "codebook (a .qdpx/.qde project? import it with `resilience-qda import`)"
        )
    codes_elem = child(root, "Codes")
    codes, by_guid, _ = _code_tree(codes_elem, origin=str(path))
    book = Codebook(codes, name=path.stem, title=root.get("origin", ""))
    sets = _sets(root, {"code": by_guid})
    book.exchange["refi"] = {"origin": root.get("origin", ""), "sets": sets}
    return book


MAX_CODE_DEPTH = 100


def _code_tree(
    codes_elem: ET.Element | None, *, origin: str, notes: list[str] | None = None
) -> tuple[list[Code], dict[str, str], list[tuple[str, ET.Element]]]:
    """Codes in document order with unique paths, ``{guid key: path}``, and code elements.

    A GUID used twice keeps its first code; the second code is imported without it (and a
    note says so).
    """
    notes = [] if notes is None else notes
    codes: list[Code] = []
    by_guid: dict[str, str] = {}
    elements: list[tuple[str, ET.Element]] = []
    if codes_elem is None:
        return codes, by_guid, elements

    def visit(elem: ET.Element, parent: str | None, depth: int) -> None:
        if depth > MAX_CODE_DEPTH:
            raise ReadError(
                f"{origin}: the code tree is nested more than {MAX_CODE_DEPTH} levels deep; refused"
            )
        taken: set[str] = set()
        for node in children(elem, "Code"):
            guid = node.get("guid") or ""
            name = (node.get("name") or "").strip() or f"code {guid_key(guid)[:8]}"
            segment = slugify(name) or f"code-{slugify(guid_key(guid))[:8] or len(codes)}"
            unique, n = segment, 2
            while unique in taken:
                unique, n = f"{segment}-{n}", n + 1
            taken.add(unique)
            path = f"{parent}/{unique}" if parent else unique
            key = guid_key(guid)
            if key and key in by_guid:
                notes.append(
                    f"codes {by_guid[key]!r} and {path!r} have the same GUID {guid!r}; "
                    f"codings that use it go to {by_guid[key]!r}"
                )
                guid = ""
            elif key:
                by_guid[key] = path
            codable = (node.get("isCodable") or "true").strip().lower() not in ("false", "0")
            color = node.get("color")
            codes.append(
                Code(
                    path=path,
                    name=name,
                    **unfold_definition(child_text(node, "Description").strip()),
                    color=color or None,
                    codable=codable,
                    guid=guid or None,
                )
            )
            elements.append((path, node))
            visit(node, path, depth + 1)

    visit(codes_elem, None, 0)
    return codes, by_guid, elements


def _sets(root: ET.Element, lookups: dict[str, dict[str, str]]) -> list[dict]:
    sets_elem = child(root, "Sets")
    out = []
    for s in children(sets_elem, "Set") if sets_elem is not None else []:
        members: dict[str, list[str]] = {"codes": [], "sources": [], "notes": [], "unknown": []}
        for kind, tag in (
            ("codes", "MemberCode"),
            ("sources", "MemberSource"),
            ("notes", "MemberNote"),
        ):
            table = lookups.get(kind[:-1], {})
            for m in children(s, tag):
                ref = m.get("targetGUID") or m.get("guid") or ""
                hit = table.get(guid_key(ref))
                (members[kind] if hit else members["unknown"]).append(hit or ref)
        out.append(
            {
                "name": s.get("name", ""),
                "guid": s.get("guid", ""),
                "description": child_text(s, "Description"),
                **members,
            }
        )
    return out


# --------------------------------------------------------------------------- project


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
        text, _encoding = decode(data, name=f"{self.file}: {ref}")
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
                    "base folder, --base DIR, to look it up there)"
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
        return _read_capped(target)

    def read_codes(self) -> None:
        codebook_elem = child(self.root, "CodeBook")
        self.codes, self.code_by_guid, elems = _code_tree(
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
            if got is None:
                if n_codings:
                    self.report.not_imported.append(
                        f"{label}: {n_codings} codings (its text is missing)"
                    )
                continue
            self.texts[doc_id] = SourceText(got[0], bom=got[1], name=f"{self.file}: {label}")
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
            memo_id = _unique(slugify(note.get("name") or "") or fallback, used)
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
        self.sets = _sets(self.root, lookups)
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


def _project(root: ET.Element, *, file: str, member, base, unit) -> Project:
    if local(root.tag) != "Project":
        hint = " (a codebook: import a .qdc file)" if local(root.tag) == "CodeBook" else ""
        raise ReadError(f"{file}: the root element is <{local(root.tag)}>, not <Project>{hint}")
    r = _Reader(root, file=file, member=member, base=base, unit=unit)
    r.read_users()
    r.read_codes()
    r.read_variables()
    r.read_sources()
    rows = r.place_codings()
    r.read_cases()
    memos = r.read_notes()
    r.read_sets_and_rest()
    return r.assemble(rows, memos)


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
