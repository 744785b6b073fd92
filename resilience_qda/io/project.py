"""The project folder: plain text and CSV that git can diff and merge.

::

    PROJECT/
      sources/<doc_id>.txt   UTF-8, LF, no BOM: the text offsets refer to
      sources.csv            optional: doc_id, kind, case, date, ... per document
      cases.csv              optional: case, then attributes
      codebook.yaml          optional; else the built-in cop-evaluation codebook
      codings/<coder>.csv    one file per coder, sorted (doc_id, start, end, code)
      memos/<memo_id>.md     optional Markdown memos (front matter says what they annotate)
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import tempfile
import unicodedata
import warnings
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, unquote

import pandas as pd

from ..core.errors import CodingsError, ProjectError, QDAWarning
from ..core.model import (
    ANCHOR_COLUMNS,
    CODINGS_COLUMNS,
    Codebook,
    Corpus,
    Document,
    Project,
    anchor_codings,
    coded_text,
    empty_codings,
    validate_codings,
)
from ..core.turns import looks_like_transcript
from .atomic import write_many
from .codebook import builtin_codebooks, codebook_to_yaml, read_codebook
from .memos import memo_files, read_memos

DEFAULT_CODEBOOK = "cop-evaluation"
_DERIVED = {"n_chars", "n_words"}


def coder_filename(coder: str) -> str:
    """File name of a coder's codings: the name with unsafe characters %-escaped.

    >>> coder_filename("rules:cop-evaluation")
    'rules%3Acop-evaluation.csv'
    """
    return quote(coder, safe=" -_.@+") + ".csv"


def read_project(
    path: str | os.PathLike = "data/sample", *, codebook: Codebook | str | None = None
) -> Project:
    """Read a project folder.

    Every coding is validated against the text it points into; codes that the codebook
    lacks are kept and listed in a warning; codings whose anchor quote no longer matches
    the text are kept and listed in a warning (the source was edited: re-anchor them).

    Parameters
    ----------
    path : path-like
        The project folder (default ``data/sample``).
    codebook : Codebook or str, optional
        Overrides the project's ``codebook.yaml`` (a codebook, a file or a built-in name).

    Examples
    --------
    >>> project = read_project("data/sample")  # doctest: +SKIP
    >>> project.corpus.documents[["doc_id", "kind", "role"]].head()  # doctest: +SKIP
    """
    root = Path(path)
    if not root.is_dir():
        raise ProjectError(f"{root}: no such project folder")
    sources = root / "sources"
    if not sources.is_dir():
        raise ProjectError(
            f"{root}: not a project folder (it has no sources/ folder). Create "
            f"one with: resilience-qda import FILES... --project {root}"
        )
    notes: list[str] = []

    attributes = _read_table(root / "sources.csv", key="doc_id")
    cases = _read_table(root / "cases.csv", key="case")
    files = sorted(sources.glob("*.txt"))
    docs = [_stored_document(f, attributes.get(f.stem, {})) for f in files]
    missing = sorted(set(attributes) - {f.stem for f in files})
    if missing:
        notes.append(f"sources.csv lists documents with no file in sources/: {', '.join(missing)}")
    case_table = pd.DataFrame(list(cases.values())) if cases else None
    corpus = Corpus(docs, cases=case_table)

    if isinstance(codebook, Codebook):
        book = codebook
    elif codebook is not None:
        book = read_codebook(codebook)
    elif (root / "codebook.yaml").exists():
        book = read_codebook(root / "codebook.yaml")
    else:
        book = read_codebook(DEFAULT_CODEBOOK)

    codings = _read_codings(root, corpus, notes)
    memos = _read_memos(root)
    unknown = sorted(set(codings["code"]) - set(book.paths))
    if unknown:
        notes.append(
            f"{len(unknown)} code(s) used in the codings are not in codebook "
            f"{book.name!r} (kept): {', '.join(unknown)}"
        )
    for note in notes:
        warnings.warn(f"{root}: {note}", QDAWarning, stacklevel=2)
    return Project(corpus, book, codings, memos, path=str(root), warnings=notes)


def _stored_document(f: Path, attributes: dict) -> Document:
    text = _read_stored_text(f)
    meta = {k: v for k, v in attributes.items() if k != "doc_id"}
    if not meta.get("kind"):
        meta["kind"] = "interview" if looks_like_transcript(text) else "document"
    return Document(f.stem, text, meta)


def source_loaders(path: str | os.PathLike) -> list[Callable[[], Document]]:
    """One loader per source of a project folder, to read its documents one at a time.

    Examples
    --------
    >>> loaders = source_loaders("data/sample")  # doctest: +SKIP
    >>> loaders[0]().doc_id  # doctest: +SKIP
    'interview-B'
    """
    return [loader for loader, _ in sized_source_loaders(path)]


def sized_source_loaders(path: str | os.PathLike) -> list[tuple[Callable[[], Document], int]]:
    """:func:`source_loaders` with each source's size in bytes, for partitioning work by
    size without reading the texts (the loaders can be pickled and run elsewhere)."""
    root = Path(path)
    attributes = _read_table(root / "sources.csv", key="doc_id")
    return [
        (functools.partial(_stored_document, f, attributes.get(f.stem, {})), f.stat().st_size)
        for f in sorted((root / "sources").glob("*.txt"))
    ]


def _read_stored_text(f: Path) -> str:
    data = f.read_bytes()
    where = f"{f}"
    if data.startswith(b"\xef\xbb\xbf"):
        raise ProjectError(
            f"{where}: starts with a byte-order mark; stored sources are UTF-8 "
            "without BOM. Add files with `resilience-qda import`, which converts them"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProjectError(
            f"{where}: is not UTF-8 ({exc.reason} at byte {exc.start}); stored "
            "sources must be UTF-8. Add files with `resilience-qda import`, "
            "which detects the encoding"
        ) from None
    if "\r" in text:
        raise ProjectError(
            f"{where}: has CR/CRLF line ends; stored sources use LF so that "
            "offsets are stable. Add files with `resilience-qda import`"
        )
    if not unicodedata.is_normalized("NFC", text):
        raise ProjectError(
            f"{where}: is not NFC-normalised Unicode; add files with "
            "`resilience-qda import`, which normalises them"
        )
    return text


def _read_table(path: Path, *, key: str) -> dict[str, dict]:
    """Rows of an attributes CSV keyed by ``key``; numbers stay numbers, blanks are dropped."""
    if not path.exists():
        return {}
    try:
        table = pd.read_csv(path, dtype={key: str}, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise ProjectError(f"{path}: cannot be read as CSV ({exc})") from None
    if key not in table.columns:
        raise ProjectError(f"{path}: needs a '{key}' column; it has {list(table.columns)}")
    if table[key].isna().any():
        raise ProjectError(f"{path}: row {int(table[key].isna().idxmax()) + 2} has no {key}")
    dupes = table[key][table[key].duplicated()].tolist()
    if dupes:
        raise ProjectError(f"{path}: {key} {dupes[0]!r} appears more than once")
    return {
        row[key]: {k: _scalar(v) for k, v in row.items() if not _blank(v)}
        for row in table.to_dict("records")
    }


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value == ""


def _scalar(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value.item() if hasattr(value, "item") else value


def _read_codings(root: Path, corpus: Corpus, notes: list[str]) -> pd.DataFrame:
    folder = root / "codings"
    frames = []
    for f in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        coder = unquote(f.stem)
        try:
            table = pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except pd.errors.EmptyDataError:
            continue
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise CodingsError(f"{f}: cannot be read as CSV ({exc})") from None
        if "coder" not in table:
            table["coder"] = coder
        if "source" not in table:
            table["source"] = "manual"
        others = sorted(set(table["coder"]) - {coder, ""})
        if others:
            raise CodingsError(
                f"{f}: holds codings of coder(s) {', '.join(map(repr, others))}; "
                f"codings/{f.name} is for coder {coder!r} only"
            )
        table["coder"] = table["coder"].replace("", coder)
        table = validate_codings(table, corpus, origin=str(f))
        if "quote" in table:
            drifted = table[coded_text(table, corpus) != table["quote"]]
            if len(drifted):
                first = drifted.iloc[0]
                notes.append(
                    f"{f.name}: {len(drifted)} coding(s) no longer cover their quoted text "
                    f"(first: {first['doc_id']} [{first['start']}:{first['end']}] was "
                    f"{first['quote'][:40]!r}); the source was edited after coding: re-anchor "
                    f"them with `resilience-qda reanchor {root}`"
                )
        frames.append(table)
    for f in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
        from .parquet import CATEGORICAL, iter_parquet_codings

        coder = unquote(f.stem)
        drifted, first = 0, None
        for part in iter_parquet_codings(f, corpus=corpus):
            part = part.astype(dict.fromkeys(CATEGORICAL, str))  # as the CSV reader gives
            others = sorted(set(part["coder"]) - {coder})
            if others:
                raise CodingsError(
                    f"{f}: holds codings of coder(s) {', '.join(map(repr, others))}; "
                    f"codings/{f.name} is for coder {coder!r} only"
                )
            if "quote" in part:
                moved = part[coded_text(part, corpus) != part["quote"].fillna("")]
                drifted += len(moved)
                first = first if first is not None or not len(moved) else moved.iloc[0]
            frames.append(part)
        if drifted:
            notes.append(
                f"{f.name}: {drifted} coding(s) no longer cover their quoted text (first: "
                f"{first['doc_id']} [{first['start']}:{first['end']}]); the source was edited "
                f"after coding: re-anchor them with `resilience-qda reanchor {root}`"
            )
    if not frames:
        return empty_codings()
    # every file was validated above: combine and sort, without validating the rows again
    table = pd.concat(frames, ignore_index=True)
    extra = [c for c in table.columns if c not in CODINGS_COLUMNS]
    table = table[list(CODINGS_COLUMNS) + extra]
    return table.sort_values(
        ["doc_id", "start", "end", "code", "coder"], kind="stable"
    ).reset_index(drop=True)


def _read_memos(root: Path) -> pd.DataFrame:
    return read_memos(root)  # memos live in io/memos.py


# --------------------------------------------------------------------------- writing


def _csv_bytes(table: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    table.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def project_files(project: Project) -> dict[str, bytes]:
    """Every file of the project folder as ``{relative path: bytes}``."""
    files: dict[str, bytes] = {}
    attributes = []
    for doc in project.corpus:
        if "\r" in doc.text or not unicodedata.is_normalized("NFC", doc.text):
            raise ProjectError(
                f"document {doc.doc_id!r}: text must have LF line ends and be "
                "NFC; read sources with resilience_qda.read_document"
            )
        if (
            not doc.doc_id
            or any(ch in doc.doc_id for ch in '/\\:*?"<>|')
            or doc.doc_id.startswith(".")
        ):
            raise ProjectError(
                f"document id {doc.doc_id!r} cannot be a file name; use letters, "
                "digits, '-', '_' and '.'"
            )
        files[f"sources/{doc.doc_id}.txt"] = doc.text.encode("utf-8")
        attributes.append(
            {"doc_id": doc.doc_id, **{k: v for k, v in doc.metadata.items() if k not in _DERIVED}}
        )
    if attributes:
        files["sources.csv"] = _csv_bytes(pd.DataFrame(attributes, dtype=object))
    if len(project.corpus.cases):
        files["cases.csv"] = _csv_bytes(project.corpus.cases)
    if not _is_builtin(project.codebook):
        files["codebook.yaml"] = codebook_to_yaml(project.codebook).encode("utf-8")
    files.update(codings_files(project.codings, project.corpus))
    files.update(memo_files(project.memos))
    return files


def codings_files(codings: pd.DataFrame, corpus: Corpus) -> dict[str, bytes]:
    """``codings/<coder>.csv`` files of a codings table: validated, anchored, sorted."""
    codings = validate_codings(codings, corpus, origin="codings")
    codings = anchor_codings(
        codings.drop(columns=[c for c in ANCHOR_COLUMNS if c in codings]), corpus
    )
    files = {}
    for coder, rows in codings.groupby("coder", sort=True):
        rows = rows.sort_values(["doc_id", "start", "end", "code"], kind="stable")
        unused = [  # optional columns only other coders fill stay out of this coder's file
            c
            for c in rows.columns
            if c not in CODINGS_COLUMNS and c not in ANCHOR_COLUMNS and rows[c].map(_blank).all()
        ]
        files[f"codings/{coder_filename(coder)}"] = _csv_bytes(rows.drop(columns=unused))
    return files


def write_codings(
    codings: pd.DataFrame,
    path: str | os.PathLike,
    *,
    format: str = "csv",
    batch: int = 1000,
) -> list[Path]:
    """Write (replace) the codings files of the coders in ``codings`` in a project folder,
    or write a codings table to one ``.csv`` or ``.parquet`` file.

    Rows are validated against the project's texts first; other coders' files are left
    alone. Returns the files written.

    Parameters
    ----------
    codings : DataFrame
    path : path-like
        A project folder, or a file ending in ``.csv`` or ``.parquet``.
    format : {"csv", "parquet"}
        In a project: ``"csv"`` (the default, ``codings/<coder>.csv``, git-friendly) or
        ``"parquet"`` for large projects: ``codings/<coder>.parquet/part-00000.parquet``,
        ... one part per ``batch`` documents, read one part at a time. Writing one format
        removes the coder's file of the other format, so a coder's codings are in one
        place.
    batch : int
        Documents per Parquet part.

    Examples
    --------
    >>> write_codings(rules_codings, "data/sample")  # doctest: +SKIP
    [PosixPath('data/sample/codings/rules%3Acop-evaluation.csv')]
    """
    root = Path(path)
    if format not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet'; got {format!r}")
    if root.suffix.lower() in (".csv", ".parquet") and not root.is_dir():
        return [_write_codings_file(codings, root)]
    if not (root / "sources").is_dir():
        raise ProjectError(f"{root}: not a project folder (it has no sources/ folder)")
    corpus = Corpus(
        Document(f.stem, _read_stored_text(f)) for f in sorted((root / "sources").glob("*.txt"))
    )
    files = {root / rel: data for rel, data in codings_files(codings, corpus).items()}
    if format == "csv":
        write_many(files)
        for f in files:
            _remove(f.with_suffix(".parquet"))
        return sorted(files)
    from .parquet import write_parquet_parts

    written = []
    for f, data in sorted(files.items()):
        raw = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
        table = validate_codings(raw, origin=str(f))  # the same rows, typed
        docs = list(dict.fromkeys(table["doc_id"]))
        groups = [set(docs[i : i + max(1, batch)]) for i in range(0, len(docs), max(1, batch))]
        parts = (table[table["doc_id"].isin(g)] for g in groups)
        written += write_parquet_parts(parts, f.with_suffix(".parquet"))
        _remove(f)
    return written


def _write_codings_file(codings: pd.DataFrame, target: Path) -> Path:
    table = validate_codings(codings, origin="codings")
    if target.suffix.lower() == ".parquet":
        from .parquet import write_parquet_codings

        return write_parquet_codings(table, target)
    write_many({target: _csv_bytes(table)})
    return target


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _is_builtin(codebook: Codebook) -> bool:
    if codebook.name not in builtin_codebooks():
        return False
    return codebook_to_yaml(codebook) == codebook_to_yaml(read_codebook(codebook.name))


def write_project(project: Project, path: str | os.PathLike) -> Path:
    """Write a project folder atomically.

    A new folder is built beside the target and renamed into place; in an existing folder
    every file is staged first and then renamed, so an interrupted write leaves each file
    either old or new, never half-written. Files of coders absent from ``project.codings``
    are left alone (nothing is deleted).

    Examples
    --------
    >>> write_project(read_project("data/sample"), "/tmp/copy")  # doctest: +SKIP
    """
    root = Path(path)
    files = project_files(project)
    if not root.exists():
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
        try:
            for rel, data in files.items():
                target = staging / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            (staging / "sources").mkdir(exist_ok=True)
            os.replace(staging, root)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return root
    if not root.is_dir():
        raise ProjectError(f"{root}: exists and is not a folder")
    write_many({root / rel: data for rel, data in files.items()})
    return root


__all__ = [
    "CODINGS_COLUMNS",
    "coder_filename",
    "project_files",
    "read_project",
    "write_codings",
    "write_project",
]
