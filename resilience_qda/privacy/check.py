"""Check a project before sharing: do names from the key or identifier patterns remain?"""

from __future__ import annotations

import bisect
import csv
import io
import itertools
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..core.errors import ProjectError
from ..io.transaction import recover
from .detect import _key_kind, find_key_names, key_names_in_name, resolve_overlaps
from .key import Key
from .patterns import find_patterns
from .record import RECORD_FILE, read_record

#: Files of a project folder that the check reads (its hidden folder never).
CHECKED = ("sources/*.txt", "memos/*.md", "codings/*.csv", "*.csv", "*.yaml", "*.md", "*.json")
CHECK_COLUMNS = ("file", "line", "column", "text", "kind", "detector", "context")
#: A compound identifier in a data file: words joined by - _ or . (``meeting-jayden-clarke``).
_COMPOUND = re.compile(r"[^\W_]+(?:[-_.][^\W_]+)+")


def check_project(
    path: str | os.PathLike, *, key: Key | None = None, kinds: Iterable[str] | None = None
) -> pd.DataFrame:
    """Every remaining identifier in a project folder: names from the key and pattern hits
    in sources, memos, attribute tables, codings files, the codebook and the round-trip
    data, and key names in file names, document ids, coder names and every attribute value
    (there in any case and between separators: ``meeting-jayden-clarke``).

    Spans that the review kept on purpose (listed in ``pseudonymisation.yaml``) are not
    reported again.

    Returns
    -------
    DataFrame
        ``CHECK_COLUMNS``, one row per hit (``line`` and ``column`` 1-based; ``line`` 0 for
        a file name); empty when the project is clean.

    Examples
    --------
    >>> check_project("data/sample").empty  # doctest: +SKIP
    True
    """
    root = Path(path)
    if not root.is_dir():
        raise ProjectError(f"{root}: no such project folder")
    recover(root)
    kept = {(k.get("text"), k.get("kind")) for k in read_record(root).get("kept", [])}
    files = sorted(
        {
            f
            for pattern in CHECKED
            for f in root.glob(pattern)
            if f.is_file() and not f.name.startswith(".")
        }
    )
    rows = []
    inside = root.resolve()
    for f in files:
        rel = f.relative_to(root).as_posix()
        if rel == RECORD_FILE:
            continue
        if not f.resolve().is_relative_to(inside):
            raise ProjectError(
                f"{f}: is a symbolic link to {f.resolve()}, outside the project folder; a "
                "project reads only its own files: replace the link with a copy of the file"
            )
        rows += _scan(rel, rel, key, kinds, kept, name=True)
        rows += _scan_ids(rel, rel, key, kept, line=0)
        text = f.read_text(encoding="utf-8", errors="replace")
        rows += _scan(rel, text, key, kinds, kept)
        if f.suffix == ".csv":
            rows += _scan_cells(rel, text, key, kept)
        elif f.suffix == ".json":
            for value in _json_names(text):
                rows += _scan_ids(rel, value, key, kept, line=1)
        elif f.suffix in (".yaml", ".md") and rel not in _CODE_FILES:
            body = text if f.suffix != ".md" else _front_matter(text)
            for m in _COMPOUND.finditer(body):
                line = body.count("\n", 0, m.start()) + 1
                rows += _scan_ids(rel, m.group(), key, kept, line=line)
    table = pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
    return table.drop_duplicates(["file", "line", "text", "kind"]).reset_index(drop=True)


#: Files whose compound words are code paths, or that are running text.
_CODE_FILES = frozenset({"codebook.yaml"})


def _json_names(text: str) -> list[str]:
    """Identifier-like strings of a JSON file (the REFI-QDA round-trip data): keys and
    values, without code paths (``code:...`` keys and the code part of coding keys)."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    out: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
            stack.extend(item.keys())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and not any(ch.isspace() for ch in item):
            kind, _, rest = item.partition(":")
            if kind == "code":
                continue
            if kind in ("coding", "selection") and rest.count("|") == 4:
                parts = rest.split("|")
                out += [parts[0], parts[4]]
            else:
                out.append(item)
    return out


def _front_matter(text: str) -> str:
    if not text.startswith("---"):
        return ""
    end = text.find("\n---", 3)
    return text[: end if end > 0 else 0]


def _scan_ids(rel: str, value: str, key: Key | None, kept, *, line: int) -> list[dict]:
    """Key names in an identifier-like value, in any case, between separators."""
    if key is None:
        return []
    out = []
    for s, e, _, form in key_names_in_name(value, key):
        found = value[s:e]
        if (found, "NAME") in kept or (form, "NAME") in kept:
            continue
        out.append(
            {
                "file": rel,
                "line": line,
                "column": s + 1,
                "text": found,
                "kind": _key_kind(key, form),
                "detector": "file name" if line == 0 else "identifier",
                "context": value[:80],
            }
        )
    return out


#: CSV columns that hold code paths or running text (read by the text scan), not names.
_NOT_IDS = frozenset({"code", "parent", "prefix", "quote", "suffix", "evidence", "memo", "text"})


def _scan_cells(rel: str, text: str, key: Key | None, kept) -> list[dict]:
    """Cells of a CSV file without white space (ids, file names, coder names)."""
    if key is None:
        return []
    out = []
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, [])
        for row in reader:
            for column, cell in itertools.zip_longest(header, row, fillvalue=""):
                if column in _NOT_IDS or not cell or any(ch.isspace() for ch in cell):
                    continue
                out += _scan_ids(rel, cell, key, kept, line=reader.line_num)
    except csv.Error:
        pass  # not CSV after all: the text scan above covered it
    return out


def _scan(rel, text, key, kinds, kept, *, name: bool = False) -> list[dict]:
    hits = find_patterns(text, kinds=kinds)
    if key is not None:
        hits += find_key_names(text, key)
    out = []
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    for h in resolve_overlaps(hits, text):
        found = text[h.start : h.end]
        if (found, h.kind) in kept:
            continue
        line = bisect.bisect_right(line_starts, h.start)
        out.append(
            {
                "file": rel,
                "line": 0 if name else line,
                "column": h.start - line_starts[line - 1] + 1,
                "text": found,
                "kind": h.kind,
                "detector": "file name" if name else h.detector,
                "context": text[max(0, h.start - 30) : h.end + 30].replace("\n", " ⏎ "),
            }
        )
    return out


__all__ = ["CHECK_COLUMNS", "check_project"]
