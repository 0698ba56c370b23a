"""Append check-in and presence batches (CSV or Parquet files, or folders of them) to the store.

Per file: the batch id is a hash of the content (with the kind and time zone, which change what
the rows mean); a batch already in the manifest is skipped whole. Otherwise the rows are typed
and checked (validate.py); rejected rows are reported by file, row and field and not stored; the
good rows, without repeats inside the batch and without rows the same partitions already hold, are
written per local date under temporary names and renamed into place, then the manifest records
the batch. A crash before the manifest is written leaves whole files only, and the next ingest of
the same batch finds their rows stored already, so nothing is stored twice.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import date
from pathlib import Path

from fangkong.screening.engine import DEFAULT_TIMEZONE
from fangkong.screening.engine.duckdb_engine import DuckDBRunner
from fangkong.screening.engine.model import MAX_PROBLEMS, Problem
from fangkong.screening.engine.run import SourceError
from fangkong.tracing.engine import store, validate
from fangkong.tracing.engine.model import END, MAX_STAY, PLACE, START, FileReport, IngestReport
from fangkong.tracing.engine.runners import quoted

SUFFIXES = (".parquet", ".pq", ".csv")


def expand(files: list[Path]) -> list[Path]:
    """Files as given; a folder stands for its CSV and Parquet files (not hidden), in name order."""
    out: list[Path] = []
    for path in map(Path, files):
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                          and not p.name.startswith((".", "_")))
        else:
            out.append(path)
    return out


def batch_id(path: Path, *, kind: str, timezone: str) -> str:
    digest = hashlib.sha256(f"{kind}\n{timezone}\n".encode())
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()[:24]


def ingest_files(*, data_dir: Path, kind: str, files: list[Path], timezone: str = DEFAULT_TIMEZONE,
                 max_problems: int = MAX_PROBLEMS) -> IngestReport:
    """Validate and append `files` to the store of `kind` ("checkins" or "presence")."""
    report = IngestReport(kind=kind)
    paths = expand(files)
    with store.locked(Path(data_dir), kind):
        manifest = store.read_manifest(Path(data_dir), kind)
        runner = DuckDBRunner(timezone=timezone)
        try:
            for path in paths:
                report.files.append(_ingest_one(runner, Path(data_dir), kind, path, timezone, manifest, report,
                                                max_problems))
        finally:
            runner.close()
    return report


def _columns(kind: str) -> dict[str, str]:
    return {"person_id": "id", PLACE[kind]: "id", START[kind]: "ts", END[kind]: "ts"}


def _ingest_one(runner: DuckDBRunner, data_dir: Path, kind: str, path: Path, timezone: str, manifest: dict,
                report: IngestReport, max_problems: int) -> FileReport:
    label = str(path)
    if not path.is_file():
        return _file_problem(report, FileReport(label), "no such file")
    bid = batch_id(path, kind=kind, timezone=timezone)
    if bid in manifest["batches"]:
        done = manifest["batches"][bid]
        return FileReport(label, rows=done.get("rows", 0), skipped_batch=True, batch_id=bid)
    try:
        source = runner.source("batch", path, label)
    except SourceError as exc:
        return _file_problem(report, FileReport(label, batch_id=bid), f"cannot read the file: {exc}")
    columns = _columns(kind)
    missing = validate.missing_columns(source, columns)
    if missing:
        for name in missing:
            report.problems.append(Problem(label, 0, name, "column missing"))
        report.problem_count += len(missing)
        return FileReport(label, batch_id=bid)
    try:
        runner.create_typed("t", validate.typed_sql(source, columns), source=source, materialize=True)
        result = _store(runner, data_dir, kind, label, bid, report, max_problems)
    except SourceError as exc:
        return _file_problem(report, FileReport(label, batch_id=bid), f"cannot read the file: {exc}")
    manifest["batches"][bid] = {"file": label, "rows": result.rows, "stored": result.stored}
    store.write_manifest(data_dir, kind, manifest)
    return result


def _file_problem(report: IngestReport, file: FileReport, message: str) -> FileReport:
    report.problems.append(Problem(file.path, 0, "", message))
    report.problem_count += 1
    return file


def _scalar(runner: DuckDBRunner, sql: str):
    return runner.con.execute(sql).fetchone()[0]


def _store(runner: DuckDBRunner, data_dir: Path, kind: str, label: str, bid: str, report: IngestReport,
           max_problems: int) -> FileReport:
    con, start, end, place = runner.con, START[kind], END[kind], PLACE[kind]
    columns = _columns(kind)
    hours = MAX_STAY.total_seconds() / 3600
    ok = validate.ok_condition(columns, start=start, end=end, max_hours=hours)
    rows = _scalar(runner, "SELECT count(*) FROM t")
    rejected = _scalar(runner, f"SELECT count(*) FROM t WHERE NOT ({ok})")
    if rejected:
        checks = validate.checks_sql("t", columns, start=start, end=end, max_hours=hours)
        room = max(0, max_problems - len(report.problems))
        found = con.execute(f"SELECT _row, field, message FROM ({checks}) p ORDER BY _row, field, message "
                            f"LIMIT {room}").fetchall()
        report.problems += [Problem(label, r, f, m) for r, f, m in found]
        report.problem_count += _scalar(runner, f"SELECT count(*) FROM ({checks}) p")
    cols = f"person_id, {place}, {start}, {end}"
    con.execute(f"CREATE OR REPLACE TABLE g AS SELECT DISTINCT {cols}, CAST({start} AS DATE) AS date "
                f"FROM t WHERE {ok}")
    dates = [r[0] for r in con.execute("SELECT DISTINCT date FROM g ORDER BY date").fetchall()]
    existing = [p for day in dates for p in store.files_between(data_dir, kind, day, day)]
    if existing:  # rows the store holds already; set semantics, and partitions are disjoint by date
        listing = ", ".join(map(quoted, existing))
        con.execute(f"CREATE OR REPLACE TABLE g AS SELECT * FROM g EXCEPT SELECT {cols}, CAST({start} AS DATE) "
                    f"FROM read_parquet([{listing}], hive_partitioning = false)")
    stored = _scalar(runner, "SELECT count(*) FROM g")
    if stored:
        _write_partitions(runner, data_dir, kind, bid, cols, place, start, dates)
    return FileReport(label, rows=rows, rejected=rejected, stored=stored, duplicates=rows - rejected - stored,
                      batch_id=bid)


def _write_partitions(runner: DuckDBRunner, data_dir: Path, kind: str, bid: str, cols: str, place: str, start: str,
                      dates: list[date]) -> None:
    """Write g's rows per date into a staging folder, then rename each file into its partition."""
    root = store.kind_dir(data_dir, kind)
    staging = root / f".staging-{bid}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        # Uncompressed: store.PARQUET_COMPRESSION says why.
        runner.con.execute(f"COPY (SELECT {cols}, date FROM g ORDER BY date, {place}, {start}) TO {quoted(staging)} "
                           f"(FORMAT parquet, COMPRESSION uncompressed, PARTITION_BY (date), "
                           f"FILENAME_PATTERN 'part-{bid}-{{i}}')")
        for day in dates:
            folder = store.partition_dir(data_dir, kind, day)
            folder.mkdir(parents=True, exist_ok=True)
            for written in sorted((staging / f"date={day.isoformat()}").glob("*.parquet")):
                os.replace(written, folder / written.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
