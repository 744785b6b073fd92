"""The record of a pseudonymisation kept in the project, and what the report says of it.

``PROJECT/pseudonymisation.yaml`` says when the texts were pseudonymised, with which key
version (a hash of the key, never the key), how many spans of each kind were replaced and
which reviewed candidates were kept as they were; ``sources.csv`` gets a ``pseudonymised``
column (the key version) so that a document added later shows up as not pseudonymised.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from ..core.model import Project
from ..io import write_project
from ..io.project import coder_filename
from ..io.refi_write import exchange_of, save_exchange
from ..io.safeyaml import load_yaml
from ..io.transaction import transaction
from .replace import Pseudonymisation

RECORD_FILE = "pseudonymisation.yaml"


def write_pseudonymised(result: Pseudonymisation, path: str | os.PathLike) -> Path:
    """Write the pseudonymised project and its record as one transaction (see
    :func:`resilience_qda.write_project`).

    ``path`` may be the project's own folder (its files are replaced; the files of
    documents, coders and memos whose names held identifiers are removed) or a new folder.
    """
    root = Path(path)
    text = yaml.safe_dump(result.record, sort_keys=False, allow_unicode=True)
    project = result.project
    in_place = project.path is not None and os.path.realpath(project.path) == os.path.realpath(root)
    with transaction(root, command="pseudonymise apply") as tx:
        write_project(project, root)
        if exchange_of(project):
            save_exchange(project, root)
        tx.write(RECORD_FILE, text.encode("utf-8"))
        if in_place:
            renamed = result.renamed
            for old in renamed.get("documents", {}):
                tx.remove(f"sources/{old}.txt")
            for old in renamed.get("coders", {}):
                tx.remove(f"codings/{coder_filename(old)}")
            for old in renamed.get("memos", {}):
                tx.remove(f"memos/{old}.md")
    return root


def read_record(path: str | os.PathLike | Project | None) -> dict:
    """The pseudonymisation record of a project folder (``{}`` when there is none)."""
    if isinstance(path, Project):
        path = path.path
    if path is None:
        return {}
    f = Path(path) / RECORD_FILE
    if not f.is_file():
        return {}
    data = load_yaml(f.read_text(encoding="utf-8"), origin=str(f)) or {}
    return data if isinstance(data, dict) else {}


def pseudonymisation_note(project: Project) -> str:
    """One sentence for the report saying whether and how the texts were pseudonymised,
    with the key version (never the key); ``""`` when nothing says they were.

    Examples
    --------
    >>> from resilience_qda.core.model import Corpus, Codebook, Document
    >>> docs = [Document("a", "x", {"pseudonymised": "key-4fbd0498c8b1"}), Document("b", "y")]
    >>> print(pseudonymisation_note(Project(Corpus(docs), Codebook())))
    1 of 2 texts were pseudonymised (key version key-4fbd0498c8b1); not: b.
    """
    record = read_record(project)
    column = project.corpus.documents.get("pseudonymised")
    done = [] if column is None else column.notna() & (column.astype(str) != "")
    n, total = int(sum(done)), len(project.corpus)
    if not record and n == 0:
        return ""
    versions = sorted(
        {str(v) for v in column[done] if str(v) != "reviewed"} if column is not None else set()
    )
    version = record.get("key_version") or (", ".join(versions) if versions else None)
    how = f"key version {version}" if version else "reviewed without a key"
    when = f", {str(record['date'])[:10]}" if record.get("date") else ""
    what = ""
    if record.get("replaced"):
        parts = ", ".join(f"{v} {k.lower()}" for k, v in record["replaced"].items())
        what = f" Replaced: {parts}."
    if column is None or n == total:
        return f"The texts were pseudonymised ({how}{when}).{what}"
    missing = project.corpus.documents["doc_id"][~done].tolist()
    return (
        f"{n} of {total} texts were pseudonymised ({how}{when}); not: {', '.join(missing)}.{what}"
    )


__all__ = ["RECORD_FILE", "pseudonymisation_note", "read_record", "write_pseudonymised"]
