"""DuckDB and Spark return the same exposure rows (values, types, order) on the same store."""

from __future__ import annotations

import numpy as np
import pytest
from tracing_bulkkit import columns_of, index_table, local_spark, random_records

from fangkong.tracing.engine import EXPOSURE_SCHEMA, CompanionRule, find_exposures, ingest_files

pytestmark = pytest.mark.spark


@pytest.fixture(scope="session")
def spark():
    return local_spark()  # getOrCreate: the session any other module started, stopped at exit


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("store")
    d = root / "d"
    checkins = random_records(root / "checkins", "checkins", n=40_000, persons=2_000, places=300, days=6, seed=3)
    presence = random_records(root / "presence", "presence", n=20_000, persons=2_000, places=40, days=6, seed=4,
                              max_minutes=600)
    assert ingest_files(data_dir=d, kind="checkins", files=checkins).ok
    assert ingest_files(data_dir=d, kind="presence", files=presence).ok
    return d


def random_index(seed: int, n: int = 40):
    rng = np.random.default_rng(seed)
    persons = rng.choice(2_000, n, replace=False) + 1
    days = rng.integers(1, 4, n)
    return index_table([(int(p), f"2022-03-0{d} 06:30:00", f"2022-03-0{d + 2} 12:00:00")
                        for p, d in zip(persons, days)])


def test_venue_rows_are_identical(store, spark):
    index = random_index(1)
    for margin in (0, 7.5):
        duck = find_exposures(data_dir=store, index=index, margin_minutes=margin)
        sprk = find_exposures(data_dir=store, index=index, margin_minutes=margin, engine="spark", spark=spark)
        assert len(duck) > 100 and duck.schema == EXPOSURE_SCHEMA
        assert sprk.equals(duck)


def test_companion_rows_are_identical(store, spark):
    index = random_index(2)
    rule = CompanionRule(min_overlap_minutes=10, window_days=3, cumulative_stay_hours=8)
    duck = find_exposures(data_dir=store, index=index, companion=rule)
    sprk = find_exposures(data_dir=store, index=index, companion=rule, engine="spark", spark=spark)
    kinds = set(duck["kind"].to_pylist())
    assert kinds == {"venue", "cell"}, kinds
    assert sprk.equals(duck)
    empty = find_exposures(data_dir=store.parent / "nothing", index=index, companion=rule, engine="spark", spark=spark)
    assert empty.equals(EXPOSURE_SCHEMA.empty_table())
    # the rule matters: a stricter stay threshold drops cell rows on both engines alike
    strict = CompanionRule(min_overlap_minutes=10, window_days=3, cumulative_stay_hours=20)
    fewer = find_exposures(data_dir=store, index=index, companion=strict, engine="spark", spark=spark)
    assert fewer.equals(find_exposures(data_dir=store, index=index, companion=strict))
    assert fewer["kind"].to_pylist().count("cell") < duck["kind"].to_pylist().count("cell")


def test_the_cli_runs_on_spark(store, spark, tmp_path):
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from fangkong.cli import app

    index = random_index(3, n=10)
    pq.write_table(index, tmp_path / "index.parquet")
    out = tmp_path / "exposures.parquet"
    result = CliRunner().invoke(app, ["trace", "exposures", "--data-dir", str(store), "--index",
                                      str(tmp_path / "index.parquet"), "--out", str(out), "--engine", "spark",
                                      "--no-companions", "--sorted"])
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).cast(EXPOSURE_SCHEMA).equals(find_exposures(data_dir=store, index=index))


def test_written_files_are_identical(store, spark, tmp_path):
    """`write_exposures`: DuckDB writes the file itself, Spark through Arrow batches; sorted, the two
    files are the same file's rows, types and order, venue and cell kinds alike."""
    import pyarrow.parquet as pq

    from fangkong.tracing.engine import write_exposures

    index = random_index(3)
    rule = CompanionRule(min_overlap_minutes=10, window_days=3, cumulative_stay_hours=8)
    files = {}
    for engine in ("duckdb", "spark"):
        files[engine] = tmp_path / f"{engine}.parquet"
        rows = write_exposures(data_dir=store, index=index, out=files[engine], companion=rule, engine=engine,
                               spark=spark, ordered=True)
        assert rows > 100, engine
        assert columns_of(pq.read_schema(files[engine])) == columns_of(EXPOSURE_SCHEMA), engine
    duck, sprk = (pq.read_table(files[e]).cast(EXPOSURE_SCHEMA) for e in ("duckdb", "spark"))
    assert sprk.equals(duck)
    assert duck.cast(EXPOSURE_SCHEMA).equals(find_exposures(data_dir=store, index=index, companion=rule))
