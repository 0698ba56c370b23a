"""Query sessions for the exposure search: the same SQL text on DuckDB (in process) or Spark.

A runner exposes the store's partition files and small Arrow inputs as named relations,
materialises small intermediate results, and fetches Arrow tables. The SQL differences are the
screening dialect's (fangkong.screening.engine.dialect); timestamps stay zone-less local time on
both (DuckDB ``TIMESTAMP``, Spark ``TIMESTAMP_NTZ``), so no session time zone applies.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from fangkong.screening.engine.dialect import DUCKDB, SPARK, Dialect

# DuckDB's own memory (hash tables, sorts); beyond it, it spills to a temporary folder. The
# exposure search of 1,000 cases builds a hash table of ~10k rows and streams the rest; what needs
# memory is sorting a skewed search's millions of output rows. 10M output rows: 1.25 GB peak RSS
# (0.57 GB of it the result) at 400MB against 1.6 GB at 768MB, for the same CPU time.
MEMORY_LIMIT = "400MB"


def quoted(path: Path | str) -> str:
    """A path as a SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def empty_sql(d: Dialect, schema: pa.Schema) -> str:
    types = {pa.int64(): "BIGINT", pa.timestamp("us"): d.timestamp}
    cols = ", ".join(f"CAST(NULL AS {types[f.type]}) AS {f.name}" for f in schema)
    return f"SELECT {cols} WHERE 1 = 0" if d is DUCKDB else f"SELECT * FROM (SELECT {cols}) e WHERE 1 = 0"


class DuckDBSearch:
    dialect = DUCKDB

    def __init__(self, *, memory_limit: str = MEMORY_LIMIT, threads: int | None = None):
        self.con = duckdb.connect()
        self._tmp = Path(tempfile.mkdtemp(prefix="fangkong-tracing-"))
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute(f"SET temp_directory = {quoted(self._tmp)}")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")

    def files(self, name: str, files: list[Path], schema: pa.Schema) -> None:
        """`name`: the columns of `schema` from these Parquet files (none: no rows)."""
        if not files:
            self.con.execute(f"CREATE OR REPLACE VIEW {name} AS {empty_sql(self.dialect, schema)}")
            return
        listing = ", ".join(quoted(p) for p in files)
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {', '.join(schema.names)} "
                         f"FROM read_parquet([{listing}], hive_partitioning = false)")

    def arrow(self, name: str, table: pa.Table) -> None:
        self.con.register(f"{name}_arrow", table)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")

    def create(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def fetch(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def batches(self, sql: str):
        """The rows as a stream of record batches: a large result is never held twice."""
        return self.con.sql(sql).to_arrow_reader(1 << 20)

    def copy_parquet(self, sql: str, path: Path, *, ordered: bool) -> None:
        """The rows of `sql` written by DuckDB into the Parquet file `path`; without `ordered`, in
        whatever order the threads finish (keeping insertion order would serialise the write)."""
        if not ordered:
            self.con.execute("SET preserve_insertion_order = false")
        self.con.execute(f"COPY ({sql}) TO {quoted(path)} (FORMAT parquet)")

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self._tmp, ignore_errors=True)


class SparkSearch:
    dialect = SPARK

    def __init__(self, *, spark=None):
        from fangkong.screening.engine.spark_engine import spark_session

        self.spark = spark or spark_session()
        self._tmp = Path(tempfile.mkdtemp(prefix="fangkong-tracing-"))
        self._views: list[str] = []
        self._cached: list = []

    def _view(self, name: str, df) -> None:
        df.createOrReplaceTempView(name)
        self._views.append(name)

    def files(self, name: str, files: list[Path], schema: pa.Schema) -> None:
        if not files:
            self._view(name, self.spark.sql(empty_sql(self.dialect, schema)))
            return
        self._view(name, self.spark.read.parquet(*map(str, files)).select(*schema.names))

    def arrow(self, name: str, table: pa.Table) -> None:
        path = self._tmp / f"{name}.parquet"  # keeps zone-less timestamps TIMESTAMP_NTZ
        pq.write_table(table, path)
        self.create(name, f"SELECT * FROM parquet.`{path}`")

    def create(self, name: str, sql: str) -> None:
        df = self.spark.sql(sql).cache()
        df.count()
        self._cached.append(df)
        self._view(name, df)

    def fetch(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def batches(self, sql: str):
        return self.fetch(sql).to_batches()

    def close(self) -> None:
        for df in self._cached:
            df.unpersist()
        for view in self._views:
            self.spark.catalog.dropTempView(view)
        shutil.rmtree(self._tmp, ignore_errors=True)


def open_search(engine: str, *, spark=None):
    if engine == "duckdb":
        return DuckDBSearch()
    if engine == "spark":
        return SparkSearch(spark=spark)
    raise ValueError(f"unknown engine {engine!r}: duckdb or spark")
