"""The tracing bulk store and exposure search (place-and-time contact finding), on DuckDB or Spark.

    from fangkong.tracing.engine import ingest_files, find_exposures, CompanionRule, venue_summary

    report = ingest_files(data_dir=d, kind="checkins", files=[Path("day1.parquet")], timezone="Asia/Shanghai")
    exposures = find_exposures(data_dir=d, index=index, margin_minutes=0, companion=CompanionRule())

The store is date-partitioned Parquet under ``DATA_DIR/bulk/`` (store.py); ingest validates and
deduplicates (ingest.py); the search is SQL text shared by both engines (sql.py, search.py).
docs/exposure-search.md describes the layout, the rules and the performance. A pure engine: no
web framework or ORM imports.
"""

from __future__ import annotations

from fangkong.tracing.engine.index import read_index
from fangkong.screening.engine.spark_engine import spark_session  # the local session both engines use
from fangkong.tracing.engine.ingest import ingest_files
from fangkong.tracing.engine.model import (EXPOSURE_SCHEMA, INDEX_SCHEMA, MAX_STAY, SUMMARY_SCHEMA, CompanionRule,
                                           FileReport, IngestReport)
from fangkong.tracing.engine.search import check_index, find_exposures, venue_summary, write_exposures

__all__ = ["EXPOSURE_SCHEMA", "INDEX_SCHEMA", "MAX_STAY", "SUMMARY_SCHEMA", "CompanionRule", "FileReport",
           "IngestReport", "check_index", "find_exposures", "ingest_files", "read_index", "spark_session",
           "venue_summary", "write_exposures"]
