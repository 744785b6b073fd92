"""``resilience-qda import FILES... --project DIR``: build or extend a project folder.

A thin dispatcher: REFI-QDA files go to :mod:`resilience_qda.io.refi`, survey exports
(``--text-column``) to :mod:`resilience_qda.io.survey_import`, every other source (with the
codings of commented Word files) to :mod:`resilience_qda.io.imports`.
"""

from __future__ import annotations

import dataclasses
import sys
import warnings
from collections import Counter
from pathlib import Path

import pandas as pd

from ..core.errors import ProjectError, QDAWarning, ReadError
from ..core.model import Corpus
from ..io import write_project
from ..io.memos import memos_frame
from ..io.names import check_file_name
from ..io.project import current_or_new_project
from ..io.scaffold import write_study_template
from ..io.sources import TABLE_SUFFIXES
from ..io.transaction import transaction
from . import warn


def add_parser(sub) -> None:
    p = sub.add_parser(
        "import",
        help="build or extend a project folder from transcripts, notes, surveys, Word, PDF",
        description="Read transcripts and notes (.txt, .md), captions (.vtt, .srt), Word "
        "files (.docx, with their comments as codings), Whisper/WhisperX (.json), noScribe "
        "(.html) and oTranscribe (.otr) transcripts, PDFs with a text layer, survey exports "
        "(.csv, .tsv, .xlsx with --text-column) or REFI-QDA files (.qdpx, .qdc) into a "
        "project folder. Existing documents are never overwritten.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="files or folders to import")
    p.add_argument("--project", required=True, metavar="DIR", help="project folder")
    p.add_argument("--kind", help="document kind for every file (interview, observation, ...)")
    p.add_argument("--encoding", help="force an encoding instead of detecting it")
    p.add_argument(
        "--language",
        metavar="CODE",
        help="ISO 639-1 language of every document (default: detected)",
    )
    p.add_argument(
        "--speaker-pattern",
        metavar="REGEX",
        help="regex with a (?P<speaker>...) group matching speaker labels",
    )
    p.add_argument(
        "--no-comments", action="store_true", help="Word files: the text only, not the comments"
    )
    p.add_argument(
        "--coder",
        metavar="NAME",
        help="survey: whose codes the code columns hold; Word: the coder of every comment "
        "(default: the comment's author)",
    )
    s = p.add_argument_group("survey exports (.csv, .tsv, .xlsx): one document per answer")
    s.add_argument("--text-column", metavar="COL", help="the column of free-text answers")
    s.add_argument("--id-column", metavar="COL", help="respondent ids (the document ids)")
    s.add_argument(
        "--codes-columns",
        metavar="PATTERN",
        help="code columns, a pattern such as 'Code *' (needs --coder)",
    )
    s.add_argument("--doc-prefix", default="", metavar="TEXT", help="put before every id")
    s.add_argument("--sheet", metavar="NAME", help="the worksheet of an .xlsx (default: first)")
    s.add_argument("--create-codes", action="store_true", help="add codes the codebook lacks to it")
    r = p.add_argument_group("REFI-QDA")
    r.add_argument(
        "--base",
        metavar="DIR",
        help="folder where relative:// and absolute:// sources may be looked up "
        "(never followed without it)",
    )
    r.add_argument(
        "--offsets",
        choices=["auto", "codepoint", "utf16", "utf8"],
        default="auto",
        help="how selection positions are counted (default: detected per file)",
    )
    p.set_defaults(run=run)


def run(args) -> int:
    refi = [f for f in args.files if Path(f).suffix.lower() in (".qdpx", ".qdc", ".qde")]
    tables = [f for f in args.files if Path(f).suffix.lower() in TABLE_SUFFIXES]
    if tables or args.text_column:  # survey answers: each table its own transaction
        _import_surveys(args, tables)
    files = [f for f in args.files if f not in refi and f not in tables]
    if not files and not refi:
        return 0
    root = Path(args.project)
    reports, found = [], None
    new_folder = not (root / "sources").is_dir()
    # the whole read-modify-write holds the project's lock: two imports never lose a row,
    # and of two imports of one new document exactly one succeeds
    with transaction(root, command="import"):
        project = current_or_new_project(root)
        warn(project.warnings)
        if refi:
            from ..io import refi as refi_io  # REFI-QDA exchange

            project, reports = refi_io.merge_refi_files(
                project, refi, base=args.base, unit=None if args.offsets == "auto" else args.offsets
            )
        if files:
            found = _read_new(args, files, project)
            new = found.documents
            clash = [d.doc_id for d in new if d.doc_id in project.corpus]
            if clash:
                raise ProjectError(
                    f"{root} already has document(s) {', '.join(clash)}; rename the "
                    "files or remove the old sources first (nothing was changed)"
                )
            project = dataclasses.replace(
                project,
                corpus=Corpus([*project.corpus, *new], cases=project.corpus.cases),
                codebook=found.codebook,
                codings=pd.concat([project.codings, found.codings], ignore_index=True),
                memos=memos_frame(
                    [*project.memos.to_dict("records"), *found.memos.to_dict("records")]
                ),
            )
        write_project(project, root)
        if new_folder:
            write_study_template(root)  # a new project gets the commented analysis plan
        if refi:
            from ..io.refi import save_exchange

            save_exchange(project, root)
    for report in reports:
        print(report.summary(), file=sys.stderr)
    if found is not None:
        print(_summary(found, root), file=sys.stderr)
    return 0


def _read_new(args, files: list[str], project):
    """The new files read (Word comments coded with the project's codebook), their
    document ids checked against every file system's rules."""
    from ..io.imports import read_sources

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", QDAWarning)
        found = read_sources(
            files,
            codebook=project.codebook,
            comments=not args.no_comments,
            coder=args.coder,
            kind=args.kind,
            encoding=args.encoding,
            speaker_pattern=args.speaker_pattern,
            language=args.language,
        )
    warn([str(w.message) for w in caught if issubclass(w.category, QDAWarning)])
    warn(found.problems)
    for d in found.documents:
        check_file_name(
            f"{d.doc_id}.txt",
            what=f"{d.metadata.get('original_file', d.doc_id)}: document id {d.doc_id!r}",
        )
    return found


def _import_surveys(args, tables: list[str]) -> None:
    from ..io.survey_import import import_survey

    if not args.text_column:
        raise ReadError(
            f"{tables[0]}: a spreadsheet is imported as survey answers, one document per "
            "answer; name the column of answers with --text-column COL"
        )
    if not tables:
        raise ReadError("--text-column is for survey exports (.csv, .tsv, .xlsx); none given")
    for f in tables:
        report = import_survey(
            f,
            args.project,
            text_column=args.text_column,
            id_column=args.id_column,
            codes_columns=args.codes_columns,
            coder=args.coder,
            doc_prefix=args.doc_prefix,
            language=args.language,
            sheet=args.sheet,
            create_codes=args.create_codes,
        )
        warn(report.warnings)
        print(report.summary(), file=sys.stderr)


def _summary(found, root: Path) -> str:
    new = found.documents
    kinds = Counter(d.kind for d in new)
    languages = Counter(str(d.metadata.get("language") or "undetermined") for d in new)
    text = (
        f"imported {len(new)} document(s) ("
        + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        + f") into {root}; languages: "
        + ", ".join(f"{n} {lang}" for lang, n in sorted(languages.items()))
    )
    if found.comments:
        coders = sorted(set(found.codings["coder"]))
        text += (
            f"; {len(found.codings)} coding(s) from Word comments in "
            f"{len(found.comments)} file(s) (coder(s): {', '.join(coders)})"
        )
    if found.created_codes:
        text += (
            f"; {len(found.created_codes)} code(s) the comments named were added to the "
            f"codebook: {', '.join(found.created_codes[:10])}"
        )
    return text
