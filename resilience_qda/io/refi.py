"""REFI-QDA exchange: projects (``.qdpx``) and codebooks (``.qdc``) of NVivo, ATLAS.ti, MAXQDA,
QualCoder, Taguette and others, in and out.

The work is split by job: :mod:`.container` (hostile archives and XML), :mod:`.refi_xml`
(names, GUIDs), :mod:`.refi_offsets` (which unit a producer counts positions in), :mod:`.refi_read`
(entry points), :mod:`.refi_project` (a ``<Project>`` element into a Project),
:mod:`.refi_codes` (code trees and sets), :mod:`.refi_qde` (projects out) and
:mod:`.refi_write` (GUIDs, round-trip data, codebooks out). This module is the public face
and builds project folders.

Examples
--------
>>> project = read_qdpx("nvivo-export.qdpx")  # doctest: +SKIP
>>> print(import_report(project).summary())  # doctest: +SKIP
>>> write_qdpx(project, "back.qdpx", nvivo=True)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pandas as pd

from ..core.errors import ProjectError
from ..core.model import Codebook, Corpus, Project
from .container import SafeZip, ZipLimits
from .project import DEFAULT_CODEBOOK, current_or_new_project, write_project
from .refi_offsets import Interpretation, OffsetChoice
from .refi_qde import project_to_qde, qdpx_bytes, write_qdpx
from .refi_read import ImportReport, import_report, read_qdc, read_qde, read_qdpx, read_refi
from .refi_write import EXCHANGE_FILE, codebook_to_qdc, exchange_of, save_exchange, write_qdc
from .transaction import transaction

__all__ = [
    "EXCHANGE_FILE",
    "ImportReport",
    "Interpretation",
    "OffsetChoice",
    "SafeZip",
    "ZipLimits",
    "codebook_of",
    "codebook_to_qdc",
    "current_or_new_project",
    "import_into_project",
    "import_report",
    "merge_projects",
    "merge_refi_files",
    "project_to_qde",
    "qdpx_bytes",
    "read_qdc",
    "read_qde",
    "read_qdpx",
    "read_refi",
    "write_qdc",
    "write_qdpx",
]


def codebook_of(project: Project) -> Codebook:
    """The project's codebook with the GUIDs and code sets kept from an earlier import, ready
    for :func:`codebook_to_qdc` (a copy; the project is not changed).

    Examples
    --------
    >>> from resilience_qda.io import read_project
    >>> xml = codebook_to_qdc(codebook_of(read_project("projects/study")))  # doctest: +SKIP
    """
    refi = exchange_of(project)
    guids = refi.get("guids", {})
    codes = [
        dataclasses.replace(c, guid=c.guid or guids.get(f"code:{c.path}")) for c in project.codebook
    ]
    book = Codebook(
        codes,
        name=project.codebook.name,
        title=project.codebook.title,
        version=project.codebook.version,
        language=project.codebook.language,
    )
    sets = [s for s in refi.get("sets", []) if s.get("codes")]
    book.exchange["refi"] = {"sets": sets, "guids": guids}
    return book


def merge_projects(base: Project, extra: Project, *, origin: str = "the import") -> Project:
    """A new project holding both: documents (ids must not clash), codes (added where the
    path is new), codings, memos, cases and the round-trip data.

    When ``base`` has no codings and uses the built-in codebook, ``extra``'s codebook
    replaces it.

    Examples
    --------
    >>> both = merge_projects(read_qdpx("team-a.qdpx"), read_qdpx("team-b.qdpx"))  # doctest: +SKIP
    """
    clash = sorted(set(base.corpus.doc_ids) & set(extra.corpus.doc_ids))
    if clash:
        raise ProjectError(
            f"{origin}: the project already has document(s) {', '.join(clash[:10])}; remove "
            "them or import into a new project folder (nothing was changed)"
        )
    pristine = not len(base.codings) and base.codebook.name == DEFAULT_CODEBOOK
    if pristine and len(extra.codebook):
        codebook = extra.codebook
    else:
        have = set(base.codebook.paths)
        codebook = Codebook(
            [*base.codebook, *(c for c in extra.codebook if c.path not in have)],
            name=base.codebook.name,
            title=base.codebook.title,
            version=base.codebook.version,
            language=base.codebook.language,
        )
    cases = base.corpus.cases
    if len(extra.corpus.cases):
        new = extra.corpus.cases[~extra.corpus.cases["case"].isin(cases["case"])]
        cases = pd.concat([cases, new], ignore_index=True) if len(cases) else new
    corpus = Corpus([*base.corpus, *extra.corpus], cases=cases)
    frames = [t for t in (base.codings, extra.codings) if len(t)]
    codings = pd.concat(frames, ignore_index=True) if frames else base.codings
    memos = extra.memos
    if len(base.memos):
        taken = set(base.memos["memo_id"])
        memos = extra.memos.copy()
        memos["memo_id"] = [_free(m, taken) for m in memos["memo_id"]]
        memos = pd.concat([base.memos, memos], ignore_index=True)
    mine, theirs = exchange_of(base), exchange_of(extra)
    refi = {
        "project": mine.get("project") or theirs.get("project", {}),
        "guids": {**theirs.get("guids", {}), **mine.get("guids", {})},
        "variables": {**theirs.get("variables", {}), **mine.get("variables", {})},
        "descriptions": {**theirs.get("descriptions", {}), **mine.get("descriptions", {})},
        "sets": [*mine.get("sets", []), *theirs.get("sets", [])],
    }
    return Project(
        corpus,
        codebook,
        codings,
        memos,
        path=base.path,
        warnings=[*base.warnings, *extra.warnings],
        exchange={**base.exchange, "refi": refi},
    )


def _free(name: str, taken: set) -> str:
    out, n = name, 2
    while out in taken:
        out, n = f"{name}-{n}", n + 1
    taken.add(out)
    return out


def merge_refi_files(
    project: Project,
    files: list[str | os.PathLike],
    *,
    base: str | os.PathLike | None = None,
    unit: str | None = None,
) -> tuple[Project, list[ImportReport]]:
    """``project`` with the REFI-QDA files (``.qdpx``, ``.qde``, ``.qdc``) merged in (see
    :func:`import_into_project`); nothing is written."""
    reports = []
    for f in files:
        f = Path(f)
        if f.suffix.lower() == ".qdc":
            book = read_qdc(f)
            extra = Project(Corpus(), book)
            sets = book.exchange.get("refi", {}).get("sets", [])
            extra.exchange["refi"] = {
                "guids": {f"code:{c.path}": c.guid for c in book if c.guid},
                "sets": sets,
            }
            report = ImportReport(file=str(f), origin=book.exchange["refi"].get("origin", ""))
            report.imported = {"codes": len(book)}
            report.warnings += book.exchange["refi"].get("warnings", [])
            report.in_file = {"codes": len(book), "sets": len(sets)}
        else:
            extra = (
                read_qdpx(f, base=base, unit=unit)
                if f.suffix.lower() != ".qde"
                else (read_qde(f, base=base, unit=unit))
            )
            report = import_report(extra)
        extra.exchange.get("refi", {}).pop("report", None)
        project = merge_projects(project, extra, origin=str(f))
        reports.append(report)
    return project, reports


def import_into_project(
    files: list[str | os.PathLike],
    project_dir: str | os.PathLike,
    *,
    base: str | os.PathLike | None = None,
    unit: str | None = None,
) -> list[ImportReport]:
    """Build or extend a project folder from REFI-QDA files (``.qdpx``, ``.qde``, ``.qdc``).

    Projects add their documents, codes, codings, memos and cases (document ids must not
    clash with those already there); a codebook adds its codes (or replaces the built-in
    default of a project that has no codings yet). GUIDs, sets and variable types are saved
    in ``refi-exchange.json`` so that an export gives back the same GUIDs. Nothing is
    written unless every file reads; everything is written in one transaction under the
    project's lock.

    Returns
    -------
    list of ImportReport
        One per project file (codebooks give a short report too).

    Examples
    --------
    >>> for r in import_into_project(["study.qdpx"], "projects/study"):  # doctest: +SKIP
    ...     print(r.summary())
    """
    root = Path(project_dir)
    with transaction(root, command="import"):
        project = current_or_new_project(root)
        project, reports = merge_refi_files(project, files, base=base, unit=unit)
        write_project(project, root)
        save_exchange(project, root)
    return reports
