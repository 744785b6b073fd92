"""One front door for rule coding: the local engine or a Dask cluster."""

from __future__ import annotations

import os
from collections.abc import Iterable

from ..core.model import Codebook, Corpus, Document

ENGINES = ("local", "dask")


def code(
    corpus: Corpus | Iterable[Document],
    codebook: Codebook | str = "cop-evaluation",
    *,
    engine: str = "local",
    client=None,
    workers: int | None = None,
    output: str | os.PathLike | None = None,
    **options,
):
    """Auto-code a corpus with a codebook's rules; return the codings table.

    Parameters
    ----------
    corpus : Corpus or iterable of Document
    codebook : Codebook or str
    engine : {"local", "dask"}
        ``"local"``: this process (:func:`resilience_qda.coding.rules.code`);
        ``"dask"``: partitions of documents coded on a Dask cluster by the same function
        (:func:`resilience_qda.coding.distributed.code_dask`), the same codings row for row.
    client : dask.distributed.Client, optional
        With ``engine="dask"``: the cluster; default a local cluster of ``workers``
        processes.
    workers : int, optional
        With ``engine="dask"`` and no client: local worker processes (default 2).
    output : path-like, optional
        With ``engine="dask"``: write the codings as a Parquet parts folder and return a
        lazy Dask DataFrame over it.
    **options
        Options of :func:`resilience_qda.coding.rules.iter_codings` (``unit``,
        ``interviewer``, ``nlp``, ``batch_size``, ``n_process``, ``progress``).

    Examples
    --------
    >>> corpus = Corpus([Document("m1", "Everyone felt isolated. We met again.")])
    >>> code(corpus)[["doc_id", "code", "evidence"]].values.tolist()
    [['m1', 'context/feeling-isolated', 'felt isolated']]
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}")
    if engine == "local":
        if client is not None or workers is not None or output is not None:
            raise ValueError("client, workers and output go with engine='dask'")
        from .rules import code as local_code

        return local_code(corpus, codebook, **options)
    from .distributed import code_dask

    if options.pop("n_process", 1) != 1:
        raise ValueError("n_process is for the local engine; on Dask, add workers instead")
    return code_dask(
        list(corpus), codebook, client=client, workers=workers, output=output, **options
    )
