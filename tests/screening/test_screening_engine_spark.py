"""DuckDB and Spark give the same answers: resolution, coverage and problem reports (row numbers
included, with Spark reading a CSV split over many partitions)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from conftest import make_round

from fangkong.screening.engine import coverage, resolve, resolve_round

pytestmark = pytest.mark.spark


def _sorted(table: pa.Table, *keys: str) -> pa.Table:
    return table.sort_by([(k, "ascending") for k in keys])


def test_duckdb_and_spark_agree_on_a_random_20k_round(spark):
    samples, results, roster = make_round(20_000, seed=11)
    duck = resolve(samples=samples, results=results, pool_size=10, engine="duckdb")
    sprk = resolve(samples=samples, results=results, pool_size=10, engine="spark")
    assert duck.valid and sprk.valid
    assert _sorted(sprk.person_status, "person_id").equals(_sorted(duck.person_status, "person_id"))
    assert _sorted(sprk.tubes, "tube_id").equals(_sorted(duck.tubes, "tube_id"))
    assert sprk.person_status.equals(duck.person_status)  # and in the same order already
    assert sprk.summary == duck.summary
    by_status = duck.summary["tubes_by_status"]
    assert min(by_status.values()) > 0 and duck.summary["persons_by_status"]["recheck"] > 0  # every path exercised
    cov_duck, cov_spark = coverage(samples, roster, engine="duckdb"), coverage(samples, roster, engine="spark")
    assert cov_spark.grids.equals(cov_duck.grids) and cov_spark.untested.equals(cov_duck.untested)
    assert cov_spark.summary == cov_duck.summary and cov_duck.summary["untested"] == 20_000


def _write_csv(table: pa.Table, path, *, bom: bool) -> None:
    with open(path, "wb") as f:
        f.write(b"\xef\xbb\xbf" if bom else b"")
        pacsv.write_csv(table, f)


def test_problems_name_the_same_rows_on_both_engines_reading_csv_files(spark, tmp_path):
    samples, results, roster = make_round(12_000, seed=5)
    s = samples.to_pylist()
    s[7000]["person_id"] = s[10]["person_id"]  # sampled twice: data row 7001
    s[9000]["collected_at"] = "2022-04-10 25:00:00"  # unreadable: row 9001
    s[11_999]["tube_id"] = s[0]["tube_id"]  # an 11th swab in the first tube: row 12000
    r = results.to_pylist()
    r[500]["ct_n"] = "51"  # out of range
    r[600] = {**r[600], "tube_id": "T999999"}  # unknown tube
    _write_csv(pa.Table.from_pylist(s), tmp_path / "samples.csv", bom=True)
    _write_csv(pa.Table.from_pylist(r, schema=results.schema), tmp_path / "results.csv", bom=False)
    kw = dict(samples=tmp_path / "samples.csv", results=tmp_path / "results.csv", pool_size=10)
    duck, _ = resolve_round(**kw, engine="duckdb")
    sprk, _ = resolve_round(**kw, engine="spark")
    assert sprk.problems == duck.problems
    where = {(p.file, p.row, p.field) for p in duck.problems}
    assert {("samples.csv", 7001, "person_id"), ("samples.csv", 9001, "collected_at"), ("samples.csv", 12000, "tube_id"),
            ("results.csv", 501, "ct_n"), ("results.csv", 601, "tube_id")} <= where
    assert spark.conf.get("spark.sql.files.maxPartitionBytes") == "64k"  # so the 1 MB file had many splits
