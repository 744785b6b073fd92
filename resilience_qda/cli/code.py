"""``resilience-qda code PATH... [--codebook NAME|FILE] [--unit ...] [-o FILE]``: auto-code.

PATH is a text file, a folder of text files (doc_id = file stem) or a project folder (one
with ``sources/``). Documents are read one at a time and the codings are written as they
are made, so a corpus of any size codes in bounded memory.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

from ..core.errors import QDAWarning, ReadError
from ..core.model import Document
from ..core.units import UNITS


def add_parser(sub) -> None:
    p = sub.add_parser(
        "code",
        help="auto-code texts or a project with a codebook's rules",
        description="Auto-code text files, folders of text files or a project folder with "
        "the patterns of a codebook (spaCy span_ruler); writes a codings CSV with the "
        "matched words as evidence.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="text files, folders or a project")
    p.add_argument(
        "--codebook",
        metavar="NAME|FILE",
        help="built-in codebook name or YAML file (default: the project's codebook.yaml, "
        "else cop-evaluation)",
    )
    p.add_argument("--unit", choices=UNITS, default="sentence", help="widen matches to this unit")
    p.add_argument("-o", "--output", metavar="FILE", help="codings CSV (default: stdout)")
    p.add_argument(
        "--model",
        metavar="NAME",
        help="an installed trained spaCy pipeline to use instead of the offline default",
    )
    p.add_argument("--interviewer", action="store_true", help="code interviewer turns too")
    p.add_argument(
        "--all-languages",
        action="store_true",
        help="code documents in every language (default: only those in the codebook's "
        "language; the others are named in a warning)",
    )
    p.add_argument("--n-process", type=int, default=1, metavar="N", help="worker processes")
    p.add_argument("--batch-size", type=int, default=64, metavar="N", help="texts per batch")
    p.add_argument(
        "--save",
        action="store_true",
        help="also write the codings into the project folder (codings/rules%%3A<codebook>.csv)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


class LazyDocuments:
    """Documents read one at a time from files (sized, so a progress bar knows the total)."""

    def __init__(self, loaders: list[Callable[[], Document]]):
        self._loaders = loaders

    def __len__(self) -> int:
        return len(self._loaders)

    def __iter__(self) -> Iterator[Document]:
        seen: set[str] = set()
        for load in self._loaders:
            doc = load()
            if doc.doc_id in seen:
                raise ReadError(
                    f"two files would both be document {doc.doc_id!r}; rename one of them"
                )
            seen.add(doc.doc_id)
            yield doc


def is_project(path: Path) -> bool:
    return path.is_dir() and (path / "sources").is_dir()


def lazy_documents(paths: list[str]) -> LazyDocuments:
    """Loaders for every document under ``paths`` (project folders, folders, files)."""
    from ..io.project import source_loaders
    from ..io.sources import iter_source_files, read_document

    loaders: list[Callable[[], Document]] = []
    for raw in paths:
        path = Path(raw)
        if is_project(path):
            loaders += source_loaders(path)
        else:
            for f in iter_source_files([path]):
                loaders.append(lambda f=f: read_document(f))
    return LazyDocuments(loaders)


def run(args) -> int:
    import pandas as pd

    from ..coding.rules import iter_codings
    from ..io.codebook import read_codebook

    projects = [Path(p) for p in args.paths if is_project(Path(p))]
    if args.codebook:
        codebook = read_codebook(args.codebook)
    elif len(projects) == 1 and (projects[0] / "codebook.yaml").exists():
        codebook = read_codebook(projects[0] / "codebook.yaml")
    else:
        codebook = read_codebook("cop-evaluation")
    if args.save and not (len(args.paths) == 1 and projects):
        raise ReadError("--save needs exactly one PATH, a project folder")
    documents = lazy_documents(args.paths)
    frames = iter_codings(
        documents,
        codebook,
        unit=args.unit,
        nlp=args.model,
        interviewer=args.interviewer,
        batch_size=args.batch_size,
        n_process=args.n_process,
        progress=False if args.no_progress else None,
        as_tuples=True,
        all_languages=args.all_languages,
    )
    saved = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", QDAWarning)
            n = _write(frames, args, saved)
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    for w in caught:
        if issubclass(w.category, QDAWarning):
            print(f"warning: {w.message}", file=sys.stderr)
    if args.save:
        from ..coding.rules import RULE_COLUMNS
        from ..io.project import write_codings

        table = pd.DataFrame(saved, columns=list(RULE_COLUMNS)) if saved else None
        if table is not None:
            for f in write_codings(table, projects[0]):
                print(f"wrote {f}", file=sys.stderr)
    where = f" to {args.output}" if args.output else ""
    print(f"{n} codings of {len(documents)} documents{where}", file=sys.stderr)
    return 0


def _write(frames, args, saved: list) -> int:
    from ..coding.rules import RULE_COLUMNS

    n = 0
    with _output(args.output) as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(RULE_COLUMNS)
        for rows in frames:
            writer.writerows(rows)
            n += len(rows)
            if args.save:
                saved.extend(rows)
    return n


@contextlib.contextmanager
def _output(path: str | None):
    """stdout; a file inside a project folder, written through the project's transaction
    when complete; or a temporary file beside ``path`` renamed into place when complete."""
    from ..io.atomic import project_root_of, write_bytes
    from ..io.storage import storage_error

    if not path or path == "-":
        yield sys.stdout
        return
    target = Path(path)
    if project_root_of(target) is not None:
        buffer = io.StringIO(newline="")
        yield buffer
        write_bytes(target, buffer.getvalue().encode("utf-8"), command="code -o")
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise storage_error(exc, target, state="nothing was written") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, BrokenPipeError):
            raise
        raise storage_error(exc, target, state="the file was not changed") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
