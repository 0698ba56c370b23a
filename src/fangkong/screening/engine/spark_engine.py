"""Spark runner: the same SQL on a (local or cluster) SparkSession, reading CSV and Parquet itself.

Spark has no row order, so rows are numbered at load: ``monotonically_increasing_id`` is the
partition index in the upper bits and the position inside the partition in the lower 33, and the
splits of one file are partitions in file order; one counting pass per file turns that into the
1-based row. Arrow inputs are written to a temporary Parquet file with their row number, which
also keeps zone-less timestamps as ``TIMESTAMP_NTZ``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from fangkong.screening.engine.dialect import DATE, INT, NUM, OTHER, SPARK, TEXT, TS
from fangkong.screening.engine.run import Input, SourceError, first_line
from fangkong.screening.engine.validate import Source, canonical

LOW_BITS = 33  # monotonically_increasing_id: partition index << 33 | row in partition
CONFIG = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false", "spark.sql.shuffle.partitions": "4",
          # person_status of a 10M-sample round is collected to the driver as Arrow
          "spark.driver.memory": "4g", "spark.sql.execution.arrow.pyspark.enabled": "true"}


def spark_session(master: str = "local[*]"):
    """The active SparkSession, or a local one configured for screening rounds."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.master(master).appName("fangkong-screening")
    for key, value in CONFIG.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def kind_of(dtype) -> str:
    from pyspark.sql import types as T

    if isinstance(dtype, T.StringType):
        return TEXT
    if isinstance(dtype, (T.ByteType, T.ShortType, T.IntegerType, T.LongType)):
        return INT
    if isinstance(dtype, (T.FloatType, T.DoubleType, T.DecimalType)):
        return NUM
    if isinstance(dtype, (T.TimestampType, T.TimestampNTZType)):
        return TS
    return DATE if isinstance(dtype, T.DateType) else OTHER


def renumbered(df):
    """`df` with its `_row` (a monotonically_increasing_id) turned into the 1-based position in
    the file: one counting pass per partition over the cached rows."""
    from pyspark.sql import functions as F

    part = F.shiftright(F.col("_row"), LOW_BITS)
    counts = sorted((r["p"], r["count"]) for r in df.groupBy(part.alias("p")).count().collect())
    if not counts:
        return df
    pairs, start = [], 0
    for p, n in counts:
        pairs += [F.lit(p), F.lit(start)]
        start += n
    within = F.col("_row").bitwiseAND(F.lit((1 << LOW_BITS) - 1))
    return df.withColumn("_row", F.element_at(F.create_map(*pairs), part) + within + 1)


class SparkRunner:
    dialect = SPARK

    def __init__(self, *, timezone: str, spark=None):
        self.spark = spark or spark_session()
        self.spark.conf.set("spark.sql.session.timeZone", timezone)
        self._tmp = Path(tempfile.mkdtemp(prefix="fangkong-screening-"))
        self._views: list[str] = []
        self._cached: list = []

    def _read(self, name: str, data: Input):
        """The raw DataFrame and its row column: `_row` (1-based) for Arrow inputs, else `_mid`
        (a monotonically_increasing_id, renumbered once the typed rows are cached)."""
        from pyspark.sql import functions as F

        if isinstance(data, pa.Table):
            path = self._tmp / f"{name}.parquet"
            pq.write_table(data.append_column("_row", pa.array(range(1, len(data) + 1), pa.int64())), path)
            return self.spark.read.parquet(str(path)), "_row"
        path = Path(data)
        if path.suffix.lower() in (".parquet", ".pq"):
            df = self.spark.read.parquet(str(path))
        else:
            df = self.spark.read.options(header=True, inferSchema=False, mode="FAILFAST", sep=",", quote='"',
                                         escape='"', encoding="UTF-8").csv(str(path))
        return df.withColumn("_mid", F.monotonically_increasing_id()), "_mid"

    def source(self, name: str, data: Input, label: str) -> Source:
        try:
            df, row = self._read(name, data)
        except Exception as exc:  # py4j / AnalysisException / SparkException: an unreadable file
            raise SourceError(first_line(exc)) from None
        columns: dict[str, tuple[str, str]] = {}
        for f in df.schema.fields:
            if f.name not in ("_row", "_mid"):
                columns.setdefault(canonical(f.name), (self.dialect.ident(f.name), kind_of(f.dataType)))
        view = f"{name}_raw"
        df.createOrReplaceTempView(view)
        self._views.append(view)
        return Source(label=label, relation=view, columns=columns, row=row)

    def create(self, name: str, sql: str):
        df = self.spark.sql(sql).cache()
        self._cached.append(df)
        df.createOrReplaceTempView(name)
        self._views.append(name)
        return df

    def create_typed(self, name: str, sql: str, *, source: Source, materialize: bool) -> None:
        """Cache the typed rows, reading the file once (a malformed one fails here, as a problem),
        then number them in file order."""
        df = self.spark.sql(sql).cache()
        self._cached.append(df)
        try:
            df.count()
        except Exception as exc:
            raise SourceError(first_line(exc)) from None
        if source.row == "_mid":
            df = renumbered(df)
        df.createOrReplaceTempView(name)
        self._views.append(name)

    def in_file_order(self, relation: str, columns: list[str]) -> pa.Table:
        return self.fetch(f"SELECT {', '.join(columns)} FROM {relation} ORDER BY _row")

    def fetch(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def close(self) -> None:
        for df in self._cached:
            df.unpersist()
        for view in self._views:
            self.spark.catalog.dropTempView(view)
        shutil.rmtree(self._tmp, ignore_errors=True)

