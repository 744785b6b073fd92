"""Coding sheets: the units of a project in a spreadsheet, coded by hand, read back.

A sheet has one row per unit of analysis (sentence, speaker turn, paragraph or document;
see :mod:`resilience_qda.core.units`) with ``doc_id``, the unit number (its column is
named after the unit: ``sentence``, ``turn``, ...), ``start``, ``end``, ``speaker``, the
document's and case's attributes, the unit's ``text``, then the codes: one column per code
(a mark such as ``1`` or ``x`` codes the unit) or a single ``codes`` column (code paths or
names separated by ``;`` or new lines), and a ``memo`` column. Every column after ``text``
is read as codes (or the memo), so coders may add code columns of their own; they are
reported if the codebook lacks them.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import CodebookError, QDAError, ReadError
from ..core.model import CODINGS_COLUMNS, Code, Codebook, Project, slugify
from .atomic import write_bytes
from .container import check_package

LAYOUTS = ("columns", "codes")
#: Units a sheet can have (as :data:`resilience_qda.core.units.UNITS`).
UNITS = ("sentence", "turn", "paragraph", "document")
#: Problems :func:`read_sheet` reports, one kind per row of its ``problems`` table.
PROBLEM_KINDS = (
    "unknown-code",
    "unclear-mark",
    "edited-text",
    "missing-row",
    "duplicate-row",
    "unknown-document",
    "bad-offsets",
    "not-a-unit",
)
#: Excel keeps at most this many characters in a cell.
MAX_CELL = 32_000
_TRUE = {"1", "x", "yes", "y", "true", "✓", "✔", "•", "*", "+"}
_FALSE = {"", "0", "no", "n", "false", "-", "–", "none"}
_SPLIT = re.compile(r"[;\n]")
_ATTRIBUTES_SKIP = {"n_chars", "n_words", "original_file", "encoding", "doc_id"}


class SheetError(QDAError, ValueError):
    """A coding sheet cannot be written or read (unknown layout, missing columns)."""


@dataclass(frozen=True)
class SheetImport:
    """What :func:`read_sheet` found.

    Attributes
    ----------
    codings : DataFrame
        The coder's codings (one per coded unit and code; ``memo`` where the sheet has one).
    problems : DataFrame
        ``row`` (the spreadsheet row, header = 1), ``doc_id``, ``kind`` (one of
        ``PROBLEM_KINDS``) and ``detail``.
    codebook : Codebook
        The codebook, with the created codes when ``create_codes`` was set.
    unit : str
        The unit of the sheet.
    """

    codings: pd.DataFrame
    problems: pd.DataFrame
    codebook: Codebook
    unit: str

    def problems_of(self, kind: str) -> pd.DataFrame:
        return self.problems[self.problems["kind"] == kind].reset_index(drop=True)


# --------------------------------------------------------------------------- export


def _code_list(project: Project, codes) -> list[str]:
    book = project.codebook
    if codes is None:
        chosen = [c.path for c in book if c.codable]
    elif isinstance(codes, str):
        root = book.resolve(codes)
        chosen = [root, *book.descendants(root)]
    else:
        chosen = [book.resolve(c) if c not in book else c for c in codes]
    used = sorted(set(project.codings["code"]) - set(book.paths)) if codes is None else []
    return list(dict.fromkeys([*chosen, *used]))


def sheet_frame(
    project: Project,
    *,
    unit: str = "sentence",
    coders: str | list[str] | None = None,
    codes: str | list[str] | None = None,
    layout: str = "columns",
    doc_ids: list[str] | None = None,
) -> pd.DataFrame:
    """The coding sheet of a project as a DataFrame (what :func:`write_sheet` writes).

    Parameters
    ----------
    project : Project
    unit : {"sentence", "turn", "paragraph", "document"}
    coders : str or list of str, optional
        Whose existing codings fill in the code columns (default: every coder's; ``[]``
        for a blank sheet). A unit carries a code when a coding overlaps it.
    codes : str or list of str, optional
        The code columns: a list of codes, or one code whose subtree is wanted (default:
        every codable code of the codebook and any code used that it lacks).
    layout : {"columns", "codes"}
        One column per code (marked ``1``), or one ``codes`` column.
    doc_ids : list of str, optional
        Only these documents (default: all).

    Examples
    --------
    >>> from resilience_qda.core.model import Corpus, Document
    >>> p = Project(Corpus([Document("d", "We met. It helped.")]), Codebook([Code("x", "X")]))
    >>> sheet_frame(p, unit="sentence")[["doc_id", "sentence", "text", "x"]].values.tolist()
    [['d', 0, 'We met.', ''], ['d', 1, 'It helped.', '']]
    """
    from ..core.units import code_units, units  # coding builds on io: import late

    if unit not in UNITS:
        raise SheetError(f"unit must be one of {', '.join(UNITS)}; got {unit!r}")
    if layout not in LAYOUTS:
        raise SheetError(f"layout must be one of {', '.join(LAYOUTS)}; got {layout!r}")
    corpus = project.corpus
    table = units(corpus, unit)
    if doc_ids is not None:
        unknown = sorted(set(doc_ids) - set(corpus.doc_ids))
        if unknown:
            raise SheetError(f"no document(s) {', '.join(unknown)} in the project")
        table = table[table["doc_id"].isin(doc_ids)]
    table = table.reset_index(drop=True)
    docs = corpus.documents
    attrs = [c for c in docs.columns if c not in _ATTRIBUTES_SKIP]
    out = table[["doc_id", "unit", "start", "end", "speaker"]].rename(columns={"unit": unit})
    out = out.merge(docs[["doc_id", *attrs]], on="doc_id", how="left")
    for c in attrs:  # whole numbers stay whole (a blank cell made them floats)
        col = out[c]
        if col.dtype.kind == "f" and col.dropna().map(float.is_integer).all():
            out[c] = col.astype("Int64")
    texts = corpus.texts
    out["text"] = [
        texts[d][s:e] if e - s <= MAX_CELL else texts[d][s : s + MAX_CELL - 1] + "…"
        for d, s, e in zip(out["doc_id"], out["start"], out["end"], strict=True)
    ]
    codings = project.codings
    if coders is not None:
        codings = codings[codings["coder"].isin([coders] if isinstance(coders, str) else coders)]
    code_cols = _code_list(project, codes)
    coded = code_units(codings[codings["code"].isin(code_cols)], table)
    by_unit: dict[tuple, list[str]] = {}
    for d, u, code in coded[["doc_id", "unit", "code"]].itertuples(index=False):
        by_unit.setdefault((d, u), []).append(code)
    keys = list(zip(out["doc_id"], out[unit], strict=True))
    if layout == "columns":
        marks = {c: [""] * len(out) for c in code_cols}
        for k, key in enumerate(keys):
            for code in by_unit.get(key, []):
                marks[code][k] = "1"
        out = pd.concat([out, pd.DataFrame(marks, index=out.index)], axis=1)
    else:
        out["codes"] = [
            "; ".join(sorted(set(by_unit.get(key, [])), key=code_cols.index)) for key in keys
        ]
    out["memo"] = ""
    return out.astype({"start": "int64", "end": "int64"})


def write_sheet(
    project: Project,
    path: str | os.PathLike,
    *,
    unit: str = "sentence",
    coders: str | list[str] | None = None,
    codes: str | list[str] | None = None,
    layout: str = "columns",
    doc_ids: list[str] | None = None,
) -> Path:
    """Write a coding sheet (``.xlsx`` or ``.csv``) of the project's units.

    The ``.xlsx`` has the sheet ``units`` (frozen header, wrapped text) plus ``codebook``
    (code, name, description) and ``about`` (unit, coders, layout, date) sheets; the
    ``.csv`` is UTF-8 with a byte-order mark so that Excel opens it correctly. Options as
    :func:`sheet_frame`. Written atomically.

    Examples
    --------
    >>> write_sheet(read_project("data/sample"), "sheet.xlsx", coders=[])  # doctest: +SKIP
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise SheetError(f"{path}: a coding sheet is .xlsx or .csv, not '{suffix or 'none'}'")
    table = sheet_frame(
        project, unit=unit, coders=coders, codes=codes, layout=layout, doc_ids=doc_ids
    )
    if suffix == ".csv":
        buf = io.StringIO()
        table.to_csv(buf, index=False, lineterminator="\r\n")
        write_bytes(path, b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
        return path
    write_bytes(path, _xlsx_bytes(project, table, unit=unit, coders=coders, layout=layout))
    return path


def _xlsx_bytes(project: Project, table: pd.DataFrame, *, unit, coders, layout) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("units")
    ws.freeze_panes = "A2"
    text_at = list(table.columns).index("text")
    for k, col in enumerate(table.columns, start=1):
        width = 70 if col == "text" else (6 if k > text_at + 1 else 12)
        ws.column_dimensions[get_column_letter(k)].width = width
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    rotated = Alignment(text_rotation=90, horizontal="center")

    def cell(value, *, header=False, k=0):
        c = WriteOnlyCell(ws, value=_cell_value(value))
        if isinstance(c.value, str):
            c.data_type = "s"  # never a formula, whatever the text starts with
        if header:
            c.font = bold
            if k > text_at and table.columns[k] != "memo":
                c.alignment = rotated
        elif k == text_at:
            c.alignment = wrap
        return c

    ws.append([cell(c, header=True, k=k) for k, c in enumerate(table.columns)])
    for row in table.itertuples(index=False):
        values = [_cell_value(v) for v in row]
        for k, v in enumerate(values):
            if v == "":
                values[k] = None
            elif k == text_at or (isinstance(v, str) and v[:1] in "=+-@"):
                values[k] = cell(v, k=k)
        ws.append(values)

    book = wb.create_sheet("codebook")
    book.append([cell(x, header=True) for x in ("code", "name", "description")])
    for c in project.codebook:
        book.append([cell(c.path), cell(c.name), cell(c.description)])
    about = wb.create_sheet("about")
    who = "all" if coders is None else (coders if isinstance(coders, str) else ", ".join(coders))
    for key, value in (
        ("unit", unit),
        ("layout", layout),
        ("codes shown for", who or "nobody (blank sheet)"),
        ("project", project.path or ""),
        ("exported", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
        (
            "how to fill in",
            "Mark a unit with 1 (or x) under each code that applies, or list codes in the "
            "codes column separated by ';'. Do not edit doc_id, start, end or text. Then: "
            "resilience-qda sheet import FILE --project DIR --coder NAME",
        ),
    ):
        about.append([cell(key, header=True), cell(value)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell_value(value):
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str):
        return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)  # illegal in XML
    return value


# --------------------------------------------------------------------------- import


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ReadError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from .text import decode

        text, _ = decode(path.read_bytes(), name=str(path))
        try:
            dialect = csv.Sniffer().sniff(text[:4096].split("\n", 1)[0], delimiters=",;\t")
            sep = dialect.delimiter
        except csv.Error:
            sep = ","
        try:
            return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ReadError(f"{path}: cannot be read as CSV ({exc})") from None
    if suffix not in (".xlsx", ".xlsm"):
        raise ReadError(f"{path}: a coding sheet is .xlsx or .csv, not '{suffix or 'none'}'")
    if not zipfile.is_zipfile(path):
        raise ReadError(f"{path}: not an .xlsx file (an .xlsx is a zip archive; this is not one)")
    check_package(path, kind="spreadsheet (.xlsx)", required=("xl/workbook.xml",))
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on broken files
        raise ReadError(f"{path}: cannot be opened as a spreadsheet ({exc})") from None
    try:
        ws = wb["units"] if "units" in wb.sheetnames else wb.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows:
        raise ReadError(f"{path}: the sheet is empty")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    body = [
        ["" if v is None else _str(v) for v in r] + [""] * (len(header) - len(r))
        for r in rows[1:]
        if any(v is not None and str(v).strip() for v in r)
    ]
    return pd.DataFrame([r[: len(header)] for r in body], columns=header, dtype=object)


def _str(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _norm(text: str) -> str:
    text = text.replace("_x000D_", "").replace("\r", "")
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def read_sheet(
    path: str | os.PathLike,
    project: Project,
    *,
    coder: str,
    create_codes: bool = False,
) -> SheetImport:
    """Read a filled coding sheet back as one coder's codings, and check it.

    Each coded row becomes a coding of the unit's span (``start``, ``end``) in the
    project's text. The ``problems`` table lists: codes the codebook lacks
    (``unknown-code``; those marks are left out unless ``create_codes``), marks that are
    neither yes nor no (``unclear-mark``), unit text that differs from the project's
    (``edited-text``; the coding is still made on the project's text), units of the sheet's
    documents with no row (``missing-row``), rows given twice, unknown documents, offsets
    outside the text, and spans that are not units of the sheet's kind.

    Parameters
    ----------
    path : path-like
        An ``.xlsx`` (the sheet named ``units``, else the first) or ``.csv`` (encoding and
        delimiter detected).
    project : Project
        The project the sheet was exported from.
    coder : str
        Whose codings these are.
    create_codes : bool
        Add codes the codebook lacks instead of leaving those marks out.

    Examples
    --------
    >>> found = read_sheet("coded.xlsx", project, coder="B")  # doctest: +SKIP
    >>> found.problems  # doctest: +SKIP
    """
    from ..core.units import units  # coding builds on io: import late

    path = Path(path)
    sheet = _read_table(path)
    sheet.columns = [str(c).strip() for c in sheet.columns]
    unit = next((u for u in UNITS if u in sheet.columns), None)
    need = ["doc_id", "start", "end", "text"]
    missing = [c for c in need if c not in sheet.columns]
    if missing or unit is None:
        what = missing + ([] if unit else ["a unit column (" + "|".join(UNITS) + ")"])
        raise SheetError(
            f"{path}: not a coding sheet: missing column(s) {', '.join(what)}. Export one "
            "with: resilience-qda sheet export PROJECT -o FILE.xlsx"
        )
    columns = list(sheet.columns)
    after = columns[columns.index("text") + 1 :]
    memo_col = "memo" if "memo" in after else None
    layout = "codes" if "codes" in after else "columns"
    code_cols = [c for c in after if c not in ("memo", "codes") and c]

    book = project.codebook
    problems: list[tuple[int, str, str, str]] = []
    created: list[str] = []

    def resolve(label: str, row: int, doc: str) -> str | None:
        nonlocal book
        try:
            return project.codebook.resolve(label)
        except KeyError:
            reason = "not in the codebook"
        except CodebookError as exc:
            problems.append((row, doc, "unknown-code", str(exc)))
            return None
        if create_codes:
            parts = [x.strip() for x in label.split("/") if x.strip()]
            new, p = [], ""
            for part in parts:
                p = f"{p}/{slugify(part)}" if p else slugify(part)
                if p not in book:
                    new.append(Code(p, part))
            if new:
                book = Codebook(
                    [*book, *new],
                    name=book.name,
                    title=book.title,
                    version=book.version,
                    language=book.language,
                )
                created.extend(c.path for c in new)
            return p or None
        problems.append((row, doc, "unknown-code", f"{label!r} is {reason}"))
        return None

    header_codes: dict[str, str | None] = {}
    if layout == "columns":
        for c in code_cols:
            marked = sheet[c].astype(str).str.strip().str.lower().map(lambda v: v not in _FALSE)
            if not marked.any():
                header_codes[c] = None  # an unused column: nothing to resolve
                continue
            header_codes[c] = resolve(c, 1, "")

    texts = project.corpus.texts
    rows, seen = [], {}
    for k, r in enumerate(sheet.to_dict("records")):
        row = k + 2
        doc = str(r["doc_id"]).strip()
        if doc not in texts:
            problems.append((row, doc, "unknown-document", f"no document {doc!r} in the project"))
            continue
        try:
            s, e = int(float(r["start"])), int(float(r["end"]))
        except (TypeError, ValueError):
            problems.append(
                (row, doc, "bad-offsets", f"start/end {r['start']!r}/{r['end']!r} not numbers")
            )
            continue
        if not 0 <= s < e <= len(texts[doc]):
            problems.append(
                (row, doc, "bad-offsets", f"[{s}:{e}] is outside the text ({len(texts[doc])})")
            )
            continue
        if (doc, s, e) in seen:
            problems.append(
                (row, doc, "duplicate-row", f"same unit as row {seen[(doc, s, e)]}; marks merged")
            )
        seen.setdefault((doc, s, e), row)
        expected = texts[doc][s:e]
        if len(expected) > MAX_CELL:
            expected = expected[: MAX_CELL - 1] + "…"
        if _norm(str(r["text"])) != _norm(expected):
            problems.append(
                (
                    row,
                    doc,
                    "edited-text",
                    f"the unit [{s}:{e}] reads {_norm(str(r['text']))[:60]!r} in the sheet but "
                    f"{_norm(expected)[:60]!r} in the project; coded on the project's text",
                )
            )
        found: list[str] = []
        if layout == "columns":
            for c in code_cols:
                mark = str(r[c]).strip()
                low = mark.lower()
                if low in _FALSE:
                    continue
                if low not in _TRUE and not _is_number(low):
                    problems.append(
                        (row, doc, "unclear-mark", f"{mark!r} under {c!r}: use 1 or leave empty")
                    )
                    continue
                if header_codes.get(c):
                    found.append(header_codes[c])
        else:
            for label in _SPLIT.split(str(r["codes"])):
                if label.strip():
                    code = resolve(label.strip(), row, doc)
                    if code:
                        found.append(code)
        memo = str(r[memo_col]).strip() if memo_col else ""
        for code in dict.fromkeys(found):
            rows.append((doc, s, e, code, coder, "manual", np.nan, memo))

    # missing rows: units of the sheet's documents that have no row
    present = {d for d, _, _ in seen}
    if present:
        expected_units = units(project.corpus, unit)
        expected_units = expected_units[expected_units["doc_id"].isin(present)]
        spans = set(
            zip(
                expected_units["doc_id"],
                expected_units["start"],
                expected_units["end"],
                strict=True,
            )
        )
        for d, s, e in sorted(spans - set(seen)):
            problems.append(
                (0, d, "missing-row", f"{unit} [{s}:{e}] {_norm(texts[d][s:e])[:60]!r} has no row")
            )
        for (d, s, e), row in seen.items():
            if (d, s, e) not in spans:
                problems.append(
                    (row, d, "not-a-unit", f"[{s}:{e}] is not a {unit} of the current text")
                )
    codings = pd.DataFrame(rows, columns=[*CODINGS_COLUMNS, "memo"])
    codings = codings.drop_duplicates(["doc_id", "start", "end", "code", "coder"])
    if not codings["memo"].astype(bool).any():
        codings = codings.drop(columns="memo")
    codings = codings.astype({"start": "int64", "end": "int64", "score": "float64"})
    codings = codings.sort_values(["doc_id", "start", "end", "code"]).reset_index(drop=True)
    table = pd.DataFrame(problems, columns=["row", "doc_id", "kind", "detail"])
    table = table.drop_duplicates().sort_values(["row", "kind"], kind="stable")
    return SheetImport(codings, table.reset_index(drop=True), book, unit)


def _is_number(text: str) -> bool:
    try:
        return float(text) != 0
    except ValueError:
        return False


__all__ = [
    "LAYOUTS",
    "PROBLEM_KINDS",
    "SheetError",
    "SheetImport",
    "read_sheet",
    "sheet_frame",
    "write_sheet",
]
