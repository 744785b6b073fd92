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

import contextlib
import functools
import hashlib
import io
import os
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping
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
from .codebook import builtin_codebooks, codebook_to_yaml, read_codebook
from .memos import memo_files, memos_in, read_memos
from .names import check_file_name, name_problem
from .storage import storage_error
from .transaction import Transaction, read_consistently, recover, transaction

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
    A change that a stopped command left half done is completed first, and a read that
    overlaps another command's commit is repeated, so the project read is always one that
    some command left whole. Symbolic links that lead out of the folder are refused.

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
    project = read_consistently(root, lambda: _read_project(root, codebook))
    for note in project.warnings:
        warnings.warn(f"{root}: {note}", QDAWarning, stacklevel=2)
    return project


def _read_project(root: Path, codebook: Codebook | str | None) -> Project:
    sources = root / "sources"
    if not sources.is_dir():
        raise ProjectError(
            f"{root}: not a project folder (it has no sources/ folder). Create "
            f"one with: resilience-qda import FILES... --project {root}"
        )
    notes: list[str] = []
    state = folder_state(root)
    attributes = _read_table(_inside(root, root / "sources.csv"), key="doc_id")
    cases = _read_table(_inside(root, root / "cases.csv"), key="case")
    files = _listed(root, "sources", ".txt")
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
        book = read_codebook(_inside(root, root / "codebook.yaml"))
    else:
        book = read_codebook(DEFAULT_CODEBOOK)

    codings = _read_codings(root, corpus, notes)
    memos = _read_memos(root)
    notes += [f"memos: {problem}" for problem in memos_in(memos, corpus)]
    unknown = sorted(set(codings["code"]) - set(book.paths))
    if unknown:
        notes.append(
            f"{len(unknown)} code(s) used in the codings are not in codebook "
            f"{book.name!r} (kept): {', '.join(unknown)}"
        )
    return Project(corpus, book, codings, memos, path=str(root), warnings=notes, folder_state=state)


#: Files and folders of the project that :func:`read_project` reads.
_TOP_FILES = ("sources.csv", "cases.csv", "codebook.yaml")
_FOLDERS = (("sources", ".txt"), ("codings", ".csv"), ("memos", ".md"))


def folder_state(path: str | os.PathLike) -> str:
    """A fingerprint of the files :func:`read_project` reads (names, sizes, inodes and
    modification times): it changes whenever any of them is written, replaced or removed.

    Examples
    --------
    >>> folder_state("data/sample") == folder_state("data/sample")
    True
    """
    root = Path(path)
    rows = []
    for name in _TOP_FILES:
        with contextlib.suppress(OSError):
            st = os.stat(root / name)
            rows.append(f"{name}\t{st.st_ino}\t{st.st_size}\t{st.st_mtime_ns}")
    for folder, suffix in _FOLDERS:
        with contextlib.suppress(OSError), os.scandir(root / folder) as it:
            for entry in it:
                if entry.name.endswith(suffix):
                    st = entry.stat()
                    rows.append(
                        f"{folder}/{entry.name}\t{st.st_ino}\t{st.st_size}\t{st.st_mtime_ns}"
                    )
    return hashlib.sha256("\n".join(sorted(rows)).encode("utf-8", "surrogateescape")).hexdigest()


def _inside(root: Path, f: Path, *, parent_checked: bool = False) -> Path:
    """``f``, refused if it is a symbolic link that leads out of the project folder."""
    outside = not parent_checked and not f.parent.resolve().is_relative_to(root.resolve())
    if outside or f.is_symlink():
        target = f.resolve()
        if not target.is_relative_to(root.resolve()):
            raise ProjectError(
                f"{f}: is a symbolic link to {target}, outside the project folder; a project "
                "reads only its own files: replace the link with a copy of the file"
            )
    return f


def _listed(root: Path, folder: str, suffix: str) -> list[Path]:
    """The files ``folder/*suffix`` of a project, sorted; hidden files are skipped and
    symbolic links that leave the project refused."""
    where = root / folder
    if not where.is_dir():
        return []
    _inside(root, where)
    return [
        _inside(root, f, parent_checked=True)
        for f in sorted(where.glob(f"*{suffix}"))
        if not f.name.startswith(".") and not f.is_dir()
    ]


