"""``resilience-qda code PATH... [--codebook NAME|FILE] [--unit ...] [-o FILE]``: auto-code.

PATH is a text file, a folder of text files (doc_id = file stem) or a project folder (one
with ``sources/``). Documents are read one at a time and the codings are written as they
are made, so a corpus of any size codes in bounded memory. ``-o FILE.parquet`` writes a
Parquet parts folder instead of a CSV. ``--engine dask`` codes partitions of documents on a
Dask cluster (``--scheduler ADDRESS``) or on a local cluster of ``--workers N`` processes,
with the same coder and the same codings, row for row.
"""

from __future__ import annotations

import contextlib
import csv
import functools
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

#: How long to try to reach a scheduler given with --scheduler.
SCHEDULER_TIMEOUT = "15s"


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
    p.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local (this process, default) or dask (partitions of documents on a Dask "
        "cluster; needs -o FILE.parquet)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: a running Dask scheduler (e.g. tcp://127.0.0.1:8786)",
    )
    where.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="with --engine dask: start a local cluster of N worker processes (default 2)",
    )
    p.add_argument(
        "--partition-mb",
        type=float,
        metavar="MB",
        help="with --engine dask: megabytes of text per partition (default: at least four "
        "partitions per worker, at most 4)",
    )
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


def sized_loaders(paths: list[str]) -> list[tuple[Callable[[], Document], int]]:
    """``(loader, bytes)`` for every document under ``paths`` (project folders, folders,
    files), in order."""
    from ..io.project import sized_source_loaders
    from ..io.sources import iter_source_files, read_document

    loaders: list[tuple[Callable[[], Document], int]] = []
    for raw in paths:
        path = Path(raw)
        if is_project(path):
            loaders += sized_source_loaders(path)
        else:
            for f in iter_source_files([path]):
                loaders.append((functools.partial(read_document, f), f.stat().st_size))
    return loaders


def lazy_documents(paths: list[str]) -> LazyDocuments:
    """Loaders for every document under ``paths`` (project folders, folders, files)."""
    return LazyDocuments([loader for loader, _ in sized_loaders(paths)])


def run(args) -> int:
    import pandas as pd

    from ..coding.languages import InLanguage, codebook_language
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
    parquet = bool(args.output) and args.output.lower().endswith(".parquet")
    if args.engine == "dask":
        return _run_dask(args, codebook, parquet)
    if args.scheduler or args.workers or args.partition_mb:
        raise ReadError("--scheduler, --workers and --partition-mb go with --engine dask")
    documents = lazy_documents(args.paths)
    # the documents in the codebook's language (the others are named in a warning)
    read = InLanguage(
        documents,
        codebook_language(codebook),
        all_languages=args.all_languages,
        codebook=codebook.name,
    )
    frames = iter_codings(
        read,
        codebook,
        unit=args.unit,
        nlp=args.model,
        interviewer=args.interviewer,
        batch_size=args.batch_size,
        n_process=args.n_process,
        progress=False if args.no_progress else None,
        as_tuples=True,
        all_languages=True,  # filtered above
    )
    saved = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", QDAWarning)
            if parquet:
                n = _write_parquet(frames, args.output, saved if args.save else None)
            else:
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
    skipped = f" ({len(read.left_out)} in another language left out)" if read.left_out else ""
    coded = len(documents) - len(read.left_out)
    print(
        f"{n} codings of {coded} document{'' if coded == 1 else 's'}{where}{skipped}",
        file=sys.stderr,
    )
    return 0


def _run_dask(args, codebook, parquet: bool) -> int:
    from ..coding.distributed import code_dask
    from ..core.errors import require_dask

    require_dask()
    if not parquet:
        raise ReadError(
            "--engine dask writes Parquet: give -o FILE.parquet (a folder of parts, one per "
            "partition)"
        )
    if args.save or args.n_process != 1:
        raise ReadError("--save and --n-process go with the local engine")
    sources = sized_loaders(args.paths)
    client = None
    if args.scheduler:
        from distributed import Client

        try:
            client = Client(args.scheduler, timeout=SCHEDULER_TIMEOUT)
        except OSError as exc:
            raise ReadError(
                f"cannot reach the Dask scheduler at {args.scheduler} ({exc}); start one with "
                "`dask scheduler` or leave out --scheduler for a local cluster"
            ) from None
    stats: list[dict] = []
    try:
        result = code_dask(
            sources,
            codebook,
            client=client,
            workers=args.workers,
            output=args.output,
            partition_chars=int(args.partition_mb * 1e6) if args.partition_mb else None,
            progress=False if args.no_progress else None,
            stats=stats,
            unit=args.unit,
            nlp=args.model,
            interviewer=args.interviewer,
            batch_size=args.batch_size,
            all_languages=args.all_languages,
        )
    finally:
        if client is not None:
            client.close()
    n = len(result)
    workers = len({s["worker"] for s in stats})
    print(
        f"{n} codings of {len(sources)} documents to {args.output} ({len(stats)} partitions "
        f"on {workers} worker(s))",
        file=sys.stderr,
    )
    return 0


def _write_parquet(frames, output: str, saved: list | None, rows_per_part: int = 250_000) -> int:
    """Stream the codings into a Parquet parts folder, a part every ``rows_per_part`` rows."""
    import pandas as pd

    from ..coding.rules import RULE_COLUMNS
    from ..io.parquet import write_parquet_parts

    count = 0

    def parts():
        nonlocal count
        buffer: list[tuple] = []
        for rows in frames:
            buffer.extend(rows)
            count += len(rows)
            if saved is not None:
                saved.extend(rows)
            if len(buffer) >= rows_per_part:
                yield _frame(buffer)
                buffer = []
        if buffer or not count:
            yield _frame(buffer)

    def _frame(rows):
        table = pd.DataFrame(rows, columns=list(RULE_COLUMNS))
        return table.astype({"start": "int64", "end": "int64", "score": "float64"})

    write_parquet_parts(parts(), output)
    return count


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
