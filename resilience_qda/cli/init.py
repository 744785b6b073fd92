"""``resilience-qda init DIR``: a new project folder with a study.yaml and codebook template."""

from __future__ import annotations

import sys

from ..io.scaffold import init_project


def add_parser(sub) -> None:
    p = sub.add_parser(
        "init",
        help="start a new project folder (study.yaml and codebook templates)",
        description="Create DIR with sources/, codings/ and memos/, a commented study.yaml "
        "(the analysis plan), a codebook.yaml template and a README.md with a place for the "
        "data statement. DIR must be new or empty.",
    )
    p.add_argument("folder", metavar="DIR", help="the new project folder")
    p.set_defaults(run=run)


def run(args) -> int:
    root = init_project(args.folder)
    print(
        f"created {root}: next, add your texts with\n"
        f"  resilience-qda import TRANSCRIPTS... --project {root}\n"
        f"edit {root}/codebook.yaml and {root}/study.yaml, code the texts, then run\n"
        f"  resilience-qda report {root} --out {root}-report",
        file=sys.stderr,
    )
    return 0
