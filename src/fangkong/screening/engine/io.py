"""The output folder of a resolved round (``fangkong screening resolve --out DIR``).

    person_status.parquet   person_id, status, tube_id                       (sorted by person_id)
    tubes.parquet           tube_id, members, status, min_ct, ..., turnaround_hours (by tube_id)
    summary.json            counts, positivity, turnaround against 6/12/24 h (+ coverage)
    coverage.parquet        jurisdiction_code, roster, sampled, coverage     (with a roster)
    untested.parquet        person_id, jurisdiction_code                     (with a roster)
    problems.csv            file, row, field, message                        (invalid input only)

A valid run removes a stale problems.csv; an invalid one writes problems.csv and nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from fangkong.screening.engine.model import PROBLEM_SCHEMA, Coverage, Problem, Resolution

OUTPUTS = ("person_status.parquet", "tubes.parquet", "summary.json", "coverage.parquet", "untested.parquet")


def write_round(out: Path, resolution: Resolution, coverage: Coverage | None = None) -> list[Path]:
    """Write a valid round's outputs into `out`; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "problems.csv").unlink(missing_ok=True)
    tables = {"person_status.parquet": resolution.person_status, "tubes.parquet": resolution.tubes}
    summary = dict(resolution.summary)
    if coverage is not None:
        tables |= {"coverage.parquet": coverage.grids, "untested.parquet": coverage.untested}
        summary["coverage"] = coverage.summary
    for name, table in tables.items():
        pq.write_table(table, out / name)
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return [out / name for name in (*tables, "summary.json")]


def write_problems(out: Path, problems: list[Problem]) -> Path:
    """problems.csv (UTF-8 with a byte order mark, so that Excel/WPS show Chinese text)."""
    out.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist([vars(p) for p in problems], schema=PROBLEM_SCHEMA)
    path = out / "problems.csv"
    with path.open("wb") as f:
        f.write("\ufeff".encode())
        pacsv.write_csv(table, f)
    return path
