"""The bulk store: validation by file/row/field, local time, partitions, repeats stored once,
re-ingested batches skipped, atomic writes."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tracing_bulkkit import CHECKIN_HEADER, PRESENCE_HEADER, write_csv

from fangkong.screening.engine.model import Problem
from fangkong.tracing.engine import ingest_files, venue_summary
from fangkong.tracing.engine.store import files_between, partition_dates


def stored(data_dir, kind="checkins") -> list[tuple]:
    files = files_between(data_dir, kind)
    if not files:
        return []
    listing = ", ".join(f"'{p}'" for p in files)
    return sorted(duckdb.sql(f"SELECT * FROM read_parquet([{listing}], hive_partitioning = false)").fetchall())


def test_bad_rows_are_reported_by_file_row_and_field_and_the_good_ones_stored(tmp_path):
    batch = write_csv(tmp_path / "day1.csv", CHECKIN_HEADER, [
        (1, 10, "2022-03-01 10:00:00", "2022-03-01 11:00:00"),
        ("P2", 10, "2022-03-01 10:00:00", "2022-03-01 11:00:00"),  # row 2: person_id unreadable
        (3, "", "2022-03-01 10:00:00", "2022-03-01 11:00:00"),  # row 3: venue_id missing
        (4, 10, "2022-03-01 25:00:00", "2022-03-01 11:00:00"),  # row 4: time_in unreadable
        (5, 10, "2022-03-01 12:00:00", "2022-03-01 11:00:00"),  # row 5: ends before it starts
        (6, 10, "2022-03-01 10:00:00", "2022-03-02 10:00:01"),  # row 6: longer than 24 h
        (7, 10, "2022-03-01 10:00:00", "2022-03-02 10:00:00"),  # exactly 24 h: stored
    ])
    report = ingest_files(data_dir=tmp_path / "d", kind="checkins", files=[batch])
    where = {(p.file, p.row, p.field) for p in report.problems}
    name = str(batch)
    assert where == {(name, 2, "person_id"), (name, 3, "venue_id"), (name, 4, "time_in"), (name, 5, "time_out"),
                     (name, 6, "time_out")}
    assert "longer than 24 hours" in next(p.message for p in report.problems if p.row == 6)
    assert report.problem_count == 5 and not report.ok
    f = report.files[0]
    assert (f.rows, f.rejected, f.stored, f.duplicates) == (7, 5, 2, 0)
    assert [r[0] for r in stored(tmp_path / "d")] == [1, 7]


def test_a_file_without_a_required_column_stores_nothing(tmp_path):
    batch = write_csv(tmp_path / "b.csv", "person_id,venue_id,time_in", [(1, 2, "2022-03-01 10:00:00")])
    report = ingest_files(data_dir=tmp_path / "d", kind="checkins", files=[batch])
    assert report.problems == [Problem(str(batch), 0, "time_out", "column missing")]
    assert stored(tmp_path / "d") == []


def test_identical_rows_are_stored_once_and_a_reingested_batch_is_skipped(tmp_path):
    rows = [(1, 10, "2022-03-01 10:00:00", "2022-03-01 11:00:00"),
            (2, 10, "2022-03-01 10:30:00", "2022-03-01 11:00:00")]
    first = write_csv(tmp_path / "a.csv", CHECKIN_HEADER, rows + [rows[0]])
    d = tmp_path / "d"
    report = ingest_files(data_dir=d, kind="checkins", files=[first])
    assert (report.files[0].stored, report.files[0].duplicates) == (2, 1)
    again = ingest_files(data_dir=d, kind="checkins", files=[first])
    assert again.files[0].skipped_batch and again.stored == 0
    # another batch repeating a stored row (written differently) adds only its new row
    second = write_csv(tmp_path / "b.csv", CHECKIN_HEADER, [(1, 10, "2022-03-01T10:00:00", "2022-03-01T11:00"),
                                                             (3, 11, "2022-03-01 09:00:00", "2022-03-01 09:30:00")])
    report = ingest_files(data_dir=d, kind="checkins", files=[second])
    assert (report.files[0].stored, report.files[0].duplicates, report.files[0].skipped_batch) == (1, 1, False)
    assert len(stored(d)) == 3
    assert not list(d.rglob("*.tmp")) and not list(d.rglob(".staging-*"))


def test_naive_times_are_local_and_zoned_ones_are_converted(tmp_path):
    batch = write_csv(tmp_path / "z.csv", CHECKIN_HEADER, [
        (1, 10, "2022-03-01 10:00:00", "2022-03-01 11:00:00"),
        (2, 10, "2022-03-01T02:00:00Z", "2022-03-01T11:00:00+08:00"),
        (3, 10, "2022-02-28T18:30:00-08:00", "2022-03-01T03:00:00Z"),
    ])
    ingest_files(data_dir=tmp_path / "sh", kind="checkins", files=[batch], timezone="Asia/Shanghai")
    assert stored(tmp_path / "sh") == [
        (1, 10, datetime(2022, 3, 1, 10), datetime(2022, 3, 1, 11)),
        (2, 10, datetime(2022, 3, 1, 10), datetime(2022, 3, 1, 11)),
        (3, 10, datetime(2022, 3, 1, 10, 30), datetime(2022, 3, 1, 11)),
    ]
    ingest_files(data_dir=tmp_path / "utc", kind="checkins", files=[batch], timezone="UTC")
    assert stored(tmp_path / "utc")[1] == (2, 10, datetime(2022, 3, 1, 2), datetime(2022, 3, 1, 3))


def test_parquet_files_and_folders_with_zoned_timestamps(tmp_path):
    folder = tmp_path / "run" / "checkins"
    folder.mkdir(parents=True)
    naive = pa.table({"person_id": pa.array([1], pa.int64()), "venue_id": pa.array([5], pa.int64()),
                      "time_in": pa.array([datetime(2022, 3, 1, 23, 30)], pa.timestamp("s")),
                      "time_out": pa.array([datetime(2022, 3, 2, 0, 30)], pa.timestamp("s"))})
    zoned = pa.table({"person_id": pa.array([2], pa.int32()), "venue_id": pa.array([5], pa.int64()),
                      "time_in": pa.array([datetime(2022, 3, 1, 16, 0)], pa.timestamp("us", tz="UTC")),
                      "time_out": pa.array([datetime(2022, 3, 1, 17, 0)], pa.timestamp("us", tz="UTC"))})
    pq.write_table(naive, folder / "2022-03-01.parquet")
    pq.write_table(zoned, folder / "2022-03-02.parquet")
    report = ingest_files(data_dir=tmp_path / "d", kind="checkins", files=[folder])
    assert [f.stored for f in report.files] == [1, 1] and report.ok
    # partitioned by the local date of time_in: the midnight-spanning stay stays on the 1st
    assert [str(d) for d in partition_dates(tmp_path / "d", "checkins")] == ["2022-03-01", "2022-03-02"]
    assert stored(tmp_path / "d")[1] == (2, 5, datetime(2022, 3, 2, 0), datetime(2022, 3, 2, 1))
    part = pq.read_table(files_between(tmp_path / "d", "checkins")[0])
    assert part.schema.names == ["person_id", "venue_id", "time_in", "time_out"]
    assert part.schema.field("time_in").type == pa.timestamp("us")


def test_presence_has_its_own_store_and_columns(tmp_path):
    batch = write_csv(tmp_path / "p.csv", PRESENCE_HEADER, [(1, 77, "2022-03-01 08:00:00", "2022-03-01 09:00:00"),
                                                            (2, "", "2022-03-01 08:00:00", "2022-03-01 09:00:00")])
    report = ingest_files(data_dir=tmp_path / "d", kind="presence", files=[batch])
    assert [(p.row, p.field) for p in report.problems] == [(2, "cell_id")]
    assert stored(tmp_path / "d", "presence") == [(1, 77, datetime(2022, 3, 1, 8), datetime(2022, 3, 1, 9))]
    assert stored(tmp_path / "d", "checkins") == []


def test_venue_summary_counts_checkins_per_venue(tmp_path):
    batch = write_csv(tmp_path / "a.csv", CHECKIN_HEADER, [
        (1, 10, "2022-03-01 10:00:00", "2022-03-01 11:00:00"), (2, 10, "2022-03-02 09:00:00", "2022-03-02 12:00:00"),
        (3, 12, "2022-03-01 08:00:00", "2022-03-01 08:30:00")])
    ingest_files(data_dir=tmp_path / "d", kind="checkins", files=[batch])
    assert venue_summary(data_dir=tmp_path / "d").to_pylist() == [
        {"venue_id": 10, "checkins": 2, "first_seen": datetime(2022, 3, 1, 10), "last_seen": datetime(2022, 3, 2, 12)},
        {"venue_id": 12, "checkins": 1, "first_seen": datetime(2022, 3, 1, 8),
         "last_seen": datetime(2022, 3, 1, 8, 30)},
    ]
    assert [r["venue_id"] for r in venue_summary(data_dir=tmp_path / "d", venue_ids=[12, 99]).to_pylist()] == [12]
    assert len(venue_summary(data_dir=tmp_path / "empty")) == 0


def test_a_crash_before_the_manifest_is_written_stores_nothing_twice(tmp_path, monkeypatch):
    from fangkong.tracing.engine import store

    batch = write_csv(tmp_path / "a.csv", CHECKIN_HEADER, [(1, 10, "2022-03-01 10:00:00", "2022-03-01 11:00:00"),
                                                           (2, 10, "2022-03-02 10:00:00", "2022-03-02 11:00:00")])
    d = tmp_path / "d"

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store, "write_manifest", crash)
    with pytest.raises(OSError, match="disk full"):
        ingest_files(data_dir=d, kind="checkins", files=[batch])
    monkeypatch.undo()
    assert len(stored(d)) == 2  # the partitions were renamed into place whole
    report = ingest_files(data_dir=d, kind="checkins", files=[batch])
    f = report.files[0]
    assert (f.skipped_batch, f.stored, f.duplicates) == (False, 0, 2)
    assert len(stored(d)) == 2 and not list(d.rglob("*.tmp")) and not list(d.rglob(".staging-*"))
    assert ingest_files(data_dir=d, kind="checkins", files=[batch]).files[0].skipped_batch
