"""``resilience-qda agreement PROJECT --coders A B [--unit ...] [--method ...] [-o FILE]``."""

from __future__ import annotations

import io
import sys

from ..analysis.agreement import CHARACTER_METHODS, METHODS, agreement, disagreements
from ..core.errors import CodingsError
from ..core.units import UNITS
from ..io import read_project
from ..io.atomic import write_text
from . import warn


def add_parser(sub) -> None:
    p = sub.add_parser(
        "agreement",
        help="inter-coder agreement per code (and per source), as CSV",
        description="Inter-coder agreement of two or more coders with the counts behind every "
        "coefficient. At character level (default) NVivo's coding comparison per code x "
        "source; at unit level Cohen's kappa, Krippendorff's alpha and others per code. "
        "Writes CSV to stdout or to -o FILE.",
    )
    p.add_argument("project", help="project folder")
    p.add_argument(
        "--coders",
        nargs="+",
        required=True,
        metavar="CODER",
        help="coders to compare; a group as A+C (a passage counts for a group if any member "
        "coded it)",
    )
    p.add_argument(
        "--unit",
        choices=["character", *UNITS],
        help="unit of comparison (default: character; sentence for --disagreements)",
    )
    p.add_argument(
        "--method",
        nargs="+",
        choices=[*CHARACTER_METHODS, *METHODS, "all"],
        help="character: nvivo (default, per code x source), average (per code), segment "
        "(MAXQDA); units: cohen (default for two coders), percent, krippendorff (default for "
        "more), fleiss, brennan-prediger, gwet, all",
    )
    p.add_argument("--codes", nargs="+", metavar="CODE", help="codes to compare (default: all)")
    p.add_argument(
        "--documents",
        choices=["shared", "all", "own"],
        default="shared",
        help="the documents every coder coded (shared, default), all documents (a document a "
        "coder never coded counts as coded with nothing), or each coder's own documents with "
        "the rest missing (own; unit methods)",
    )
    p.add_argument(
        "--min-overlap",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="share of a unit a coding must cover for the unit to carry the code (default: any)",
    )
    p.add_argument(
        "--utf16", action="store_true", help="count characters in UTF-16 code units, as NVivo"
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=0.9,
        help="segment method: overlap needed for two segments to match (default: 0.9)",
    )
    p.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="N",
        help="unit methods: N bootstrap replicates for a 95%% interval (ci_low, ci_high)",
    )
    p.add_argument(
        "--random-state",
        "--seed",
        dest="seed",
        type=int,
        default=0,
        help="bootstrap random state (default: 0)",
    )
    p.add_argument(
        "--disagreements",
        action="store_true",
        help="list the passages where two coders' codes differ, with their codes and the "
        "text: sentences by default, or --unit turn|paragraph|document|character (the exact "
        "runs of characters)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write the CSV here (default: stdout)")
    p.set_defaults(run=run)


def run(args) -> int:
    project = read_project(args.project)
    warn(project.warnings)
    known = set(project.coders)
    members = {
        m for item in args.coders for m in (item.split("+") if item not in known else [item])
    }
    unknown = sorted(members - known)
    if unknown:
        raise CodingsError(
            f"{args.project}: no codings by coder(s) {', '.join(map(repr, unknown))}; the "
            f"project's coders are {', '.join(sorted(known)) or 'none'} (codings/<coder>.csv)"
        )
    unit = args.unit or ("sentence" if args.disagreements else "character")
    method = args.method
    if method is not None:
        method = method[0] if len(method) == 1 else method
    if unit == "character" and method is not None and set(args.method) - set(CHARACTER_METHODS):
        raise CodingsError(
            f"--method {' '.join(args.method)} needs units: add --unit sentence|turn|paragraph|"
            f"document (at character level the methods are {', '.join(CHARACTER_METHODS)})"
        )
    try:
        if args.disagreements:
            table = disagreements(
                project.codings,
                project.corpus,
                args.coders,
                unit=unit,
                codes=args.codes,
                min_overlap=args.min_overlap,
                doc_ids=args.documents,
            )
        else:
            table = agreement(
                project,
                args.coders,
                unit=unit,
                method=method,
                codes=args.codes,
                doc_ids=args.documents,
                min_overlap=args.min_overlap,
                utf16=args.utf16,
                threshold=args.threshold,
                bootstrap=args.bootstrap,
                random_state=args.seed,
            )
    except ValueError as exc:
        if isinstance(exc, CodingsError):
            raise
        print(f"resilience-qda agreement: error: {exc}", file=sys.stderr)
        return 1
    buf = io.StringIO()
    table.to_csv(buf, index=False, lineterminator="\n")
    if args.output:
        write_text(args.output, buf.getvalue())
        print(f"wrote {len(table)} rows to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(buf.getvalue())
    compared = table.attrs.get("doc_ids")
    if args.documents == "shared" and compared is not None and len(compared) < len(project.corpus):
        print(
            f"note: compared the {len(compared)} document(s) every coder coded; left out "
            f"{len(project.corpus) - len(compared)} (--documents all includes them)",
            file=sys.stderr,
        )
    if "undefined" in table and table["undefined"].any():
        n = int(table["undefined"].sum())
        nvivo = unit == "character" and not args.disagreements and method in (None, "nvivo")
        what = "NVivo's convention: kappa 1" if nvivo else "left empty"
        print(
            f"note: {n} row(s) have a coefficient of 0/0 (the code unused by both sides, or "
            f"one category only); {what}, flagged in column 'undefined'",
            file=sys.stderr,
        )
    return 0
