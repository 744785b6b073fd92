"""Codebooks as YAML: a tree of codes, each with a name, a definition and patterns."""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

import yaml

from ..core.errors import CodebookError
from ..core.model import Code, Codebook, slugify
from .atomic import write_text
from .refi_read import read_qdc
from .rule_patterns import check_patterns
from .safeyaml import compose_yaml, construct, refuse_repeated_keys

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
    "negative",
    "parent",
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
        return read_qdc(path)
    try:
        data = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError(f"{path}: a codebook must be UTF-8 text ({exc})") from None
    return codebook_from_yaml(data, origin=str(path))


def codebook_from_yaml(data: str, *, origin: str = "<codebook>") -> Codebook:
    """Parse YAML text into a :class:`Codebook`; errors name the origin, code and line.

    Examples
    --------
    >>> cb = codebook_from_yaml("codes:\\n  - name: Themes\\n    children: [More reflexive]\\n")
    >>> cb.paths, cb.lines["themes/more-reflexive"]
    (['themes', 'themes/more-reflexive'], 3)
    >>> codebook_from_yaml("codes:\\n  - name: A\\n  - name: A\\n", origin="cb.yaml")
    Traceback (most recent call last):
    ...
    resilience_qda.core.errors.CodebookError: cb.yaml, line 3: code path 'a' appears twice \
(code 'A'; first defined at line 2)
    """
    node, loader = compose_yaml(data, origin=origin, error=CodebookError)
    try:
        refuse_repeated_keys(node, origin=origin, error=CodebookError, within="one code")
        tree = construct(loader, node, origin=origin, error=CodebookError)
    finally:
        loader.dispose()
    return codebook_from_dict(tree, origin=origin, _node=node)


def _child(node, key: str):
    """The value node of ``key`` in a mapping node (None if absent or not a mapping)."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def _line(node) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def codebook_from_dict(tree: object, *, origin: str = "<codebook>", _node=None) -> Codebook:
    """Build a :class:`Codebook` from the YAML structure (``codes:`` a list of nested codes).

    A code may instead name its ``parent`` path (a flat list of codes). The codebook's
    ``origin`` and ``lines`` (``{path: line}``, when read from YAML) are kept as attributes
    so that later errors (e.g. spaCy rejecting a pattern) can name the line.
    """
    if isinstance(tree, list):
        tree, _node = {"codes": tree}, None
    if not isinstance(tree, dict) or not isinstance(tree.get("codes"), list):
        raise CodebookError(f"{origin}: a codebook needs a top-level 'codes:' list")
    codes: list[Code] = []
    lines: dict[str, int] = {}

    def walk(items: list, nodes: list | None, parent: str | None, trail: str) -> None:
        for n, item in enumerate(items):
            item_node = nodes[n] if nodes is not None and n < len(nodes) else None
            line = _line(item_node)
            at = f"{origin}, line {line}" if line else origin
            where = f"{trail}[{n}]"
            if isinstance(item, str):
                item = {"name": item}
            if not isinstance(item, dict) or not str(item.get("name") or "").strip():
                raise CodebookError(f"{at}: the code at {where} has no name")
            name = str(item["name"]).strip()
            unknown = set(item) - CODE_KEYS
            if unknown:
                raise CodebookError(
                    f"{at}: code {name!r} has unknown key(s) "
                    f"{', '.join(sorted(map(str, unknown)))}; allowed: "
                    f"{', '.join(sorted(CODE_KEYS))}"
                )
            segment = slugify(str(item.get("id") or name))
            if not segment:
                raise CodebookError(f"{at}: code {name!r} gives an empty path segment")
            up = parent
            if item.get("parent"):
                if parent is not None:
                    raise CodebookError(
                        f"{at}: code {name!r} is nested under {parent!r} and also names "
                        f"parent {item['parent']!r}; use one or the other"
                    )
                up = str(item["parent"]).strip().strip("/")
                if up not in lines:
                    raise CodebookError(
                        f"{at}: code {name!r} has unknown parent {up!r}; define the parent "
                        "code before it"
                    )
            path = f"{up}/{segment}" if up else segment
            if path in lines:
                raise CodebookError(
                    f"{at}: code path {path!r} appears twice (code {name!r}"
                    + (f"; first defined at line {lines[path]})" if lines[path] else ")")
                )
            examples = item.get("examples") or ()
            if isinstance(examples, str):
                examples = (examples,)
            if not isinstance(examples, (list, tuple)):
                raise CodebookError(f"{at}: code {path!r}: 'examples' must be a list")
            patterns = check_patterns(item.get("patterns"), f"{at}: code {path!r}")
            flags = {}
            for key in ("codable", "negative"):
                value = item.get(key, key == "codable")
                if not isinstance(value, bool):
                    raise CodebookError(
                        f"{at}: code {path!r}: {key!r} must be true or false; got {value!r}"
                    )
                flags[key] = value
            code = Code(
                path=path,
                name=name,
                description=str(item.get("description") or "").strip(),
                include=str(item.get("include") or "").strip(),
                exclude=str(item.get("exclude") or "").strip(),
                examples=tuple(str(e) for e in examples),
                color=item.get("color"),
                patterns=patterns,
                **flags,
            )
            codes.append(code)
            lines[path] = line or 0
            children = item.get("children") or []
            if not isinstance(children, list):
                raise CodebookError(f"{at}: code {path!r}: 'children' must be a list")
            kid_nodes = _child(item_node, "children")
            walk(
                children,
                kid_nodes.value if isinstance(kid_nodes, yaml.SequenceNode) else None,
                path,
                f"{where}.children",
            )

    top = _child(_node, "codes")
    walk(tree["codes"], top.value if isinstance(top, yaml.SequenceNode) else None, None, "codes")
    book = Codebook(
        codes,
        name=str(tree.get("name") or ""),
        title=str(tree.get("title") or ""),
        version=str(tree.get("version") or ""),
        language=_language(tree.get("language"), origin),
    )
    book.origin = origin
    book.lines = {p: n for p, n in lines.items() if n}
    return book


def _language(value: object, origin: str) -> str:
    """A codebook's ``language:``: an ISO 639-1 code such as ``en`` or ``da``."""
    if value is None or value == "":
        return ""
    text = str(value).strip().lower()
    if not re.fullmatch(r"[a-z]{2,3}(?:[-_][a-z0-9]{2,8})?", text):
        raise CodebookError(
            f"{origin}: language {value!r} is not a language code; give an ISO 639-1 code "
            "such as en, da or de"
        )
    return text


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
        if code.negative:
            out["negative"] = True
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
            ("language", codebook.language),
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
