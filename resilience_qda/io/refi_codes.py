"""The code tree and sets of REFI-QDA projects and codebooks: codes keyed by GUID, unique paths."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..core.errors import CodebookError, ReadError
from ..core.model import Code, slugify
from .refi_xml import child, child_text, children, guid_key, unfold_definition
from .rule_patterns import check_patterns

MAX_CODE_DEPTH = 100


def code_tree(
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
            definition = unfold_definition(child_text(node, "Description").strip())
            try:
                definition["patterns"] = check_patterns(
                    definition["patterns"], f"{origin}: code {path!r}"
                )
            except CodebookError as exc:
                notes.append(f"{exc}; its rules were not imported")
                definition["patterns"] = {}
            codes.append(
                Code(
                    path=path,
                    name=name,
                    **definition,
                    color=color or None,
                    codable=codable,
                    guid=guid or None,
                )
            )
            elements.append((path, node))
            visit(node, path, depth + 1)

    visit(codes_elem, None, 0)
    return codes, by_guid, elements


def read_sets(root: ET.Element, lookups: dict[str, dict[str, str]]) -> list[dict]:
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
