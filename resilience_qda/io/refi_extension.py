"""What REFI-QDA has no place for, kept in a ``.qdpx`` of our own so that our round trips
lose nothing: each coding's ``source``, ``score`` and other columns, and each memo's id and
``created`` date as written.

The data is a JSON member of the archive, ``resilience-qda/roundtrip.json`` (a folder named
for the toolkit, which other programs ignore), keyed by the GUIDs of the codings and notes
in ``project.qde``::

    {"format": "resilience-qda roundtrip 1",
     "codings": {"<coding guid>": {"source": "rules", "score": 1.0, "evidence": "..."}},
     "notes": {"<note guid>": {"memo_id": "Interview-L-memo-1", "created": "2010-05-04"}}}

A reader trusts nothing in it: unknown keys are ignored, values are checked, and a member
that does not fit the project is reported and skipped.
"""

from __future__ import annotations

import json
import math
import re

import pandas as pd

from ..core.model import CODINGS_COLUMNS, Project, validate_codings
from .names import name_problem
from .refi_xml import guid_key

MEMBER = "resilience-qda/roundtrip.json"
FORMAT = "resilience-qda roundtrip 1"
_SOURCES = ("manual", "rules", "model", "import")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SKIP = set(CODINGS_COLUMNS) | {"prefix", "quote", "suffix", "_key"}


def _plain(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def coding_entry(row: dict) -> dict:
    """What the archive keeps of one coding row (``source``, ``score``, other columns)."""
    entry = {"source": row.get("source")}
    score = _plain(row.get("score"))
    if score is not None:
        entry["score"] = score
    for k, v in row.items():
        if k not in _SKIP and not str(k).startswith("_"):
            v = _plain(v)
            if v is not None:
                entry[str(k)] = v
    return entry


def note_entry(memo: dict) -> dict:
    """What the archive keeps of one memo: its id and its ``created`` value as written."""
    entry = {"memo_id": str(memo["memo_id"])}
    created = _plain(memo.get("created"))
    if created is not None:
        entry["created"] = str(created)
    return entry


def member_bytes(codings: dict, notes: dict) -> bytes | None:
    """The JSON member, or None when there is nothing to keep."""
    if not codings and not notes:
        return None
    data = {"format": FORMAT, "codings": codings, "notes": notes}
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=0) + "\n").encode("utf-8")


def apply_member(project: Project, data: bytes, *, name: str) -> list[str]:
    """Put what the member keeps back into ``project`` (read from the same archive);
    returns warnings."""
    try:
        got = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return [f"{name}:{MEMBER}: not valid JSON ({exc}); ignored"]
    if not isinstance(got, dict) or got.get("format") != FORMAT:
        return [f"{name}:{MEMBER}: not a format this version reads; ignored"]
    refi = project.exchange.get("refi", {})
    guids = refi.get("guids", {})
    notes: list[str] = []
    codings = got.get("codings") if isinstance(got.get("codings"), dict) else {}
    if codings and len(project.codings):
        _apply_codings(project, codings, guids, notes, name)
    memos = got.get("notes") if isinstance(got.get("notes"), dict) else {}
    if memos and len(project.memos):
        _apply_notes(project, memos, guids, refi, notes, name)
    return notes


def _apply_codings(project, entries, guids, notes, name) -> None:
    by_guid = {
        guid_key(v): k[len("coding:") :] for k, v in guids.items() if k.startswith("coding:")
    }
    table = project.codings.copy()
    keys = [
        f"{d}|{s}|{e}|{c}|{u}"
        for d, s, e, c, u in zip(
            table["doc_id"],
            table["start"],
            table["end"],
            table["code"],
            table["coder"],
            strict=True,
        )
    ]
    row_of = {k: i for i, k in enumerate(keys)}
    bad = 0
    for guid, entry in entries.items():
        i = row_of.get(by_guid.get(guid_key(str(guid)), ""))
        if i is None or not isinstance(entry, dict):
            bad += 1
            continue
        for col, value in entry.items():
            if col == "source":
                if value in _SOURCES:
                    table.at[i, "source"] = value
                else:
                    bad += 1
            elif col == "score":
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    table.at[i, "score"] = float(value)
            elif col not in _SKIP and isinstance(value, (str, int, float, bool)):
                if col not in table:
                    table[col] = pd.Series([None] * len(table), dtype=object)
                elif table[col].dtype != object:
                    table[col] = table[col].astype(object)
                table.at[i, col] = value
    if bad:
        notes.append(f"{name}:{MEMBER}: {bad} coding entries did not fit; those were skipped")
    project.codings = validate_codings(table, project.corpus, origin=f"{name}:{MEMBER}")


def _apply_notes(project, entries, guids, refi, notes, name) -> None:
    by_guid = {guid_key(v): k[len("note:") :] for k, v in guids.items() if k.startswith("note:")}
    memos = project.memos.copy()
    ids = [str(m) for m in memos["memo_id"]]
    renamed: dict[str, str] = {}
    for guid, entry in entries.items():
        old = by_guid.get(guid_key(str(guid)))
        if old is None or old not in ids or not isinstance(entry, dict):
            continue
        i = ids.index(old)
        if isinstance(entry.get("created"), str):
            if "created" not in memos:
                memos["created"] = pd.Series([None] * len(memos), dtype=object)
            memos["created"] = memos["created"].astype(object)
            memos.at[i, "created"] = entry["created"]
        new = entry.get("memo_id")
        if (
            isinstance(new, str)
            and new != old
            and _SAFE_ID.match(new)
            and name_problem(f"{new}.md") is None
            and new not in ids
        ):
            ids[i] = new
            renamed[old] = new
    memos["memo_id"] = ids
    project.memos = memos
    if renamed:
        refi["guids"] = {
            (f"note:{renamed[k[5:]]}" if k.startswith("note:") and k[5:] in renamed else k): v
            for k, v in guids.items()
        }
        for s in refi.get("sets", []):
            if s.get("notes"):
                s["notes"] = [renamed.get(n, n) for n in s["notes"]]


__all__ = ["FORMAT", "MEMBER", "apply_member", "coding_entry", "member_bytes", "note_entry"]
