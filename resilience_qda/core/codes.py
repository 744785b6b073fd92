"""Helpers shared by the analysis functions: choosing codes and rolling children into parents."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

#: The columns a function needs from a codings table to count spans.
SPAN_COLUMNS = ["doc_id", "start", "end", "code", "coder"]


def ancestors(path: str) -> list[str]:
    """``path`` and every path above it, nearest first.

    >>> ancestors("practice-elements/materials/tools")
    ['practice-elements/materials/tools', 'practice-elements/materials', 'practice-elements']
    """
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(len(parts), 0, -1)]


def with_ancestors(codings: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``codings`` with each row repeated once for every ancestor of its code.

    A coding of ``themes/more-reflexive`` also counts for ``themes``: this is NVivo's
    "aggregate coding from children". The same span coded at a parent and at its child
    becomes two identical rows of the parent; callers count distinct spans.
    """
    if not len(codings):
        return codings.copy()
    table = codings.copy()
    table["code"] = table["code"].map(ancestors)
    return table.explode("code", ignore_index=True)


def select_codes(
    codings: pd.DataFrame, codes: str | Iterable[str] | None, *, rollup: bool = True
) -> pd.DataFrame:
    """Rows of ``codings`` whose code is one of ``codes`` (or below one, with ``rollup``).

    ``codes`` may be one path (a branch such as ``"themes"``) or several; ``None`` keeps all.
    """
    if codes is None:
        return codings
    wanted = [codes] if isinstance(codes, str) else list(codes)
    code = codings["code"].astype(str)
    keep = code.isin(wanted)
    if rollup:
        for w in wanted:
            keep |= code.str.startswith(w.rstrip("/") + "/")
    return codings[keep]


def truncate(code: pd.Series, depth: int) -> pd.Series:
    """Cut code paths to their first ``depth`` + 1 segments (``depth`` 0 keeps the root).

    >>> truncate(pd.Series(["a/b/c", "a", "a/d"]), 1).tolist()
    ['a/b', 'a', 'a/d']
    """
    return code.astype(str).str.split("/").str[: depth + 1].str.join("/")


def label(path: str) -> str:
    """The last segment of a code path, for axis labels.

    >>> label("themes/more-reflexive")
    'more-reflexive'
    """
    return path.rsplit("/", 1)[-1]


def check_columns(table: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise ``KeyError`` naming the missing columns of ``table``."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise KeyError(
            f"{what} needs column(s) {', '.join(missing)}; it has {', '.join(map(str, table))}"
        )
