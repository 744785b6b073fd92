"""Codings as Parquet (pyarrow): one file, or a folder of parts, read whole or one part at a
time.

For large projects: a codings table of millions of rows is a few bytes a row in Parquet
(``doc_id``, ``code``, ``coder`` and ``source`` are dictionary-encoded) and comes back as
categoricals. A *parts folder* (``NAME.parquet/part-00000.parquet``, ...) holds one batch of
documents per part, in document order, as the Dask engine writes it; reading the parts in
name order gives the rows in that order. CSV stays the default of the project folder (git
can diff it); see ``docs/running-on-a-cluster.md`` for the Parquet extension.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from ..core.errors import CodingsError, MissingDependencyError
from ..core.model import Corpus, validate_codings

#: Columns kept as categoricals in memory (dictionary-encoded in the files).
CATEGORICAL = ("doc_id", "code", "coder", "source")
PART = "part-{:05d}.parquet"


def is_parquet(path: str | os.PathLike) -> bool:
    """A ``.parquet`` file or a parts folder (a folder named ``*.parquet`` or holding
    ``part-*.parquet`` files)."""
    p = Path(path)
    if p.suffix.lower() == ".parquet":
        return True
    return p.is_dir() and any(p.glob("part-*.parquet"))


def part_files(path: str | os.PathLike) -> list[Path]:
    """The files of a Parquet codings file or parts folder, in row order."""
    p = Path(path)
    if p.is_dir():
        parts = sorted(p.glob("*.parquet"))
        if not parts:
            raise CodingsError(f"{p}: a Parquet codings folder with no *.parquet part in it")
        return parts
    if not p.exists():
        raise CodingsError(f"{p}: no such codings file")
    return [p]


def categorical(codings: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``codings`` with :data:`CATEGORICAL` columns as categoricals."""
    present = {c: "category" for c in CATEGORICAL if c in codings.columns}
    return codings.astype(present)


def _pyarrow():
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise MissingDependencyError(
            "Parquet codings need pyarrow, which is not installed; install it with: "
            "pip install pyarrow"
        ) from None


def to_parquet_bytes(codings: pd.DataFrame) -> bytes:
    """One part: the codings table as Parquet bytes (categoricals dictionary-encoded)."""
    _pyarrow()
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(categorical(codings), preserve_index=False)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def write_parquet_parts(
    parts: Iterator[pd.DataFrame] | list[pd.DataFrame], path: str | os.PathLike
) -> list[Path]:
    """Write codings tables as the parts of a Parquet parts folder, atomically.

    The parts are written into a new folder beside ``path`` that is renamed into place when
    every part is written (an existing ``path`` is replaced only then), so an interrupted
    run never leaves a half-written folder.

    Examples
    --------
    >>> import tempfile
    >>> rows = pd.DataFrame({"doc_id": ["d"], "start": [0], "end": [5], "code": ["x"],
    ...                      "coder": ["A"], "source": ["manual"], "score": [None]})
    >>> folder = Path(tempfile.mkdtemp()) / "c.parquet"
    >>> [p.name for p in write_parquet_parts([rows, rows], folder)]
    ['part-00000.parquet', 'part-00001.parquet']
    >>> len(read_parquet_codings(folder))
    2
    """
    import shutil
    import tempfile

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        written = []
        for i, part in enumerate(parts):
            f = staging / PART.format(i)
            f.write_bytes(to_parquet_bytes(part))
            written.append(target / f.name)
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        os.replace(staging, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
        return written
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_parquet_codings(codings: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a codings table to one Parquet file (atomically: temporary file, then rename).

    Examples
    --------
    >>> write_parquet_codings(codings, "codings.parquet")  # doctest: +SKIP
    """
    from .atomic import write_bytes

    target = Path(path)
    write_bytes(target, to_parquet_bytes(codings))
    return target


def iter_parquet_codings(
    path: str | os.PathLike, *, corpus: Corpus | None = None
) -> Iterator[pd.DataFrame]:
    """The codings of a Parquet file or parts folder, one part at a time (bounded memory),
    each validated (against ``corpus`` when given) with categoricals."""
    _pyarrow()
    import pyarrow as pa
    import pyarrow.parquet as pq

    for f in part_files(path):
        try:
            raw = pq.read_table(f).to_pandas()
        except (pa.ArrowException, OSError) as exc:
            raise CodingsError(f"{f}: cannot be read as a Parquet codings file ({exc})") from None
        strings = {c: object for c in CATEGORICAL if c in raw.columns}
        table = validate_codings(raw.astype(strings), corpus, origin=str(f))
        # validation sorts; within a part the writer's order is the document order
        yield categorical(table)


def read_parquet_codings(path: str | os.PathLike, *, corpus: Corpus | None = None) -> pd.DataFrame:
    """Read a Parquet codings file or parts folder whole: the parts in order, validated,
    with categoricals."""
    parts = list(iter_parquet_codings(path, corpus=corpus))
    if len(parts) == 1:
        return parts[0]
    table = pd.concat([p.astype({c: object for c in CATEGORICAL}) for p in parts])
    return categorical(table.reset_index(drop=True))


def read_parquet_dask(path: str | os.PathLike):
    """A Dask DataFrame over a Parquet codings file or parts folder (lazy: nothing is read
    until computed), one partition per part, in order."""
    import dask.dataframe as dd

    files = [str(f) for f in part_files(path)]
    return dd.read_parquet(files)
