"""Reading a codings table: a project's codings, or one codings file."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..core.errors import CodingsError
from ..core.model import Corpus, validate_codings
from .project import read_project


def read_codings(
    path: str | os.PathLike,
    *,
    corpus: Corpus | None = None,
    coder: str | None = None,
    engine: str = "pandas",
):
    """Read a codings table: every coder's codings of a project folder, or one file (CSV or
    Parquet: a ``.parquet`` file or a folder of Parquet parts).

    The pair of :func:`resilience_qda.io.project.write_codings`. A project's codings are
    validated against its texts; a file's rows are validated against the schema and, when
    ``corpus`` is given, against those texts.

    Parameters
    ----------
    path : path-like
        A project folder, or a codings file (``.csv`` or ``.parquet``, or a parts folder)
        such as ``resilience-qda code -o`` writes.
    corpus : Corpus, optional
        Texts to check a file's offsets against.
    coder : str, optional
        Keep only this coder's codings.
    engine : {"pandas", "dask"}
        ``"dask"``: a lazy Dask DataFrame over a Parquet file or parts folder (one
        partition per part; nothing is read until computed), for tables larger than
        memory. Parquet codings come back with ``doc_id``, ``code``, ``coder`` and
        ``source`` as categoricals.

    Examples
    --------
    >>> codings = read_codings("data/sample", coder="B")  # doctest: +SKIP
    >>> sorted(codings["coder"].unique())  # doctest: +SKIP
    ['B']
    """
    from .parquet import is_parquet, read_parquet_codings, read_parquet_dask

    path = Path(path)
    if engine not in ("pandas", "dask"):
        raise ValueError(f"engine must be 'pandas' or 'dask'; got {engine!r}")
    if engine == "dask":
        if not is_parquet(path):
            raise CodingsError(
                f"{path}: engine='dask' reads Parquet codings (a .parquet file or a folder of "
                "parts); write them with write_codings(codings, 'FILE.parquet') or "
                "code(..., engine='dask', output=...)"
            )
        table = read_parquet_dask(path)
        return table if coder is None else table[table["coder"] == coder]
    if is_parquet(path):
        table = read_parquet_codings(path, corpus=corpus)
    elif path.is_dir():
        table = read_project(path).codings
    elif path.suffix.lower() == ".csv":
        try:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except FileNotFoundError:
            raise CodingsError(f"{path}: no such codings file") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise CodingsError(f"{path}: cannot be read as a codings CSV ({exc})") from None
        table = validate_codings(raw, corpus, origin=str(path))
    else:
        raise CodingsError(
            f"{path}: expected a project folder or a codings .csv or .parquet file, got "
            f"{'a missing path' if not path.exists() else repr(path.suffix or 'no extension')}"
        )
    if coder is not None:
        if coder not in set(table["coder"]):
            known = ", ".join(sorted(set(table["coder"]))) or "none"
            raise CodingsError(f"{path}: no codings of coder {coder!r} (coders: {known})")
        table = table[table["coder"] == coder].reset_index(drop=True)
        if isinstance(table["coder"].dtype, pd.CategoricalDtype):
            table["coder"] = table["coder"].cat.remove_unused_categories()
    return table
