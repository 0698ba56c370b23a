"""Fixtures for the bulk screening engine: small rounds built by hand or at random, and one
SparkSession for the whole test session (about 8 s to start; tests that use it are marked `spark`)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

BASE = np.datetime64("2022-04-10T07:00:00", "s")


def make_round(n: int, *, seed: int, pool: int = 10) -> tuple[pa.Table, pa.Table, pa.Table]:
    """(samples, results, roster) with text cells as labs send them: mixed timestamp layouts and
    zones, positive / indeterminate / pending tubes, tubes positive by Ct alone, re-sent results."""
    rng = np.random.default_rng(seed)
    tube = np.arange(n) // pool
    n_tubes = int(tube[-1]) + 1
    person = rng.permutation(n * 2)[:n]
    start = BASE + rng.integers(0, 12 * 3600, n_tubes)
    collected = start[tube] + (np.arange(n) % pool) * 20
    text = [str(t).replace("T", " ") if i % 3 else str(t) for i, t in enumerate(collected)]
    samples = pa.table({"sample_id": [f"S{i:07d}" for i in range(n)], "person_id": [f"P{p:07d}" for p in person],
                        "tube_id": [f"T{t:06d}" for t in tube], "site_id": [f"site-{t // 50}" for t in tube],
                        "collected_at": text})
    kind = rng.choice(["negative", "positive", "indeterminate", "pending", "ct_only"], n_tubes,
                      p=[0.9, 0.04, 0.02, 0.02, 0.02])
    ct = np.round(rng.uniform(20, 34.9, n_tubes), 1)
    last = start + 20 * pool + rng.integers(3, 30, n_tubes) * 3600
    reported = [f"{str(last[t] - np.timedelta64(8, 'h')).replace(' ', 'T')}Z" if t % 4 == 0 else str(last[t])
                for t in range(n_tubes)]
    rows = [t for t in range(n_tubes) if kind[t] != "pending"]
    rows += list(rng.choice(rows, size=max(1, len(rows) // 50)))  # identical re-sent rows
    rows = list(rng.permutation(rows))
    result = {"negative": "negative", "positive": "Positive", "indeterminate": "indeterminate", "ct_only": "negative"}
    results = pa.table({
        "tube_id": [f"T{t:06d}" for t in rows], "result": [result[kind[t]] for t in rows],
        "ct_orf1ab": [f"{ct[t]}" if kind[t] in ("positive", "ct_only") else "" for t in rows],
        "ct_n": [f"{ct[t] + 1:.1f}" if kind[t] == "positive" else ("36.5" if kind[t] == "indeterminate" else None)
                 for t in rows],
        "lab_id": [f"LAB{t % 5}" for t in rows], "reported_at": [reported[t] for t in rows],
    })
    everyone = np.arange(n * 2)
    roster = pa.table({"person_id": [f"P{p:07d}" for p in everyone],
                       "jurisdiction_code": [f"3201020010{p % 17:02d}" for p in everyone]})
    return samples, results, roster


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("fangkong-tests")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "4")
               # small file splits, so that a test CSV spans several partitions and row numbering is exercised
               .config("spark.sql.files.maxPartitionBytes", "64k").config("spark.sql.files.openCostInBytes", "0")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
