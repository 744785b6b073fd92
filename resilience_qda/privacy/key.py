"""The pseudonymisation key: real names and their pseudonyms, kept outside the project.

The key is a CSV with one row per person, place or organisation::

    name,pseudonym,variants,kind
    Sarah Thompson,Participant L,Sarah|Sal|Mrs Thompson,person
    Jayden Clarke,Child 1,Jayden|Jay,person
    Westfield Primary School,School 1,Westfield Primary,organisation

``variants`` (optional, separated by ``|`` or ``;``) are other ways the same one is written
(first names, nicknames, surnames with a title); each is replaced by the same pseudonym.
For people, each word of a multi-word ``name`` is a variant too, unless two rows share it
(then it is ambiguous and only listed by :func:`key_variants` as such). ``kind`` is free
text (``person`` by default). The key never goes into the project: only its *version*, a
hash of its contents, is recorded there.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core.errors import QDAError

_SPLIT = re.compile(r"\s*[|;]\s*")
#: Words of a name that are never variants on their own.
_TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "st", "saint"}
    | {"the", "of", "and", "de", "la", "van", "von", "le", "du", "da"}
)


class PseudonymKeyError(QDAError, ValueError):
    """A pseudonymisation key is missing, malformed, ambiguous or inside the project."""


@dataclass(frozen=True)
class Key:
    """A loaded key: ``table`` (one row per entry) and ``variants`` (surface form ->
    pseudonym, longest first), plus ``version`` (a hash of the contents)."""

    table: pd.DataFrame
    variants: dict[str, str]
    kinds: dict[str, str]
    version: str

    def __len__(self) -> int:
        return len(self.table)


def read_key(path: str | os.PathLike, *, project: str | os.PathLike | None = None) -> Key:
    """Read a key CSV (``name``, ``pseudonym``, optional ``variants`` and ``kind``).

    Parameters
    ----------
    path : path-like
        The key file. It must not lie inside ``project``.
    project : path-like, optional
        The project folder the key is used with.

    Raises
    ------
    PseudonymKeyError
        The file is missing or inside the project, a column is missing, a name or pseudonym
        is empty, one surface form has two pseudonyms, or a pseudonym is itself a real name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "key.csv"
    >>> _ = p.write_text("name,pseudonym,variants\\nSarah Thompson,Participant L,Sal\\n")
    >>> sorted(read_key(p).variants)
    ['Sal', 'Sarah', 'Sarah Thompson', 'Thompson']
    """
    path = Path(path)
    if project is not None and _inside(path, Path(project)):
        raise PseudonymKeyError(
            f"{path}: the key is inside the project folder {project}; keep it outside the "
            "project (it holds the real names) and pass its path as the key"
        )
    if not path.is_file():
        raise PseudonymKeyError(f"{path}: no such key file (a CSV with name,pseudonym columns)")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise PseudonymKeyError(f"{path}: cannot be read as a CSV key ({exc})") from None
    return key_from_frame(table, origin=str(path))


def key_from_frame(table: pd.DataFrame, *, origin: str = "key") -> Key:
    """Build a :class:`Key` from a table with ``name`` and ``pseudonym`` columns.

    Examples
    --------
    >>> k = key_from_frame(pd.DataFrame({"name": ["Jayden Clarke"], "pseudonym": ["Child 1"],
    ...                                  "variants": ["Jay"]}))
    >>> k.variants["Jay"], k.variants["Clarke"]
    ('Child 1', 'Child 1')
    """
    table = table.rename(columns=lambda c: str(c).strip().lower())
    missing = [c for c in ("name", "pseudonym") if c not in table]
    if missing:
        raise PseudonymKeyError(
            f"{origin}: missing column(s) {', '.join(missing)}; a key has name,pseudonym and "
            "optionally variants,kind"
        )
    table = table.reset_index(drop=True).fillna("").astype(str).apply(lambda s: s.str.strip())
    for col in ("variants", "kind"):
        if col not in table:
            table[col] = ""
    table["kind"] = table["kind"].replace("", "person").str.lower()
    explicit: dict[str, tuple[str, int]] = {}
    derived: list[tuple[str, str, int]] = []
    for i, row in table.iterrows():
        where = f"{origin} row {int(i) + 2}"
        if not row["name"] or not row["pseudonym"]:
            raise PseudonymKeyError(f"{where}: name and pseudonym must both be filled in")
        forms = [row["name"], *[v for v in _SPLIT.split(row["variants"]) if v]]
        for form in forms:
            if form in explicit and explicit[form][0] != row["pseudonym"]:
                raise PseudonymKeyError(
                    f"{where}: {form!r} has two pseudonyms ({explicit[form][0]!r} and "
                    f"{row['pseudonym']!r}); give each written form one pseudonym"
                )
            explicit[form] = (row["pseudonym"], int(i))
        if row["kind"] == "person":
            derived += [(w, row["pseudonym"], int(i)) for w in _name_parts(row["name"])]
    counts = Counter(w for w, _, _ in {(w, p, 0) for w, p, _ in derived})
    variants = {f: p for f, (p, _) in explicit.items()}
    rows_of = {f: r for f, (_, r) in explicit.items()}
    for word, pseudonym, i in derived:
        if word not in variants and counts[word] == 1:
            variants[word], rows_of[word] = pseudonym, i
    clash = sorted(set(table["pseudonym"]) & set(variants))
    clash = [p for p in clash if variants[p] != p]
    if clash:
        raise PseudonymKeyError(
            f"{origin}: pseudonym {clash[0]!r} is also a real name in the key; choose "
            "pseudonyms that are not real names of the study"
        )
    for pseudonym in sorted(set(table["pseudonym"])):
        inside = [
            f
            for f, p in variants.items()
            if p != pseudonym and re.search(rf"(?<!\w){re.escape(f)}(?!\w)", pseudonym)
        ]
        if inside:
            raise PseudonymKeyError(
                f"{origin}: pseudonym {pseudonym!r} contains {inside[0]!r}, a real name of "
                f"someone else in the key; choose pseudonyms without real names in them"
            )
    order = sorted(variants, key=lambda f: (-len(f), f))
    kinds = {f: table["kind"].iloc[rows_of[f]] for f in order}
    return Key(table, {f: variants[f] for f in order}, kinds, key_version(table))


def ambiguous_parts(key: Key) -> list[str]:
    """Words of people's names shared by two entries with different pseudonyms: they are not
    replaced on their own (add them as explicit variants where you know who is meant)."""
    parts = Counter(
        (w, p)
        for n, p, k in key.table[["name", "pseudonym", "kind"]].itertuples(index=False)
        if k == "person"
        for w in _name_parts(n)
    )
    words = Counter(w for w, _ in parts)
    return sorted(w for w, n in words.items() if n > 1 and w not in key.variants)


def key_version(table: pd.DataFrame) -> str:
    """A short SHA-256 of the key's contents (rows sorted, cells stripped): which key was
    used, without revealing it.

    >>> key_version(pd.DataFrame({"name": ["A B"], "pseudonym": ["P1"]}))
    'key-4fbd0498c8b1'
    """
    cols = [c for c in ("name", "pseudonym", "variants", "kind") if c in table]
    lines = sorted("\t".join(str(v).strip() for v in row) for row in table[cols].values.tolist())
    digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    return f"key-{digest[:12]}"


def _name_parts(name: str) -> list[str]:
    words = re.findall(r"[^\W\d_][\w'’-]*", name)
    if len(words) < 2:
        return []
    return [w for w in words if len(w) > 1 and w.lower() not in _TITLES]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


__all__ = [
    "Key",
    "PseudonymKeyError",
    "ambiguous_parts",
    "key_from_frame",
    "key_version",
    "read_key",
]
