"""``resilience-qda report [PROJECT] [--out DIR]``: the evaluation report of a project."""

from __future__ import annotations

import sys

from ..io import read_project
from . import warn


def add_parser(sub) -> None:
    p = sub.add_parser(
        "report",
        help="write the evaluation report of a project",
        description="Write report.html, figures/*.png|svg and tables/*.csv.",
    )
    p.add_argument(
        "project", nargs="?", default="data/sample", help="project folder (default: data/sample)"
    )
    p.add_argument(
        "--out", default="report", metavar="DIR", help="output folder (default: report/)"
    )
    p.add_argument(
        "--coder",
        metavar="NAME",
        help="whose codings to analyse (default: the manual coder with the most codings)",
    )
    p.set_defaults(run=run)


def run(args) -> int:
    from ..report import build_report  # matplotlib: loaded only when a report is made

    project = read_project(args.project)
    warn(project.warnings)
    page = build_report(project, args.out, coder=args.coder)
    print(f"wrote {page}", file=sys.stderr)
    return 0
