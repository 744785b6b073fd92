"""``resilience-qda report [PROJECT] [--out DIR]``: the evaluation report of a project."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from ..core.errors import ProjectError
from ..io import read_project
from . import warn

DEFAULT_PROJECT = Path("data/sample")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "report",
        help="write the evaluation report of a project",
        description="Write report.html, figures/*.png|svg and tables/*.csv.",
    )
    p.add_argument(
        "project", nargs="?", help="project folder (default: data/sample, inside the clone)"
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

    project = read_project(_project_path(args.project))
    warn(project.warnings)
    page = build_report(project, args.out, coder=args.coder)
    print(f"wrote {page}", file=sys.stderr)
    return 0


def _project_path(project: str | None) -> Path:
    """The project to report on; without one, data/sample (there only inside the clone)."""
    if project is not None:
        return Path(project)
    if (DEFAULT_PROJECT / "sources").is_dir():
        return DEFAULT_PROJECT
    init = importlib.util.find_spec(f"{__package__}.init") is not None
    raise ProjectError(
        f"no project folder named and none at {DEFAULT_PROJECT} (the sample study is there "
        f"only inside a clone of the repository; here is {Path.cwd()}). Name one: "
        "resilience-qda report PROJECT; or make one: "
        + ("resilience-qda init DIR, or " if init else "")
        + "resilience-qda import FILES... --project DIR"
    )
