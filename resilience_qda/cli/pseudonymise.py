"""``resilience-qda pseudonymise review|apply|check``: make transcripts safe to share.

::

    resilience-qda pseudonymise review PROJECT --key KEY.csv -o REVIEW.csv  # changes nothing
    resilience-qda pseudonymise apply PROJECT --review REVIEW.csv --key KEY.csv --out SHARED
    resilience-qda pseudonymise check SHARED --key KEY.csv  # exit 1 if any remain

The key and the review list hold real names: both must live outside the project folder.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pandas as pd

from ..core.errors import ProjectError
from ..io import read_project
from ..io.atomic import write_bytes
from ..io.transaction import transaction
from . import warn


def add_parser(sub) -> None:
    p = sub.add_parser(
        "pseudonymise",
        help="find, review and replace names and other identifiers; check a project",
        description="Pseudonymise a project: `review` lists every candidate identifier with "
        "its context (nothing changes), `apply` replaces the reviewed ones and re-anchors "
        "the codings, `check` exits 1 when names from the key or identifier patterns remain.",
    )
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True)

    r = steps.add_parser("review", help="list candidate identifiers (CSV); change nothing")
    r.add_argument("project", help="project folder")
    _key_and_kinds(r)
    r.add_argument(
        "--spacy",
        metavar="PIPELINE",
        help="an installed trained spaCy pipeline (package name or folder) whose PERSON, "
        "place and ORG entities are candidates too; never downloaded",
    )
    r.add_argument(
        "-o", "--output", metavar="FILE", help="review CSV (outside the project); default stdout"
    )
    r.set_defaults(run=run_review)

    a = steps.add_parser("apply", help="replace the reviewed identifiers; re-anchor codings")
    a.add_argument("project", help="project folder (the one reviewed)")
    a.add_argument("--review", required=True, metavar="FILE", help="the reviewed CSV")
    a.add_argument("--key", metavar="FILE", help="the key used for the review (outside)")
    where = a.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", metavar="DIR", help="write the pseudonymised project here (new)")
    where.add_argument("--in-place", action="store_true", help="replace the project's sources")
    a.add_argument(
        "--report", metavar="FILE", help="write the codings' re-anchoring report (CSV) here"
    )
    a.set_defaults(run=run_apply)

    c = steps.add_parser("check", help="exit 1 if names from the key or identifiers remain")
    c.add_argument("project", help="project folder")
    _key_and_kinds(c)
    c.add_argument("-o", "--output", metavar="FILE", help="also write the hits as CSV")
    c.set_defaults(run=run_check)


def _key_and_kinds(p) -> None:
    p.add_argument("--key", metavar="FILE", help="CSV name,pseudonym[,variants,kind] (outside)")
    p.add_argument(
        "--kinds",
        nargs="+",
        metavar="KIND",
        help="pattern kinds (default all): EMAIL PHONE POSTCODE DOB NHS ADDRESS INSTITUTION",
    )


def _key(args):
    from ..privacy import read_key

    return read_key(args.key, project=args.project) if args.key else None


def _outside(path: str, project: str, what: str) -> None:
    p, root = Path(path).resolve(), Path(project).resolve()
    if p == root or root in p.parents:
        raise ProjectError(
            f"{path}: the {what} holds real names and must not be written inside the project "
            f"folder {project}; write it elsewhere"
        )


def run_review(args) -> int:
    from ..privacy import candidate_summary, find_candidates, load_pipeline

    key = _key(args)
    nlp = load_pipeline(args.spacy) if args.spacy else None
    project = read_project(args.project)
    warn(project.warnings)
    table = find_candidates(project, key=key, kinds=args.kinds, nlp=nlp)
    data = table.to_csv(index=False, lineterminator="\n")
    if args.output:
        _outside(args.output, args.project, "review list")
        write_bytes(args.output, data.encode("utf-8"))
        print(f"wrote {len(table)} candidate(s) to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(data)
    summary = candidate_summary(table)
    if len(summary):
        print(summary.to_string(index=False), file=sys.stderr)
    print(
        "review the list: set action to 'keep' for false alarms, edit replacements, then run "
        "`resilience-qda pseudonymise apply`",
        file=sys.stderr,
    )
    return 0


def run_apply(args) -> int:
    from ..privacy import pseudonymise, write_pseudonymised

    key = _key(args)
    review = pd.read_csv(args.review, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if "detector" in review and (review["detector"] == "key").any() and key is None:
        raise ProjectError(
            f"{args.review}: the review has names from a key; pass the same key with --key "
            "so that its version is recorded"
        )
    target = Path(args.project) if args.in_place else Path(args.out)
    if not args.in_place and target.exists() and any(target.iterdir()):
        raise ProjectError(f"{target}: exists and is not empty; give a new folder with --out")
    # in place, the read, the replacement and the write hold the project's lock together
    lock = transaction(args.project, command="pseudonymise apply") if args.in_place else None
    with lock or contextlib.nullcontext():
        project = read_project(args.project)
        warn(project.warnings)
        result = pseudonymise(project, review, key=key)
        write_pseudonymised(result, target)
    if args.report:
        _outside(args.report, args.project, "re-anchoring report")
        write_bytes(
            args.report,
            result.codings_report.to_csv(index=False, lineterminator="\n").encode("utf-8"),
        )
    counts = result.codings_report["status"].value_counts().to_dict()
    replaced = ", ".join(f"{v} {k}" for k, v in result.record["replaced"].items()) or "nothing"
    print(f"replaced {replaced}; codings: {counts or 'none'}; wrote {target}", file=sys.stderr)
    return 0


def run_check(args) -> int:
    from ..privacy import check_project

    key = _key(args)
    hits = check_project(args.project, key=key, kinds=args.kinds)
    if args.output:
        write_bytes(args.output, hits.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    if hits.empty:
        what = "names from the key or identifiers" if key is not None else "identifiers"
        print(f"{args.project}: no {what} found", file=sys.stderr)
        return 0
    shown = hits[["file", "line", "kind", "text", "context"]]
    print(shown.to_string(index=False), file=sys.stdout)
    print(f"{args.project}: {len(hits)} identifier(s) remain", file=sys.stderr)
    return 1
