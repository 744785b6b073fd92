"""Check a project before sharing: do names from the key or identifier patterns remain?"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..core.errors import ProjectError
from .detect import find_key_names, resolve_overlaps
from .key import Key
from .patterns import find_patterns
from .record import RECORD_FILE, read_record

#: Files of a project folder that the check reads.
CHECKED = ("sources/*.txt", "memos/*.md", "codings/*.csv", "*.csv", "*.yaml", "*.md")
CHECK_COLUMNS = ("file", "line", "column", "text", "kind", "detector", "context")


def check_project(
    path: str | os.PathLike, *, key: Key | None = None, kinds: Iterable[str] | None = None
) -> pd.DataFrame:
    """Every remaining identifier in a project folder: names from the key and pattern hits
    in sources, memos, attribute tables, codings files and the codebook, and in file names.

    Spans that the review kept on purpose (listed in ``pseudonymisation.yaml``) are not
    reported again.

    Returns
    -------
    DataFrame
        ``CHECK_COLUMNS``, one row per hit (``line`` and ``column`` 1-based); empty when
        the project is clean.

    Examples
    --------
    >>> check_project("data/sample").empty  # doctest: +SKIP
    True
    """
    root = Path(path)
    if not root.is_dir():
        raise ProjectError(f"{root}: no such project folder")
    kept = {(k.get("text"), k.get("kind")) for k in read_record(root).get("kept", [])}
    files = sorted({f for pattern in CHECKED for f in root.glob(pattern) if f.is_file()})
    rows = []
    for f in files:
        rel = f.relative_to(root).as_posix()
        if rel == RECORD_FILE:
            continue
        rows += _scan(rel, rel, key, kinds, kept, name=True)
        text = f.read_text(encoding="utf-8", errors="replace")
        rows += _scan(rel, text, key, kinds, kept)
    return pd.DataFrame(rows, columns=list(CHECK_COLUMNS))


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
        line = sum(1 for s in line_starts if s <= h.start)
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
