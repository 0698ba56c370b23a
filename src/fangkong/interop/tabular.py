"""The one reader for tabular files (CSV / TSV / XLSX) used by every file import.

``read_table`` turns a file on disk into a :class:`Table` of stripped string
cells, or raises a single :class:`TableError` that lists *every* problem found
(undecodable bytes, mojibake, missing/duplicate/empty headers, ragged rows...),
each as a :class:`RowError` with the row number a person sees in a spreadsheet
(header = row 1, first data row = row 2).

Row numbers for CSV count *records*, not physical text lines: a quoted field
that spans several lines is still one row, exactly as Excel/WPS display it.
Blank records are skipped but still counted, so numbers stay aligned with what
a spreadsheet shows.

Encoding detection (CSV only; XLSX stores Unicode) lives in
:mod:`fangkong.interop.encoding`: UTF-8 (with or without BOM), else GB18030 or
Big5, whichever decodes to more plausible text.

Every non-ASCII cell is checked for mojibake (see :func:`mojibake_problem` in
:mod:`fangkong.interop.mojibake`); pure-ASCII files and rows made only of ASCII
and frequent Chinese characters take a fast path, so a million-row file reads
in a few seconds.

Pure engine code: no web framework or ORM imports.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import hashlib
import io
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from fangkong.interop.encoding import _decode_csv_bytes, uncommon_char_count
from fangkong.interop.mojibake import _GARBAGE_SEQUENCES, _suspect_re, mojibake_problem

__all__ = ["RowError", "TableError", "Table", "read_table", "mojibake_problem", "uncommon_char_count"]

SUPPORTED_SUFFIXES = (".csv", ".txt", ".xlsx")
_MAX_ERRORS_IN_MESSAGE = 5


# --------------------------------------------------------------------------- #
# Public types
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class RowError:
    """One problem in a file.

    ``row`` is the 1-based row as a person sees it in the spreadsheet (header is
    row 1, first data row is row 2); 0 means the file as a whole.  ``field`` is
    the column name, or ``None`` for whole-row / file-level problems.
    """

    row: int
    field: str | None
    message: str

    def __str__(self) -> str:
        if self.row <= 0:
            where = "file"
        else:
            where = f"row {self.row}"
        if self.field is not None:
            where += f", field {self.field!r}"
        return f"{where}: {self.message}"


class TableError(Exception):
    """A file that cannot be read at all or has bad rows; carries every problem found, not just the first."""

    def __init__(self, path: str, errors: list[RowError]):
        self.path = str(path)
        self.errors = list(errors)
        name = os.path.basename(self.path) or self.path
        n = len(self.errors)
        shown = "; ".join(str(e) for e in self.errors[:_MAX_ERRORS_IN_MESSAGE])
        more = f"; ... and {n - _MAX_ERRORS_IN_MESSAGE} more" if n > _MAX_ERRORS_IN_MESSAGE else ""
        plural = "problem" if n == 1 else "problems"
        super().__init__(f"{name}: {n} {plural}: {shown}{more}")

    def __reduce__(self):  # keep picklable (multiprocessing, task queues)
        return (type(self), (self.path, self.errors))


@dataclass
class Table:
    path: str
    encoding: str  # 'utf-8', 'utf-8-sig', 'gb18030', 'big5', or 'xlsx'
    columns: list[str]  # header names, stripped; BOM removed
    sha256: str  # of the raw file bytes (used for idempotent imports)
    rows: list[tuple[int, dict[str, str]]]  # (row number, {column: stripped value, '' for empty})


# --------------------------------------------------------------------------- #
# Readers: each yields one item per spreadsheet row, in order: the row's
# cells, or a RowError for a row that cannot be parsed (the row still counts)
# --------------------------------------------------------------------------- #

_Record = "list[str] | RowError"  # one record per spreadsheet row, in order


_FIRST_LINE_RE = re.compile(r"[\r\n]*([^\r\n]*)")


def _csv_records(text: str) -> Iterator[_Record]:
    first_line = _FIRST_LINE_RE.match(text).group(1)  # the header line, without copying the text
    delimiter = "\t" if ("\t" in first_line and "," not in first_line) else ","
    if '"' not in text:
        # No quote character anywhere: the csv module would split every line
        # on the delimiter and nothing else, so do exactly that, about twice
        # as fast (this is most machine-exported files).
        return _split_records(text, delimiter)
    return _quoted_csv_records(text, delimiter)


def _split_records(text: str, delimiter: str) -> Iterator[_Record]:
    if "\r" in text:  # same line ends as csv's universal newlines
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return (line.split(delimiter) for line in lines)


_FIELD_SIZE_LIMIT = 1 << 28  # characters; csv's default 131,072 is too small for GeoJSON cells


def _quoted_csv_records(text: str, delimiter: str) -> Iterator[_Record]:
    # The limit is process-wide; only ever raise it (harmless for other users).
    if csv.field_size_limit() < _FIELD_SIZE_LIMIT:
        csv.field_size_limit(_FIELD_SIZE_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rowno = 0
    while True:
        start_line = reader.line_num + 1
        try:
            for cells in reader:  # the hot loop: no per-row try/except setup
                rowno += 1
                yield cells
                start_line = reader.line_num + 1
            return
        except csv.Error as exc:
            rowno += 1
            msg = str(exc)
            if "unexpected end of data" in msg:
                msg = (
                    'unterminated quoted field: a \'"\' opened on this row is never closed, '
                    "so the rest of the file was swallowed into one cell; expected a closing '\"'"
                )
            elif "expected after" in msg:
                msg = (
                    "bad quoting: a closing '\"' must be followed by the delimiter or the end of "
                    "the line; write a literal '\"' inside a quoted field as '\"\"'"
                )
            else:
                msg = f"malformed CSV: {msg}"
            if start_line != rowno:
                msg += f" (text line {start_line} of the file)"
            yield RowError(rowno, None, msg)


def _xlsx_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return format(value, ".15g")  # Excel shows 15 significant digits
    if isinstance(value, dt.datetime):
        if value.microsecond >= 500_000:  # Excel serials carry float noise
            value = value + dt.timedelta(microseconds=1_000_000 - value.microsecond)
        value = value.replace(microsecond=0)
        if value.hour == value.minute == value.second == 0 and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.replace(microsecond=0).isoformat(timespec="seconds")
    return str(value)


def _open_xlsx(raw: bytes, path: str):
    import zipfile

    try:
        from openpyxl import load_workbook
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise TableError(path, [RowError(0, None, f"cannot read .xlsx files: {exc}")]) from exc
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise TableError(path, [RowError(0, None,
            "file is not a valid .xlsx workbook (not a ZIP archive; is it a CSV or an old .xls "
            "file renamed to .xlsx?); expected an Excel 2007+ .xlsx file")])
    try:
        return load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:
        raise TableError(path, [RowError(0, None,
            f"cannot open .xlsx workbook ({type(exc).__name__}: {exc}); expected an Excel 2007+ .xlsx file")]) from exc


def _xlsx_records(wb, path: str) -> Iterator[_Record]:
    sheets = wb.worksheets
    if not sheets:
        raise TableError(path, [RowError(0, None, "workbook has no worksheet")])
    ws = sheets[0]
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # stale <dimension> tags would truncate the sheet
    for values in ws.iter_rows(values_only=True):
        yield [_xlsx_cell(v) for v in values]



# --------------------------------------------------------------------------- #
# read_table
# --------------------------------------------------------------------------- #


def read_table(path: str | os.PathLike, *, required: Sequence[str] = ()) -> Table:
    """Read a .csv/.txt (comma or tab separated) or .xlsx file into a :class:`Table`.

    Raises :class:`TableError` carrying every problem found.
    """
    path_str = os.fspath(path)
    suffix = Path(path_str).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise TableError(path_str, [RowError(0, None,
            f"unsupported file type {suffix or '(no suffix)'!r}; supported formats: "
            ".csv or .txt (comma- or tab-separated text) and .xlsx (Excel 2007+)")])
    try:
        raw = Path(path_str).read_bytes()
    except OSError as exc:
        raise TableError(path_str, [RowError(0, None, f"cannot read file: {exc.strerror or exc}")]) from exc
    sha256 = hashlib.sha256(raw).hexdigest()

    # A million-row table is millions of new containers: pause the cyclic
    # garbage collector (nothing built here forms cycles) instead of letting it
    # rescan the growing heap every few hundred allocations.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        if suffix == ".xlsx":
            return _read_xlsx(path_str, raw, sha256, required)
        return _read_csv(path_str, raw, sha256, required)
    finally:
        if gc_was_enabled:
            gc.enable()


def _read_xlsx(path_str: str, raw: bytes, sha256: str, required: Sequence[str]) -> Table:
    wb = _open_xlsx(raw, path_str)
    try:
        return _build_table(path_str, "xlsx", sha256, _xlsx_records(wb, path_str), required,
                            row_filter=_suspect_re().search, pad_short=True)
    finally:
        wb.close()


def _read_csv(path_str: str, raw: bytes, sha256: str, required: Sequence[str]) -> Table:
    if not raw.strip():
        raise TableError(path_str, [RowError(0, None, "file is empty; expected a header row")])
    decoded = _decode_csv_bytes(raw)
    if decoded is None:
        raise TableError(path_str, [RowError(0, None,
            "cannot decode file as UTF-8, GB18030 or Big5; save it as UTF-8 CSV")])
    text, encoding = decoded
    if text.isascii():
        row_filter = None  # pure ASCII can never be mojibake
    elif any(seq in text for seq in _GARBAGE_SEQUENCES):
        row_filter = _suspect_re().search
    else:
        row_filter = _suspect_re(with_sequences=False).search
    return _build_table(path_str, encoding, sha256, _csv_records(text), required,
                        row_filter=row_filter, pad_short=False)


def _build_table(
    path: str,
    encoding: str,
    sha256: str,
    records: Iterator[_Record],
    required: Sequence[str],
    *,
    row_filter,
    pad_short: bool,
) -> Table:
    """Header checks, ragged rows, blank rows, stripping and mojibake checks.

    ``row_filter`` is a cheap regex search run once per row (on its cells
    joined by NUL); only rows it matches get the per-cell mojibake checks.
    ``None`` means the text is pure ASCII and needs no checks at all.
    """
    errors: list[RowError] = []
    numbered = enumerate(records, start=1)
    header_row, raw_header = _find_header(numbered, errors)
    if raw_header is None:
        errors.append(RowError(0, None, "file has no header row (it is empty)"))
        raise TableError(path, errors)
    columns = _check_header(header_row, raw_header, required, pad_short, errors)
    rows = _data_rows(numbered, columns, row_filter, pad_short, errors)
    if errors:
        raise TableError(path, errors)
    return Table(path=path, encoding=encoding, columns=columns, sha256=sha256, rows=rows)


def _find_header(numbered: Iterator[tuple[int, _Record]], errors: list[RowError]) -> tuple[int, list[str] | None]:
    """The header: the first non-blank record (reader errors before it are collected)."""
    for rowno, cells in numbered:
        if isinstance(cells, RowError):
            errors.append(cells)
            continue
        if any(c.strip() for c in cells):
            return rowno, cells
    return 0, None


def _check_header(
    header_row: int, raw_header: list[str], required: Sequence[str], pad_short: bool, errors: list[RowError]
) -> list[str]:
    """Column names from the header record; empty, duplicate, garbled or missing names go to *errors*."""
    if pad_short:  # spreadsheets: ignore trailing empty header cells (formatting)
        while raw_header and not raw_header[-1].strip():
            raw_header = raw_header[:-1]
    columns = [c.replace("\ufeff", "").strip() for c in raw_header]
    seen: dict[str, int] = {}
    for idx, (raw_name, name) in enumerate(zip(raw_header, columns), start=1):
        if not name:
            errors.append(RowError(header_row, None,
                f"column {idx} has an empty header; every column needs a name"))
            continue
        if name in seen:
            errors.append(RowError(header_row, name,
                f"duplicate column name (columns {seen[name]} and {idx}); column names must be unique"))
        else:
            seen[name] = idx
        problem = None if raw_name.isascii() else mojibake_problem(raw_name)
        if problem:
            errors.append(RowError(header_row, name, f"header {problem}"))
    for name in required:
        if name not in seen:
            errors.append(RowError(header_row, name, "missing required column"))
    return columns


def _fit_row(cells: list[str], rowno: int, ncols: int, pad_short: bool, errors: list[RowError]) -> list[str] | None:
    """A record whose length differs from the header's, fitted to it; None to skip it (error recorded, or blank)."""
    n = len(cells)
    if pad_short:
        if n < ncols:
            return cells + [""] * (ncols - n)
        extra = [i for i in range(ncols, n) if cells[i].strip()]
        if extra:
            errors.append(RowError(rowno, None,
                f"row has a value in column {extra[0] + 1} but the header has only "
                f"{ncols} columns; expected values only under named columns"))
            return None
        return cells[:ncols]
    if not "".join(cells).strip():
        return None  # blank line, or separators only
    errors.append(RowError(rowno, None,
        f"row has {n} fields but the header has {ncols}; expected exactly {ncols} "
        f"(check for unquoted commas or missing fields)"))
    return None


