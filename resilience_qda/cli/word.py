"""``resilience-qda word export|import``: codings as Word comments, for review in Word."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pandas as pd

from ..coding.anchors import reanchor
from ..core.errors import CodingsError, ProjectError
from ..core.model import Corpus, Project
from ..io import read_project, write_project
from ..io.codebook import read_codebook
from ..io.docx import read_docx_codings, write_docx_codings
from ..io.memos import memos_frame
from ..io.project import DEFAULT_CODEBOOK
from ..io.transaction import transaction
from . import warn


def add_parser(sub) -> None:
    p = sub.add_parser(
        "word",
        help="write documents with their codings as Word comments, or read them back",
        description="Word round trip: export writes each document as .docx with every "
        "coding as a comment (author = coder, text = code paths); import reads commented "
        ".docx files (comment text = codes; author = coder; replies = memos) into a project.",
    )
    verbs = p.add_subparsers(dest="verb", metavar="export|import", required=True)
    e = verbs.add_parser("export", help="write .docx files with codings as comments")
    e.add_argument("project", help="project folder")
    e.add_argument("-o", "--output", required=True, metavar="PATH", help="a folder, or a .docx")
    e.add_argument("--doc", action="append", metavar="DOC_ID", help="only these documents")
    e.add_argument("--coder", metavar="NAME", help="only this coder's codings")
    e.set_defaults(run=run_export)

    i = verbs.add_parser("import", help="read commented .docx files into a project")
    i.add_argument("files", nargs="+", metavar="FILE.docx")
    i.add_argument("--project", required=True, metavar="DIR", help="project folder")
    i.add_argument("--coder", metavar="NAME", help="coder of every comment (default: author)")
    i.add_argument("--kind", help="kind of new documents (interview, observation, ...)")
    i.add_argument("--create-codes", action="store_true", help="add codes the codebook lacks")
    i.add_argument(
        "--skip-unknown", action="store_true", help="import the rest when codes are unknown"
    )
    i.add_argument(
        "--drop-orphans",
        action="store_true",
        help="when the Word text differs from the project's, write even if codings are lost",
    )
    i.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    i.set_defaults(run=run_import)


def run_export(args) -> int:
    project = read_project(args.project)
    warn(project.warnings)
    docs = args.doc or project.corpus.doc_ids
    missing = [d for d in docs if d not in project.corpus]
    if missing:
        raise ProjectError(f"{args.project}: no document(s) {', '.join(missing)}")
    out = Path(args.output)
    if out.suffix.lower() == ".docx":
        if len(docs) != 1:
            raise ProjectError(
                f"{out}: one .docx holds one document; give --doc ID, or a folder as -o"
            )
        targets = {docs[0]: out}
    else:
        targets = {d: out / f"{d}.docx" for d in docs}
    for doc_id, target in targets.items():
        write_docx_codings(project.corpus[doc_id], project.codings, target, coder=args.coder)
        n = (project.codings["doc_id"] == doc_id).sum()
        print(f"wrote {target} ({n} codings)", file=sys.stderr)
    return 0


def run_import(args) -> int:
    with transaction(args.project, command="word import"):
        return _import(args)


def _import(args) -> int:
    root = Path(args.project)
    exists = (root / "sources").is_dir()
    project = read_project(root) if exists else None
    if project is not None:
        warn(project.warnings)
    book = project.codebook if project is not None else read_codebook(DEFAULT_CODEBOOK)
    docs = list(project.corpus) if project is not None else []
    codings = project.codings if project is not None else None
    memos = project.memos.to_dict("records") if project is not None else []
    unknown_total = 0
    imported: set[str] = set()  # coders whose codings files change
    for f in args.files:
        meta = {"kind": args.kind} if args.kind else None
        found = read_docx_codings(
            f, codebook=book, coder=args.coder, create_codes=args.create_codes, metadata=meta
        )
        book = found.codebook
        for message in found.problems:
            print(f"warning: {f}: {message}", file=sys.stderr)
        for r in found.unknown.itertuples(index=False):
            print(
                f"warning: {f}: comment {r.comment} by {r.author}: {r.label!r} ({r.reason}) "
                f"on {r.passage[:60]!r}",
                file=sys.stderr,
            )
        if not args.create_codes:
            unknown_total += len(found.unknown)
        doc_id = found.document.doc_id
        got = found.codings.drop(columns=["comment"])
        stored = next((d for d in docs if d.doc_id == doc_id), None)
        if stored is None:
            docs.append(found.document)
        elif stored.text != found.document.text:
            result = reanchor(got, {doc_id: stored.text}, old_corpus={doc_id: found.document.text})
            counts = result.summary()
            print(
                f"{f}: the Word text differs from {doc_id!r} in the project; codings "
                f"re-anchored: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n),
                file=sys.stderr,
            )
            if counts["orphaned"] and not args.drop_orphans:
                raise CodingsError(
                    f"{f}: {counts['orphaned']} coding(s) could not be placed in the project's "
                    f"text of {doc_id!r}; nothing was written (rerun with --drop-orphans)"
                )
            got = result.codings
        coders = set(got["coder"])
        imported |= coders
        if codings is not None:  # the file is the coders' whole coding of the document
            codings = codings[~((codings["doc_id"] == doc_id) & codings["coder"].isin(coders))]
            codings = pd.concat([codings, got], ignore_index=True)
        else:
            codings = got
        ids = set(found.memos["memo_id"])
        memos = [m for m in memos if m.get("memo_id") not in ids]
        memos += found.memos.to_dict("records")
        print(
            f"{f}: {len(got)} coding(s) by {', '.join(sorted(coders)) or 'nobody'}, "
            f"{len(found.memos)} memo(s)",
            file=sys.stderr,
        )
    if unknown_total and not args.skip_unknown:
        raise CodingsError(
            f"{unknown_total} comment label(s) name no code of the codebook (listed above); "
            "nothing was written. Fix the comments, or rerun with --create-codes to add the "
            "codes, or --skip-unknown to import the rest"
        )
    if args.dry_run:
        return 0
    corpus = Corpus(docs, cases=project.corpus.cases if project is not None else None)
    base = project if project is not None else Project(corpus, book)
    if codings is not None:  # other coders' files stay byte for byte
        codings = codings[codings["coder"].isin(imported)]
    updated = dataclasses.replace(
        base, corpus=corpus, codebook=book, codings=codings, memos=memos_frame(memos)
    )
    write_project(updated, root)
    print(f"wrote {root}", file=sys.stderr)
    return 0
