"""find_exposures on hand-built stores (DuckDB): touching intervals, margins, windows, midnight and
partition boundaries, repeats, the index person, and the 时空伴随 companion rule on both sides of
each threshold."""

from __future__ import annotations

import pyarrow as pa
import pytest
from tracing_bulkkit import CHECKIN_HEADER, PRESENCE_HEADER, index_table, ts, write_csv

from fangkong.tracing.engine import EXPOSURE_SCHEMA, CompanionRule, find_exposures, ingest_files

INDEX = 1
WINDOW = (INDEX, "2022-03-10 00:00:00", "2022-03-14 00:00:00")


@pytest.fixture
def venues(tmp_path):
    rows = [
        (INDEX, 10, "2022-03-11 10:00:00", "2022-03-11 11:00:00"),
        (2, 10, "2022-03-11 11:00:00", "2022-03-11 12:00:00"),  # touches the end: not an exposure
        (3, 10, "2022-03-11 09:00:00", "2022-03-11 10:00:00"),  # touches the start: not an exposure
        (4, 10, "2022-03-11 10:55:00", "2022-03-11 12:00:00"),  # 5 minutes
        (5, 10, "2022-03-11 10:10:00", "2022-03-11 10:40:00"),  # 30 minutes, inside
        (5, 10, "2022-03-11 10:10:00", "2022-03-11 10:40:00"),  # the same check-in again
        (INDEX, 10, "2022-03-11 10:30:00", "2022-03-11 10:45:00"),  # the index person's own second scan
        (6, 11, "2022-03-11 10:00:00", "2022-03-11 11:00:00"),  # same time, other venue
        # midnight: the index person's stay from the evening before the window into it
        (INDEX, 20, "2022-03-09 23:30:00", "2022-03-10 00:30:00"),
        (7, 20, "2022-03-08 23:45:00", "2022-03-09 23:45:00"),  # started two partitions before the window
        (8, 20, "2022-03-10 00:10:00", "2022-03-10 02:00:00"),
        # a stay that ends as the window opens does not intersect it
        (INDEX, 30, "2022-03-09 20:00:00", "2022-03-10 00:00:00"),
        (9, 30, "2022-03-09 20:00:00", "2022-03-10 00:00:00"),
        # nor one that starts as it closes
        (INDEX, 31, "2022-03-14 00:00:00", "2022-03-14 01:00:00"),
        (9, 31, "2022-03-14 00:00:00", "2022-03-14 01:00:00"),
    ]
    batch = write_csv(tmp_path / "checkins.csv", CHECKIN_HEADER, rows)
    ingest_files(data_dir=tmp_path / "d", kind="checkins", files=[batch])
    return tmp_path / "d"


def rows(table: pa.Table) -> list[tuple]:
    return [(r["person_id"], r["kind"], r["place_id"], str(r["overlap_start"])[11:16], r["overlap_minutes"])
            for r in table.to_pylist()]


def test_venue_copresence_rows(venues):
    found = find_exposures(data_dir=venues, index=index_table([WINDOW]))
    assert found.schema == EXPOSURE_SCHEMA
    assert rows(found) == [
        (4, "venue", 10, "10:55", 5.0), (5, "venue", 10, "10:10", 30.0),
        (5, "venue", 10, "10:30", 10.0),  # with the index person's second scan: one row per pair
        (7, "venue", 20, "23:30", 15.0), (8, "venue", 20, "00:10", 20.0),
    ]
    assert set(found["index_person_id"].to_pylist()) == {INDEX}
    assert found["overlap_end"][0].as_py() == ts("2022-03-11 11:00:00")


def test_margin_is_strict(venues):
    index = index_table([WINDOW])
    assert [r[0] for r in rows(find_exposures(data_dir=venues, index=index, margin_minutes=5))] == [5, 5, 7, 8]
    assert [r[0] for r in rows(find_exposures(data_dir=venues, index=index, margin_minutes=4.99))] == [4, 5, 5, 7, 8]
    assert [r[0] for r in rows(find_exposures(data_dir=venues, index=index, margin_minutes=30))] == []


def test_every_index_person_is_searched_and_none_is_their_own_exposure(venues):
    index = index_table([WINDOW, (5, "2022-03-11 00:00:00", "2022-03-12 00:00:00")])
    found = find_exposures(data_dir=venues, index=index)
    pairs = [(r["index_person_id"], r["person_id"]) for r in found.to_pylist()]
    assert (5, INDEX) in pairs and (5, 4) not in pairs  # 4 arrived after 5 left
    assert all(a != b for a, b in pairs)
    assert pairs == sorted(pairs, key=lambda p: p[0])  # sorted by index person first


