"""The coding screen's state and operations, shared by the web app and the Jupyter widget.

A :class:`CodingSession` holds a project's texts and codebook, reads codings from the
project folder (cached per file) and writes every change through
:func:`resilience_qda.serve.store.update_codings`, recording it in that coder's history of
the session so that it can be undone and redone.
"""

from __future__ import annotations

import getpass
import math
import os
import re
import threading
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import ProjectError, QDAWarning
from ..core.model import Code, Codebook, Project
from ..io.atomic import write_bytes
from ..io.codebook import read_codebook, write_codebook
from ..io.memos import add_memo, memo_files, read_memos
from ..io.project import DEFAULT_CODEBOOK, coder_filename, read_project
from . import store
from .errors import ConflictError, NotFoundError, RequestError

#: Longest coder name, memo and code name accepted.
MAX_CODER, MAX_MEMO, MAX_NAME = 64, 20_000, 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: Coder names of rules and models (``rules:<codebook>``, ``model:<name>``), not people.
MACHINE_CODERS = ("rules:", "model:")


def plain(value: object) -> object:
    """A JSON-safe Python value: NaN and NA to None, numpy scalars to Python ones."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def records(table: pd.DataFrame) -> list[dict]:
    """Rows of a table as JSON-safe dicts."""
    return [{k: plain(v) for k, v in row.items()} for row in table.to_dict("records")]


def check_coder(coder: object) -> str:
    """A valid name of a person coding (raises :class:`RequestError` otherwise).

    >>> check_coder(" Kath ")
    'Kath'
    """
    if not isinstance(coder, str) or not coder.strip():
        raise RequestError(f"coder must be a non-empty name; got {coder!r}")
    coder = coder.strip()
    if len(coder) > MAX_CODER or _CONTROL.search(coder):
        raise RequestError(
            f"coder {coder[:80]!r} is not a usable name: at most {MAX_CODER} characters, "
            "no control characters"
        )
    if coder.startswith(MACHINE_CODERS):
        raise RequestError(
            f"coder {coder!r} names a machine coder (rules:, model:); people code under their "
            "own name and accept machine codings as suggestions"
        )
    return coder


def _whole(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(f"{name} must be a whole number (a character offset); got {value!r}")
    return value


def _text(value: object, name: str, *, limit: int, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise RequestError(f"{name} is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise RequestError(f"{name} must be non-empty text; got {value!r}")
    if len(value) > limit:
        raise RequestError(f"{name} is {len(value)} characters long; the limit is {limit}")
    return value.strip()


class CodingSession:
    """A project folder opened for coding by hand.

    Parameters
    ----------
    path : path-like
        The project folder.
    coder : str, optional
        Who codes by default (the login name if not given); every write names its coder.

    Raises
    ------
    ProjectError
        If the folder is not a project, or codings no longer cover their quoted text (a
        source was edited: run ``resilience-qda reanchor`` first, since writing would fix
        their anchors to the wrong words).

    Examples
    --------
    >>> session = CodingSession("my-project", coder="Kath")  # doctest: +SKIP
    >>> coding = session.add_coding("interview-L", 120, 168, "themes/more-reflexive")
    ...                                                      # doctest: +SKIP
    >>> session.undo()  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike, *, coder: str | None = None):
        self.root = Path(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", QDAWarning)
            project = read_project(self.root)
        drifted = [w for w in project.warnings if "no longer cover their quoted text" in w]
        if drifted:
            raise ProjectError(
                f"{self.root}: {drifted[0]}. The coding screen rewrites anchors when it "
                "writes, so re-anchor first"
            )
        self.warnings = list(project.warnings)
        self.corpus = project.corpus
        self.codebook = project.codebook
        self.coder = check_coder(coder or _login_name())
        self._lock = threading.Lock()  # guards the histories and caches below
        self._undo: dict[str, list[tuple[list, list]]] = {}
        self._redo: dict[str, list[tuple[list, list]]] = {}
        self._files: dict[Path, tuple[tuple, pd.DataFrame]] = {}
        self.rejected: dict[str, set[str]] = {}
        self.cache: dict[tuple, object] = {}  # suggestions computed, by key

    # ----------------------------------------------------------------------- reading

    def document_or_404(self, doc_id: object):
        if not isinstance(doc_id, str) or doc_id not in self.corpus:
            raise NotFoundError(
                f"no document {doc_id!r} in the project; documents: "
                f"{', '.join(self.corpus.doc_ids[:5])}" + (" ..." if len(self.corpus) > 5 else "")
            )
        return self.corpus[doc_id]

    def code_or_404(self, code: object) -> Code:
        if not isinstance(code, str) or code not in self.codebook:
            raise NotFoundError(
                f"no code {code!r} in codebook {self.codebook.name!r}; give a code path such "
                "as " + ", ".join(repr(p) for p in self.codebook.paths[:2]) + ", or create "
                "the code first"
            )
        return self.codebook[code]

    def codings(self) -> pd.DataFrame:
        """Every coder's codings in the project folder now, with an ``id`` column."""
        folder = self.root / "codings"
        frames = []
        for f in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
            try:
                st = f.stat()
            except FileNotFoundError:
                continue
            signature = (st.st_ino, st.st_mtime_ns, st.st_size)
            with self._lock:
                cached = self._files.get(f)
            if cached is None or cached[0] != signature:
                from urllib.parse import unquote

                table = store.with_ids(store.read_coder_codings(self.root, unquote(f.stem)))
                with self._lock:
                    self._files[f] = (signature, table)
            else:
                table = cached[1]
            frames.append(table)
        frames = [f for f in frames if len(f)]
        if not frames:
            return store.with_ids(store.read_coder_codings(self.root, self.coder))
        return pd.concat(frames, ignore_index=True)

    def coders(self) -> list[str]:
        folder = self.root / "codings"
        from urllib.parse import unquote

        names = {unquote(f.stem) for f in folder.glob("*.csv")} if folder.is_dir() else set()
        return sorted(names | {self.coder})

    def coding_dict(self, row: dict) -> dict:
        """A coding as the API returns it: its columns, ``id`` and ``text`` (the words)."""
        row = {k: plain(v) for k, v in row.items()}
        row["id"] = store.coding_id(
            row["doc_id"], row["start"], row["end"], row["code"], row["coder"]
        )
        row["text"] = self.corpus[row["doc_id"]].text[row["start"] : row["end"]]
        for key in ("memo", "evidence", "created"):
            row[key] = row.get(key) or None
        return {"id": row.pop("id"), **row}

    def memos(self) -> pd.DataFrame:
        return read_memos(self.root)

    # ----------------------------------------------------------------------- writing

    def commit(self, coder: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> dict:
        """Apply ``change`` to a coder's codings through the one write path and record it
        in that coder's history. Returns ``{"removed": [...], "added": [...]}`` (codings)."""
        seen: dict[str, list[dict]] = {}

        def recorded(table: pd.DataFrame) -> pd.DataFrame:
            before = _by_id(table)
            after_table = change(table)
            after = _by_id(after_table)
            seen["removed"] = [r for i, r in before.items() if after.get(i) != r]
            seen["added"] = [r for i, r in after.items() if before.get(i) != r]
            return after_table

        store.update_codings(self.root, coder, recorded)
        removed, added = seen.get("removed", []), seen.get("added", [])
        if removed or added:
            with self._lock:
                self._undo.setdefault(coder, []).append((removed, added))
                self._redo[coder] = []
        return {
            "removed": [self.coding_dict(r) for r in removed],
            "added": [self.coding_dict(r) for r in added],
        }

    def _replay(self, coder: str, remove: list[dict], add: list[dict]) -> None:
        gone = {_row_id(r) for r in remove}

        def change(table: pd.DataFrame) -> pd.DataFrame:
            ids = store.with_ids(table)["id"] if len(table) else pd.Series([], dtype=object)
            kept = table[~ids.isin(gone).to_numpy()] if len(table) else table
            have = set(store.with_ids(kept)["id"]) if len(kept) else set()
            new = [r for r in add if _row_id(r) not in have]
            return pd.concat([kept, pd.DataFrame(new)], ignore_index=True) if new else kept

        store.update_codings(self.root, coder, change)

    def _step(self, coder: object, *, back: bool) -> dict:
        coder = check_coder(coder if coder is not None else self.coder)
        source, target = (self._undo, self._redo) if back else (self._redo, self._undo)
        word = "undo" if back else "redo"
        with self._lock:
            if not source.get(coder):
                raise ConflictError(f"nothing to {word} for coder {coder!r} in this session")
            removed, added = source[coder].pop()
        try:
            if back:
                self._replay(coder, remove=added, add=removed)
            else:
                self._replay(coder, remove=removed, add=added)
        except BaseException:
            with self._lock:
                source[coder].append((removed, added))
            raise
        with self._lock:
            target.setdefault(coder, []).append((removed, added))
        undone_removed, undone_added = (added, removed) if back else (removed, added)
        return {
            "coder": coder,
            "action": word,
            "removed": [self.coding_dict(r) for r in undone_removed],
            "added": [self.coding_dict(r) for r in undone_added],
            **self.history(coder),
        }

    def undo(self, coder: str | None = None) -> dict:
        """Undo a coder's last change of this session (:class:`ConflictError` if none)."""
        return self._step(coder, back=True)

    def redo(self, coder: str | None = None) -> dict:
        """Redo the change a coder last undid (:class:`ConflictError` if none)."""
        return self._step(coder, back=False)

    def history(self, coder: str | None = None) -> dict:
        coder = check_coder(coder if coder is not None else self.coder)
        with self._lock:
            return {
                "can_undo": len(self._undo.get(coder, [])),
                "can_redo": len(self._redo.get(coder, [])),
            }

    def check_span(self, doc_id: object, start: object, end: object) -> tuple[str, int, int]:
        doc = self.document_or_404(doc_id)
        start, end = _whole(start, "start"), _whole(end, "end")
        if not 0 <= start < end <= len(doc.text):
            raise RequestError(
                f"span [{start}:{end}] is not inside document {doc.doc_id!r} "
                f"({len(doc.text)} characters); start must be at least 0 and before end, "
                "end at most the text's length"
            )
        if not doc.text[start:end].strip():
            raise RequestError(f"span [{start}:{end}] of {doc.doc_id!r} holds only white space")
        return doc.doc_id, start, end

    def add_coding(
        self,
        doc_id: str,
        start: int,
        end: int,
        code: str,
        *,
        coder: str | None = None,
        memo: str | None = None,
        evidence: str | None = None,
    ) -> dict:
        """Code ``[start, end)`` of a document and write it to the coder's file.

        A coding that already exists (same span, code and coder) raises
        :class:`ConflictError` with the stored coding in ``detail``. Returns the coding.
        """
        doc_id, start, end = self.check_span(doc_id, start, end)
        self.code_or_404(code)
        coder = check_coder(coder if coder is not None else self.coder)
        memo = _text(memo, "memo", limit=MAX_MEMO)
        row = {
            "doc_id": doc_id,
            "start": start,
            "end": end,
            "code": code,
            "coder": coder,
            "source": "manual",
            "score": np.nan,
            "memo": memo or "",
            "evidence": evidence or "",
            "created": datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        new_id = _row_id(row)

        def change(table: pd.DataFrame) -> pd.DataFrame:
            existing = _by_id(table).get(new_id)
            if existing is not None:
                raise ConflictError(
                    f"coder {coder!r} has already coded {doc_id} [{start}:{end}] with {code!r}",
                    {"coding": self.coding_dict(existing)},
                )
            return pd.concat([table, pd.DataFrame([row])], ignore_index=True)

        self.commit(coder, change)
        return self.coding_dict(row)

    def find_coding(self, coding_id: object) -> dict:
        table = self.codings()
        hit = table[table["id"] == coding_id] if len(table) else table
        if not isinstance(coding_id, str) or not len(hit):
            raise NotFoundError(f"no coding with id {coding_id!r} in the project")
        return hit.drop(columns="id").iloc[0].to_dict()

    def delete_coding(self, coding_id: str) -> dict:
        """Delete a coding by id from its coder's file; returns the deleted coding."""
        row = self.find_coding(coding_id)

        def change(table: pd.DataFrame) -> pd.DataFrame:
            ids = store.with_ids(table)["id"]
            if not (ids == coding_id).any():
                raise NotFoundError(f"coding {coding_id!r} was deleted meanwhile")
            return table[(ids != coding_id).to_numpy()]

        result = self.commit(row["coder"], change)
        return result["removed"][0]

    def update_coding(
        self,
        coding_id: str,
        *,
        code: str | None = None,
        start: int | None = None,
        end: int | None = None,
        memo: str | None = None,
    ) -> dict:
        """Change a coding's code, span or memo (one undoable change); returns the coding
        as stored now (its id changes with its code or span)."""
        old = self.find_coding(coding_id)
        new = {k: v for k, v in old.items()}
        if code is not None:
            self.code_or_404(code)
            new["code"] = code
        _, new["start"], new["end"] = self.check_span(
            old["doc_id"],
            int(old["start"]) if start is None else start,
            int(old["end"]) if end is None else end,
        )
        if memo is not None:
            new["memo"] = _text(memo, "memo", limit=MAX_MEMO) or ""
        new_id = _row_id(new)

        def change(table: pd.DataFrame) -> pd.DataFrame:
            ids = store.with_ids(table)["id"]
            if not (ids == coding_id).any():
                raise NotFoundError(f"coding {coding_id!r} was deleted meanwhile")
            if new_id != coding_id and (ids == new_id).any():
                raise ConflictError(
                    f"coder {old['coder']!r} already has that coding",
                    {"coding": self.coding_dict(_by_id(table)[new_id])},
                )
            kept = table[(ids != coding_id).to_numpy()]
            return pd.concat([kept, pd.DataFrame([new])], ignore_index=True)

        self.commit(old["coder"], change)
        return self.coding_dict(new)

    # ----------------------------------------------------------------------- memos, codes

    def add_memo(
        self,
        text: str,
        *,
        doc_id: str | None = None,
        code: str | None = None,
        start: int | None = None,
        end: int | None = None,
        coder: str | None = None,
        author: str | None = None,
    ) -> dict:
        """Write a memo on a document, a passage, a code or a coding to ``memos/``."""
        text = _text(text, "text", limit=MAX_MEMO, required=True)
        if doc_id is not None:
            self.document_or_404(doc_id)
        if start is not None or end is not None:
            doc_id, start, end = self.check_span(doc_id, start, end)
        if code is not None:
            self.code_or_404(code)
        if coder is not None:
            coder = check_coder(coder)
        author = check_coder(author) if author is not None else self.coder
        with store.WRITE_LOCK:
            project = Project(self.corpus, self.codebook, memos=self.memos())
            updated = add_memo(
                project,
                text,
                doc_id=doc_id,
                code=code,
                start=start,
                end=end,
                coder=coder,
                author=author,
                created=datetime.now().astimezone().isoformat(timespec="seconds"),
            )
            memo = updated.memos.iloc[[-1]]
            for rel, data in memo_files(memo).items():
                write_bytes(self.root / rel, data)
        return records(memo)[0]

    def delete_memo(self, memo_id: object) -> None:
        if not isinstance(memo_id, str) or not re.fullmatch(r"[A-Za-z0-9][\w.-]*", memo_id):
            raise NotFoundError(f"no memo {memo_id!r}")
        with store.WRITE_LOCK:
            f = self.root / "memos" / f"{memo_id}.md"
            if not f.is_file():
                raise NotFoundError(f"no memo {memo_id!r} in {self.root / 'memos'}")
            f.unlink()

    def create_code(
        self,
        name: str,
        *,
        parent: str | None = None,
        description: str | None = None,
    ) -> dict:
        """Add a code to the project's codebook and write ``codebook.yaml``.

        A project on the built-in codebook gets a ``codebook.yaml``: a copy of the built-in
        one plus the new code. (Comments in an existing ``codebook.yaml`` are not kept.)
        """
        from ..core.model import slugify

        name = _text(name, "name", limit=MAX_NAME, required=True)
        description = _text(description, "description", limit=MAX_MEMO) or ""
        with store.WRITE_LOCK:
            target = self.root / "codebook.yaml"
            book = read_codebook(target if target.exists() else DEFAULT_CODEBOOK)
            if parent is not None and (not isinstance(parent, str) or parent not in book):
                raise NotFoundError(f"no parent code {parent!r} in codebook {book.name!r}")
            segment = slugify(name)
            if not segment:
                raise RequestError(f"code name {name!r} has no letters or digits to make a path")
            path = f"{parent}/{segment}" if parent else segment
            if path in book:
                raise ConflictError(
                    f"codebook {book.name!r} already has a code {path!r}",
                    {"code": code_dict(book[path])},
                )
            codes = list(book)
            codes.append(Code(path=path, name=name, description=description))
            new = Codebook(codes, name=book.name, title=book.title, version=book.version)
            new.exchange = dict(book.exchange)
            write_codebook(new, target)
            self.codebook = new
        return code_dict(new[path])

    # ----------------------------------------------------------------------- views

    def project_view(self) -> dict:
        """What ``GET /api/project`` returns."""
        codings = self.codings()
        counts = (
            codings.groupby(["doc_id", "coder"]).size() if len(codings) else pd.Series(dtype=int)
        )
        per_doc: dict[str, dict[str, int]] = {}
        for (doc_id, coder), n in counts.items():
            per_doc.setdefault(doc_id, {})[coder] = int(n)
        used = codings["code"].value_counts().to_dict() if len(codings) else {}
        documents = []
        for row in self.corpus.documents.to_dict("records"):
            attributes = {
                k: plain(v)
                for k, v in row.items()
                if k not in ("doc_id", "kind", "n_chars", "n_words") and plain(v) is not None
            }
            documents.append(
                {
                    "doc_id": row["doc_id"],
                    "kind": row["kind"],
                    "attributes": attributes,
                    "n_chars": int(row["n_chars"]),
                    "n_words": int(row["n_words"]),
                    "codings": per_doc.get(row["doc_id"], {}),
                }
            )
        codes = [{**code_dict(c), "n_codings": int(used.get(c.path, 0))} for c in self.codebook]
        memos = self.memos()
        return {
            "name": self.root.resolve().name,
            "coder": self.coder,
            "codebook": {"name": self.codebook.name, "title": self.codebook.title},
            "documents": documents,
            "codes": codes,
            "unknown_codes": sorted(set(used) - set(self.codebook.paths)),
            "coders": self.coders(),
            "memos": records(memos[memos["doc_id"].isna()]),
            "warnings": self.warnings,
            "history": self.history(),
        }

    def document_view(self, doc_id: str) -> dict:
        """What ``GET /api/documents/{doc_id}`` returns."""
        doc = self.document_or_404(doc_id)
        turns = self.corpus.turns
        turns = turns[turns["doc_id"] == doc.doc_id].drop(columns="doc_id")
        codings = self.codings()
        mine = codings[codings["doc_id"] == doc.doc_id] if len(codings) else codings
        memos = self.memos()
        memos = memos[memos["doc_id"] == doc.doc_id]
        return {
            "doc_id": doc.doc_id,
            "kind": doc.kind,
            "attributes": {
                k: plain(v) for k, v in doc.metadata.items() if k != "kind" and plain(v) is not None
            },
            "text": doc.text,
            "turns": records(turns),
            "codings": [self.coding_dict(r) for r in mine.drop(columns="id").to_dict("records")],
            "memos": records(memos),
        }


def code_dict(code: Code) -> dict:
    """A code as the API returns it."""
    return {
        "path": code.path,
        "name": code.name,
        "description": code.description,
        "parent": code.parent,
        "include": code.include,
        "exclude": code.exclude,
        "examples": list(code.examples),
        "color": code.color,
        "codable": code.codable,
        "depth": code.depth,
    }


def _row_id(row: dict) -> str:
    return store.coding_id(row["doc_id"], row["start"], row["end"], row["code"], row["coder"])


def _by_id(table: pd.DataFrame) -> dict[str, dict]:
    """``{id: row}`` with JSON-safe values; blank optional values are left out."""
    out = {}
    for row in table.to_dict("records"):
        clean = {k: plain(v) for k, v in row.items() if k != "id"}
        clean = {k: v for k, v in clean.items() if v is not None and v != ""}
        clean["start"], clean["end"] = int(clean["start"]), int(clean["end"])
        out[_row_id(clean)] = clean
    return out


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "me"


__all__ = ["CodingSession", "check_coder", "code_dict", "coder_filename", "plain", "records"]
