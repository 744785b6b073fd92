"""``resilience-qda export PROJECT -o FILE.qdpx|FILE.qdc|FILE.xlsx``: a project for other tools."""

from __future__ import annotations

import sys
from pathlib import Path

from ..core.errors import QDAError
from ..io import read_project
from . import warn


class ExportError(QDAError, ValueError):
    """The export target cannot be written."""


def add_parser(sub) -> None:
    p = sub.add_parser(
        "export",
        help="write a project as REFI-QDA (.qdpx), a codebook (.qdc) or a coding sheet (.xlsx)",
        description="Write a project folder for NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette "
        "(.qdpx project or .qdc codebook, REFI-QDA 1.0) or as a coding sheet (.xlsx).",
    )
    p.add_argument("project", help="project folder")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.qdpx|qdc|xlsx")
    p.add_argument(
        "--nvivo",
        action="store_true",
        help=".qdpx: count positions in UTF-16 code units, as NVivo reads them",
    )
    p.set_defaults(run=run)


def run(args) -> int:
    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in (".qdpx", ".qdc", ".xlsx"):
        raise ExportError(
            f"{out}: cannot export to '{suffix or 'no suffix'}'; use .qdpx (REFI-QDA project), "
            ".qdc (REFI-QDA codebook) or .xlsx (coding sheet)"
        )
    project = read_project(args.project)
    warn(project.warnings)
    if suffix == ".xlsx":
        try:
            from ..io.sheets import write_sheet
        except ImportError:
            raise ExportError(
                f"{out}: exporting coding sheets (.xlsx) is not available in this version; "
                "export .qdpx or .qdc instead"
            ) from None
        write_sheet(project, out)
        from ..io.sheet_widening import widening_note

        warn(widening_note(project.codings, project.corpus, unit="sentence"))
        print(f"wrote {out}", file=sys.stderr)
        return 0
    from ..io import refi

    if suffix == ".qdc":
        refi.write_qdc(refi.codebook_of(project), out)
        print(f"wrote {out} ({len(project.codebook)} codes)", file=sys.stderr)
        return 0
    data, notes = refi.qdpx_bytes(project, nvivo=args.nvivo)
    warn(notes)
    from ..io.atomic import write_bytes

    write_bytes(out, data)
    unit = "UTF-16 code units (NVivo)" if args.nvivo else "code points"
    print(
        f"wrote {out}: {len(project.corpus)} sources, {len(project.codebook)} codes, "
        f"{len(project.codings)} codings, {len(project.memos)} memos; positions in {unit}",
        file=sys.stderr,
    )
    return 0
