"""``resilience-qda import FILES... --project DIR``: build or extend a project folder."""

from __future__ import annotations

import sys
from pathlib import Path

from ..core.errors import ProjectError
from ..core.model import Corpus, Project
from ..io import read_corpus, read_project, write_project
from ..io.codebook import read_codebook
from ..io.project import DEFAULT_CODEBOOK
from ..io.scaffold import write_study_template
from . import warn


def add_parser(sub) -> None:
    p = sub.add_parser(
        "import",
        help="build or extend a project folder from transcripts, notes, captions, Word files",
        description="Read transcripts (.txt, .md), captions (.vtt, .srt) and Word files "
        "(.docx), or REFI-QDA files (.qdpx, .qdc), into a project folder. Existing documents "
        "are never overwritten.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="files or folders to import")
    p.add_argument("--project", required=True, metavar="DIR", help="project folder")
    p.add_argument("--kind", help="document kind for every file (interview, observation, ...)")
    p.add_argument("--encoding", help="force an encoding instead of detecting it")
    p.add_argument(
        "--speaker-pattern",
        metavar="REGEX",
        help="regex with a (?P<speaker>...) group matching speaker labels",
    )
    p.add_argument(
        "--base",
        metavar="DIR",
        help="REFI-QDA: folder where relative:// and absolute:// sources may be looked up "
        "(never followed without it)",
    )
    p.add_argument(
        "--offsets",
        choices=["auto", "codepoint", "utf16", "utf8"],
        default="auto",
        help="REFI-QDA: how selection positions are counted (default: detected per file)",
    )
    p.set_defaults(run=run)


def run(args) -> int:
    refi = [f for f in args.files if Path(f).suffix.lower() in (".qdpx", ".qdc", ".qde")]
    if refi:
        from ..io import refi as refi_io  # REFI-QDA exchange

        reports = refi_io.import_into_project(
            refi,
            args.project,
            base=args.base,
            unit=None if args.offsets == "auto" else args.offsets,
        )
        for report in reports:
            print(report.summary(), file=sys.stderr)
        args.files = [f for f in args.files if f not in refi]
        if not args.files:
            return 0
    root = Path(args.project)
    new = read_corpus(
        args.files, kind=args.kind, encoding=args.encoding, speaker_pattern=args.speaker_pattern
    )
    if (root / "sources").is_dir():
        project = read_project(root)
        clash = [d.doc_id for d in new if d.doc_id in project.corpus]
        if clash:
            raise ProjectError(
                f"{root} already has document(s) {', '.join(clash)}; rename the "
                "files or remove the old sources first (nothing was changed)"
            )
        warn(project.warnings)
        corpus = Corpus([*project.corpus, *new], cases=project.corpus.cases)
        project = Project(corpus, project.codebook, project.codings, project.memos)
    else:
        project = Project(Corpus(new), read_codebook(DEFAULT_CODEBOOK))
    write_project(project, root)
    write_study_template(root)  # a new folder gets the commented analysis plan
    kinds = ", ".join(
        f"{n} {k}"
        for k, n in sorted(
            {k: sum(d.kind == k for d in new) for k in {d.kind for d in new}}.items()
        )
    )
    print(f"imported {len(new)} document(s) ({kinds}) into {root}", file=sys.stderr)
    return 0
