"""``resilience-qda codebook [NAME|FILE] [--format yaml|csv|qdc]``: print a codebook."""

from __future__ import annotations

import json
import sys

from ..io.codebook import codebook_to_yaml, read_codebook
from ..io.project import DEFAULT_CODEBOOK


def add_parser(sub) -> None:
    p = sub.add_parser(
        "codebook",
        help="print a codebook as YAML, CSV or REFI-QDA .qdc",
        description="Print a built-in codebook (by name) or a codebook file.",
    )
    p.add_argument(
        "source",
        nargs="?",
        default=DEFAULT_CODEBOOK,
        help=f"built-in name or file (default: {DEFAULT_CODEBOOK})",
    )
    p.add_argument(
        "--format",
        choices=["yaml", "csv", "qdc"],
        default="yaml",
        help="yaml (default); csv: one row per code with its path, parent, definition and "
        "patterns (as JSON); qdc: REFI-QDA codebook",
    )
    p.set_defaults(run=run)


def run(args) -> int:
    codebook = read_codebook(args.source)
    if args.format == "yaml":
        sys.stdout.write(codebook_to_yaml(codebook))
    elif args.format == "csv":
        table = codebook.to_frame()
        table["patterns"] = [
            json.dumps(dict(c.patterns), ensure_ascii=False) if c.patterns else "" for c in codebook
        ]
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        from ..io.refi import codebook_to_qdc

        sys.stdout.write(codebook_to_qdc(codebook))
    return 0
