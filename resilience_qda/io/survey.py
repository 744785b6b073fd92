"""Survey and spreadsheet exports (CSV, TSV, XLSX) read one row at a time.

A survey export has one row per respondent: an id column, free-text answer columns, other
answers (age group, region, ...) and, once coders have been at work, code columns. This
module only reads: :func:`open_table` gives the header and an iterator of rows without
holding the file in memory (CSV and TSV are streamed; an XLSX's rows are streamed, though
openpyxl keeps its table of shared strings in memory). Qualtrics' second and third header
rows (question texts, ``{"ImportId": ...}``) are recognised and skipped.
:mod:`resilience_qda.io.survey_import` turns the rows into documents and codings.
"""

from __future__ import annotations

import codecs
import csv
import fnmatch
import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import ReadError
from .container import ZipLimits, check_package

#: Largest CSV or TSV read (a survey of 500,000 respondents is about 500 MB).
MAX_CSV_BYTES = 4 * 1024**3
#: Largest total an XLSX may unpack to, and its shared-strings table (held in memory).
MAX_XLSX_BYTES = 1024**3
MAX_SHARED_STRINGS_BYTES = 512 * 1024**2
#: Longest cell read (Excel keeps at most 32,767 characters in a cell).
MAX_CELL = 1_000_000
#: Marks that code an answer with the column's own name (``1``, ``x``, ``yes``) or not.
TRUE_MARKS = {"1", "x", "yes", "y", "true", "✓", "✔", "•", "*", "+"}
FALSE_MARKS = {"", "0", "no", "n", "false", "-", "–", "none", "nan"}
_SPLIT = re.compile(r"[;\n]")


@dataclass
class Table:
    """An open spreadsheet: ``header`` and ``rows`` (an iterator of ``(row number, cells)``
    with the row number as a spreadsheet shows it, the header being row 1)."""

    path: Path
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    close: object = None

    def column(self, name: str, *, what: str) -> int:
        """The index of the column ``name`` (exact, else the only case-insensitive match)."""
        wanted = name.strip()
        if wanted in self.header:
            return self.header.index(wanted)
        folded = [i for i, h in enumerate(self.header) if h.casefold() == wanted.casefold()]
        if len(folded) == 1:
            return folded[0]
        shown = ", ".join(repr(h) for h in self.header[:30])
        more = f" and {len(self.header) - 30} more" if len(self.header) > 30 else ""
        raise ReadError(f"{self.path}: has no {what} {name!r}; its columns are {shown}{more}")

    def matching(self, pattern: str) -> list[int]:
        """Indexes of the columns whose names match a glob pattern such as ``Code *``
        (case-insensitive)."""
        return [
            i
            for i, h in enumerate(self.header)
            if fnmatch.fnmatch(h.casefold(), pattern.casefold())
        ]


def _sniff_encoding(head: bytes, name: str) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise ReadError(f"{name}: looks like a binary file (it contains NUL bytes), not a CSV")
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut at the end of the sample
            return "utf-8"
    return "cp1252"  # what Excel writes as "CSV" on Windows


