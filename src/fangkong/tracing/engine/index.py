"""Reading an index file (CSV or Parquet: person_id, window_start, window_end) with its problems
by row and field, the same checks as a batch (validate.py) plus one window per person."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from fangkong.screening.engine import DEFAULT_TIMEZONE
from fangkong.screening.engine.duckdb_engine import DuckDBRunner
from fangkong.screening.engine.model import MAX_PROBLEMS, Problem
from fangkong.screening.engine.run import SourceError
from fangkong.tracing.engine import validate
from fangkong.tracing.engine.model import INDEX_SCHEMA

COLUMNS = {"person_id": "id", "window_start": "ts_or_date", "window_end": "ts_or_date"}  # a date: its midnight


def read_index(path: Path, *, timezone: str = DEFAULT_TIMEZONE,
               max_problems: int = MAX_PROBLEMS) -> tuple[pa.Table, list[Problem]]:
    """(index in INDEX_SCHEMA, problems); with any problem the table is empty."""
    label, empty = Path(path).name, INDEX_SCHEMA.empty_table()
    runner = DuckDBRunner(timezone=timezone)
    try:
        try:
            source = runner.source("index", Path(path), label)
        except SourceError as exc:
            return empty, [Problem(label, 0, "", f"cannot read the file: {exc}")]
        missing = validate.missing_columns(source, COLUMNS)
        if missing:
            return empty, [Problem(label, 0, name, "column missing") for name in missing]
        try:
            runner.create_typed("t", validate.typed_sql(source, COLUMNS), source=source, materialize=True)
        except SourceError as exc:
            return empty, [Problem(label, 0, "", f"cannot read the file: {exc}")]
        checks = validate.checks_sql("t", COLUMNS, start="window_start", end="window_end", max_hours=None)
        repeated = ("SELECT _row, 'person_id' AS field, 'the person is listed on an earlier row' AS message FROM "
                    "(SELECT _row, row_number() OVER (PARTITION BY person_id ORDER BY _row) AS k FROM t "
                    "WHERE person_id IS NOT NULL) d WHERE k > 1")
        rows = runner.con.execute(f"SELECT _row, field, message FROM ({checks} UNION ALL {repeated}) p "
                                  f"ORDER BY _row, field, message LIMIT {int(max_problems)}").fetchall()
        if rows:
            return empty, [Problem(label, r, f, m) for r, f, m in rows]
        table = runner.fetch("SELECT person_id, window_start, window_end FROM t ORDER BY _row")
        return pa.Table.from_arrays([table[n].cast(f.type) for n, f in zip(table.column_names, INDEX_SCHEMA)],
                                    schema=INDEX_SCHEMA), []
    finally:
        runner.close()
