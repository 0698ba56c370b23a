"""What the bulk screening engine returns, the fixed output schemas, and the round summary.

Both engines hand their rows to :func:`conform`, so DuckDB and Spark outputs have the same Arrow
schema (types and nullability) and compare equal with ``Table.equals``. The summary is computed
here, in Python, from those conformed tables, so it cannot differ between engines either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SAMPLE_COLUMNS = ("sample_id", "person_id", "tube_id", "site_id", "collected_at")
RESULT_COLUMNS = ("tube_id", "result", "ct_orf1ab", "ct_n", "lab_id", "reported_at")
RESULT_REQUIRED = ("tube_id", "result", "lab_id", "reported_at")  # Ct cells may be empty
ROSTER_COLUMNS = ("person_id", "jurisdiction_code")

# Result cells as labs write them, lower-cased and trimmed, to the canonical value.
RESULT_VALUES = {"positive": "positive", "negative": "negative", "indeterminate": "indeterminate",
                 "阳性": "positive", "阴性": "negative", "可疑": "indeterminate", "不确定": "indeterminate"}
CT_RANGE = (0.0, 50.0)  # a real-time PCR run has at most 45-50 cycles; anything outside is a typo
TUBE_STATUSES = ("positive", "indeterminate", "negative", "pending")
PERSON_STATUSES = ("recheck", "pending", "cleared")
# Lab turnaround targets (医疗机构核酸检测工作手册 第二版; protocols-china.md §3.1): 6 / 12 / 24 h.
TARGET_HOURS = (6, 12, 24)
MAX_PROBLEMS = 100_000  # problems fetched and listed; the summary counts all of them


@dataclass(frozen=True)
class Problem:
    """One invalid cell or row. ``row`` is the 1-based data row (the header is not counted); 0 is
    the file as a whole (a missing column, a file that cannot be parsed)."""

    file: str
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" if self.row else self.file
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class Resolution:
    """A resolved round: one row per person and per tube, the summary, and the problems (if any,
    the tables are empty: an invalid round is not resolved at all)."""

    person_status: pa.Table
    tubes: pa.Table
    summary: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass
class Coverage:
    """Sampled residents per grid against the roster, and the roster persons not sampled."""

    grids: pa.Table
    untested: pa.Table
    summary: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)


def person_status_schema(person_type: pa.DataType, tube_type: pa.DataType) -> pa.Schema:
    return pa.schema([pa.field("person_id", person_type, False), pa.field("status", pa.string(), False),
                      pa.field("tube_id", tube_type, False)])


def tubes_schema(tube_type: pa.DataType, lab_type: pa.DataType) -> pa.Schema:
    ts = pa.timestamp("us")
    return pa.schema([
        pa.field("tube_id", tube_type, False), pa.field("members", pa.int64(), False),
        pa.field("status", pa.string(), False), pa.field("min_ct", pa.float64()),
        pa.field("ct_orf1ab", pa.float64()), pa.field("ct_n", pa.float64()), pa.field("lab_id", lab_type),
        pa.field("first_collected_at", ts, False), pa.field("last_collected_at", ts, False),
        pa.field("reported_at", ts), pa.field("turnaround_hours", pa.float64()),
    ])


def coverage_schemas(person_type: pa.DataType) -> tuple[pa.Schema, pa.Schema]:
    grids = pa.schema([pa.field("jurisdiction_code", pa.string(), False), pa.field("roster", pa.int64(), False),
                       pa.field("sampled", pa.int64(), False), pa.field("coverage", pa.float64(), False)])
    untested = pa.schema([pa.field("person_id", person_type, False), pa.field("jurisdiction_code", pa.string(), False)])
    return grids, untested


PROBLEM_SCHEMA = pa.schema([pa.field("file", pa.string(), False), pa.field("row", pa.int64(), False),
                            pa.field("field", pa.string(), False), pa.field("message", pa.string(), False)])


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The engine's rows in the fixed schema: same names, types and nullability on every engine."""
    columns = [table.column(f.name).cast(f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


def problem_list(table: pa.Table) -> list[Problem]:
    return [Problem(**row) for row in table.to_pylist()]


def _counts(column: pa.ChunkedArray, names: tuple[str, ...]) -> dict[str, int]:
    found = {d["values"]: d["counts"] for d in pc.value_counts(column).to_pylist()} if len(column) else {}
    return {name: int(found.get(name, 0)) for name in names}


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def turnaround(hours: pa.ChunkedArray) -> dict[str, Any]:
    """Percentiles of collection-to-report hours over reported tubes, and the share within each target."""
    values = hours.drop_null().to_numpy() if hours.null_count < len(hours) else np.zeros(0)
    out: dict[str, Any] = {"reported_tubes": int(values.size)}
    for q in (50, 90, 95):
        out[f"p{q}"] = round(float(np.percentile(values, q)), 4) if values.size else None
    out["max"] = round(float(values.max()), 4) if values.size else None
    out["targets"] = {f"{h}h": {"within": int((values <= h).sum()), "share": _share(int((values <= h).sum()), values.size)}
                      for h in TARGET_HOURS}
    return out


def summarise(*, person_status: pa.Table, tubes: pa.Table, results_rows: int, pool_size: int,
              ct_threshold: float) -> dict[str, Any]:
    """The round's summary: counts by status, positivity and turnaround against the 6/12/24 h targets."""
    by_tube = _counts(tubes.column("status"), TUBE_STATUSES)
    by_person = _counts(person_status.column("status"), PERSON_STATUSES)
    with_result = len(tubes) - by_tube["pending"]
    return {
        "valid": True, "problems": 0, "pool_size": pool_size, "ct_threshold": ct_threshold,
        "samples": len(person_status), "persons": len(person_status), "tubes": len(tubes), "results": results_rows,
        "persons_by_status": by_person, "tubes_by_status": by_tube,
        "positivity": {"tubes": _share(by_tube["positive"], with_result),
                       "tubes_positive_or_indeterminate": _share(by_tube["positive"] + by_tube["indeterminate"], with_result),
                       "persons_recheck": _share(by_person["recheck"], len(person_status))},
        "turnaround_hours": turnaround(tubes.column("turnaround_hours")),
    }


def coverage_summary(grids: pa.Table, *, outside_roster: int) -> dict[str, Any]:
    roster = int(pc.sum(grids.column("roster")).as_py() or 0)
    covered = int(pc.sum(grids.column("sampled")).as_py() or 0)
    return {"valid": True, "problems": 0, "grids": len(grids), "roster": roster, "sampled_in_roster": covered,
            "untested": roster - covered, "sampled_outside_roster": outside_roster, "coverage": _share(covered, roster)}


def person_status(samples: pa.Table, tubes: pa.Table) -> pa.Table:
    """Each sample's person with the status their tube gives them, in samples order: members of a
    positive or indeterminate tube are rechecked, of a pending one pending, else cleared. Vectorised
    look-ups in Arrow, the same on every engine (and cheaper than an ordered join)."""
    by_status = pa.array(["recheck", "recheck", "cleared", "pending"])  # in TUBE_STATUSES order
    per_tube = pc.take(by_status, pc.index_in(tubes["status"], value_set=pa.array(TUBE_STATUSES)))
    status = pc.take(per_tube, pc.index_in(samples["tube_id"], value_set=tubes["tube_id"]))
    return pa.table({"person_id": samples["person_id"], "status": status, "tube_id": samples["tube_id"]})