def current_or_new_project(path: str | os.PathLike) -> Project:
    """The project in ``path`` (its warnings not issued but kept in ``project.warnings``),
    or a new empty one with the default codebook if ``path`` is not a project folder yet.

    Examples
    --------
    >>> current_or_new_project("no/such/folder").corpus
    Corpus(0 documents)
    """
    root = Path(path)
    if (root / "sources").is_dir():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", QDAWarning)
            return read_project(root)
    return Project(Corpus(), read_codebook(DEFAULT_CODEBOOK), path=str(root))


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
    root = Path(path)
    recover(root)
    attributes = _read_table(_inside(root, root / "sources.csv"), key="doc_id")
    return [
        functools.partial(_stored_document, f, attributes.get(f.stem, {}))
        for f in _listed(root, "sources", ".txt")
    ]


def _read_stored_text(f: Path) -> str:
    try:
        data = f.read_bytes()
    except OSError as exc:
        raise storage_error(exc, f, doing="read") from None
    return stored_text(data, where=str(f))


def stored_text(data: bytes, *, where: str) -> str:
    """The text of a stored source's bytes, refused unless it is UTF-8 without BOM, LF line
    ends, NFC, without NUL characters (what ``sources/<doc_id>.txt`` must be)."""
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
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ProjectError(
            f"{where}: contains a NUL character (line {line}), which no text holds; the file "
            "was damaged or is not text: restore it (e.g. from git) or import it again"
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
    for f in _listed(root, "codings", ".csv"):
        try:
            data = f.read_bytes()
        except OSError as exc:
            raise storage_error(exc, f, doing="read") from None
        table = parse_codings_file(data, origin=str(f), coder=unquote(f.stem))
        table = validate_codings(table, corpus, origin=str(f))
        table = _without_duplicates(table, f.name, notes)
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
    if not frames:
        return empty_codings()
    return validate_codings(pd.concat(frames, ignore_index=True), corpus, origin=str(folder))


_KEY = ["doc_id", "start", "end", "code", "coder"]


def _without_duplicates(table: pd.DataFrame, name: str, notes: list[str]) -> pd.DataFrame:
    dupes = table.duplicated(_KEY)
    if not dupes.any():
        return table
    first = table[dupes].iloc[0]
    notes.append(
        f"{name}: {int(dupes.sum())} duplicate coding row(s) (same document, span, code and "
        f"coder; first: {first['doc_id']} [{first['start']}:{first['end']}] {first['code']}); "
        "each is counted once, and the file is cleaned the next time it is written"
    )
    return table[~dupes].reset_index(drop=True)


def parse_codings_file(data: bytes, *, origin: str, coder: str) -> pd.DataFrame:
    """The rows of one coder's codings file (not yet validated against the texts).

    An empty file is refused: the toolkit always writes a header line, so a file with
    nothing in it lost its codings (it was truncated, or a copy failed).

    Examples
    --------
    >>> parse_codings_file(b"doc_id,start,end,code\\nd,0,4,x\\n", origin="A.csv", coder="A")
      doc_id start end code coder  source
    0      d     0   4    x     A  manual
    """
    if not data.strip():
        raise CodingsError(
            f"{origin}: is empty ({len(data)} bytes), so coder {coder!r}'s codings are missing; "
            "the toolkit always writes at least a header line, so the file was cut short: "
            "restore it (e.g. `git checkout -- <file>` or from a backup), or delete it if "
            f"{coder!r} has no codings"
        )
    try:
        table = pd.read_csv(
            io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise CodingsError(f"{origin}: cannot be read as CSV ({exc})") from None
    if "coder" not in table:
        table["coder"] = coder
    if "source" not in table:
        table["source"] = "manual"
    others = sorted(set(table["coder"]) - {coder, ""})
    if others:
        raise CodingsError(
            f"{origin}: holds codings of coder(s) {', '.join(map(repr, others))}; "
            f"this file is for coder {coder!r} only"
        )
    table["coder"] = table["coder"].replace("", coder)
    return table


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
        if "\x00" in doc.text:
            raise ProjectError(f"document {doc.doc_id!r}: its text contains a NUL character")
        check_file_name(f"{doc.doc_id}.txt", what=f"document id {doc.doc_id!r}")
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


def codings_path(coder: str) -> str:
    """``codings/<file>`` of a coder, refused if the name cannot be a file name anywhere.

    >>> codings_path("Sarah T")
    'codings/Sarah T.csv'
    """
    return "codings/" + check_file_name(
        coder_filename(coder), what=f"coder name {coder!r}", error=CodingsError
    )


#: The header of a coder's codings file with no codings.
EMPTY_CODINGS_FILE = (",".join([*CODINGS_COLUMNS, *ANCHOR_COLUMNS]) + "\n").encode("utf-8")


def codings_files(codings: pd.DataFrame, corpus: Corpus | Mapping[str, str]) -> dict[str, bytes]:
    """``codings/<coder>.csv`` files of a codings table: validated, anchored, sorted, one
    row per (document, span, code, coder)."""
    return _coder_files(codings, corpus)[0]


def _coder_files(
    codings: pd.DataFrame, corpus: Corpus | Mapping[str, str]
) -> tuple[dict[str, bytes], dict[str, pd.DataFrame]]:
    codings = validate_codings(codings, corpus, origin="codings")
    codings = codings.drop_duplicates(_KEY)
    codings = anchor_codings(
        codings.drop(columns=[c for c in ANCHOR_COLUMNS if c in codings]), corpus
    )
    files, tables = {}, {}
    for coder, rows in codings.groupby("coder", sort=True):
        rows = rows.sort_values(["doc_id", "start", "end", "code"], kind="stable")
        unused = [  # optional columns only other coders fill stay out of this coder's file
            c
            for c in rows.columns
            if c not in CODINGS_COLUMNS and c not in ANCHOR_COLUMNS and rows[c].map(_blank).all()
        ]
        rel = codings_path(coder)
        tables[rel] = rows.drop(columns=unused).reset_index(drop=True)
        files[rel] = _csv_bytes(tables[rel])
    return files, tables


def _stored_texts(tx: Transaction, doc_ids: Iterable[str], root: Path) -> dict[str, str]:
    texts = {}
    for doc_id in sorted(set(doc_ids)):
        rel = f"sources/{doc_id}.txt"
        if name_problem(f"{doc_id}.txt") is not None:
            continue  # not a document of the project: validation names it
        data = tx.read(rel)
        if data is not None:
            texts[doc_id] = stored_text(data, where=str(root / rel))
    return texts


def write_codings(codings: pd.DataFrame, path: str | os.PathLike) -> list[Path]:
    """Write (replace) the codings files of the coders in ``codings`` in a project folder.

    Rows are validated against the project's texts first; other coders' files are left
    alone. Everything is written in one transaction under the project's lock. Returns the
    files written. To change one coder's codings read-modify-write, use
    :func:`update_codings`, which reads them under the lock.

    Examples
    --------
    >>> write_codings(rules_codings, "data/sample")  # doctest: +SKIP
    [PosixPath('data/sample/codings/rules%3Acop-evaluation.csv')]
    """
    root = Path(path)
    if not (root / "sources").is_dir():
        raise ProjectError(f"{root}: not a project folder (it has no sources/ folder)")
    with transaction(root, command="write_codings") as tx:
        texts = _stored_texts(tx, codings["doc_id"].astype(str), root)
        files = codings_files(codings, texts)
        for rel, data in files.items():
            tx.write(rel, data)
    return sorted(root / rel for rel in files)


def update_codings(
    path: str | os.PathLike,
    coder: str,
    change: Callable[[pd.DataFrame], pd.DataFrame],
) -> pd.DataFrame:
    """Change one coder's codings safely while others may write the project too.

    Under the project's lock: read ``codings/<coder>.csv`` as it is now, call
    ``change(table)`` (which returns the new table; the one it gets is a copy), validate
    the result against the texts, and commit it. Two callers (threads or processes) never
    lose each other's changes; a ``change`` that raises leaves the file as it was.

    Parameters
    ----------
    path : path-like
        The project folder.
    coder : str
        Whose codings file to change; rows of the new table with an empty ``coder`` are
        this coder's, rows of any other coder are refused.
    change : callable
        ``DataFrame -> DataFrame``: the coder's current codings (the codings table with
        the anchor columns ``prefix``, ``quote``, ``suffix``; no rows when the coder has no
        file yet) to the new ones.

    Returns
    -------
    DataFrame
        The coder's codings as now stored (validated, anchored, sorted).

    Examples
    --------
    >>> def add_hope(table):
    ...     row = {"doc_id": "interview-L", "start": 0, "end": 12, "code": "hope",
    ...            "coder": "A", "source": "manual"}
    ...     return pd.concat([table, pd.DataFrame([row])], ignore_index=True)
    >>> update_codings("projects/study", "A", add_hope)  # doctest: +SKIP
    """
    root = Path(path)
    rel = codings_path(coder)
    if not (root / "sources").is_dir():
        raise ProjectError(f"{root}: not a project folder (it has no sources/ folder)")
    with transaction(root, command=f"update_codings ({coder})") as tx:
        data = tx.read(rel)
        current = (
            parse_codings_file(data, origin=str(root / rel), coder=coder)
            if data is not None
            else empty_codings().assign(prefix="", quote="", suffix="")
        )
        texts = _stored_texts(tx, current["doc_id"].astype(str), root)
        if len(current):
            current = validate_codings(current, texts, origin=str(root / rel))
        new = change(current.copy())
        if not isinstance(new, pd.DataFrame):
            raise CodingsError(
                f"update_codings: change() returned {type(new).__name__}, not a DataFrame"
            )
        new = new.copy()
        if "coder" not in new:
            new["coder"] = coder
        new["coder"] = new["coder"].where(new["coder"].map(lambda v: not _blank(v)), coder)
        others = sorted(set(new["coder"].astype(str)) - {coder})
        if others:
            raise CodingsError(
                f"update_codings: the new table has rows of coder(s) "
                f"{', '.join(map(repr, others))}; it may hold only {coder!r}'s codings"
            )
        if "source" not in new:
            new["source"] = "manual"
        texts.update(_stored_texts(tx, set(new["doc_id"].astype(str)) - set(texts), root))
        if len(new):
            files, tables = _coder_files(new, texts)
        else:
            files, tables = {rel: EMPTY_CODINGS_FILE}, {rel: current.iloc[0:0]}
        tx.write(rel, files[rel])
    return tables[rel]


def _is_builtin(codebook: Codebook) -> bool:
    if codebook.name not in builtin_codebooks():
        return False
    return codebook_to_yaml(codebook) == codebook_to_yaml(read_codebook(codebook.name))


def check_unchanged(project: Project, path: str | os.PathLike) -> None:
    """Refuse to write ``project`` back to its folder if the folder changed after it was
    read (another command, the coding screen, or a program such as git wrote to it)."""
    if not project.folder_state or not project.path:
        return
    if os.path.realpath(project.path) != os.path.realpath(path):
        return
    if folder_state(path) != project.folder_state:
        raise ProjectError(
            f"{path}: the project folder changed after it was read (another command or "
            "program wrote to it); nothing was written: read the project again and redo the "
            "change"
        )


def write_project(project: Project, path: str | os.PathLike) -> Path:
    """Write a project folder as one transaction.

    Under the project's lock every file is staged beside the project and then committed
    through a journal, so that an interrupted write leaves the old project or the new one,
    never a mix (the next command that opens the folder completes or undoes the commit).
    A new folder is created with the usual permissions (the umask applies). Files of
    coders absent from ``project.codings`` are left alone (nothing is deleted). If the
    project was read from ``path`` and the folder changed since, nothing is written and a
    :class:`~resilience_qda.core.errors.ProjectError` says so.

    Examples
    --------
    >>> write_project(read_project("data/sample"), "/tmp/copy")  # doctest: +SKIP
    """
    root = Path(path)
    files = project_files(project)
    with transaction(root, command="write_project") as tx:
        check_unchanged(project, root)
        for rel, data in files.items():
            tx.write(rel, data)
    (root / "sources").mkdir(exist_ok=True)
    return root


__all__ = [
    "CODINGS_COLUMNS",
    "EMPTY_CODINGS_FILE",
    "check_unchanged",
    "coder_filename",
    "codings_path",
    "current_or_new_project",
    "folder_state",
    "parse_codings_file",
    "project_files",
    "read_project",
    "stored_text",
    "update_codings",
    "write_codings",
    "write_project",
]
