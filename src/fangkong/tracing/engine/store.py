"""The bulk store on disk: ``DATA_DIR/bulk/<kind>/date=YYYY-MM-DD/part-<batch>.parquet``.

A partition holds the records whose start (``time_in`` / ``time_start``) falls on that local date.
Every file is written into a hidden staging folder and renamed into place, so a reader or a crash
never sees half a file; ``_manifest.json`` (also replaced atomically) lists the batches ingested,
so the same file is not ingested twice. Ingests of one kind hold ``.lock`` while they write.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from fangkong.tracing.engine.model import KINDS

MANIFEST = "_manifest.json"
# Partition files are not compressed: the search is bound by decoding the scan, which costs 3.3x
# the CPU with zstd and 2.1x with snappy (20M check-ins, docs/exposure-search.md); the price is
# twice the disk. pyarrow's name for it; DuckDB's COPY calls it 'uncompressed'. Writers of
# partition files outside ingest_files (benchmarks) should use it too.
PARQUET_COMPRESSION = "none"


def kind_dir(data_dir: Path, kind: str) -> Path:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: {' or '.join(KINDS)}")
    return Path(data_dir) / "bulk" / kind


def partition_dir(data_dir: Path, kind: str, day: date) -> Path:
    return kind_dir(data_dir, kind) / f"date={day.isoformat()}"


def partition_dates(data_dir: Path, kind: str) -> list[date]:
    """The dates that have a partition, in order."""
    root = kind_dir(data_dir, kind)
    out = []
    for child in root.glob("date=*") if root.is_dir() else ():
        with contextlib.suppress(ValueError):
            out.append(date.fromisoformat(child.name[5:]))
    return sorted(out)


def files_between(data_dir: Path, kind: str, first: date | None = None, last: date | None = None) -> list[Path]:
    """The Parquet files of the partitions from `first` to `last` (inclusive; None: open)."""
    files: list[Path] = []
    for day in partition_dates(data_dir, kind):
        if (first is None or day >= first) and (last is None or day <= last):
            files += sorted(partition_dir(data_dir, kind, day).glob("part-*.parquet"))
    return files


def read_manifest(data_dir: Path, kind: str) -> dict:
    path = kind_dir(data_dir, kind) / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"batches": {}}


def write_manifest(data_dir: Path, kind: str, manifest: dict) -> None:
    path = kind_dir(data_dir, kind) / MANIFEST
    replace_atomically(path, json.dumps(manifest, ensure_ascii=False, indent=1).encode())


def temp_name(target: Path) -> Path:
    """A hidden sibling of `target` (same folder, so the rename is atomic; no reader lists it)."""
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def replace_atomically(target: Path, content: bytes) -> None:
    tmp = temp_name(target)
    with tmp.open("wb") as f:
        f.write(content)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)


@contextlib.contextmanager
def locked(data_dir: Path, kind: str) -> Iterator[Path]:
    """Hold the kind's write lock (one ingest at a time per store); yields the kind's folder."""
    root = kind_dir(data_dir, kind)
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            for stale in root.glob(".staging-*"):  # left by a crashed ingest (ingest._write_partitions)
                shutil.rmtree(stale, ignore_errors=True)
            yield root
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
