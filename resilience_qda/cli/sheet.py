"""``resilience-qda sheet export|import``: coding sheets (.xlsx/.csv) of a project's units."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pandas as pd

from ..core.errors import CodingsError
from ..io import read_project, write_project
from ..io.sheet_widening import widened_codings, widening_note
from ..io.sheets import LAYOUTS, UNITS, read_sheet, write_sheet
from ..io.transaction import transaction
from . import warn


def add_parser(sub) -> None:
    p = sub.add_parser(
        "sheet",
        help="export a coding sheet of a project's units, or import a filled one",
        description="Coding sheets: one row per unit (sentence, turn, paragraph, document) "
        "with its document, speaker, attributes and codes, in .xlsx or .csv.",
    )
    verbs = p.add_subparsers(dest="verb", metavar="export|import", required=True)
    e = verbs.add_parser("export", help="write a coding sheet")
    e.add_argument("project", help="project folder")
    e.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.xlsx or FILE.csv")
    e.add_argument("--unit", choices=UNITS, default="sentence", help="default: sentence")
    e.add_argument(
        "--coder",
        action="append",
        metavar="NAME",
        help="show this coder's codes (repeatable; default: every coder's)",
    )
    e.add_argument("--blank", action="store_true", help="show no existing codes")
    e.add_argument("--layout", choices=LAYOUTS, default="columns", help="default: columns")
    e.add_argument("--codes", metavar="CODE", help="only this code and its subcodes as columns")
    e.add_argument("--doc", action="append", metavar="DOC_ID", help="only these documents")
    e.set_defaults(run=run_export)

    i = verbs.add_parser("import", help="read a filled coding sheet as a coder's codings")
    i.add_argument("file", help="the filled FILE.xlsx or FILE.csv")
    i.add_argument("--project", required=True, metavar="DIR", help="project folder")
    i.add_argument("--coder", required=True, metavar="NAME", help="whose codings these are")
    i.add_argument("--create-codes", action="store_true", help="add codes the codebook lacks")
    i.add_argument(
        "--skip-unknown", action="store_true", help="import the rest when codes are unknown"
    )
    i.add_argument(
        "--replace",
        action="store_true",
        help="replace the coder's codings in the sheet's documents (default: add to them)",
    )
    i.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    i.set_defaults(run=run_import)


def run_export(args) -> int:
    project = read_project(args.project)
    warn(project.warnings)
    coders = [] if args.blank else args.coder
    out = write_sheet(
        project,
        args.output,
        unit=args.unit,
        coders=coders,
        codes=args.codes,
        layout=args.layout,
        doc_ids=args.doc,
    )
    if not args.blank:
        warn(
            widening_note(
                project.codings,
                project.corpus,
                unit=args.unit,
                coders=args.coder,
                doc_ids=args.doc,
            )
        )
    print(f"wrote {out}", file=sys.stderr)
    return 0


def run_import(args) -> int:
    if not Path(args.project, "sources").is_dir():
        raise CodingsError(f"{args.project}: not a project folder (it has no sources/ folder)")
    with transaction(args.project, command=f"sheet import ({args.coder})"):
        return _import(args)


def _import(args) -> int:
    project = read_project(args.project)
    warn(project.warnings)
    found = read_sheet(args.file, project, coder=args.coder, create_codes=args.create_codes)
    for r in found.problems.itertuples(index=False):
        where = f"row {r.row}" if r.row else "missing"
        print(f"warning: {args.file}: {where}: {r.kind}: {r.detail}", file=sys.stderr)
    unknown = found.problems_of("unknown-code")
    if len(unknown) and not (args.skip_unknown or args.create_codes):
        raise CodingsError(
            f"{args.file}: {len(unknown)} code(s) are not in the codebook (listed above); "
            "nothing was written. Fix them in the sheet, or rerun with --create-codes to add "
            "them, or --skip-unknown to import the rest"
        )
    docs = set(found.codings["doc_id"]) | set(
        found.problems.loc[found.problems["doc_id"] != "", "doc_id"]
    )
    old = project.codings
    if args.replace:
        replaced = (old["coder"] == args.coder) & old["doc_id"].isin(docs)
        wide = widened_codings(old[replaced], project.corpus, unit=found.unit)
        if len(wide):
            print(
                f"warning: {len(wide)} of the {int(replaced.sum())} codings replaced did not "
                f"cover whole {found.unit}s; the sheet's codings are whole {found.unit}s",
                file=sys.stderr,
            )
        old = old[~replaced]
    codings = pd.concat([old, found.codings], ignore_index=True)
    codings = codings.drop_duplicates(["doc_id", "start", "end", "code", "coder"])
    added = len(codings) - len(old)
    print(
        f"{args.file}: {len(found.codings)} coding(s) by {args.coder} ({added} new) "
        f"on {found.codings['doc_id'].nunique()} document(s); {len(found.problems)} problem(s)",
        file=sys.stderr,
    )
    if args.dry_run:
        return 0
    mine = codings[codings["coder"] == args.coder]  # other coders' files stay byte for byte
    updated = dataclasses.replace(project, codebook=found.codebook, codings=mine)
    write_project(updated, args.project)
    return 0
