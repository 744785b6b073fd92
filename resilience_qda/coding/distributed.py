"""Rule coding on a Dask cluster: the same coder as the local engine, one partition of
documents per task.

Documents are cut into partitions of about equal size (contiguous, in document order); each
partition is coded on a worker by :func:`code_partition`, which calls the public rules coder
(:func:`resilience_qda.coding.rules.code`) exactly as the local engine does, so the codings
are the local engine's, row for row. The client collects each finished partition as it
comes (a progress bar counts partitions) and, given an output, writes it as one Parquet
part, so the client holds at most the partitions in flight. Workers read their documents
themselves when they are files (a shared file system, as on a laptop or an HPC cluster);
documents given as text travel with the task.

Nothing here starts a cluster unless asked: ``client=None`` with ``workers=N`` starts a
``LocalCluster`` of N single-threaded worker processes on this machine and closes it after.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pandas as pd

from ..core.model import Codebook, Document

#: Target characters of text per partition when none is given: big enough that a task's
#: start-up (codebook compilation is cached per worker) is small beside its coding time.
PARTITION_CHARS = 4_000_000

#: A document source: a Document, or ``(loader, size)`` with ``loader()`` returning one.
Source = Document | tuple[Callable[[], Document], int]


def partition_by_size(sizes: Sequence[int], target: int) -> list[range]:
    """Contiguous partitions of items of ``sizes``, each of about ``target`` (an item larger
    than ``target`` is a partition of its own).

    Examples
    --------
    >>> [list(r) for r in partition_by_size([5, 5, 5, 20, 1, 1], 10)]
    [[0, 1], [2], [3], [4, 5]]
    """
    if target < 1:
        raise ValueError(f"target must be at least 1 character; got {target}")
    parts, start, total = [], 0, 0
    for i, size in enumerate(sizes):
        if i > start and total + size > target:
            parts.append(range(start, i))
            start, total = i, 0
        total += size
    if start < len(sizes):
        parts.append(range(start, len(sizes)))
    return parts


def code_partition(
    sources: list[Source], codebook: Codebook | str, options: dict
) -> tuple[pd.DataFrame, dict]:
    """Code one partition (on a worker): the rules coder over its documents, read one at a
    time. Returns the codings and figures: documents, characters, seconds, peak RSS (MiB)
    of the worker process."""
    import resource

    from .rules import code

    t = time.perf_counter()
    chars = 0

    def documents():
        nonlocal chars
        for source in sources:
            doc = source if isinstance(source, Document) else source[0]()
            chars += len(doc.text)
            yield doc

    codings = code(documents(), codebook, **{**options, "progress": False})
    return codings, {
        "documents": len(sources),
        "chars": chars,
        "seconds": time.perf_counter() - t,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker": os.getpid(),
    }


def code_dask(
    sources: Iterable[Source],
    codebook: Codebook | str = "cop-evaluation",
    *,
    client=None,
    workers: int | None = None,
    output: str | os.PathLike | None = None,
    partition_chars: int | None = None,
    progress: bool | None = None,
    stats: list | None = None,
    **options,
):
    """Auto-code documents on a Dask cluster with a codebook's rules.

    Parameters
    ----------
    sources : iterable of Document or (loader, size)
        The documents, in order: Documents (their text travels with the task), or
        ``(loader, size)`` pairs whose ``loader()`` reads the document on the worker
        (``size`` in bytes or characters, for partitioning).
    codebook : Codebook or str
    client : dask.distributed.Client, optional
        The cluster to use (any scheduler: local, dask-jobqueue, Kubernetes). Default: a
        ``LocalCluster`` of ``workers`` single-threaded processes, closed afterwards.
    workers : int, optional
        Workers of that local cluster (default 2).
    output : path-like, optional
        A Parquet parts folder (``NAME.parquet``) to write, one part per partition, in
        order; the result is then a lazy Dask DataFrame over it instead of the table.
    partition_chars : int, optional
        Characters per partition (default: the corpus cut into at least four partitions
        per worker, at most :data:`PARTITION_CHARS` each).
    progress : bool, optional
        A progress bar counting partitions (default: on a terminal or in a notebook).
    stats : list, optional
        Receives one dict per partition (documents, chars, seconds, peak_mib, worker).
    **options
        Options of :func:`resilience_qda.coding.rules.iter_codings` (``unit``,
        ``interviewer``, ``nlp``, ``batch_size``).

    Returns
    -------
    DataFrame or dask.dataframe.DataFrame
        The codings, identical row for row to :func:`resilience_qda.coding.rules.code` on
        the same documents.

    Examples
    --------
    >>> from distributed import Client
    >>> docs = [Document("m1", "Everyone felt isolated. We met again.")]
    >>> with Client(processes=False, n_workers=1, threads_per_worker=1) as client:
    ...     codings = code_dask(docs, client=client, progress=False)
    >>> codings[["doc_id", "code"]].values.tolist()
    [['m1', 'context/feeling-isolated']]
    """
    from ..core.errors import require_dask

    require_dask()
    from distributed import Client, LocalCluster, as_completed

    from ..core.progress import progress_bar
    from ..io.codebook import read_codebook
    from .rules import code

    book = codebook if isinstance(codebook, Codebook) else read_codebook(codebook)
    items = list(sources)
    sizes = [len(s.text) if isinstance(s, Document) else int(s[1]) for s in items]
    own = None
    if client is None:
        n = workers or 2
        if n < 1:
            raise ValueError(f"workers must be at least 1; got {n}")
        own = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(own)
    try:
        n_workers = max(1, len(client.nthreads()) or (workers or 1))  # every worker
        target = partition_chars or max(
            1, min(PARTITION_CHARS, -(-sum(sizes) // (4 * n_workers)) or 1)
        )
        partitions = partition_by_size(sizes, target)
        if not partitions:
            empty = code([], book, **{**options, "progress": False})
            if output is not None:
                from ..io.parquet import read_parquet_dask, write_parquet_parts

                write_parquet_parts([empty], output)
                return read_parquet_dask(output)
            return empty
        book_future = client.scatter(book, broadcast=True)
        futures = {
            client.submit(
                code_partition,
                [items[i] for i in part],
                book_future,
                options,
                key=f"code-partition-{k:05d}-{time.time_ns()}",
                pure=False,
            ): k
            for k, part in enumerate(partitions)
        }
        return _collect(futures, as_completed, progress_bar, progress, output, stats)
    finally:
        if own is not None:
            client.close()
            own.close()


def _collect(futures, as_completed, progress_bar, progress, output, stats):
    """Gather partitions as they finish; write each Parquet part in order as soon as the
    parts before it are in (so the client holds only partitions that finished early)."""
    bar = progress_bar(range(len(futures)), desc="partitions", progress=progress)
    done: dict[int, pd.DataFrame] = {}
    parts: list[pd.DataFrame] = []
    staging = None
    next_part = 0
    try:
        if output is not None:
            staging = _PartWriter(Path(output))
        for future in as_completed(futures):
            k = futures[future]
            table, figures = future.result()
            future.release()
            if stats is not None:
                stats.append({"partition": k, **figures})
            done[k] = table
            while next_part in done:
                table = done.pop(next_part)
                if staging is not None:
                    staging.write(next_part, table)
                else:
                    parts.append(table)
                next_part += 1
            if bar is not None:
                bar.update(1)
        if staging is not None:
            return staging.commit()
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    except BaseException:
        for future in futures:
            future.cancel()
        if staging is not None:
            staging.abort()
        raise
    finally:
        if bar is not None:
            bar.close()


class _PartWriter:
    """Parquet parts written into a staging folder, renamed into place on commit."""

    def __init__(self, target: Path):
        import tempfile

        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))

    def write(self, k: int, table: pd.DataFrame) -> None:
        from ..io.parquet import PART, to_parquet_bytes

        (self.staging / PART.format(k)).write_bytes(to_parquet_bytes(table))

    def commit(self):
        import shutil

        from ..io.parquet import read_parquet_dask

        if self.target.exists():
            old = self.target.with_name(f".{self.target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(self.target, old)
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
        os.replace(self.staging, self.target)
        return read_parquet_dask(self.target)

    def abort(self) -> None:
        import shutil

        shutil.rmtree(self.staging, ignore_errors=True)
