"""Row checks of incoming files (check-in / presence batches, index files) as DuckDB SQL.

A file is registered by the screening engine's DuckDB runner (CSV all text, Parquet typed; rows
numbered as in the file) and typed here: integer ids and local timestamps through the screening
dialect's parsers (a zone-less cell is local time, a zoned one converted to it), plus
``<column>_bad`` holding the text of a cell that is present but unreadable. The checks are one
``SELECT _row, field, message`` per rule, unioned, so every problem names its row and field.
"""

from __future__ import annotations

from fangkong.screening.engine.dialect import DUCKDB, INT, NUM, TEXT, as_text, as_timestamp, lit
from fangkong.screening.engine.validate import Source

D = DUCKDB
ID_RE = "[+-]?[0-9]{1,18}"
DATE_RE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
EXPECTED = {"id": "an integer id", "ts": "a date and time (YYYY-MM-DD HH:MM:SS or ISO 8601)",
            "ts_or_date": "a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM:SS or ISO 8601)"}


def _as_id(ref: str, kind: str, text: str) -> str:
    if kind == INT:
        return f"CAST({ref} AS BIGINT)"
    if kind == NUM:  # ids written by tools that turn integer columns with gaps into doubles
        return f"CASE WHEN {ref} = round({ref}) AND abs({ref}) < 1e15 THEN CAST({ref} AS BIGINT) END"
    if kind != TEXT:
        return "CAST(NULL AS BIGINT)"
    return f"CASE WHEN {D.matches(text, ID_RE)} THEN CAST({text} AS BIGINT) END"


def _as_timestamp(ref: str, kind: str, text: str, *, dates: bool) -> str:
    """Local time; with `dates`, a bare date (YYYY-MM-DD) is its midnight."""
    parsed = as_timestamp(D, ref, kind, text)
    if not dates or kind != TEXT:
        return parsed
    return f"CASE WHEN {D.matches(text, DATE_RE)} THEN try_cast({text} AS TIMESTAMP) ELSE {parsed} END"


def missing_columns(source: Source, columns: dict[str, str]) -> list[str]:
    return [name for name in columns if name not in source.columns]


def typed_sql(source: Source, columns: dict[str, str]) -> str:
    """`columns`: name -> "id" | "ts" | "ts_or_date". Each becomes its parsed value and `<name>_bad`."""
    row = f"{source.row} AS _row, " if source.row else ""
    keep = "_row, " if source.row else ""
    level1, level2, level3 = [], [], []
    for name, role in columns.items():
        ref, kind = source.columns[name]
        level1 += [f"{ref} AS {name}_src", f"{as_text(D, ref, kind)} AS {name}_txt"]
        parsed = _as_id(f"{name}_src", kind, f"{name}_txt") if role == "id" else _as_timestamp(
            f"{name}_src", kind, f"{name}_txt", dates=role == "ts_or_date")
        level2 += [f"{parsed} AS {name}", f"{name}_txt"]
        level3 += [name, f"CASE WHEN {name} IS NULL THEN {name}_txt END AS {name}_bad"]
    q1 = f"SELECT {row}{', '.join(level1)} FROM {source.relation}"
    q2 = f"SELECT {keep}{', '.join(level2)} FROM ({q1}) q1"
    return f"SELECT {keep}{', '.join(level3)} FROM ({q2}) q2"


def _check(field: str, message: str, where: str, relation: str) -> str:
    return f"SELECT _row, {lit(field)} AS field, {message} AS message FROM {relation} WHERE {where}"


def checks_sql(relation: str, columns: dict[str, str], *, start: str, end: str, max_hours: float | None) -> str:
    """Every problem of the typed relation: missing and unreadable cells, an interval that ends
    before it starts or (with `max_hours`) lasts longer than that."""
    out = []
    for name, role in columns.items():
        expected = EXPECTED[role]
        out.append(_check(name, lit("missing value"), f"{name} IS NULL AND {name}_bad IS NULL", relation))
        unreadable = " || ".join([lit("cannot read "), f"{name}_bad", lit(f" as {expected}")])
        out.append(_check(name, unreadable, f"{name}_bad IS NOT NULL", relation))
    out.append(_check(end, lit(f"{end} is before {start}"), f"{end} < {start}", relation))
    if max_hours is not None:
        micros = D.micros_between.format(a=start, b=end)
        out.append(_check(end, lit(f"a stay longer than {max_hours:g} hours (from {start} to {end})"),
                          f"{micros} > {int(max_hours * 3600e6)}", relation))
    return " UNION ALL ".join(out)


def ok_condition(columns: dict[str, str], *, start: str, end: str, max_hours: float | None) -> str:
    """True for a row with no problem (the complement of checks_sql)."""
    parts = [f"{name} IS NOT NULL" for name in columns] + [f"{end} >= {start}"]
    if max_hours is not None:
        parts.append(f"{D.micros_between.format(a=start, b=end)} <= {int(max_hours * 3600e6)}")
    return " AND ".join(parts)
