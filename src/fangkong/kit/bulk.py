"""Fast bulk inserts of plain rows: the DB-API directly, without per-value ORM type processing.

SQLite gets one executemany of tuples (dates as the ISO text SQLAlchemy itself stores there);
PostgreSQL gets COPY. Large loads into a table that the load at least doubles rebuild the table's
secondary indexes afterwards, which on SQLite costs less than maintaining them row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, timezone
from typing import TypeVar

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

# SQLAlchemy's SQLite storage formats for DATE and DATETIME (sqlalchemy.dialects.sqlite.DATE/DATETIME).
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
REBUILD_INDEXES_FROM = 100_000
IN_LIST = 5_000  # values per IN (...) list: well under PostgreSQL's and SQLite's bound-parameter limits
T = TypeVar("T")


def chunks(values: Iterable[T], size: int = IN_LIST) -> Iterator[list[T]]:
    """`values` in lists of at most `size`, for queries that filter on a long IN (...) list."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.strftime(_SQLITE_DATETIME)


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_converters(table: Table, columns: list[str]) -> list[Callable | None]:
    """Per column: how to turn a Python value into what SQLAlchemy would store on SQLite (None: as is)."""
    out = []
    for name in columns:
        column_type = table.columns[name].type
        column_type = getattr(column_type, "impl_instance", column_type)  # a TypeDecorator's own type
        try:
            python_type = column_type.python_type
        except NotImplementedError:
            python_type = None
        out.append(_sqlite_datetime if python_type is datetime else _sqlite_date if python_type is date else None)
    return out


def _sqlite_tuples(rows: Sequence[dict], columns: list[str], converters: list[Callable | None]) -> list[tuple]:
    plain = [c for c, f in zip(columns, converters) if f is None]
    if len(plain) == len(columns):
        return [tuple(r[c] for c in columns) for r in rows]
    memo: dict = {}  # the same timestamp (created_at of a batch) is formatted once

    def convert(f, v):
        key = (f, v)
        if key not in memo:
            memo[key] = f(v)
        return memo[key]

    pairs = list(zip(columns, converters))
    return [tuple(r[c] if f is None else convert(f, r[c]) for c, f in pairs) for r in rows]


def insert_rows(
    session: Session, table: Table, rows: Sequence[dict], *, chunk: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Insert `rows` (dicts with every column of `table` that matters) in the session's transaction."""
    if not rows:
        return
    columns = [c.name for c in table.columns if c.name in rows[0]]
    connection = session.connection()
    dialect = connection.dialect.name
    rebuild = dialect == "sqlite" and len(rows) >= REBUILD_INDEXES_FROM and \
        len(rows) >= (session.scalar(select(func.count()).select_from(table)) or 0)
    indexes = [ix for ix in table.indexes if not ix.unique] if rebuild else []
    for index in indexes:
        index.drop(connection)
    converters = _sqlite_converters(table, columns) if dialect == "sqlite" else []
    raw = connection.connection.driver_connection
    cursor = raw.cursor()
    try:
        for start in range(0, len(rows), chunk):
            part = rows[start:start + chunk]
            if dialect == "sqlite":
                sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                cursor.executemany(sql, _sqlite_tuples(part, columns, converters))
            else:
                with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for r in part:
                        copy.write_row([r[c] for c in columns])
            if progress:
                progress(min(start + chunk, len(rows)), len(rows))
    finally:
        cursor.close()
    for index in indexes:
        index.create(connection)
