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

Encoding detection (CSV only; XLSX stores Unicode):

* UTF-8 with BOM -> ``'utf-8-sig'``; strict UTF-8 -> ``'utf-8'``;
* otherwise the Chinese legacy families: ``'gb18030'`` (superset of GBK /
  GB2312, never plain ``gbk``) or ``'big5'`` (``cp950`` / ``big5hkscs`` as
  fallback codecs, still reported as ``'big5'``).  Both families are tried
  strictly; when both succeed the decoding with fewer implausible characters
  wins (:func:`uncommon_char_count`); a tie goes to charset_normalizer when
  there is enough text for it to judge, else to GB18030 (on a few characters
  charset_normalizer leans to Big5 even for GBK bytes).

Every non-ASCII cell is checked for mojibake (see :func:`mojibake_problem`);
pure-ASCII files and rows made only of ASCII and frequent Chinese characters
take a fast path, so a million-row file reads in a few seconds.

Pure engine code: no web framework or ORM imports.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gc
import hashlib
import io
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["RowError", "TableError", "Table", "read_table", "mojibake_problem", "uncommon_char_count"]

SUPPORTED_SUFFIXES = (".csv", ".txt", ".xlsx")
_MAX_QUOTE = 30          # characters of a bad cell quoted in a message
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
# Character classes and plausibility scoring
# --------------------------------------------------------------------------- #

# Punctuation / symbols that are perfectly normal in Chinese text.
_COMMON_PUNCT_RANGES = (
    "\u00b7"             # middle dot (transliterated names: 阿卜杜拉·买买提)
    "\u2010-\u2027"      # dashes, curly quotes, bullet, ellipsis
    "\u2030\u203b"       # per mille, reference mark ※
    "\u3000-\u303f"      # CJK symbols and punctuation (、。〈〉《》「」【】〔〕)
    "\uff00-\uffef"      # full-width ASCII and half-width forms
)
_CJK = "\u4e00-\u9fff"

# Everything that is neither ASCII, common CJK punctuation nor a CJK ideograph.
_UNUSUAL_RE = re.compile(f"[^\x00-\x7f{_COMMON_PUNCT_RANGES}{_CJK}]")
_HAS_CJK_RE = re.compile(f"[{_CJK}]")
_LATIN1_HIGH_RE = re.compile("[\u00c0-\u00ff]")
_GARBAGE_SEQUENCES = ("锟斤拷", "烫烫烫", "屯屯屯")


def _decode_range(codec: str, leads: range, trails: Sequence[range]) -> frozenset[str]:
    out: set[str] = set()
    for lead in leads:
        for trail_range in trails:
            for trail in trail_range:
                try:
                    ch = bytes((lead, trail)).decode(codec)
                except UnicodeDecodeError:
                    continue
                if len(ch) == 1 and "\u4e00" <= ch <= "\u9fff":
                    out.add(ch)
    return frozenset(out)


@lru_cache(maxsize=None)
def _frequent_sets() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(GB2312 level-1, Big5 frequently-used, union) ideographs.

    GB2312 level 1 (B0A1-D7F9) holds the 3,755 most frequent simplified
    characters; Big5 A440-C67E holds the 5,401 frequently used traditional ones.
    Text decoded with the wrong legacy codec, and mojibake, are dominated by
    characters outside these sets.
    """
    gb = _decode_range("gb2312", range(0xB0, 0xD8), (range(0xA1, 0xFF),))
    big5 = _decode_range("big5", range(0xA4, 0xC7), (range(0x40, 0x7F), range(0xA1, 0xFF)))
    return gb, big5, gb | big5


@lru_cache(maxsize=None)
def _rare_re(which: str) -> re.Pattern[str]:
    gb, big5, both = _frequent_sets()
    frequent = {"gb": gb, "big5": big5, "any": both}[which]
    chars = "".join(sorted(frequent))
    # A character is "rare" when it is a CJK ideograph outside the frequent set
    # or anything else that is not ASCII / common punctuation.
    return re.compile(f"[^\x00-\x7f{_COMMON_PUNCT_RANGES}{re.escape(chars)}]")


@lru_cache(maxsize=None)
def _latin_lead_chars() -> frozenset[str]:
    """Characters whose GBK code is C3 80-BF: GBK's reading of UTF-8 'À'-'ÿ' ('é' -> '茅')."""
    out = set()
    for trail in range(0x80, 0xC0):
        try:
            out.add(bytes((0xC3, trail)).decode("gb18030"))
        except UnicodeDecodeError:
            pass
    return frozenset(out)


