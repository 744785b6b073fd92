"""``resilience-qda update-source PROJECT DOC_ID NEWFILE`` and ``resilience-qda reanchor
PROJECT``: keep codings on the right words when a source text changes."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from ..coding.anchors import reanchor, update_source
from ..core.errors import CodingsError
from ..core.model import Project
from ..io import read_document, read_project, write_project
from ..io.atomic import write_bytes
from ..io.project import EMPTY_CODINGS_FILE, codings_path
from ..io.transaction import transaction
from . import warn


def add_parser(sub) -> None:
    p = sub.add_parser(
        "update-source",
        help="replace a document's text and re-anchor its codings and memos",
        description="Replace the text of DOC_ID with NEWFILE (.txt, .md, .docx, ...) and carry "
        "every coding to its words in the new text. Prints one line per coding (CSV: "
        "status kept/moved/changed/shortened/orphaned, old and new positions). If a coding "
        "cannot be placed nothing is written unless --drop-orphans is given.",
    )
    p.add_argument("project", help="project folder")
    p.add_argument("doc_id", help="the document to update")
    p.add_argument("newfile", help="the corrected source file")
    _common(p)
    p.set_defaults(run=run_update)

    q = sub.add_parser(
        "reanchor",
        help="re-anchor codings whose quoted text no longer matches (sources edited by hand)",
        description="Find the codings whose anchor quote no longer matches their source text "
        "(the source was edited outside the toolkit) and look for their words again, using "
        "their quote and context. Prints one line per re-anchored coding (CSV).",
    )
    q.add_argument("project", help="project folder")
    _common(q)
    q.set_defaults(run=run_reanchor)


def _common(p) -> None:
    p.add_argument(
        "--threshold",
        type=float,
        default=0.8,
        help="least similarity of an edited passage to its old text (0-1, default 0.8)",
    )
    p.add_argument("--drop-orphans", action="store_true", help="write even if codings are lost")
    p.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    p.add_argument("--report", metavar="FILE", help="write the report CSV here (default stdout)")


def _emit(report: pd.DataFrame, args) -> None:
    table = report.drop(columns=["row"], errors="ignore")
    if args.report:
        write_bytes(Path(args.report), table.to_csv(index=False, lineterminator="\n").encode())
    else:
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    counts = table["status"].value_counts().to_dict() if len(table) else {}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items()) or "no codings"
    print(f"re-anchored: {summary}", file=sys.stderr)


def _refuse_orphans(report: pd.DataFrame, args, root: str) -> None:
    orphans = report[report["status"] == "orphaned"]
    if len(orphans) and not args.drop_orphans and not args.dry_run:
        first = orphans.iloc[0]
        raise CodingsError(
            f"{root}: {len(orphans)} coding(s) could not be placed in the new text (first: "
            f"{first['code']} by {first['coder']} on {first['quote'][:50]!r}); nothing was "
            "written. Re-code them after the update, or rerun with --drop-orphans to write "
            "without them (the report lists them)"
        )


def _write(project: Project, before: Project, root: str) -> None:
    """Write the project and empty the files of coders whose codings were all dropped, in
    the command's transaction."""
    with transaction(root, command="write_project") as tx:
        write_project(project, root)
        for coder in sorted(set(before.codings["coder"]) - set(project.codings["coder"])):
            tx.write(codings_path(coder), EMPTY_CODINGS_FILE)


def run_update(args) -> int:
    with transaction(args.project, command="update-source"):
        return _update(args)


def _update(args) -> int:
    if not Path(args.project, "sources").is_dir():
        raise CodingsError(f"{args.project}: not a project folder (it has no sources/ folder)")
    project = read_project(args.project)
    warn(project.warnings)
    if args.doc_id not in project.corpus:
        raise CodingsError(
            f"{args.project}: no document {args.doc_id!r}; its documents are "
            f"{', '.join(project.corpus.doc_ids[:10])}{' ...' if len(project.corpus) > 10 else ''}"
        )
    old = project.corpus[args.doc_id]
    new_doc = read_document(args.newfile, doc_id=args.doc_id, kind=old.kind)
    updated, result = update_source(project, args.doc_id, new_doc.text, threshold=args.threshold)
    _emit(result.report, args)
    _refuse_orphans(result.report, args, args.project)
    if args.dry_run:
        return 0
    _write(updated, project, args.project)
    print(f"updated {args.project}/sources/{args.doc_id}.txt", file=sys.stderr)
    return 0


def run_reanchor(args) -> int:
    if not Path(args.project, "sources").is_dir():
        raise CodingsError(f"{args.project}: not a project folder (it has no sources/ folder)")
    with transaction(args.project, command="reanchor"):
        return _reanchor(args)


def _reanchor(args) -> int:
    from ..coding.anchors import drifted

    project = read_project(args.project)
    if "quote" not in project.codings:
        print("re-anchored: no codings with anchors", file=sys.stderr)
        return 0
    moved = drifted(project.codings, project.corpus)
    if not moved.any():
        print("re-anchored: every coding still covers its quoted text", file=sys.stderr)
        return 0
    result = reanchor(project.codings[moved], project.corpus, threshold=args.threshold)
    _emit(result.report, args)
    _refuse_orphans(result.report, args, args.project)
    if args.dry_run:
        return 0
    codings = pd.concat([project.codings[~moved], result.codings], ignore_index=True)
    updated = Project(project.corpus, project.codebook, codings, project.memos, path=project.path)
    _write(updated, project, args.project)
    return 0
