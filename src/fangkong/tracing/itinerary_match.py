"""Itinerary matches: persons whose own check-ins overlap a case's itinerary entries at registered
venues — the exposures a case without a check-in of its own (a visit it did not scan, recalled in
the interview) still leaves in the store. A pure function over the check-in Parquet store on
DuckDB: no web or ORM imports.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from fangkong.tracing.engine import EXPOSURE_SCHEMA, MAX_STAY
from fangkong.tracing.engine.store import files_between

VISITS_SCHEMA = pa.schema([pa.field("venue_id", pa.int64(), False), pa.field("start_at", pa.timestamp("us"), False),
                           pa.field("end_at", pa.timestamp("us"), False)])

_SQL = """
SELECT ? AS index_person_id, c.person_id, 'venue' AS kind, c.venue_id AS place_id,
       greatest(c.time_in, v.start_at) AS overlap_start, least(c.time_out, v.end_at) AS overlap_end,
       epoch_us(least(c.time_out, v.end_at) - greatest(c.time_in, v.start_at)) / 60e6 AS overlap_minutes
FROM read_parquet(?) AS c JOIN visits AS v
  ON c.venue_id = v.venue_id AND c.time_in < v.end_at AND c.time_out > v.start_at
WHERE c.person_id <> ?
  AND epoch_us(least(c.time_out, v.end_at) - greatest(c.time_in, v.start_at)) > ? * 60e6
ORDER BY place_id, c.person_id, overlap_start, overlap_end
"""


def match_visits(*, data_dir: Path, index_person_id: int, visits: pa.Table, margin_minutes: float = 0) -> pa.Table:
    """One row (EXPOSURE_SCHEMA, kind venue) per check-in overlapping a visit by more than the margin;
    `visits` has venue_id, start_at, end_at as naive local times. The index person is never listed."""
    visits = visits.cast(VISITS_SCHEMA)
    if visits.num_rows == 0:
        return EXPOSURE_SCHEMA.empty_table()
    first = (min(visits["start_at"].to_pylist()) - MAX_STAY).date()
    last = max(visits["end_at"].to_pylist()).date()
    files = [str(f) for f in files_between(data_dir, "checkins", first, last)]
    if not files:
        return EXPOSURE_SCHEMA.empty_table()
    with duckdb.connect() as con:
        con.register("visits", visits)
        found = con.sql(_SQL, params=[index_person_id, files, index_person_id, float(margin_minutes)]).to_arrow_table()
    return found.cast(EXPOSURE_SCHEMA)
