"""The command line: ``resilience-qda COMMAND ...``; each command is a thin wrapper over the API.

Each command lives in its own module of this package with an ``add_parser(subparsers)``
function that registers it and sets ``run`` (a function of the parsed arguments returning an
exit status).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

from ..core.errors import QDAError, QDAWarning
from ..core.version import __version__
from ..io.storage import is_storage_error, storage_error

#: Modules of this package that define commands, in the order ``--help`` lists them.
COMMANDS = [
    "init",
    "report",
    "code",
    "codebook",
    "agreement",
    "score",
    "import_",
    "export",
    "pseudonymise",
    "reanchor",
    "sheet",
    "word",
    "suggest",
    "serve",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resilience-qda",
        description="Code-first qualitative data analysis: import transcripts, code them, "
        "measure agreement and write the evaluation report.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue  # a command not written yet
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 a user error, 2 bad usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QDAWarning)  # commands print their own warnings
        try:
            return int(args.run(args) or 0)
        except QDAError as exc:
            print(f"resilience-qda {args.command}: error: {exc}", file=sys.stderr)
            return 1
        except BrokenPipeError:  # the reader went away (e.g. `| head`): not an error
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 0
        except OSError as exc:  # disk full, read-only, permissions, names: not a bug
            if not is_storage_error(exc):
                raise
            shown = storage_error(exc, exc.filename or "(a file)", doing="read or write")
            print(f"resilience-qda {args.command}: error: {shown}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130


def warn(messages: list[str]) -> None:
    """Print warnings (e.g. a project's) to stderr, one per line."""
    for message in messages:
        print(f"warning: {message}", file=sys.stderr)
