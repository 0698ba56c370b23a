"""DuckDB runner: an in-process connection per round, reading CSV and Parquet itself.

Row numbers come from insertion order: with ``preserve_insertion_order`` (DuckDB's default) a
``CREATE TABLE … AS SELECT … FROM read_csv(…)`` stores rows in file order, so ``rowid + 1`` is
the data row a person sees in the file, with no extra column carried through the scan.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa

from fangkong.screening.engine.dialect import DATE, DUCKDB, INT, NUM, OTHER, TEXT, TS
from fangkong.screening.engine.run import Input, SourceError, first_line
from fangkong.screening.engine.validate import Source, canonical

_INTS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
_ids = itertools.count()
# DuckDB's own memory (tables, hash tables, sorts); beyond it, it spills to a temporary folder.
# A 10M-sample round then peaks at about 1.5 GB in all (the Arrow outputs live outside the
# limit) and takes ~5% longer than unbounded, which peaks at 2.2 GB (benchmarks/screening_round.py).
MEMORY_LIMIT = "768MB"


def kind_of(type_name: str) -> str:
    name = type_name.upper()
    if name == "VARCHAR":
        return TEXT
    if name in _INTS:
        return INT
    if name in ("DOUBLE", "FLOAT") or name.startswith("DECIMAL"):
        return NUM
    if name.startswith("TIMESTAMP"):
        return TS
    return DATE if name == "DATE" else OTHER


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def relation_for(path: Path) -> str:
    """The table function that reads `path`: Parquet by suffix, anything else as CSV (all text,
    comma-separated, double quotes; DuckDB skips a UTF-8 byte order mark)."""
    if is_parquet(path):
        return f"read_parquet({_literal(path)}, file_row_number = true)"
    return f"read_csv({_literal(path)}, header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"')"


class DuckDBRunner:
    dialect = DUCKDB

    def __init__(self, *, timezone: str, threads: int | None = None, memory_limit: str = MEMORY_LIMIT):
        self.con = duckdb.connect()
        self._tmp = Path(tempfile.mkdtemp(prefix="fangkong-duckdb-"))
        # Zone-less timestamps are local time: text is read in, and zoned text converted to, this zone.
        self.con.execute(f"SET TimeZone = '{timezone}'")
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute(f"SET temp_directory = {_literal(self._tmp)}")
        self.con.execute("SET preserve_insertion_order = true")  # row numbers and output order rely on it
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")

    def source(self, name: str, data: Input, label: str) -> Source:
        """Register `data`. Rows are numbered by a column where one exists (Arrow: added here;
        Parquet: file_row_number), else by insertion order once materialised (CSV)."""
        if isinstance(data, pa.Table):
            relation, row = f"{name}_arrow_{next(_ids)}", "_row"
            self.con.register(relation, data.append_column(row, pa.array(range(1, len(data) + 1), pa.int64())))
        else:
            relation = relation_for(Path(data))
            row = "file_row_number + 1" if is_parquet(Path(data)) else None
        try:
            probe = self.con.sql(f"SELECT * FROM {relation} LIMIT 0")
        except duckdb.Error as exc:
            raise SourceError(first_line(exc)) from None
        columns: dict[str, tuple[str, str]] = {}
        for column, dtype in zip(probe.columns, probe.types):
            if column not in ("_row", "file_row_number"):
                columns.setdefault(canonical(column), (self.dialect.ident(column), kind_of(str(dtype))))
        return Source(label=label, relation=relation, columns=columns, row=row)

    def create(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def create_typed(self, name: str, sql: str, *, source: Source, materialize: bool) -> None:
        try:
            if source.row is None:  # CSV: insertion order is file order, so rowid numbers the rows
                self.con.execute(f"CREATE OR REPLACE TABLE {name}_t AS {sql}")
                self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT rowid + 1 AS _row, * FROM {name}_t")
            else:
                self.con.execute(f"CREATE OR REPLACE {'TABLE' if materialize else 'VIEW'} {name} AS {sql}")
        except (duckdb.InvalidInputException, duckdb.ConversionException, duckdb.IOException) as exc:
            raise SourceError(first_line(exc)) from None

    def in_file_order(self, relation: str, columns: list[str]) -> pa.Table:
        """A plain scan: with preserve_insertion_order (the default) rows come back in the order
        they were stored, which is file order, without sorting 10M rows."""
        return self.fetch(f"SELECT {', '.join(columns)} FROM {relation}")

    def fetch(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self._tmp, ignore_errors=True)

