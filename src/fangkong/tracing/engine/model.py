"""What the tracing bulk engine stores and returns: the store's columns, the exposure schema, the
companion rule, and the ingest report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pyarrow as pa

from fangkong.screening.engine.model import Problem

TS = pa.timestamp("us")  # naive local wall time
KINDS = ("checkins", "presence")
# Per kind of record: the place column and the interval's two columns, as stored.
PLACE = {"checkins": "venue_id", "presence": "cell_id"}
START = {"checkins": "time_in", "presence": "time_start"}
END = {"checkins": "time_out", "presence": "time_end"}
# A stay longer than this is refused at ingest (a scan-out that was never made, a stuck phone): it
# also bounds how far back a query looks, since a record that reaches into the window then starts
# at most one day (one partition) before it.
MAX_STAY = timedelta(hours=24)


def store_schema(kind: str) -> pa.Schema:
    return pa.schema([pa.field("person_id", pa.int64(), False), pa.field(PLACE[kind], pa.int64(), False),
                      pa.field(START[kind], TS, False), pa.field(END[kind], TS, False)])


EXPOSURE_SCHEMA = pa.schema([
    pa.field("index_person_id", pa.int64(), False), pa.field("person_id", pa.int64(), False),
    pa.field("kind", pa.string(), False), pa.field("place_id", pa.int64(), False),
    pa.field("overlap_start", TS, False), pa.field("overlap_end", TS, False),
    pa.field("overlap_minutes", pa.float64(), False),
])
# An output file of `write_exposures` has these names and types; whether a column is marked optional
# depends on the engine that wrote it (DuckDB decides per query), and no value is ever null.
EXPOSURE_ORDER = ("index_person_id", "kind", "place_id", "person_id", "overlap_start", "overlap_end")
INDEX_SCHEMA = pa.schema([pa.field("person_id", pa.int64(), False), pa.field("window_start", TS, False),
                          pa.field("window_end", TS, False)])
SUMMARY_SCHEMA = pa.schema([pa.field("venue_id", pa.int64(), False), pa.field("checkins", pa.int64(), False),
                            pa.field("first_seen", TS, False), pa.field("last_seen", TS, False)])


@dataclass(frozen=True)
class CompanionRule:
    """时空伴随: a shared 800 m cell for more than `min_overlap_minutes` inside the window, and either
    person's cumulative stay in that cell over the `window_days` before the window's end more than
    `cumulative_stay_hours`. The defaults are the published local practice (protocols-china.md §1.1,
    source companion-esensoft; profile ed8.toml [contacts.companion]); services pass the profile's values."""

    min_overlap_minutes: float = 10
    window_days: float = 14
    cumulative_stay_hours: float = 30

    def __post_init__(self) -> None:
        if self.min_overlap_minutes < 0 or self.window_days <= 0 or self.cumulative_stay_hours < 0:
            raise ValueError(f"invalid companion rule {self}")


@dataclass
class FileReport:
    """One ingested file: data rows read, rows rejected, rows stored, identical rows not stored again
    (within the file or already in the store), and whether the whole batch was ingested before."""

    path: str
    rows: int = 0
    rejected: int = 0
    stored: int = 0
    duplicates: int = 0
    skipped_batch: bool = False
    batch_id: str = ""


@dataclass
class IngestReport:
    kind: str
    files: list[FileReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # (file, row, field, message); row 0: the file
    problem_count: int = 0  # all of them; `problems` holds at most MAX_PROBLEMS

    @property
    def stored(self) -> int:
        return sum(f.stored for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def ok(self) -> bool:
        return not self.problems
