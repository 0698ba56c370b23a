"""Itinerary matches: persons whose own check-ins overlap a case's itinerary entries at registered
venues — the exposures a case without a check-in of its own (a visit it did not scan, recalled in
the interview) still leaves in the store. The exposure search's venue join (engine/sql.py) with the
visits in place of the index person's check-ins, so both find the same rows by the same rule. A
pure function over the check-in Parquet store on DuckDB: no web or ORM imports.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from fangkong.tracing.engine import EXPOSURE_SCHEMA, MAX_STAY, sql
from fangkong.tracing.engine.model import store_schema
from fangkong.tracing.engine.runners import DuckDBSearch
from fangkong.tracing.engine.search import fetch_exposures
from fangkong.tracing.engine.store import files_between

VISITS_SCHEMA = pa.schema([pa.field("venue_id", pa.int64(), False), pa.field("start_at", pa.timestamp("us"), False),
                           pa.field("end_at", pa.timestamp("us"), False)])


def match_visits(*, data_dir: Path, index_person_id: int, visits: pa.Table, margin_minutes: float = 0) -> pa.Table:
    """One row (EXPOSURE_SCHEMA, kind venue) per check-in overlapping a visit by more than the margin;
    `visits` has venue_id, start_at, end_at as naive local times. The index person is never listed."""
    visits = visits.cast(VISITS_SCHEMA)
    if visits.num_rows == 0:
        return EXPOSURE_SCHEMA.empty_table()
    lo, hi = pc.min(visits["start_at"]).as_py(), pc.max(visits["end_at"]).as_py()
    files = files_between(data_dir, "checkins", (lo - MAX_STAY).date(), hi.date())
    if not files:
        return EXPOSURE_SCHEMA.empty_table()
    runner = DuckDBSearch()
    try:  # the relations venue_sql joins: `ic` (the index person's stays, here the visits) and `ck`
        runner.arrow("ic", pa.table({"index_person_id": pa.array([index_person_id] * visits.num_rows, pa.int64()),
                                     "venue_id": visits["venue_id"], "time_in": visits["start_at"],
                                     "time_out": visits["end_at"]}))
        runner.files("ck", files, store_schema("checkins"))
        query = sql.combined([sql.venue_sql(runner.dialect, margin_us=round(margin_minutes * 60e6), lo=lo, hi=hi)])
        return fetch_exposures(runner, query)
    finally:
        runner.close()