def test_index_problems_raise(venues):
    with pytest.raises(ValueError, match="more than once"):
        find_exposures(data_dir=venues, index=index_table([WINDOW, WINDOW]))
    with pytest.raises(ValueError, match="ends before"):
        find_exposures(data_dir=venues, index=index_table([(1, "2022-03-14 00:00:00", "2022-03-10 00:00:00")]))
    zoned = index_table([WINDOW])
    zoned = zoned.set_column(1, "window_start", zoned["window_start"].cast(pa.timestamp("us", tz="Asia/Shanghai")))
    with pytest.raises(ValueError, match="zone-less"):
        find_exposures(data_dir=venues, index=zoned)
    assert len(find_exposures(data_dir=venues, index=index_table([]))) == 0
    assert len(find_exposures(data_dir=venues.parent / "nothing", index=index_table([WINDOW]))) == 0


# --- companions -------------------------------------------------------------------------------
# Window 03-10 to 03-14, look-back of the cumulative stay 14 days: from 02-28 00:00.
BIG, SMALL = 1, 2  # index persons: cumulative stay in their cell 30 h 01 min / exactly 30 h
PRESENCE = [
    (BIG, 5, "2022-03-11 10:00:00", "2022-03-11 12:00:00"),
    (BIG, 5, "2022-03-02 08:00:00", "2022-03-02 22:00:00"),
    (BIG, 5, "2022-03-03 08:00:00", "2022-03-03 22:01:00"),
    (11, 5, "2022-03-11 10:30:00", "2022-03-11 10:40:00"),  # 10 min: not more than 10
    (12, 5, "2022-03-11 10:30:00", "2022-03-11 10:41:00"),  # 11 min
    (13, 5, "2022-03-11 10:00:00", "2022-03-11 10:06:00"),  # 6 + 5 = 11 min in two spells
    (13, 5, "2022-03-11 11:00:00", "2022-03-11 11:05:00"),
    (14, 6, "2022-03-11 10:30:00", "2022-03-11 10:45:00"),  # SMALL's cell, 15 min, short stay itself
    (SMALL, 6, "2022-03-11 10:00:00", "2022-03-11 12:00:00"),
    (SMALL, 6, "2022-03-02 08:00:00", "2022-03-02 22:00:00"),
    (SMALL, 6, "2022-03-03 08:00:00", "2022-03-03 22:00:00"),
    (21, 6, "2022-03-11 11:00:00", "2022-03-11 11:11:00"),  # 11 min, short stay itself
    (22, 6, "2022-03-11 11:00:00", "2022-03-11 11:11:00"),  # 11 min + 24 h + 5 h 50 = 30 h 01
    (22, 6, "2022-03-04 00:00:00", "2022-03-05 00:00:00"),
    (22, 6, "2022-03-05 00:00:00", "2022-03-05 05:50:00"),
    (23, 6, "2022-03-11 11:00:00", "2022-03-11 11:11:00"),  # 11 min + 24 h + 5 h 49 inside the look-back
    (23, 6, "2022-03-04 00:00:00", "2022-03-05 00:00:00"),
    (23, 6, "2022-02-27 18:11:00", "2022-02-28 05:49:00"),  # only 5 h 49 of it after 02-28 00:00
]


@pytest.fixture
def presence(tmp_path):
    batch = write_csv(tmp_path / "presence.csv", PRESENCE_HEADER, PRESENCE)
    assert ingest_files(data_dir=tmp_path / "d", kind="presence", files=[batch]).ok
    return tmp_path / "d"


def companions(data_dir, rule=CompanionRule(), index=(BIG, SMALL)) -> list[tuple]:
    table = index_table([(i, "2022-03-10 00:00:00", "2022-03-14 00:00:00") for i in index])
    found = find_exposures(data_dir=data_dir, index=table, companion=rule)
    assert set(found["kind"].to_pylist()) <= {"cell"}
    return [(r["index_person_id"], r["person_id"], r["place_id"], r["overlap_minutes"]) for r in found.to_pylist()]


def test_companion_rule_thresholds(presence):
    assert companions(presence) == [
        (BIG, 12, 5, 11.0), (BIG, 13, 5, 6.0), (BIG, 13, 5, 5.0),  # BIG's own stay qualifies them
        (SMALL, 22, 6, 11.0),  # SMALL's 30 h does not; 22's own 30 h 01 does, 23's clipped 30 h does not
    ]


def test_companion_rule_values_come_from_the_rule(presence):
    # a 5-minute minimum adds 11 (10 min); 29 h of stay lets SMALL's companions in
    loose = companions(presence, CompanionRule(min_overlap_minutes=5, cumulative_stay_hours=29))
    assert {(i, p) for i, p, _, _ in loose} == {(BIG, 11), (BIG, 12), (BIG, 13), (SMALL, 14), (SMALL, 21),
                                             (SMALL, 22), (SMALL, 23)}
    # a 7-day look-back leaves only 2 h for everyone: nobody qualifies
    assert companions(presence, CompanionRule(window_days=7)) == []


def test_no_rule_no_cell_search(presence):
    table = index_table([(BIG, "2022-03-10 00:00:00", "2022-03-14 00:00:00")])
    assert len(find_exposures(data_dir=presence, index=table)) == 0
