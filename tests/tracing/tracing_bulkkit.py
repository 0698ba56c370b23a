"""Builders for the tracing bulk engine tests: small hand-written batches and random stores, and
the local SparkSession (one per test session, ~8 s to start). Its fixture is defined in the test
modules, not in a tests/tracing/conftest.py: a second module named conftest would shadow the one
tests/screening imports names from."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

CHECKIN_HEADER = "person_id,venue_id,time_in,time_out"
PRESENCE_HEADER = "person_id,cell_id,time_start,time_end"


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def write_csv(path: Path, header: str, rows: list[tuple]) -> Path:
    path.write_text("\n".join([header, *(",".join(map(str, r)) for r in rows)]) + "\n", encoding="utf-8")
    return path


def index_table(rows: list[tuple[int, str, str]]) -> pa.Table:
    return pa.table({"person_id": pa.array([r[0] for r in rows], pa.int64()),
                     "window_start": pa.array([ts(r[1]) for r in rows], pa.timestamp("us")),
                     "window_end": pa.array([ts(r[2]) for r in rows], pa.timestamp("us"))})


def random_records(folder: Path, kind: str, *, n: int, persons: int, places: int, days: int, seed: int,
                   max_minutes: int = 240) -> list[Path]:
    """One Parquet file per day of random stays (minute resolution, so intervals often touch)."""
    rng = np.random.default_rng(seed)
    names = ("venue_id", "time_in", "time_out") if kind == "checkins" else ("cell_id", "time_start", "time_end")
    place, start, end = names
    folder.mkdir(parents=True, exist_ok=True)
    base = np.datetime64("2022-03-01T00:00", "m")
    minute = rng.integers(0, days * 1440, n)
    stay = rng.integers(0, max_minutes, n)
    table = pa.table({"person_id": rng.integers(1, persons + 1, n), place: rng.integers(1, places + 1, n),
                      start: (base + minute).astype("datetime64[s]"),
                      end: (base + minute + stay).astype("datetime64[s]")})
    out = []
    for d in range(days):
        mask = (minute // 1440) == d
        path = folder / f"{kind}-{d:02d}.parquet"
        pq.write_table(table.filter(pa.array(mask)), path)
        out.append(path)
    return out


def local_spark():
    """The active SparkSession (another test module's), else a small local one."""
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("fangkong-tracing-tests")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "4").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return session


def columns_of(schema) -> list[tuple[str, object]]:
    """Names and types of a schema, without the optional/required flag engines set differently."""
    return [(f.name, f.type) for f in schema]
