"""Demo cases: what the simulated run told the platform, as :class:`DemoCase` records.

Cases come from the run's observations, never from the truth: its case reports (confirmed or
asymptomatic, found at a fever clinic, in quarantine or by screening), fever-clinic samples
still at the laboratory at the end (suspected) and fever-clinic samples that came back negative
(suspected, then excluded). The truth only says what became of a case by the end (recovered,
died) and whether its infection was imported (a seed infection) or caught from an imported case.

The simulator has no reporting step: its report time is when the result is known, which is the
diagnosis here. The report into the direct reporting system follows it, mostly within the
2-hour deadline, sometimes late, and the most recent few not yet (demo-side draws).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

from fangkong.demo.models import DemoCase
from fangkong.sim.runner import SimResult

# The simulator's timestamps are naive local time of the demo city (Nanjing).
LOCAL = ZoneInfo("Asia/Shanghai")
# The platform has no 'dead' severity: a fatal course is critical until the outcome says died.
SEVERITY = {"mild": "mild", "severe": "severe", "critical": "critical", "dead": "critical"}
# Report delays after diagnosis (minutes): most in time, some late, the newest few not yet.
_IN_TIME = (10, 110)
_LATE = (130, 360)
_LATE_SHARE = 0.08
_UNREPORTED_SHARE = 0.02


@dataclass
class Observed:
    """One candidate case per person, sorted by diagnosis time (parallel arrays)."""

    person: np.ndarray  # int64 person id
    classification: np.ndarray  # str
    severity: np.ndarray  # str: the run's severity of the person's course ('' for tests)
    onset: np.ndarray  # datetime64[D], NaT when not known at diagnosis
    sampled: np.ndarray  # datetime64[D]
    diagnosed: np.ndarray  # datetime64[s], naive local time

    def __len__(self) -> int:
        return int(self.person.shape[0])

    def take(self, idx: np.ndarray) -> Observed:
        return Observed(*(getattr(self, f)[idx] for f in self.__dataclass_fields__))


def _col(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy()


def observed(result: SimResult, *, end: date) -> Observed:
    """The run's case reports, then fever-clinic samples pending at `end` or negative, one row per person."""
    c, t, truth = result.cases, result.tests, result.infections
    onset_of = np.full(result.summary["persons"], np.datetime64("NaT"), "datetime64[D]")
    onset_of[_col(truth, "infectee_id")] = _col(truth, "onset_at").astype("datetime64[D]")
    clinic = _col(t, "kind") == "symptomatic"
    pending = clinic & (_col(t, "reported_on") > np.datetime64(end))
    negative = clinic & ~pending & (_col(t, "result") == "negative")
    tests = np.concatenate([np.flatnonzero(pending), np.flatnonzero(negative)])
    tested = _col(t, "person_id")[tests]
    rows = Observed(
        person=np.concatenate([_col(c, "person_id"), tested]),
        classification=np.concatenate([_col(c, "classification").astype(str),
                                       np.where(pending[tests], "suspected", "excluded")]),
        severity=np.concatenate([_col(c, "severity").astype(str), np.full(tests.shape[0], "")]),
        onset=np.concatenate([_col(c, "onset_date"), onset_of[tested]]),
        sampled=np.concatenate([_col(c, "sampled_on"), _col(t, "sampled_at")[tests].astype("datetime64[D]")]),
        diagnosed=np.concatenate([_col(c, "reported_at"), _col(t, "sampled_at")[tests]]),
    )
    # One case per person: a report beats a pending sample beats a negative one (first in order).
    _, first = np.unique(rows.person, return_index=True)
    rows = rows.take(np.sort(first))
    return rows.take(np.argsort(rows.diagnosed, kind="stable"))


def demo_cases(result: SimResult, *, end: date, limit: int, rng: np.random.Generator) -> list[DemoCase]:
    """At most `limit` cases (a random subset in diagnosis order when the run observed more)."""
    rows = observed(result, end=end)
    if len(rows) > limit:
        rows = rows.take(np.sort(rng.choice(len(rows), size=limit, replace=False)))
    origin, outcome = _origins(result, rows), _outcomes(result, rows, end)
    diagnosed = [_utc(t) for t in rows.diagnosed.tolist()]
    reported = _report_times(diagnosed, rng)
    return [
        DemoCase(person_index=person, classification=cls, severity=SEVERITY[sev] if cls == "confirmed" else None,
                 origin=org, onset_date=onset, sampling_date=sampled, diagnosed_at=diag, reported_at=rep,
                 outcome=out)
        for person, cls, sev, org, onset, sampled, diag, rep, out in zip(
            rows.person.tolist(), rows.classification.tolist(), rows.severity.tolist(), origin,
            rows.onset.astype(object), rows.sampled.astype(object), diagnosed, reported, outcome)
    ]


def _utc(local: datetime) -> datetime:
    return local.replace(tzinfo=LOCAL).astimezone(timezone.utc)


def _truth(result: SimResult, name: str, rows: Observed) -> np.ndarray:
    """Column `name` of the infections table for each row's person (every case was infected)."""
    truth = result.infections
    at = np.full(result.summary["persons"], -1, np.int64)
    at[_col(truth, "infectee_id")] = np.arange(truth.num_rows)
    assert (at[rows.person] >= 0).all(), "a case whose person was never infected"
    return truth.column(name).to_numpy()[at[rows.person]]


def _origins(result: SimResult, rows: Observed) -> list[str]:
    """Imported: a seed infection (brought into the city); import-related: infected by one."""
    seeded = np.flatnonzero(_col(result.infections, "layer").astype(str) == "seed")
    imported = np.isin(rows.person, _col(result.infections, "infectee_id")[seeded])
    related = np.isin(_truth(result, "infector_id", rows), _col(result.infections, "infectee_id")[seeded])
    return np.where(imported, "imported", np.where(related, "import_related", "local")).tolist()


def _outcomes(result: SimResult, rows: Observed, end: date) -> list[str]:
    """Died or recovered when the run's course ended by `end`; excluded cases are closed (recovered)."""
    ended = _truth(result, "ended_on", rows).astype("datetime64[D]") <= np.datetime64(end)
    died = _truth(result, "severity", rows).astype(str) == "dead"
    out = np.where(ended, np.where(died, "died", "recovered"), "under_treatment")
    out = np.where(rows.classification == "excluded", "recovered", out)
    return np.where(rows.classification == "suspected", "under_treatment", out).tolist()


def _report_times(diagnosed: list[datetime], rng: np.random.Generator) -> list[datetime | None]:
    """When each diagnosis reached the direct reporting system; `diagnosed` is in time order."""
    n = len(diagnosed)
    late = rng.random(n) < _LATE_SHARE
    minutes = np.where(late, rng.integers(*_LATE, size=n), rng.integers(*_IN_TIME, size=n))
    unreported = int(round(n * _UNREPORTED_SHARE))
    return [None if k >= n - unreported else t + timedelta(minutes=m)
            for k, (t, m) in enumerate(zip(diagnosed, minutes.tolist()))]
