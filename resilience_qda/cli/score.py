"""``resilience-qda score PROJECT --coder X --reference A [--unit sentence]``: score a coder.

Per code: the 2x2 counts of units, precision, recall, F1 and Cohen's kappa of coder X
against reference A, as CSV. X and A are coders of the project or codings CSV files.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..core.errors import CodingsError
from ..core.units import UNITS


def add_parser(sub) -> None:
    p = sub.add_parser(
        "score",
        help="score a coder (e.g. the rule coder) against a reference coder",
        description="Per-code precision, recall, F1 and Cohen's kappa of one coder against "
        "another at a unit of analysis, over the documents the reference coded.",
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
        "--all-documents",
        action="store_true",
        help="score over every document, not only those the reference coded",
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


def run(args) -> int:
    import pandas as pd

    from ..core.scoring import score_coder, scoring_units
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
    documents = None if args.all_documents else sorted(set(ref["doc_id"]))
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
        f"{len(table)} codes over {units['doc_id'].nunique()} documents, {len(units)} "
        f"{args.unit} units; where the reference coded: mean F1 "
        f"{pd.to_numeric(scored['f1']).mean():.3f}, mean kappa "
        f"{pd.to_numeric(scored['kappa']).mean():.3f}",
        file=sys.stderr,
    )
    return 0
