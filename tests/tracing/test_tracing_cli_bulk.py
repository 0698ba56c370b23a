"""`fangkong ingest` and `fangkong trace exposures` end to end: exit codes, problems files, output."""

from __future__ import annotations

import pyarrow.csv as pacsv
import pytest
import pyarrow.parquet as pq
from tracing_bulkkit import CHECKIN_HEADER, PRESENCE_HEADER, columns_of, index_table, write_csv
from typer.testing import CliRunner

from fangkong.cli import app
from fangkong.tracing.engine import EXPOSURE_SCHEMA, CompanionRule, find_exposures

runner = CliRunner()


def test_ingest_then_trace(tmp_path):
    d = tmp_path / "data"
    good = write_csv(tmp_path / "c1.csv", CHECKIN_HEADER, [
        (1, 10, "2022-03-11 10:00:00", "2022-03-11 11:00:00"), (2, 10, "2022-03-11 10:30:00", "2022-03-11 12:00:00"),
        (3, 10, "2022-03-11 11:00:00", "2022-03-11 12:00:00")])
    result = runner.invoke(app, ["ingest", "checkins", "--data-dir", str(d), str(good)])
    assert result.exit_code == 0, result.output
    assert "3 stored" in result.output
    again = runner.invoke(app, ["ingest", "checkins", "--data-dir", str(d), str(good)])
    assert again.exit_code == 0 and "ingested before" in again.output

    bad = write_csv(tmp_path / "c2.csv", CHECKIN_HEADER, [(4, 10, "2022-03-11 10:40:00", "2022-03-11 10:50:00"),
                                                          (5, 10, "soon", "2022-03-11 10:50:00")])
    problems = tmp_path / "rejected.csv"
    result = runner.invoke(app, ["ingest", "checkins", "--data-dir", str(d), "--problems", str(problems), str(bad)])
    assert result.exit_code == 1
    assert "c2.csv, row 2, time_in: cannot read soon" in result.output
    table = pacsv.read_csv(problems)
    assert table.to_pylist() == [{"file": str(bad), "row": 2, "field": "time_in",
                                  "message": "cannot read soon as a date and time (YYYY-MM-DD HH:MM:SS or ISO 8601)"}]

    presence = write_csv(tmp_path / "p.csv", PRESENCE_HEADER, [(1, 7, "2022-03-11 10:00:00", "2022-03-11 12:00:00")])
    assert runner.invoke(app, ["ingest", "presence", "--data-dir", str(d), str(presence)]).exit_code == 0

    index = write_csv(tmp_path / "index.csv", "person_id,window_start,window_end",
                      [(1, "2022-03-10", "2022-03-14T00:00:00+08:00")])  # a date is its midnight
    out = tmp_path / "out" / "exposures.parquet"
    result = runner.invoke(app, ["trace", "exposures", "--data-dir", str(d), "--index", str(index), "--out", str(out),
                                 "--margin-minutes", "5"])
    assert result.exit_code == 0, result.output
    assert "venue: 2 rows, 2 exposed persons" in result.output
    found = pq.read_table(out).cast(EXPOSURE_SCHEMA)  # no nulls: the file's optional columns cast
    assert columns_of(pq.read_schema(out)) == columns_of(EXPOSURE_SCHEMA)
    assert sorted(found["person_id"].to_pylist()) == [2, 4]  # 3 only touches; 4 from the second file's good row
    expected = find_exposures(data_dir=d, index=index_table([(1, "2022-03-10 00:00:00", "2022-03-14 00:00:00")]),
                              margin_minutes=5, companion=CompanionRule())
    order = [(c, "ascending") for c in ("index_person_id", "kind", "place_id", "person_id", "overlap_start")]
    assert found.sort_by(order).equals(expected)  # streamed in the engine's order: the same rows
    result = runner.invoke(app, ["trace", "exposures", "--data-dir", str(d), "--index", str(index), "--out", str(out),
                                 "--margin-minutes", "5", "--sorted"])
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).cast(EXPOSURE_SCHEMA).equals(expected)  # --sorted: the contract's order


def test_trace_reports_index_problems_by_row_and_field(tmp_path):
    index = write_csv(tmp_path / "index.csv", "person_id,window_start,window_end", [
        (1, "2022-03-10 00:00:00", "2022-03-14 00:00:00"), ("", "2022-03-10 00:00:00", "2022-03-14 00:00:00"),
        (3, "2022-03-14", "2022-03-10"), (1, "2022-03-10 00:00:00", "2022-03-12 00:00:00"),
        (5, "2022-03-10", "14/03/2022")])
    out = tmp_path / "x.parquet"
    result = runner.invoke(app, ["trace", "exposures", "--data-dir", str(tmp_path / "d"), "--index", str(index),
                                 "--out", str(out), "--no-companions"])
    assert result.exit_code == 1
    rows = pacsv.read_csv(tmp_path / "x.problems.csv").to_pylist()
    assert [(r["row"], r["field"]) for r in rows] == [(2, "person_id"), (3, "window_end"), (4, "person_id"),
                                                      (5, "window_end")]
    assert rows[-1]["message"].startswith("cannot read 14/03/2022 as a date (YYYY-MM-DD) or")
    assert not out.exists()


def test_trace_reports_a_missing_column(tmp_path):
    index = write_csv(tmp_path / "index.csv", "person_id,window_start", [(1, "2022-03-10 00:00:00")])
    result = runner.invoke(app, ["trace", "exposures", "--data-dir", str(tmp_path / "d"), "--index", str(index),
                                 "--out", str(tmp_path / "x.parquet"), "--no-companions"])
    assert result.exit_code == 1 and "window_end: column missing" in result.output


def test_write_exposures_streams_the_rows_and_replaces_the_file_whole(tmp_path):
    """A crowded venue written unordered: the same rows as find_exposures, and a failed search
    leaves the earlier file as it was."""
    from fangkong.tracing.engine import write_exposures

    d = tmp_path / "d"
    n = 3000
    rows = [(p, 9, "2022-03-11 10:00:00", "2022-03-11 11:00:00") for p in range(1, n + 1)]
    checkins = write_csv(tmp_path / "c.csv", CHECKIN_HEADER, rows)
    assert runner.invoke(app, ["ingest", "checkins", "--data-dir", str(d), str(checkins)]).exit_code == 0
    index = index_table([(p, "2022-03-11 00:00:00", "2022-03-12 00:00:00") for p in (1, 2)])
    out = tmp_path / "e.parquet"
    assert write_exposures(data_dir=d, index=index, out=out) == 2 * (n - 1)
    written = pq.read_table(out).cast(EXPOSURE_SCHEMA)
    order = [(c, "ascending") for c in ("index_person_id", "kind", "place_id", "person_id", "overlap_start")]
    assert written.sort_by(order).equals(find_exposures(data_dir=d, index=index))
    with pytest.raises(ValueError, match="margin_minutes"):
        write_exposures(data_dir=d, index=index, out=out, margin_minutes=-1)
    assert pq.read_table(out).cast(EXPOSURE_SCHEMA).equals(written) and not list(tmp_path.glob(".e.parquet*"))
