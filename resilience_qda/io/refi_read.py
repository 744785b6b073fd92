"""Reading REFI-QDA files: projects (``.qdpx``, bare ``.qde``) and codebooks (``.qdc``).

The archive is opened with :class:`~resilience_qda.io.container.SafeZip`, the XML parsed with
DTDs refused, and the ``<Project>`` element read by
:func:`~resilience_qda.io.refi_project.read_project_element`.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..core.errors import ReadError
from ..core.model import Codebook, Project
from .container import SafeZip, ZipLimits, parse_xml
from .refi_codes import code_tree, read_sets
from .refi_extension import MEMBER, apply_member
from .refi_project import ImportReport, read_project_element
from .refi_xml import MAX_XML_BYTES, child, local, namespace_note, read_capped

__all__ = ["ImportReport", "import_report", "read_qdc", "read_qde", "read_qdpx", "read_refi"]


# --------------------------------------------------------------------------- entry points


def read_qdpx(
    path: str | os.PathLike,
    *,
    base: str | os.PathLike | None = None,
    unit: str | None = None,
    limits: ZipLimits | None = None,
) -> Project:
    """Read a REFI-QDA project archive (``.qdpx``) into a :class:`Project`.

    Parameters
    ----------
    path : path-like
    base : path-like, optional
        Folder where ``relative://`` and ``absolute://`` sources may be looked up (by
        relative path, and by file name for absolute paths). Without it they are never
        followed: they can point anywhere on disk.
    unit : {"codepoint", "utf16", "utf8"}, optional
        Force how selection positions are counted instead of detecting it.
    limits : ZipLimits, optional
        Caps on the archive (member count, sizes, compression ratio).

    Returns
    -------
    Project
        ``project.exchange["refi"]["report"]`` is the :class:`ImportReport` (also summarised
        in ``project.warnings``).

    Examples
    --------
    >>> project = read_qdpx("interviews.qdpx")  # doctest: +SKIP
    >>> print(import_report(project).summary())  # doctest: +SKIP
    """
    path = Path(path)
    with SafeZip(path, limits=limits) as archive:
        qde = [n for n in archive.names if "/" not in n and n.lower().endswith(".qde")]
        if not qde:
            raise ReadError(
                f"{path}: has no project.qde inside; it is not a REFI-QDA project "
                f"(members: {', '.join(archive.names[:5]) or 'none'})"
            )
        if len(qde) > 1:
            preferred = [n for n in qde if n.lower() == "project.qde"]
            if len(preferred) != 1:
                raise ReadError(f"{path}: holds several .qde files ({', '.join(qde)}); which one?")
            qde = preferred
        xml = archive.read(qde[0], max_size=MAX_XML_BYTES)
        root = parse_xml(xml, name=f"{path}:{qde[0]}")

        def member(name: str) -> bytes | None:
            found = archive.find(name)
            return archive.read(found) if found else None

        project = read_project_element(root, file=str(path), member=member, base=base, unit=unit)
        kept = member(MEMBER)
        if kept is not None:
            notes = apply_member(project, kept, name=str(path))
            report = import_report(project)
            if report is not None:
                report.warnings += notes
            project.warnings += notes
        return project


def read_qde(
    path: str | os.PathLike, *, base: str | os.PathLike | None = None, unit: str | None = None
) -> Project:
    """Read a bare ``project.qde`` (the XML without its zip).

    It imports what it holds (code tree, users, cases, memos, inline texts and their
    codings); each text it cannot find is listed in the warnings with its codings. With
    ``base``, ``internal://`` sources are looked up in ``base/sources/`` too.
    """
    path = Path(path)
    data = read_capped(path)
    root = parse_xml(data, name=str(path))
    return read_project_element(root, file=str(path), member=None, base=base, unit=unit)


def read_refi(path: str | os.PathLike, **options) -> Project | Codebook:
    """Read a ``.qdpx``, ``.qde`` (a Project) or ``.qdc`` (a Codebook) by its suffix."""
    suffix = Path(path).suffix.lower()
    if suffix == ".qdc":
        return read_qdc(path)
    if suffix == ".qde":
        return read_qde(path, **options)
    return read_qdpx(path, **options)


def import_report(project: Project) -> ImportReport | None:
    """The :class:`ImportReport` of a project read from a REFI-QDA file, if any."""
    return project.exchange.get("refi", {}).get("report")


# --------------------------------------------------------------------------- codebook


def read_qdc(path: str | os.PathLike) -> Codebook:
    """Read a REFI-QDA codebook (``.qdc``; namespaces ``urn:QDA-XML:codebook:1.0`` and
    ``0:4``) into a :class:`Codebook`. GUIDs are kept on each ``Code.guid``; sets go to
    ``codebook.exchange["refi"]["sets"]``.

    Examples
    --------
    >>> cb = read_qdc("codebook.qdc")  # doctest: +SKIP
    """
    path = Path(path)
    root = parse_xml(read_capped(path), name=str(path))
    if local(root.tag) != "CodeBook":
        raise ReadError(
            f"{path}: the root element is <{local(root.tag)}>, not <CodeBook>; not a REFI-QDA "
            "codebook (a .qdpx/.qde project? import it with `resilience-qda import`)"
        )
    codes_elem = child(root, "Codes")
    notes: list[str] = []
    note = namespace_note(root, name=str(path))
    if note:
        notes.append(note)
    codes, by_guid, _ = code_tree(codes_elem, origin=str(path), notes=notes)
    book = Codebook(codes, name=path.stem, title=root.get("origin", ""))
    sets = read_sets(root, {"code": by_guid})
    book.exchange["refi"] = {"origin": root.get("origin", ""), "sets": sets, "warnings": notes}
    return book