@lru_cache(maxsize=None)
def _suspect_re(with_sequences: bool = True) -> re.Pattern[str]:
    """Matches anything that could make a cell mojibake; genuine text rarely matches.

    Every detector needs at least one of: a character outside ASCII, common
    punctuation and the frequent ideographs (GBK mojibake characters, U+FFFD,
    Latin-1 letters...), a character GBK decodes from a UTF-8 'À'-'ÿ' ('Jos茅'),
    or one of the garbage sequences (made of frequent characters, so listed
    separately; callers that know the text has none pass ``False``, which
    leaves a single character class that the regex engine scans fast).
    """
    chars = "".join(sorted(_frequent_sets()[2] - _latin_lead_chars()))
    pattern = f"[^\x00-\x7f{_COMMON_PUNCT_RANGES}{re.escape(chars)}]"
    if with_sequences:
        pattern += "|" + "|".join(_GARBAGE_SEQUENCES)
    return re.compile(pattern)


def uncommon_char_count(text: str, frequent: str | None = None) -> int:
    """How many characters of *text* are implausible in Chinese/ASCII data.

    With ``frequent=None`` a character counts as uncommon when it is outside
    ASCII, common CJK punctuation and the CJK Unified Ideographs block
    (U+4E00-U+9FFF).  With ``frequent`` = ``'gb'`` / ``'big5'`` / ``'any'``,
    ideographs outside GB2312 level 1 / Big5 frequently-used / either also
    count, which separates the right legacy decoding from the wrong one even
    when both produce nothing but ideographs.
    """
    pattern = _UNUSUAL_RE if frequent is None else _rare_re(frequent)
    return sum(1 for _ in pattern.finditer(text))


def _decoding_score(text: str, codec_family: str) -> int:
    # Score a bounded prefix: enough to decide, cheap on 100 MB files.
    sample = text[:200_000]
    return uncommon_char_count(sample) + uncommon_char_count(sample, codec_family)


# --------------------------------------------------------------------------- #
# Encoding detection
# --------------------------------------------------------------------------- #


