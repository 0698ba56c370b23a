"""The SQL that differs between DuckDB and Spark, and the cell parsers built on it.

The screening rules are written once, as SQL text (validate.py, pools.py); only the pieces below
differ (stack-notes.md §4). Text cells are checked against the same regular expression on both
engines before they are cast, so a cell that one engine's cast would accept and the other's would
not (``2022-3-1 8:00``, ``1e3``) is rejected by both, and both report the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

# Kinds of source column, from the engine's own schema: a CSV gives text everywhere, a Parquet
# file or Arrow table from the simulator gives integers, doubles and timestamps.
TEXT, INT, NUM, TS, DATE, OTHER = "text", "int", "num", "ts", "date", "other"

# "2022-03-01 08:00:00" or ISO 8601 ("2022-03-01T08:00:00.123+08:00"); a time of day is required.
TIMESTAMP_RE = "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?"
# The two layouts labs send almost always; they skip the regular expression and the zone
# conversion (a third of the load time of a 10M-row file) and are cast directly.
COMMON_LAYOUTS = ("____-__-__ __:__:__", "____-__-__T__:__:__")
NUMBER_RE = "[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)"


@dataclass(frozen=True)
class Dialect:
    name: str
    text: str  # the string type
    timestamp: str  # the zone-less timestamp type: local wall time
    full_match: str  # {x} matches the whole of pattern {p}
    # Text to local time. The session time zone is the platform's, so a cell without a zone is
    # read as local time and a cell with one is converted to local time.
    parse_timestamp: str
    naive_timestamp: str  # a cell in one of COMMON_LAYOUTS (no zone)
    micros_between: str  # {a} to {b} in microseconds, as an integer
    quote: str  # identifier quote

    def matches(self, expr: str, pattern: str) -> str:
        return self.full_match.format(x=expr, p=pattern)

    def ident(self, name: str) -> str:
        return f"{self.quote}{name.replace(self.quote, self.quote * 2)}{self.quote}"


DUCKDB = Dialect(
    name="duckdb", text="VARCHAR", timestamp="TIMESTAMP",
    full_match="regexp_full_match({x}, '{p}')",
    parse_timestamp="CAST(try_cast({x} AS TIMESTAMPTZ) AS TIMESTAMP)", naive_timestamp="try_cast({x} AS TIMESTAMP)",
    micros_between="date_diff('microsecond', {a}, {b})", quote='"',
)
SPARK = Dialect(
    name="spark", text="STRING", timestamp="TIMESTAMP_NTZ",
    full_match="({x} RLIKE '^{p}$')",
    parse_timestamp="CAST(try_cast({x} AS TIMESTAMP) AS TIMESTAMP_NTZ)", naive_timestamp="try_cast({x} AS TIMESTAMP_NTZ)",
    micros_between="timestampdiff(MICROSECOND, {a}, {b})", quote="`",
)


def lit(text: str) -> str:
    """A SQL string literal. Messages are plain English without quotes or backslashes, which the
    two engines escape differently."""
    assert "'" not in text and "\\" not in text, text
    return f"'{text}'"


def as_text(d: Dialect, ref: str, kind: str) -> str:
    """The cell as trimmed text, NULL when empty. Trimming only cells that start or end with a
    space halves its cost, and cells almost never do."""
    if kind != TEXT:
        return f"CAST({ref} AS {d.text})"
    return f"CASE WHEN {ref} LIKE ' %' OR {ref} LIKE '% ' THEN NULLIF(trim({ref}), '') ELSE NULLIF({ref}, '') END"


def as_id(d: Dialect, ref: str, kind: str, *, integer: bool) -> str:
    """An identifier: BIGINT when every file holding this key has it as an integer, else text."""
    return f"CAST({ref} AS BIGINT)" if integer else as_text(d, ref, kind)


def as_timestamp(d: Dialect, ref: str, kind: str, text: str) -> str:
    """Local wall time; `text` is the column's text expression (an alias of as_text)."""
    if kind in (TS, DATE):
        return f"CAST({ref} AS {d.timestamp})"
    if kind != TEXT:
        return f"CAST(NULL AS {d.timestamp})"
    common = " OR ".join(f"{text} LIKE '{layout}'" for layout in COMMON_LAYOUTS)
    return (f"CASE WHEN {common} THEN {d.naive_timestamp.format(x=text)} "
            f"WHEN {d.matches(text, TIMESTAMP_RE)} THEN {d.parse_timestamp.format(x=text)} END")


def as_number(d: Dialect, ref: str, kind: str, text: str) -> str:
    if kind in (INT, NUM):
        return f"CAST({ref} AS DOUBLE)"
    if kind != TEXT:
        return "CAST(NULL AS DOUBLE)"
    return f"CASE WHEN {d.matches(text, NUMBER_RE)} THEN try_cast({text} AS DOUBLE) END"


def as_choice(text: str, values: dict[str, str]) -> str:
    """The canonical value of a lower-cased cell, NULL when it is none of `values`."""
    whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in values.items())
    return f"CASE lower({text}) {whens} END"
