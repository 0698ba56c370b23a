"""find_exposures and venue_summary: the exposure search over the bulk store.

Venue co-presence runs in two steps: the index persons' check-ins that intersect their windows
(partitions from the day before the earliest window start to the latest window end, since no stay
is longer than a day: model.MAX_STAY), materialised as a small table; then everyone's check-ins at
those venues, from the partitions that can overlap them, hash-joined on the venue with the small
table as the build side. Companions (kind ``cell``) follow the same pattern over presence, then
apply the rule's two conditions (sql.py). overlap_minutes is computed once, here, from the fetched
intersection, so both engines give it bit for bit the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fangkong.tracing.engine import sql, store
from fangkong.tracing.engine.model import (END, EXPOSURE_SCHEMA, INDEX_SCHEMA, START, SUMMARY_SCHEMA,
                                           CompanionRule, store_schema)
from fangkong.tracing.engine.runners import DuckDBSearch, open_search

DAY = timedelta(days=1)


def check_index(index: pa.Table) -> pa.Table:
    """The index in INDEX_SCHEMA; ValueError when a column is missing, a value is empty, a window
    ends before it starts, or a person is listed twice (one window per index person)."""
    missing = [n for n in INDEX_SCHEMA.names if n not in index.column_names]
    if missing:
        raise ValueError(f"index: column(s) missing: {', '.join(missing)}")
    zoned = [n for n in ("window_start", "window_end") if getattr(index.schema.field(n).type, "tz", None)]
    if zoned:  # a cast would keep UTC wall time; the caller knows the local zone, the engine does not
        raise ValueError(f"index: {', '.join(zoned)} must be zone-less local time")
    table = pa.Table.from_arrays([index.column(f.name).cast(f.type) for f in INDEX_SCHEMA], names=INDEX_SCHEMA.names)
    for name in INDEX_SCHEMA.names:
        if table.column(name).null_count:
            raise ValueError(f"index: {name} has empty values")
    if len(table) and pc.any(pc.less(table["window_end"], table["window_start"])).as_py():
        raise ValueError("index: a window ends before it starts")
    if pc.count_distinct(table["person_id"]).as_py() != len(table):
        raise ValueError("index: a person is listed more than once (give one window per index person)")
    return pa.Table.from_arrays(table.columns, schema=INDEX_SCHEMA)


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def find_exposures(*, data_dir: Path, index: pa.Table, engine: str = "duckdb", margin_minutes: float = 0,
                   companion: CompanionRule | None = None, spark=None) -> pa.Table:
    """Venue co-presence (and, with `companion`, 时空伴随 cell companions) of the index persons,
    one row per overlapping pair of records, in EXPOSURE_SCHEMA, sorted by index person, kind,
    place, exposed person and overlap."""
    with _prepared(data_dir, index, engine, margin_minutes, companion, spark) as (runner, parts):
        if not parts:
            return EXPOSURE_SCHEMA.empty_table()
        return fetch_exposures(runner, sql.combined(parts, ordered=True))


def fetch_exposures(runner, query: str) -> pa.Table:
    """The rows of an exposure query (sql.py's parts) in EXPOSURE_SCHEMA."""
    return pa.Table.from_batches([_conform(b) for b in runner.batches(query)], schema=EXPOSURE_SCHEMA)


def write_exposures(*, data_dir: Path, index: pa.Table, out: Path, engine: str = "duckdb",
                    margin_minutes: float = 0, companion: CompanionRule | None = None, spark=None,
                    ordered: bool = False) -> int:
    """The rows of find_exposures written to the Parquet file `out` (EXPOSURE_SCHEMA's names and
    types) as they come (replaced whole, via a temporary file); returns the number of rows.

    Unordered by default: the rows stream from the join into the file, so memory stays bounded
    however many exposures hot spots give, where sorting millions of rows would spill
    (docs/exposure-search.md). DuckDB writes the file itself, in parallel with the join; Spark's
    rows pass through Arrow batches."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        with _prepared(data_dir, index, engine, margin_minutes, companion, spark) as (runner, parts):
            query = sql.combined(parts, ordered=ordered) if parts else None
            if query is not None and isinstance(runner, DuckDBSearch):
                runner.copy_parquet(sql.conformed(query), tmp, ordered=ordered)
            else:
                with pq.ParquetWriter(tmp, EXPOSURE_SCHEMA) as writer:
                    for batch in runner.batches(query) if query else ():
                        writer.write_batch(_conform(batch))
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return pq.ParquetFile(out).metadata.num_rows


@contextmanager
def _prepared(data_dir, index: pa.Table, engine: str, margin_minutes: float, companion: CompanionRule | None,
              spark) -> Iterator[tuple[object, list[str]]]:
    """The open engine with the index and the search's parts (SQL of each kind) ready; no parts when
    nothing can match."""
    if margin_minutes < 0:
        raise ValueError("margin_minutes must not be negative")
    index = check_index(index)
    if not len(index):
        yield None, []
        return
    runner = open_search(engine, spark=spark)
    try:
        days = companion.window_days if companion else 0
        idx = index.rename_columns(["index_person_id", "window_start", "window_end"])
        idx = idx.append_column("stay_from", pc.subtract(idx["window_end"], pa.scalar(timedelta(days=days))))
        runner.arrow("idx", idx)
        first = _day(pc.min(index["window_start"]).as_py()) - DAY
        last = _day(pc.max(index["window_end"]).as_py())
        stay_first = _day(pc.min(idx["stay_from"]).as_py())
        parts = [p for p in (_venue_part(runner, Path(data_dir), first, last, margin_minutes),
                             _cell_part(runner, Path(data_dir), first, last, companion, stay_first)
                             if companion else None) if p]
        yield runner, parts
    finally:
        runner.close()


def _bounds(runner, relation: str, start: str, end: str):
    row = runner.fetch(sql.bounds_sql(relation, start, end)).to_pylist()[0]
    return (row["lo"], row["hi"]) if row["lo"] is not None else (None, None)


def _index_records(runner, data_dir: Path, kind: str, first: date, last: date, names: tuple[str, str, str],
                   index_sql: str) -> tuple | None:
    """The index persons' records of `kind` inside their windows (from the partitions `first`..`last`)
    materialised, and everyone's records from the partitions that can overlap them: `names` are the
    relations (index partitions, index records, overlapping partitions). Their time bounds, or None
    when the index persons have no record."""
    schema, (idx_files, records, wide) = store_schema(kind), names
    runner.files(idx_files, store.files_between(data_dir, kind, first, last), schema)
    runner.create(records, index_sql)
    lo, hi = _bounds(runner, records, START[kind], END[kind])
    if lo is None:
        return None
    runner.files(wide, store.files_between(data_dir, kind, _day(lo) - DAY, _day(hi)), schema)
    return lo, hi


def _venue_part(runner, data_dir: Path, first: date, last: date, margin_minutes: float) -> str | None:
    bounds = _index_records(runner, data_dir, "checkins", first, last, ("ck_idx", "ic", "ck"),
                            sql.index_checkins_sql())
    if bounds is None:
        return None
    return sql.venue_sql(runner.dialect, margin_us=round(margin_minutes * 60e6), lo=bounds[0], hi=bounds[1])


def _cell_part(runner, data_dir: Path, first: date, last: date, rule: CompanionRule,
               stay_first: date) -> str | None:
    """`stay_first`: the earliest day of the cumulative-stay look-back (idx.stay_from)."""
    bounds = _index_records(runner, data_dir, "presence", first, last, ("pr_idx", "ip", "pr"),
                            sql.index_presence_sql())
    if bounds is None:
        return None
    runner.create("cp", sql.cell_pairs_sql(runner.dialect, lo=bounds[0], hi=bounds[1]))
    runner.create("tr", sql.triples_sql(min_overlap_us=round(rule.min_overlap_minutes * 60e6)))
    runner.files("pr_stay", store.files_between(data_dir, "presence", stay_first - DAY, last), store_schema("presence"))
    runner.create("st", sql.stays_sql(runner.dialect))
    return sql.cell_sql(stay_us=round(rule.cumulative_stay_hours * 3600e6))


def _conform(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Fetched rows in EXPOSURE_SCHEMA, with overlap_minutes from the intersection."""
    start = batch.column("overlap_start").cast(pa.timestamp("us"))
    end = batch.column("overlap_end").cast(pa.timestamp("us"))
    micros = pc.subtract(end.cast(pa.int64()), start.cast(pa.int64()))
    minutes = pc.divide(micros.cast(pa.float64()), 60e6)
    columns = [batch.column("index_person_id").cast(pa.int64()), batch.column("person_id").cast(pa.int64()),
               _kind_names(batch.column("kind")), batch.column("place_id").cast(pa.int64()), start, end, minutes]
    return pa.RecordBatch.from_arrays(columns, schema=EXPOSURE_SCHEMA)


def _kind_names(codes: pa.Array) -> pa.Array:
    return pc.take(pa.array(sql.KINDS, pa.string()), codes.cast(pa.int32()))


def venue_summary(*, data_dir: Path, venue_ids: list[int] | None = None) -> pa.Table:
    """Per venue in the check-in store: check-ins, first time in, last time out (sorted by venue);
    with `venue_ids`, only those venues."""
    files = store.files_between(Path(data_dir), "checkins")
    if not files:
        return SUMMARY_SCHEMA.empty_table()
    runner = DuckDBSearch()
    try:
        runner.files("ck", files, store_schema("checkins"))
        where = ""
        if venue_ids is not None:
            runner.arrow("wanted", pa.table({"venue_id": pa.array(sorted(set(venue_ids)), pa.int64())}))
            where = "WHERE venue_id IN (SELECT venue_id FROM wanted)"
        table = runner.fetch("SELECT venue_id, count(*) AS checkins, min(time_in) AS first_seen, "
                             f"max(time_out) AS last_seen FROM ck {where} GROUP BY venue_id ORDER BY venue_id")
        return pa.Table.from_arrays([table[f.name].cast(f.type) for f in SUMMARY_SCHEMA], schema=SUMMARY_SCHEMA)
    finally:
        runner.close()
