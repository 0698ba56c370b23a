"""`fangkong screening resolve` from the command line: outputs, exit codes, the problems file."""

from __future__ import annotations

import csv
import json

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from conftest import make_round
from typer.testing import CliRunner

from fangkong.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A 3,000-sample round as CSV (samples with a BOM), and the roster as Parquet."""
    folder = tmp_path_factory.mktemp("round")
    samples, results, roster = make_round(3000, seed=3)
    with open(folder / "samples.csv", "wb") as f:
        f.write(b"\xef\xbb\xbf")
        pacsv.write_csv(samples, f)
    pacsv.write_csv(results, folder / "results.csv")
    pq.write_table(roster, folder / "roster.parquet")
    return folder


def args(files, out, *extra) -> list[str]:
    return ["screening", "resolve", "--samples", str(files / "samples.csv"), "--results", str(files / "results.csv"),
            "--pool-size", "10", "--ct-threshold", "35", "--out", str(out), *extra]


def test_a_valid_round_writes_status_tubes_summary_and_coverage(files, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, args(files, out, "--roster", str(files / "roster.parquet")))
    assert result.exit_code == 0, result.output
    assert "persons recheck" in result.output and "roster coverage" in result.output
    people = pq.read_table(out / "person_status.parquet")
    assert people.num_rows == 3000 and people.column_names == ["person_id", "status", "tube_id"]
    assert pq.read_table(out / "tubes.parquet").num_rows == 300
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["valid"] and sum(summary["persons_by_status"].values()) == 3000
    assert summary["coverage"]["untested"] == 3000 and pq.read_table(out / "untested.parquet").num_rows == 3000
    assert pq.read_table(out / "coverage.parquet").column_names == ["jurisdiction_code", "roster", "sampled", "coverage"]
    assert not (out / "problems.csv").exists()


def test_invalid_input_exits_1_with_a_problems_file_and_writes_nothing_else(files, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, args(files, out)[:7] + ["5", "--out", str(out)])  # pool size 5: every tube too big
    assert result.exit_code == 1
    assert "more than the pool size 5" in result.output and "problems.csv" in result.output
    with open(out / "problems.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 300 * 5 and rows[0] == {"file": "samples.csv", "row": "6", "field": "tube_id",
                                                 "message": "tube T000000 has 10 samples, more than the pool size 5"}
    assert not (out / "person_status.parquet").exists()


def test_a_broken_file_is_a_file_level_problem_and_a_missing_one_a_usage_error(files, tmp_path):
    broken = tmp_path / "results.csv"
    broken.write_text("tube_id,result\nT000000,negative,extra,cells\n", encoding="utf-8")
    result = runner.invoke(app, ["screening", "resolve", "--samples", str(files / "samples.csv"), "--results",
                                 str(broken), "--pool-size", "10", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "results.csv" in result.output
    missing = runner.invoke(app, ["screening", "resolve", "--samples", str(tmp_path / "nope.csv"), "--results",
                                  str(broken), "--pool-size", "10", "--out", str(tmp_path / "o")])
    assert missing.exit_code == 2


@pytest.mark.spark
def test_the_spark_engine_writes_the_same_files(files, tmp_path, spark):
    for engine in ("duckdb", "spark"):
        result = runner.invoke(app, args(files, tmp_path / engine, "--engine", engine))
        assert result.exit_code == 0, result.output
    for name in ("person_status.parquet", "tubes.parquet"):
        assert pq.read_table(tmp_path / "spark" / name).equals(pq.read_table(tmp_path / "duckdb" / name))
    assert (tmp_path / "spark" / "summary.json").read_text() == (tmp_path / "duckdb" / "summary.json").read_text()


def test_summary_json_is_plain_json(files, tmp_path):
    runner.invoke(app, args(files, tmp_path / "o"))
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["turnaround_hours"]["targets"]) == {"6h", "12h", "24h"}
    assert isinstance(pa.scalar(summary["positivity"]["tubes"]).as_py(), float)
