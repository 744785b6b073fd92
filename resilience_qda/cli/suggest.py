"""``resilience-qda suggest PROJECT --coder A [--unit ...] [-o FILE] [--evaluate]``.

Learn coder A's coding and suggest codes (with probabilities) for the units of the
documents A has not coded, as a codings CSV; or, with ``--evaluate``, print the
cross-validated per-code agreement of the suggestions with A (beside ``--against`` coders).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from ..core.units import UNITS


def add_parser(sub) -> None:
    p = sub.add_parser(
        "suggest",
        help="learn a coder's coding and suggest codes for what they have not coded",
        description="Suggest codes for the units of the documents a coder has not coded, "
        "learned from the documents they have (scikit-learn, offline); --evaluate prints "
        "the cross-validated agreement with the coder instead.",
    )
    p.add_argument("project", help="project folder")
    p.add_argument("--coder", required=True, help="whose coding to learn")
    p.add_argument("--unit", choices=UNITS, default="sentence", help="unit of analysis")
    p.add_argument("--codes", nargs="+", metavar="CODE", help="codes to learn (default: all used)")
    p.add_argument(
        "--target-precision",
        type=float,
        default=0.8,
        metavar="P",
        help="cross-validated precision each code's threshold must reach (default 0.8)",
    )
    p.add_argument(
        "--min-examples",
        type=int,
        default=5,
        metavar="N",
        help="codes with fewer coded units are reported, not learned (default 5)",
    )
    p.add_argument("--lemmas", action="store_true", help="add lemma features (spaCy, offline)")
    p.add_argument("--patterns", action="store_true", help="add codebook pattern-hit features")
    p.add_argument("--no-chars", action="store_true", help="no character n-gram features")
    p.add_argument(
        "--embedding",
        metavar="MODEL",
        help="an installed sentence-transformers model (never downloaded)",
    )
    p.add_argument("--name", default="tfidf-svm", help="model coder name: model:NAME")
    p.add_argument(
        "--evaluate",
        action="store_true",
        help="print the cross-validated per-code table instead of suggesting",
    )
    p.add_argument(
        "--against",
        nargs="+",
        default=[],
        metavar="CODER",
        help="with --evaluate: coders (or codings CSV files) to score beside the model",
    )
    p.add_argument("--cv", type=int, default=5, help="with --evaluate: folds (default 5)")
    p.add_argument("-o", "--output", metavar="FILE", help="CSV file (default: stdout)")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..coding.suggest import suggest
    from ..coding.suggest_eval import evaluate
    from ..io import read_project
    from ..io.atomic import write_text
    from . import warn
    from .score import _codings_of

    project = read_project(args.project)
    warn(project.warnings)
    params = {
        "target_precision": args.target_precision,
        "min_examples": args.min_examples,
        "lemmas": args.lemmas,
        "patterns": args.patterns,
        "embedding": args.embedding,
    }
    if args.no_chars:
        params["chars"] = None
    common = {"coder": args.coder, "codes": args.codes, "unit": args.unit, "name": args.name}
    if args.evaluate:
        against = [
            label if label in project.coders else _codings_of(label, project, origin="--against")
            for label in args.against
        ]
        table = evaluate(project, **common, against=against, cv=args.cv, **params)
    else:
        table = suggest(project, **common, **params)
        print(
            f"{len(table)} suggestion(s) in {table['doc_id'].nunique()} document(s)",
            file=sys.stderr,
        )
    buf = io.StringIO()
    table.to_csv(buf, index=False, lineterminator="\n")
    if args.output:
        write_text(Path(args.output), buf.getvalue())
    else:
        sys.stdout.write(buf.getvalue())
    return 0
