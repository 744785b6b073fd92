"""``resilience-qda score PROJECT --coder X --reference A [--unit sentence]``: score a coder.

Per code: the 2x2 counts of units, precision, recall, F1 and Cohen's kappa of coder X
against reference A, as CSV. X and A are coders of the project or codings CSV files. By
default only the documents both coded are scored (``--documents``), and stderr says how
many and by which rule.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..core.errors import CodingsError
from ..core.scoring import DOCUMENT_RULES
from ..core.units import UNITS


def add_parser(sub) -> None:
    p = sub.add_parser(
        "score",
        help="score a coder (e.g. the rule coder) against a reference coder",
        description="Per-code precision, recall, F1 and Cohen's kappa of one coder against "
        "another at a unit of analysis, by default over the documents both coded (a coder "
        "whose codings all come from rules or a model counts as having coded every document).",
    )
    p.add_argument("project", help="project folder")
    p.add_argument("--coder", required=True, metavar="X", help="coder name or codings CSV")
    p.add_argument("--reference", required=True, metavar="A", help="coder name or codings CSV")
    p.add_argument("--unit", choices=UNITS, default="sentence")
    p.add_argument(
        "--rollup",
        action="store_true",
        help="also score each code's parents (a unit carries a parent if it carries a child)",
    )
    p.add_argument(
        "--documents",
        choices=DOCUMENT_RULES,
        default="both",
        help="which documents to score over: both (default: those both coders coded), "
        "reference (those the reference coded) or all",
    )
    p.add_argument(
        "--all-documents",
        dest="documents",
        action="store_const",
        const="all",
        help="the same as --documents all",
    )
    p.add_argument("--interviewer", action="store_true", help="include interviewer turns")
    p.add_argument("-o", "--output", metavar="FILE", help="CSV file (default: stdout)")
    p.set_defaults(run=run)


def _codings_of(label: str, project, *, origin: str):
    import pandas as pd

    from ..core.model import validate_codings

    path = Path(label)
    if path.suffix.lower() == ".csv" and path.is_file():
        table = pd.read_csv(path, dtype={"doc_id": str, "code": str, "coder": str})
        if "coder" not in table:
            table["coder"] = path.stem
        if "source" not in table:
            table["source"] = "manual"
        return validate_codings(table, project.corpus, origin=str(path))
    if label not in project.coders:
        raise CodingsError(
            f"{origin} {label!r} is neither a coder of {project.path} "
            f"({', '.join(project.coders) or 'none'}) nor a codings CSV file"
        )
    return project.codings_of(label)


def _read_by_rules(codings, project) -> list[str] | None:
    """The documents the project codebook's rule coder read: those in the codebook's
    language or of undetermined language (``code`` leaves the others out unless told
    otherwise), and any it coded. ``None`` (every document) for other coders: models, and
    rules of another codebook, whose language is not known here."""
    import warnings

    from ..coding.languages import InLanguage, codebook_language
    from ..coding.rules import rules_coder

    if set(codings["coder"]) != {rules_coder(project.codebook)}:
        return None
    with warnings.catch_warnings():  # the skipped documents are named in the rule's words
        warnings.simplefilter("ignore")
        kept = InLanguage(project.corpus, codebook_language(project.codebook))
        return [d.doc_id for d in kept] + list(codings["doc_id"].unique())


def run(args) -> int:
    import pandas as pd

    from ..core.scoring import (
        AUTOMATIC_SOURCES,
        score_coder,
        scored_documents,
        scoring_units,
    )
    from ..io import read_project
    from ..io.atomic import write_text
    from . import warn

    project = read_project(args.project)
    warn(project.warnings)
    mine = _codings_of(args.coder, project, origin="--coder")
    ref = _codings_of(args.reference, project, origin="--reference")
    if not len(ref):
        raise CodingsError(f"--reference {args.reference!r} has no codings")
    names = set(ref["coder"])
    clash = names & set(mine["coder"])
    if clash:
        raise CodingsError(f"--coder and --reference are the same coder ({', '.join(clash)})")
    automatic = mine if set(mine["source"]) <= AUTOMATIC_SOURCES else ref
    read = _read_by_rules(automatic, project)
    documents, rule = scored_documents(
        mine, ref, project.corpus.doc_ids, rule=args.documents, read=read
    )
    if not documents:
        raise CodingsError(
            f"--coder {args.coder!r} and --reference {args.reference!r} coded no document in "
            "common; score over the reference's documents with --documents reference"
        )
    units = scoring_units(
        project.corpus, args.unit, doc_ids=documents, interviewer=args.interviewer
    )
    table = score_coder(mine, reference=ref, units=units, rollup=args.rollup)
    table.insert(3, "unit", args.unit)
    text = table.to_csv(index=False, lineterminator="\n", float_format="%.4f")
    if args.output:
        write_text(args.output, text)
    else:
        sys.stdout.write(text)
    scored = table[table["both"] + table["reference_only"] > 0]
    print(
        f"scored over {len(documents)} of {len(project.corpus)} documents: {rule} "
        f"(--documents {args.documents}; change with --documents "
        f"{'|'.join(r for r in DOCUMENT_RULES if r != args.documents)})",
        file=sys.stderr,
    )
    print(
        f"{len(table)} codes over {len(documents)} documents, {len(units)} "
        f"{args.unit} units ({'with' if args.interviewer else 'without'} interviewer turns; "
        "`agreement` counts every unit); where the reference coded: mean F1 "
        f"{pd.to_numeric(scored['f1']).mean():.3f}, mean kappa "
        f"{pd.to_numeric(scored['kappa']).mean():.3f}",
        file=sys.stderr,
    )
    return 0
