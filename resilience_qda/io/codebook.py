"""Codebooks as YAML: a tree of codes, each with a name, a definition and patterns."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import yaml

from ..errors import CodebookError
from ..model import Code, Codebook, slugify
from .atomic import write_text

CODE_KEYS = {
    "name",
    "id",
    "description",
    "include",
    "exclude",
    "examples",
    "color",
    "patterns",
    "children",
    "codable",
}


def builtin_codebooks() -> list[str]:
    """Names of the codebooks shipped with the package (e.g. ``cop-evaluation``)."""
    folder = resources.files("resilience_qda") / "codebooks"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def read_codebook(source: str | os.PathLike) -> Codebook:
    """Read a codebook from a YAML file, or a built-in one by name.

    Examples
    --------
    >>> cb = read_codebook("cop-evaluation")
    >>> cb["themes/more-reflexive"].name
    'More reflexive'
    """
    path = Path(source)
    if not path.exists() and str(source) in builtin_codebooks():
        data = (resources.files("resilience_qda") / "codebooks" / f"{source}.yaml").read_text(
            encoding="utf-8"
        )
        return codebook_from_yaml(data, origin=f"built-in codebook {source!r}")
    if not path.is_file():
        raise CodebookError(
            f"{source}: no such codebook file, and not a built-in codebook "
            f"({', '.join(builtin_codebooks())})"
        )
    if path.suffix.lower() == ".qdc":
        from .refi import read_qdc  # REFI-QDA codebooks

        return read_qdc(path)
    try:
        data = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError(f"{path}: a codebook must be UTF-8 text ({exc})") from None
    return codebook_from_yaml(data, origin=str(path))


def codebook_from_yaml(data: str, *, origin: str = "<codebook>") -> Codebook:
    """Parse YAML text into a :class:`Codebook`; errors name the origin, code and line."""
    try:
        tree = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CodebookError(f"{origin}:{where}: not valid YAML: {problem}") from None
    return codebook_from_dict(tree, origin=origin)


def codebook_from_dict(tree: object, *, origin: str = "<codebook>") -> Codebook:
    """Build a :class:`Codebook` from the YAML structure (``codes:`` a list of nested codes)."""
    if isinstance(tree, list):
        tree = {"codes": tree}
    if not isinstance(tree, dict) or not isinstance(tree.get("codes"), list):
        raise CodebookError(f"{origin}: a codebook needs a top-level 'codes:' list")
    codes: list[Code] = []

    def walk(items: list, parent: str | None, trail: str) -> None:
        for n, item in enumerate(items):
            where = f"{trail}[{n}]"
            if isinstance(item, str):
                item = {"name": item}
            if not isinstance(item, dict) or not str(item.get("name") or "").strip():
                raise CodebookError(f"{origin}: the code at {where} has no name")
            name = str(item["name"]).strip()
            unknown = set(item) - CODE_KEYS
            if unknown:
                raise CodebookError(
                    f"{origin}: code {name!r} has unknown key(s) "
                    f"{', '.join(sorted(unknown))}; allowed: "
                    f"{', '.join(sorted(CODE_KEYS))}"
                )
            segment = slugify(str(item.get("id") or name))
            if not segment:
                raise CodebookError(f"{origin}: code {name!r} gives an empty path segment")
            path = f"{parent}/{segment}" if parent else segment
            examples = item.get("examples") or ()
            if isinstance(examples, str):
                examples = (examples,)
            patterns = item.get("patterns") or {}
            if not isinstance(patterns, dict):
                raise CodebookError(
                    f"{origin}: code {path!r}: 'patterns' must be a mapping "
                    "(phrases:, tokens:, exclude:)"
                )
            code = Code(
                path=path,
                name=name,
                description=str(item.get("description") or "").strip(),
                include=str(item.get("include") or "").strip(),
                exclude=str(item.get("exclude") or "").strip(),
                examples=tuple(str(e) for e in examples),
                color=item.get("color"),
                patterns=patterns,
                codable=bool(item.get("codable", True)),
            )
            if any(c.path == path for c in codes):
                raise CodebookError(f"{origin}: code path {path!r} appears twice (code {name!r})")
            codes.append(code)
            children = item.get("children") or []
            if not isinstance(children, list):
                raise CodebookError(f"{origin}: code {path!r}: 'children' must be a list")
            walk(children, path, f"{where}.children")

    walk(tree["codes"], None, "codes")
    return Codebook(
        codes,
        name=str(tree.get("name") or ""),
        title=str(tree.get("title") or ""),
        version=str(tree.get("version") or ""),
    )


def codebook_to_dict(codebook: Codebook) -> dict:
    """The YAML structure of a codebook (inverse of :func:`codebook_from_dict`)."""

    def node(code: Code) -> dict:
        out: dict = {"name": code.name}
        if slugify(code.name) != code.path.rsplit("/", 1)[-1]:
            out["id"] = code.path.rsplit("/", 1)[-1]
        for key in ("description", "include", "exclude"):
            if getattr(code, key):
                out[key] = getattr(code, key)
        if code.examples:
            out["examples"] = list(code.examples)
        if code.color:
            out["color"] = code.color
        if not code.codable:
            out["codable"] = False
        if code.patterns:
            out["patterns"] = dict(code.patterns)
        kids = codebook.children(code.path)
        if kids:
            out["children"] = [node(codebook[k]) for k in kids]
        return out

    head = {
        k: v
        for k, v in (
            ("name", codebook.name),
            ("title", codebook.title),
            ("version", codebook.version),
        )
        if v
    }
    return {**head, "codes": [node(codebook[r]) for r in codebook.roots]}


def codebook_to_yaml(codebook: Codebook) -> str:
    return yaml.safe_dump(
        codebook_to_dict(codebook), sort_keys=False, allow_unicode=True, width=100
    )


def write_codebook(codebook: Codebook, path: str | os.PathLike) -> None:
    """Write a codebook as YAML (atomically)."""
    write_text(path, codebook_to_yaml(codebook))
