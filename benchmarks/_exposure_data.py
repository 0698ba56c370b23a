"""Synthetic check-ins for exposure_search.py, written straight into the bulk store layout.

Vectorised NumPy → PyArrow, one partition (``date=YYYY-MM-DD/part-bench.parquet``) per day in the
store's own schema (fangkong.tracing.engine.model.store_schema), so the 100,000,000 rows need not
pass through the validating ingest.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

START = datetime(2022, 4, 1)
DAYS = 14
ZIPF_EXPONENT = 0.9  # stack-notes.md §1.3
STAY_MIN, STAY_MAX = 5, 240  # minutes, as in stack-notes.md §1.2
FIRST_IN, LAST_IN = 6 * 60, 22 * 60  # minute of day a stay starts
DISTRIBUTIONS = ("uniform", "zipf")


def lookback_days() -> int:
    """The ed9 profile's look-back window (days before onset or sampling)."""
    from fangkong.protocols.diff import plain
    from fangkong.protocols.loader import get_profile

    return int(plain(get_profile("ed9"), "contacts.close_contact.lookback_days"))


# --------------------------------------------------------------------------------------------
# Data generation (vectorised, fixed seed, cached under --work)
# --------------------------------------------------------------------------------------------


def venue_sampler(rng: np.random.Generator, venues: int, distribution: str):
    """A function n -> n venue ids: uniform, or Zipf(0.9) over the venues in a shuffled order."""
    if distribution == "uniform":
        return lambda n: rng.integers(1, venues + 1, n, dtype=np.int64)
    weights = np.arange(1, venues + 1, dtype=np.float64) ** -ZIPF_EXPONENT
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    ids = rng.permutation(venues).astype(np.int64) + 1  # the hottest venue is not id 1

    def sample(n: int) -> np.ndarray:
        rank = np.minimum(np.searchsorted(cdf, rng.random(n)), venues - 1)
        return ids[rank]

    return sample


def day_table(rng: np.random.Generator, day: int, n: int, persons: int, venue) -> pa.Table:
    from fangkong.tracing.engine.model import store_schema

    base = np.datetime64(START + timedelta(days=day), "us").astype(np.int64)
    start_min = rng.integers(FIRST_IN, LAST_IN, n, dtype=np.int64)
    stay = rng.integers(STAY_MIN, STAY_MAX + 1, n, dtype=np.int64)
    t_in = base + start_min * 60_000_000
    return pa.table({
        "person_id": rng.integers(1, persons + 1, n, dtype=np.int64),
        "venue_id": venue(n),
        "time_in": pa.array(t_in.view("datetime64[us]")),
        "time_out": pa.array((t_in + stay * 60_000_000).view("datetime64[us]")),
    }, schema=store_schema("checkins"))


def index_table(rng: np.random.Generator, cases: int, persons: int, window_days: int) -> pa.Table:
    """Index cases: distinct persons, windows of `window_days` ending in the last 10 days, at :30 s
    so that no window edge touches a check-in (check-ins are on whole minutes)."""
    from fangkong.tracing.engine.model import INDEX_SCHEMA

    person = rng.choice(persons, size=cases, replace=False).astype(np.int64) + 1
    first_end = window_days * 1440
    end_min = rng.integers(first_end, DAYS * 1440, cases, dtype=np.int64)
    end = np.datetime64(START, "us").astype(np.int64) + end_min * 60_000_000 + 30_000_000
    start = end - window_days * 86_400_000_000
    return pa.table({"person_id": person, "window_start": pa.array(start.view("datetime64[us]")),
                     "window_end": pa.array(end.view("datetime64[us]"))}, schema=INDEX_SCHEMA)


def generate(folder: Path, *, checkins: int, persons: int, venues: int, cases: int, subset: int,
             distribution: str, seed: int) -> dict:
    """Write the store (folder/full), a subset store (folder/subset: each day's first rows), the
    index file and one day's partition as a plain source file for the ingest timing."""
    rng = np.random.default_rng([seed, DISTRIBUTIONS.index(distribution)])
    venue = venue_sampler(rng, venues, distribution)
    per_day = np.full(DAYS, checkins // DAYS)
    per_day[: checkins % DAYS] += 1
    sub_day = np.minimum(per_day, np.full(DAYS, subset // DAYS) + (np.arange(DAYS) < subset % DAYS))
    top = 0
    for day in range(DAYS):
        table = day_table(rng, day, int(per_day[day]), persons, venue)
        top = max(top, int(np.bincount(table["venue_id"].to_numpy()).max(initial=0)))
        for store, t in (("full", table), ("subset", table.slice(0, int(sub_day[day])))):
            part = folder / store / "bulk" / "checkins" / f"date={(START + timedelta(days=day)).date()}"
            part.mkdir(parents=True, exist_ok=True)
            pq.write_table(t, part / "part-bench.parquet", row_group_size=1 << 20)
        if day == DAYS // 2:
            pq.write_table(table, folder / "ingest-one-day.parquet")
        del table
    pq.write_table(index_table(rng, cases, persons, lookback_days()), folder / "index.parquet")
    return {"rows_full": int(per_day.sum()), "rows_subset": int(sub_day.sum()),
            "rows_ingest_day": int(per_day[DAYS // 2]), "top_venue_daily_checkins": top}
