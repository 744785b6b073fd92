"""Memos: Markdown files with a small front matter saying what they annotate.

::

    PROJECT/memos/<memo_id>.md

    ---
    doc_id: interview-H          # a document memo (with start/end: a passage memo)
    code: themes/more-reflexive  # a code memo (with doc_id, start, end, coder: a coding memo)
    start: 1140
    end: 1209
    coder: A
    author: Kath
    created: 2010-05-04
    ---
    Free Markdown text.

A memo with none of these is a project memo. The memos table has one row per memo:
``memo_id, doc_id, code, start, end, coder, author, created, text`` plus any other front
matter keys; :func:`memo_table` adds what each is attached to and the passage it covers,
and :func:`attach_memos` puts coding memos beside the codings, where retrieval and the
report show them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import yaml

from ..core.errors import ProjectError, ReadError
from ..core.model import Corpus, Project
from .names import check_file_name
from .notes import split_front_matter

#: Columns every memos table has, in this order.
MEMO_COLUMNS = ("memo_id", "doc_id", "code", "start", "end", "coder", "author", "created", "text")
#: Largest offset accepted anywhere (texts are far shorter; larger numbers are damage).
MAX_OFFSET = 2**53
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_KEY = ["doc_id", "start", "end", "code", "coder"]


def _blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and value != value:
        return True
    return isinstance(value, str) and not value.strip()


def _plain(value: object) -> object:
    """A YAML-safe Python scalar (numpy and pandas scalars converted)."""
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def empty_memos() -> pd.DataFrame:
    """A memos table with no rows.

    >>> list(empty_memos().columns)[:4]
    ['memo_id', 'doc_id', 'code', 'start']
    """
    return memos_frame([])


def memos_frame(rows: list[dict]) -> pd.DataFrame:
    """A memos table from row dicts: ``MEMO_COLUMNS`` first, offsets as nullable integers.

    >>> memos_frame([{"memo_id": "m1", "text": "Check"}])[["memo_id", "doc_id", "text"]]
      memo_id doc_id   text
    0      m1   <NA>  Check
    """
    table = pd.DataFrame(rows)
    for c in MEMO_COLUMNS:
        if c not in table:
            table[c] = pd.Series([None] * len(table), dtype="object")
    table = table[list(MEMO_COLUMNS) + [c for c in table.columns if c not in MEMO_COLUMNS]]
    for c in ("start", "end"):
        table[c] = pd.to_numeric(table[c], errors="coerce").astype("Int64")
    for c in ("doc_id", "code", "coder", "author", "created"):
        table[c] = table[c].astype(object).where(table[c].map(lambda v: not _blank(v)), pd.NA)
    table["text"] = table["text"].fillna("").astype(str)
    return table.reset_index(drop=True)


def read_memos(root: str | os.PathLike) -> pd.DataFrame:
    """The memos of a project folder (``memos/*.md``), sorted by ``memo_id``.

    Examples
    --------
    >>> read_memos("data/sample")  # doctest: +SKIP
    """
    rows = []
    folder = Path(root) / "memos"
    inside = Path(root).resolve()
    for f in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        if f.name.startswith("."):
            continue
        if not f.resolve().is_relative_to(inside):
            raise ReadError(
                f"{f}: is a symbolic link to {f.resolve()}, outside the project folder; a "
                "project reads only its own files: replace the link with a copy of the file"
            )
        try:
            text = f.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        except UnicodeDecodeError as exc:
            raise ReadError(f"{f}: memos must be UTF-8 ({exc})") from None
        meta, body = split_front_matter(text, name=str(f))
        meta = {k: v for k, v in meta.items() if k not in ("text", "memo_id")}
        for key in ("start", "end"):
            value = meta.get(key)
            if _blank(value):
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise ReadError(f"{f}: {key} must be a whole number; it is {value!r}")
            if not 0 <= value < MAX_OFFSET:
                raise ReadError(
                    f"{f}: {key} {value} is not a position in a text (0 to {MAX_OFFSET:,}); "
                    "fix the memo's front matter"
                )
        rows.append({"memo_id": f.stem, **meta, "text": body.strip()})
    return memos_frame(rows)


def memo_files(memos: pd.DataFrame) -> dict[str, bytes]:
    """``{"memos/<memo_id>.md": bytes}`` for every memo of a memos table.

    >>> memo_files(memos_frame([{"memo_id": "m1", "doc_id": "d", "text": "Hi"}]))
    {'memos/m1.md': b'---\\ndoc_id: d\\n---\\nHi\\n'}
    """
    files: dict[str, bytes] = {}
    for memo in memos.to_dict("records"):
        memo_id = str(memo.get("memo_id", ""))
        if not _SAFE_ID.match(memo_id):
            raise ProjectError(
                f"memo id {memo_id!r} cannot be a file name; use letters, digits, '-', '_', '.'"
            )
        check_file_name(f"{memo_id}.md", what=f"memo id {memo_id!r}")
        if f"memos/{memo_id}.md" in files:
            raise ProjectError(f"two memos have the id {memo_id!r}; ids must be unique")
        meta = {
            k: _plain(v) for k, v in memo.items() if k not in ("memo_id", "text") and not _blank(v)
        }
        head = (
            f"---\n{yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)}---\n" if meta else ""
        )
        files[f"memos/{memo_id}.md"] = (head + str(memo.get("text") or "") + "\n").encode("utf-8")
    return files


def attached_to(memos: pd.DataFrame) -> pd.Series:
    """What each memo annotates: ``coding``, ``passage``, ``document``, ``code`` or
    ``project``.

    >>> attached_to(memos_frame([{"memo_id": "a", "text": "x"},
    ...                          {"memo_id": "b", "code": "hope", "text": "y"}])).tolist()
    ['project', 'code']
    """
    has = {c: memos[c].map(lambda v: not _blank(v)) for c in ("doc_id", "code", "start")}
    kind = pd.Series("project", index=memos.index, dtype=object)
    kind[has["code"]] = "code"
    kind[has["doc_id"]] = "document"
    kind[has["doc_id"] & has["start"]] = "passage"
    kind[has["doc_id"] & has["start"] & has["code"]] = "coding"
    return kind


def memo_table(project: Project | pd.DataFrame, *, width: int | None = None) -> pd.DataFrame:
    """The memos as a table to read: ``memo_id, attached_to``, what they annotate, the
    ``passage`` they cover (with a project) and the ``text`` (cut to ``width`` characters
    when given).

    Examples
    --------
    >>> from resilience_qda.core.model import Codebook, Corpus, Document
    >>> p = Project(Corpus([Document("d", "I felt braver.")]), Codebook())
    >>> p.memos = memos_frame([{"memo_id": "m", "doc_id": "d", "start": 2, "end": 13,
    ...                         "code": "coping", "coder": "A", "text": "Key moment"}])
    >>> memo_table(p)[["memo_id", "attached_to", "passage"]].values.tolist()
    [['m', 'coding', 'felt braver']]
    """
    memos = project.memos if isinstance(project, Project) else project
    table = memos_frame(memos.to_dict("records"))
    table.insert(1, "attached_to", attached_to(table))
    if isinstance(project, Project):
        texts = project.corpus.texts
        table.insert(
            table.columns.get_loc("text"),
            "passage",
            [
                texts[d][int(s) : int(e)]
                if not _blank(d) and d in texts and not _blank(s) and not _blank(e)
                else ""
                for d, s, e in zip(table["doc_id"], table["start"], table["end"], strict=True)
            ],
        )
    if width is not None:
        table["text"] = [t if len(t) <= width else t[: width - 1] + "…" for t in table["text"]]
    return table


def attach_memos(codings: pd.DataFrame, memos: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``codings`` with a ``memo`` column that also holds the memos attached to
    each coding (same document, span, and code and coder where the memo names them).

    Memos already in a ``memo`` column are kept first; several are joined by `` | ``.
    :func:`resilience_qda.analysis.retrieval.retrieve` carries the column along, so the
    memos show beside the retrieved passages.

    Examples
    --------
    >>> c = pd.DataFrame({"doc_id": ["d"], "start": [0], "end": [5], "code": ["x"],
    ...                   "coder": ["A"]})
    >>> m = memos_frame([{"memo_id": "m", "doc_id": "d", "start": 0, "end": 5,
    ...                   "text": "Check with B"}])
    >>> attach_memos(c, m)["memo"].tolist()
    ['Check with B']
    """
    out = codings.copy()
    existing = out["memo"] if "memo" in out else pd.Series("", index=out.index)
    notes: list[list[str]] = [[str(x)] if not _blank(x) else [] for x in existing]
    if len(memos) and len(out):
        m = memos_frame(memos.to_dict("records"))
        m = m[m["doc_id"].notna() & m["start"].notna() & m["end"].notna()]
        index: dict[tuple, list[tuple[object, object, str]]] = {}
        for r in m.itertuples(index=False):
            index.setdefault((r.doc_id, int(r.start), int(r.end)), []).append(
                (r.code, r.coder, r.text)
            )
        for k, (d, s, e, code, coder) in enumerate(
            zip(out["doc_id"], out["start"], out["end"], out["code"], out["coder"], strict=True)
        ):
            for mcode, mcoder, text in index.get((d, int(s), int(e)), []):
                same = (_blank(mcode) or mcode == code) and (_blank(mcoder) or mcoder == coder)
                if same and text and text not in notes[k]:
                    notes[k].append(text)
    out["memo"] = [" | ".join(n) for n in notes]
    return out


def add_memo(
    project: Project,
    text: str,
    *,
    memo_id: str | None = None,
    doc_id: str | None = None,
    code: str | None = None,
    start: int | None = None,
    end: int | None = None,
    coder: str | None = None,
    author: str | None = None,
    created: str | None = None,
) -> Project:
    """A copy of ``project`` with one more memo (the project is not changed).

    Attach it to a document (``doc_id``), a passage (``doc_id, start, end``), a code
    (``code``) or a coding (all of them and ``coder``); with none, it is a project memo.

    Examples
    --------
    >>> from resilience_qda.core.model import Codebook, Corpus, Document
    >>> p = Project(Corpus([Document("d", "I felt braver.")]), Codebook())
    >>> add_memo(p, "Bravery came up early", doc_id="d").memos[["memo_id", "doc_id"]].values
    array([['d-memo-1', 'd']], dtype=object)
    """
    import dataclasses

    if doc_id is not None and doc_id not in project.corpus:
        raise ProjectError(f"memo for document {doc_id!r}: no such document in the project")
    if (start is None) != (end is None) or (start is not None and doc_id is None):
        raise ProjectError("a passage memo needs doc_id, start and end together")
    if start is not None and not 0 <= start < end <= len(project.corpus[doc_id].text):
        raise ProjectError(
            f"memo span [{start}:{end}] is not inside document {doc_id!r} "
            f"({len(project.corpus[doc_id].text)} characters)"
        )
    taken = set(project.memos["memo_id"].astype(str)) if len(project.memos) else set()
    if memo_id is None:
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", doc_id or (code or "project")).strip("-")
        n = 1
        while f"{stem}-memo-{n}" in taken:
            n += 1
        memo_id = f"{stem}-memo-{n}"
    elif memo_id in taken:
        raise ProjectError(f"the project already has a memo {memo_id!r}")
    row = {
        "memo_id": memo_id,
        "doc_id": doc_id,
        "code": code,
        "start": start,
        "end": end,
        "coder": coder,
        "author": author,
        "created": created,
        "text": text.strip(),
    }
    rows = project.memos.to_dict("records") if len(project.memos) else []
    return dataclasses.replace(project, memos=memos_frame([*rows, row]))


def memos_in(memos: pd.DataFrame, corpus: Corpus) -> list[str]:
    """Problems with a memos table against a corpus: unknown documents, spans outside.

    >>> from resilience_qda.core.model import Document
    >>> memos_in(memos_frame([{"memo_id": "m", "doc_id": "x", "text": "?"}]),
    ...          Corpus([Document("d", "Text.")]))
    ["memo 'm' annotates unknown document 'x'"]
    """
    problems = []
    texts = corpus.texts
    for r in memos_frame(memos.to_dict("records")).itertuples(index=False):
        if _blank(r.doc_id):
            continue
        if r.doc_id not in texts:
            problems.append(f"memo {r.memo_id!r} annotates unknown document {r.doc_id!r}")
        elif not _blank(r.start) and not (0 <= r.start < r.end <= len(texts[r.doc_id])):
            problems.append(f"memo {r.memo_id!r}: span [{r.start}:{r.end}] is outside {r.doc_id!r}")
    return problems


__all__ = [
    "MEMO_COLUMNS",
    "add_memo",
    "attach_memos",
    "attached_to",
    "empty_memos",
    "memo_files",
    "memo_table",
    "memos_frame",
    "memos_in",
    "read_memos",
]