def _csv_rows(path: Path, delimiter: str | None, encoding: str | None) -> Table:
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise ReadError(f"{path}: is {size:,} bytes; refusing CSV files over {MAX_CSV_BYTES:,}")
    fh = open(path, "rb")  # noqa: SIM115 -- closed by the Table's close
    head = fh.read(1 << 20)
    if not head.strip():
        fh.close()
        raise ReadError(f"{path}: the file is empty; nothing to read")
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF")):
        fh.close()
        raise ReadError(
            f"{path}: is not a CSV file (it is binary: an Excel workbook? save it as .xlsx "
            "or CSV UTF-8)"
        )
    fh.seek(0)
    enc = encoding or _sniff_encoding(head, str(path))
    text = io.TextIOWrapper(fh, encoding=enc, newline="")
    sample = head.decode(enc.replace("-sig", ""), errors="ignore")
    if delimiter is None:
        if path.suffix.lower() == ".tsv":
            delimiter = "\t"
        else:
            first = sample.lstrip("\ufeff").split("\n", 1)[0]
            counts = {d: first.count(d) for d in (",", ";", "\t")}
            delimiter = max(counts, key=counts.get) if max(counts.values()) else ","
    csv.field_size_limit(MAX_CELL)
    reader = csv.reader(text, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for cells in reader:
                yield reader.line_num, cells
        except UnicodeDecodeError as exc:
            raise ReadError(
                f"{path}: is not {enc} text after line {reader.line_num} ({exc.reason}); "
                "save it as CSV UTF-8, or give the encoding"
            ) from None
        except csv.Error as exc:
            raise ReadError(f"{path}, line {reader.line_num}: not valid CSV ({exc})") from None

    iterator = rows()
    try:
        _, header = next(iterator)
    except StopIteration:
        text.close()
        raise ReadError(f"{path}: the file is empty; nothing to read") from None
    return Table(path, [h.strip().lstrip("\ufeff") for h in header], iterator, text.close)


def _check_xlsx(path: Path) -> None:
    """Refuse zip bombs and XML with a DTD before openpyxl reads anything
    (:func:`resilience_qda.io.container.check_package`), and a shared-strings table too
    large to hold in memory."""
    if not zipfile.is_zipfile(path):
        raise ReadError(f"{path}: not an .xlsx file (an .xlsx is a zip archive; this is not one)")
    limits = ZipLimits(max_member_size=MAX_XLSX_BYTES, max_total_size=MAX_XLSX_BYTES)
    check_package(path, kind="spreadsheet (.xlsx)", required=("xl/workbook.xml",), limits=limits)
    with zipfile.ZipFile(path) as zf:
        shared = sum(
            i.file_size for i in zf.infolist() if i.filename.lower().endswith("sharedstrings.xml")
        )
    if shared > MAX_SHARED_STRINGS_BYTES:
        raise ReadError(
            f"{path}: its shared strings claim {shared:,} bytes, which would be held in "
            f"memory; refusing more than {MAX_SHARED_STRINGS_BYTES:,}. Save the sheet as CSV "
            "UTF-8"
        )


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _xlsx_rows(path: Path, sheet: str | None) -> Table:
    _check_xlsx(path)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on broken files
        raise ReadError(f"{path}: cannot be opened as a spreadsheet ({exc})") from None
    if sheet is not None and sheet not in wb.sheetnames:
        wb.close()
        raise ReadError(f"{path}: has no sheet {sheet!r}; its sheets are {wb.sheetnames}")
    ws = wb[sheet] if sheet is not None else wb.worksheets[0]

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                yield number, [_cell(v) for v in values]
        except ReadError:
            raise
        except Exception as exc:  # broken sheet XML
            raise ReadError(f"{path}: the sheet cannot be read ({exc})") from None

    iterator = rows()
    try:
        _, header = next(iterator)
    except StopIteration:
        wb.close()
        raise ReadError(f"{path}: the sheet is empty; nothing to read") from None
    while header and not header[-1].strip():
        header.pop()
    return Table(path, [h.strip() for h in header], iterator, wb.close)


def open_table(
    path: str | os.PathLike,
    *,
    sheet: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> Table:
    """Open a CSV, TSV or XLSX file for reading row by row.

    The CSV encoding is detected (UTF-8 with or without BOM, UTF-16, else Windows-1252) and
    the delimiter guessed from the header line (``,``, ``;`` or tab). Blank rows and
    Qualtrics' extra header rows are skipped. Call ``table.close()`` when done.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = p.write_text("id;answer\\n1;Godt\\n\\n2;Svært\\n", encoding="utf-8")
    >>> t = open_table(p)
    >>> t.header, list(t.rows)
    (['id', 'answer'], [(2, ['1', 'Godt']), (4, ['2', 'Svært'])])
    """
    path = Path(path)
    if not path.is_file():
        raise ReadError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        table = _xlsx_rows(path, sheet)
    elif suffix in (".csv", ".tsv", ".txt"):
        table = _csv_rows(path, delimiter, encoding)
    else:
        raise ReadError(f"{path}: a survey export is .csv, .tsv or .xlsx, not {suffix or 'none'!r}")
    if len(set(table.header)) < len(table.header):
        dupes = sorted({h for h in table.header if table.header.count(h) > 1 and h})
        if dupes:
            raise ReadError(
                f"{path}: the column name(s) {', '.join(map(repr, dupes))} appear more than "
                "once; rename them so that each column can be told apart"
            )
    table.rows = _skip_extra_headers(table.rows)
    return table


def _skip_extra_headers(rows: Iterator[tuple[int, list[str]]]):
    """Skip blank rows, and Qualtrics' question-text and ImportId rows at the top."""
    first: list[tuple[int, list[str]]] = []
    for item in rows:
        if not any(c.strip() for c in item[1]):
            continue
        first.append(item)
        if len(first) == 2:
            break
    if len(first) == 2 and _import_ids(first[1][1]):
        first = []  # row 2: question texts; row 3: {"ImportId": ...}
    elif first and _import_ids(first[0][1]):
        first = []
    yield from first
    for item in rows:
        if any(c.strip() for c in item[1]):
            yield item


def _import_ids(cells: list[str]) -> bool:
    filled = [c for c in cells if c.strip()]
    return bool(filled) and all(c.strip().startswith('{"ImportId"') for c in filled)


def code_labels(value: str, column: str) -> list[str]:
    """The code labels of one code cell: the column's own name for a mark (``1``, ``x``,
    ``yes``), nothing for an empty or negative mark, else the labels the cell names
    (several separated by ``;`` or new lines).

    >>> code_labels("Family support; Money", "Code 1")
    ['Family support', 'Money']
    >>> code_labels("x", "Family support"), code_labels("0", "Family support")
    (['Family support'], [])
    """
    text = value.strip()
    if text.casefold() in FALSE_MARKS:
        return []
    if text.casefold() in TRUE_MARKS:
        return [column]
    return [part.strip() for part in _SPLIT.split(text) if part.strip()]


__all__ = ["Table", "code_labels", "open_table"]