def _charset_normalizer_family(raw: bytes) -> str:
    """'big5' when charset_normalizer thinks the bytes are Big5/CP950, else 'gb18030'."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - declared dependency
        return "gb18030"
    sample = raw
    if len(raw) > 256_000:
        # Cut at a newline: 0x0A is never a trail byte in GBK or Big5.
        cut = raw.rfind(b"\n", 0, 256_000)
        sample = raw[: cut + 1] if cut > 0 else raw[:256_000]
    try:
        best = from_bytes(sample).best()
    except Exception:  # pragma: no cover - detector failure must not break import
        return "gb18030"
    enc = (best.encoding if best is not None else "") or ""
    enc = enc.lower().replace("-", "_")
    return "big5" if enc in ("big5", "cp950", "big5hkscs", "big5_hkscs") else "gb18030"


def _strict(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return None


def _decode_csv_bytes(raw: bytes) -> tuple[str, str] | None:
    """Return (text, encoding name) or None when nothing decodes strictly."""
    if raw.startswith(codecs.BOM_UTF8):
        text = _strict(raw[3:], "utf-8")
        if text is not None:
            return text, "utf-8-sig"
        raw = raw[3:]  # a BOM in front of legacy bytes: ignore it
    else:
        text = _strict(raw, "utf-8")
        if text is not None:
            return text, "utf-8"

    candidates: dict[str, str] = {}
    gb = _strict(raw, "gb18030")
    if gb is not None:
        candidates["gb18030"] = gb
    big5 = None
    for codec in ("big5", "cp950", "big5hkscs"):  # Windows and Hong Kong supersets
        big5 = _strict(raw, codec)
        if big5 is not None:
            break
    if big5 is not None:
        candidates["big5"] = big5

    if not candidates:
        return None
    if len(candidates) == 1:
        (enc, text), = candidates.items()
        return text, enc
    gb_score = _decoding_score(candidates["gb18030"], "gb")
    big5_score = _decoding_score(candidates["big5"], "big5")
    if gb_score != big5_score:
        enc = "gb18030" if gb_score < big5_score else "big5"
    elif _non_ascii_count(candidates["gb18030"]) >= _MIN_CHARS_FOR_DETECTOR:
        # Plenty of text and still a tie: defer to charset_normalizer.
        enc = _charset_normalizer_family(raw)
    else:
        # A few characters that are plausible either way ('北京' is valid
        # Big5 for '控儔'): charset_normalizer is unreliable on so little
        # text (it leans to Big5), so take GB18030, by far the most common
        # legacy encoding of files reaching this platform.
        enc = "gb18030"
    return candidates[enc], enc


_MIN_CHARS_FOR_DETECTOR = 32


def _non_ascii_count(text: str, limit: int = 200_000) -> int:
    sample = text[:limit]
    return len(sample) - len(sample.encode("ascii", "ignore"))


# --------------------------------------------------------------------------- #
# Mojibake detection
# --------------------------------------------------------------------------- #


def _quote(text: str) -> str:
    text = text.strip()
    if len(text) > _MAX_QUOTE:
        text = text[:_MAX_QUOTE] + "…"
    return repr(text)


def _plausible_gbk_repair(fixed: str, original: str) -> bool:
    """Is *fixed* (original re-encoded as GB18030, read as UTF-8) a believable repair?

    Genuine Chinese text almost never re-encodes to valid UTF-8; when it does
    by accident the result is a string of rare or non-Chinese characters.  A
    real repair is made of normal characters and is *more* common than the
    garbled original (mojibake characters come from GBK's rarely used areas).
    """
    non_ascii = [c for c in fixed if c > "\x7f"]
    if not non_ascii:
        return False
    if _HAS_CJK_RE.search(fixed):
        if _UNUSUAL_RE.search(fixed):
            return False
        return uncommon_char_count(fixed, "any") < uncommon_char_count(original, "any")
    # UTF-8 Latin text read as GBK ('José' -> 'Jos茅'): accept only Latin-1
    # letters, and only when the cell also contains ASCII letters (a lone
    # Chinese character such as '毛' re-encodes to UTF-8 'ë' by accident).
    if all("\u00c0" <= c <= "\u00ff" and c not in "\u00d7\u00f7" for c in non_ascii):
        return any(c.isascii() and c.isalpha() for c in original)
    return False


def _repair_utf8_read_as_gbk(text: str) -> str | None:
    try:
        data = text.encode("gb18030")
    except UnicodeEncodeError:
        return None
    try:
        fixed = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if fixed == text or not _plausible_gbk_repair(fixed, text):
        return None
    return fixed


def _repair_truncated_gbk(text: str) -> str | None:
    """Repair for GBK mojibake whose last UTF-8 byte was lost ('鐜嬪皬鏄�' -> '王小')."""
    core = text.rstrip().rstrip("\ufffd?")
    if not core or core == text.rstrip() or core.isascii():
        return None
    try:
        data = core.encode("gb18030")
    except UnicodeEncodeError:
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        prefix = decoder.decode(data, final=False)
    except UnicodeDecodeError:
        return None
    if prefix == core or len(_HAS_CJK_RE.findall(prefix)) < 1:
        return None
    if not _plausible_gbk_repair(prefix, core):
        return None
    return prefix


def _latin1_bytes(text: str) -> bytes | None:
    try:
        return text.encode("cp1252")
    except UnicodeEncodeError:
        pass
    out = bytearray()
    for ch in text:
        o = ord(ch)
        if o < 0x100:
            out.append(o)  # incl. C1 controls, which cp1252 leaves undefined
        else:
            try:
                out += ch.encode("cp1252")
            except UnicodeEncodeError:
                return None
    return bytes(out)


# A space right after a Latin-1 letter/symbol: in 'å¼ ä¸‰' the space was a
# no-break space (byte A0, the end of '张' = E5 BC A0) until an editor or a copy
# and paste normalised it.
_NBSP_LOST_RE = re.compile("(?<=[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2122]) ")


def _repair_utf8_read_as_latin1(text: str) -> str | None:
    fixed = _repair_latin1_rounds(text)
    if fixed is None and " " in text:
        fixed = _repair_latin1_rounds(_NBSP_LOST_RE.sub("\u00a0", text))
        # Guessing the lost byte is only safe when it lands inside Chinese
        # text: Irish 'Ó Briain' would otherwise "repair" to 'ӠBriain'.
        if fixed is not None and (not _HAS_CJK_RE.search(fixed) or _UNUSUAL_RE.search(fixed)):
            fixed = None
    return fixed


def _repair_latin1_rounds(text: str) -> str | None:
    fixed = text
    for _ in range(3):  # undo up to three rounds of double encoding
        data = _latin1_bytes(fixed)
        if data is None:
            break
        try:
            again = data.decode("utf-8")
        except UnicodeDecodeError:
            break
        if again == fixed:
            break
        fixed = again
        if not _LATIN1_HIGH_RE.search(fixed):
            break
    return fixed if fixed != text else None


def mojibake_problem(text: str) -> str | None:
    """Describe why *text* looks like garbage from a wrong encoding conversion, or None.

    Pure ASCII can never be mojibake; callers may skip it with ``str.isascii``.
    """
    if text.isascii() or _suspect_re().search(text) is None:
        return None
    if "\ufffd" in text:
        fixed = _repair_truncated_gbk(text)
        if fixed:
            return (
                f"text looks like mojibake (UTF-8 read as GBK, last character lost): "
                f"{_quote(text)}; did you mean {_quote(fixed)}… (the rest cannot be recovered)?"
            )
        return (
            f"text contains U+FFFD replacement characters (characters were lost in an "
            f"earlier encoding conversion): {_quote(text)}; expected the original text"
        )
    for seq in _GARBAGE_SEQUENCES:
        if seq in text:
            return (
                f"text contains the garbage sequence {seq!r}, left by a broken encoding "
                f"conversion or uninitialised memory: {_quote(text)}; expected the original text"
            )
    if _LATIN1_HIGH_RE.search(text):
        fixed = _repair_utf8_read_as_latin1(text)
        if fixed is not None:
            return (
                f"text looks like mojibake (UTF-8 read as Latin-1/Windows-1252): "
                f"{_quote(text)}; did you mean {_quote(fixed)}?"
            )
    fixed = _repair_utf8_read_as_gbk(text)
    if fixed is not None:
        return (
            f"text looks like mojibake (UTF-8 read as GBK): {_quote(text)}; did you mean {_quote(fixed)}?"
        )
    if text.rstrip().endswith("?"):
        fixed = _repair_truncated_gbk(text)
        if fixed:
            return (
                f"text looks like mojibake (UTF-8 read as GBK, last character lost): "
                f"{_quote(text)}; did you mean {_quote(fixed)}… (the rest cannot be recovered)?"
            )
    return None


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
            wb = _open_xlsx(raw, path_str)
            try:
                return _build_table(path_str, "xlsx", sha256, _xlsx_records(wb, path_str), required,
                                    row_filter=_suspect_re().search, pad_short=True)
            finally:
                wb.close()

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
    finally:
        if gc_was_enabled:
            gc.enable()


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

    # ---- header: the first non-blank record --------------------------------
    numbered = enumerate(records, start=1)
    header_row = 0
    raw_header: list[str] | None = None
    for rowno, cells in numbered:
        if isinstance(cells, RowError):
            errors.append(cells)
            continue
        if any(c.strip() for c in cells):
            header_row, raw_header = rowno, cells
            break
    if raw_header is None:
        errors.append(RowError(0, None, "file has no header row (it is empty)"))
        raise TableError(path, errors)

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

    # ---- data rows (the hot loop) -----------------------------------------
    ncols = len(columns)
    rows: list[tuple[int, dict[str, str]]] = []
    append = rows.append
    strip = str.strip
    join = "\x00".join
    for rowno, cells in numbered:
        if cells.__class__ is not list:  # a RowError from the reader
            errors.append(cells)
            continue
        n = len(cells)
        if n != ncols:
            if pad_short:
                if n < ncols:
                    cells = cells + [""] * (ncols - n)
                else:
                    extra = [i for i in range(ncols, n) if cells[i].strip()]
                    if extra:
                        errors.append(RowError(rowno, None,
                            f"row has a value in column {extra[0] + 1} but the header has only "
                            f"{ncols} columns; expected values only under named columns"))
                        continue
                    cells = cells[:ncols]
            else:
                if not "".join(cells).strip():
                    continue  # blank line, or separators only
                errors.append(RowError(rowno, None,
                    f"row has {n} fields but the header has {ncols}; expected exactly {ncols} "
                    f"(check for unquoted commas or missing fields)"))
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

    if errors:
        raise TableError(path, errors)
    return Table(path=path, encoding=encoding, columns=columns, sha256=sha256, rows=rows)