def _data_rows(
    numbered: Iterator[tuple[int, _Record]], columns: list[str], row_filter, pad_short: bool, errors: list[RowError]
) -> list[tuple[int, dict[str, str]]]:
    """The data records after the header (the hot loop): stripped, fitted, mojibake-checked."""
    cache: dict[str, str | None] = {}

    def check(value: str) -> str | None:
        try:
            return cache[value]
        except KeyError:
            pass
        problem = mojibake_problem(value)
        if len(cache) > 100_000:
            cache.clear()
        cache[value] = problem
        return problem

    ncols = len(columns)
    rows: list[tuple[int, dict[str, str]]] = []
    append = rows.append
    strip = str.strip
    join = "\x00".join
    for rowno, cells in numbered:
        if cells.__class__ is not list:  # a RowError from the reader
            errors.append(cells)
            continue
        if len(cells) != ncols:
            cells = _fit_row(cells, rowno, ncols, pad_short, errors)
            if cells is None:
                continue
        values = list(map(strip, cells))
        if not any(values):
            continue
        if row_filter is not None and row_filter(join(cells)) is not None:
            for i, c in enumerate(cells):
                if not c.isascii():
                    problem = check(c)
                    if problem:
                        errors.append(RowError(rowno, columns[i], problem))
        append((rowno, dict(zip(columns, values))))
    return rows
