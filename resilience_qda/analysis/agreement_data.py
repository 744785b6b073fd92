"""What agreement is computed over: coders (or groups of coders), documents and codes.

Shared by the character-level, unit-based and segment comparisons so that a "group", a
"shared document" and "coded past the end of a text" mean the same thing in each.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..core.errors import CodingsError, QDAWarning
from ..core.model import Corpus

#: How the documents compared are chosen (see :func:`select_documents`).
DOCUMENT_SCOPES = ("all", "shared", "own")


def resolve_coders(
    codings: pd.DataFrame, coders: Sequence[str | Sequence[str]]
) -> list[tuple[str, tuple[str, ...]]]:
    """``[(label, members), ...]`` for the coders compared.

    Each item is a coder name, a group given as a sequence of names, or a string
    ``"A+C"`` (split on ``+`` unless a coder of that exact name exists). A group codes a
    character or unit when any of its members does. A name with no codings is kept (that
    coder coded nothing) with a :class:`QDAWarning`, since it is often a typo.

    Examples
    --------
    >>> c = pd.DataFrame({"coder": ["A", "B", "C"]})
    >>> resolve_coders(c, ["A+C", "B"])
    [('A+C', ('A', 'C')), ('B', ('B',))]
    """
    if isinstance(coders, str):
        raise TypeError(
            f"coders must be a list of names or groups, e.g. ['A', 'B']; got {coders!r}"
        )
    known = set(codings["coder"].astype(str).unique()) if "coder" in codings else set()
    out: list[tuple[str, tuple[str, ...]]] = []
    for item in coders:
        if isinstance(item, str):
            members = (item,) if item in known or "+" not in item else tuple(item.split("+"))
        else:
            members = tuple(str(m) for m in item)
        members = tuple(dict.fromkeys(m.strip() for m in members if m.strip()))
        if not members:
            raise ValueError(f"empty coder or group in coders={list(coders)!r}")
        out.append(("+".join(members), members))
    labels = [label for label, _ in out]
    if len(out) < 2:
        raise ValueError(f"agreement needs at least two coders or groups; got {labels}")
    if len(set(labels)) != len(labels):
        raise ValueError(f"a coder or group appears twice in coders={labels}")
    missing = sorted({m for _, ms in out for m in ms} - known)
    if missing:
        warnings.warn(
            f"coder(s) {', '.join(map(repr, missing))} have no codings; they are treated as "
            f"having coded nothing (coders with codings: {', '.join(sorted(known)) or 'none'})",
            QDAWarning,
            stacklevel=3,
        )
    return out


def group_codings(codings: pd.DataFrame, groups: list[tuple[str, tuple[str, ...]]]) -> pd.DataFrame:
    """Rows of the compared coders with ``coder`` set to their group's label (a coder in
    two groups contributes to both)."""
    frames = []
    for label, members in groups:
        rows = codings[codings["coder"].astype(str).isin(members)]
        frames.append(rows[["doc_id", "start", "end", "code"]].assign(coder=label))
    table = pd.concat(frames, ignore_index=True)
    return table.astype({"start": "int64", "end": "int64"})


def text_lengths(texts: Mapping[str, str] | Corpus) -> dict[str, int]:
    lookup = texts.texts if isinstance(texts, Corpus) else texts
    return {d: len(t) for d, t in lookup.items()}


def check_codings(codings: pd.DataFrame, lengths: Mapping[str, int]) -> None:
    """Raise :class:`CodingsError` naming the first codings that point outside their text."""
    missing = [c for c in ("doc_id", "start", "end", "code", "coder") if c not in codings]
    if missing:
        raise CodingsError(
            f"codings: missing column(s) {', '.join(missing)}; agreement needs doc_id, start, "
            "end, code and coder"
        )
    for column in ("start", "end"):
        offsets = pd.to_numeric(codings[column], errors="coerce")
        bad = offsets.isna() | (offsets != offsets.round())
        if bad.any():
            first = codings[bad.to_numpy()].iloc[0]
            raise CodingsError(
                f"{int(bad.sum())} coding(s) have a {column} that is not a whole number: first "
                f"{first['coder']!r} {first['code']!r} in {first['doc_id']!r} ({first[column]!r})"
            )
    size = codings["doc_id"].map(lengths)
    checks = [
        (size.isna(), "is in a document the corpus lacks"),
        (codings["start"] < 0, "starts before the text"),
        (codings["start"] >= codings["end"], "is empty (start is not before end)"),
        (codings["end"] > size.fillna(np.inf), "runs past the end of its text"),
    ]
    for bad, what in checks:
        if bad.any():
            rows = codings[bad.to_numpy()]
            first = rows.iloc[0]
            text_size = lengths.get(first["doc_id"])
            known = f" ({text_size} characters)" if text_size is not None else ""
            raise CodingsError(
                f"{len(rows)} coding(s) {what}: first {first['coder']!r} {first['code']!r} "
                f"in {first['doc_id']!r}{known} [{first['start']}:{first['end']}]. Check that "
                "the codings belong to these texts (re-anchor them if the texts were edited)"
            )


def select_documents(
    grouped: pd.DataFrame,
    available: Sequence[str],
    labels: Sequence[str],
    doc_ids: str | Sequence[str] = "shared",
) -> tuple[list[str], dict[str, set[str]] | None]:
    """The documents compared and, for ``doc_ids="own"``, which each coder saw.

    - ``"shared"`` (the default everywhere): the documents every coder (group) coded at
      least once, so that documents only one side was given are not read as "coded
      nothing" (a document a coder read and found nothing to code in is left out too: pass
      a list or "all" to keep it).
    - ``"all"``: every document; a coder who coded nothing in one coded nothing there (NVivo
      compares the sources selected this way).
    - ``"own"``: every document, but each coder's judgements are missing (not "not coded")
      for documents that coder never coded: for coders who split the documents between
      them (Krippendorff's alpha and the pairable-unit coefficients allow missing data).
    - a list of doc_ids.
    """
    coded = {
        label: set(grouped.loc[grouped["coder"] == label, "doc_id"].unique()) for label in labels
    }
    if isinstance(doc_ids, str):
        if doc_ids not in DOCUMENT_SCOPES:
            raise ValueError(
                f"doc_ids must be one of {', '.join(DOCUMENT_SCOPES)} or a list of doc_ids; "
                f"got {doc_ids!r}"
            )
        if doc_ids == "shared":
            common = set.intersection(*coded.values())
            return [d for d in available if d in common], None
        return list(available), (coded if doc_ids == "own" else None)
    unknown = sorted(set(doc_ids) - set(available))
    if unknown:
        raise CodingsError(f"no document(s) {', '.join(map(repr, unknown))} in the corpus")
    wanted = set(doc_ids)
    return [d for d in available if d in wanted], None


def no_missing_data(doc_ids, what: str) -> None:
    """Refuse ``doc_ids="own"`` where missing judgements have no meaning."""
    if isinstance(doc_ids, str) and doc_ids == "own":
        raise ValueError(
            f'doc_ids="own" (missing data outside each coder\'s documents) applies to '
            f'unit-based agreement, not to {what}; use "shared", "all" or a list of doc_ids'
        )


def select_codes(grouped: pd.DataFrame, codes: Sequence[str] | None) -> list[str]:
    """The codes compared: those given, else every code a compared coder used in the
    documents compared (sorted)."""
    if codes is None:
        return sorted(grouped["code"].unique().tolist())
    return list(dict.fromkeys(codes))


def utf16_offsets(text: str) -> np.ndarray:
    """``cum[i]``: UTF-16 code units in ``text[:i]`` (NVivo counts characters this way).

    >>> utf16_offsets("a😀b").tolist()
    [0, 1, 3, 4]
    """
    cp = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    return np.concatenate([[0], np.cumsum(1 + (cp > 0xFFFF))]).astype("int64")
