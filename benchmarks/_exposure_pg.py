"""PostgreSQL side of exposure_search.py: COPY the subset in, run the plain join, stream it out."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

TABLES = ("bench_checkins", "bench_index")


def pg_dsn(url: str) -> str:
    """A psycopg connection string from the platform's SQLAlchemy URL."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _copy_in(cur, table: str, arrow: pa.Table) -> None:
    for batch in arrow.to_batches(max_chunksize=1_000_000):
        buf = pa.BufferOutputStream()
        pacsv.write_csv(pa.Table.from_batches([batch]), buf, pacsv.WriteOptions(include_header=False))
        with cur.copy(f"COPY {table} FROM STDIN (FORMAT csv)") as copy:
            copy.write(buf.getvalue().to_pybytes())


def drop(conn) -> None:
    with conn.cursor() as cur:
        for table in TABLES:
            cur.execute(f"DROP TABLE IF EXISTS {table}")
    conn.commit()


def load(conn, data_dir: Path, index: pa.Table, *, indexes: list[str]) -> dict:
    """COPY the store's partitions into bench_checkins and the index into bench_index, build a
    B-tree on each of `indexes` (columns of bench_checkins), ANALYZE (autovacuum is off here)."""
    drop(conn)
    t0 = time.perf_counter()
    rows = 0
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE bench_checkins (person_id bigint NOT NULL, venue_id bigint NOT NULL, "
                    "time_in timestamp NOT NULL, time_out timestamp NOT NULL)")
        cur.execute("CREATE TABLE bench_index (person_id bigint NOT NULL, window_start timestamp NOT NULL, "
                    "window_end timestamp NOT NULL)")
        for path in sorted((data_dir / "bulk" / "checkins").glob("*/*.parquet")):
            part = pq.read_table(path)
            rows += part.num_rows
            _copy_in(cur, "bench_checkins", part)
        _copy_in(cur, "bench_index", index)
        copy_s = time.perf_counter() - t0
        for column in indexes:
            cur.execute(f"CREATE INDEX ix_bench_checkins_{column} ON bench_checkins ({column})")
        cur.execute("ANALYZE bench_checkins")
        cur.execute("ANALYZE bench_index")
    conn.commit()
    return {"pg_rows": rows, "pg_copy_s": copy_s, "pg_load_s": time.perf_counter() - t0, "pg_indexes": indexes}


def run(conn, sql: str) -> pa.Table:
    """`sql` in PostgreSQL (rows with EXPOSURE_SCHEMA's columns), streamed out with COPY … TO STDOUT and
    parsed into Arrow."""
    from fangkong.tracing.engine import EXPOSURE_SCHEMA

    out = io.BytesIO()
    with conn.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
        for chunk in copy:
            out.write(chunk)
    out.seek(0)
    return pacsv.read_csv(out, read_options=pacsv.ReadOptions(column_names=EXPOSURE_SCHEMA.names),
                          convert_options=pacsv.ConvertOptions(column_types=EXPOSURE_SCHEMA))


def plan(conn, sql: str) -> str:
    """EXPLAIN of the query (which joins and indexes PostgreSQL picked), for the log."""
    with conn.cursor() as cur:
        cur.execute(f"EXPLAIN {sql}")
        return "\n".join(r[0] for r in cur.fetchall())
