"""What a run records: the daily table, the true infection log, and the observed data.

Truth (who infected whom, when, where) and observation (what tests, reports and onsets the
platform would see) are kept apart so the platform can be measured against the truth.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from fangkong.sim.disease import NEVER, SEVERITY_NAMES
from fangkong.sim.state import DEAD, EXPOSED, INFECTIOUS, Q_CENTRAL, Q_HOME, RECOVERED, SUSCEPTIBLE
from fangkong.sim.transmission import LAYER_NAMES, Events

if TYPE_CHECKING:
    from fangkong.sim.model import Sim

_EPOCH = date(1970, 1, 1)


def day_seconds(start: date, day: np.ndarray | int) -> np.ndarray:
    """Seconds since 1970-01-01 (naive local time) at the start of each run day."""
    return ((start - _EPOCH).days + np.asarray(day, np.int64)) * 86_400


def timestamps(start: date, day: np.ndarray | int, minute: np.ndarray | int) -> pa.Array:
    """Naive local timestamps (seconds) for (run day, minute of day)."""
    secs = day_seconds(start, day) + np.asarray(minute, np.int64) * 60
    return pa.array(np.asarray(secs, np.int64).astype("datetime64[s]"))


@dataclass
class DailyRow:
    day: int
    date: date
    S: int
    E: int
    I: int  # noqa: E741 - the compartment's name
    R: int
    D: int
    new_infections: int
    new_onsets: int
    new_diagnoses: int
    quarantined_home: int
    quarantined_central: int
    isolated: int
    tests: int
    visits: int
    checkins: int


class Recorder:
    def __init__(self, *, start: date):
        self.start = start
        self._log: list[tuple[int, Events]] = []
        self._new: dict[int, int] = {}

    def infections(self, day: int, events: Events) -> None:
        self._log.append((day, events))
        self._new[day] = self._new.get(day, 0) + len(events)

    def daily(self, sim: Sim, day: int) -> DailyRow:
        p = sim.people
        counts = np.bincount(p.state(day), minlength=5)
        visits = sim.today.visits
        return DailyRow(
            day=day, date=sim.date_of(day), S=int(counts[SUSCEPTIBLE]), E=int(counts[EXPOSED]),
            I=int(counts[INFECTIOUS]), R=int(counts[RECOVERED]), D=int(counts[DEAD]),
            new_infections=self._new.get(day, 0), new_onsets=int(np.count_nonzero(p.onset == day)),
            new_diagnoses=int(sim.today.reported.size),
            quarantined_home=int(np.count_nonzero(p.quarantine == Q_HOME)),
            quarantined_central=int(np.count_nonzero(p.quarantine == Q_CENTRAL)),
            isolated=int(np.count_nonzero(p.isolated)), tests=sim.today.tests,
            visits=len(visits) if visits is not None else 0,
            checkins=int(np.count_nonzero(visits.scanned)) if visits is not None else 0,
        )

    def infection_table(self, sim: Sim) -> pa.Table:
        """infections.parquet: one row per infection, in the order they happened."""
        days = np.concatenate([np.full(len(e), d, np.int64) for d, e in self._log]) if self._log else np.zeros(0, np.int64)
        ev = Events.concat([e for _, e in self._log])
        p, start = sim.people, self.start
        who = ev.infectee.astype(np.int64)
        onset = p.onset[who]
        has_onset = onset != NEVER
        d = sim.disease
        return pa.table({
            "infectee_id": pa.array(who),
            "infector_id": pa.array(np.where(ev.infector < 0, 0, ev.infector).astype(np.int64), mask=ev.infector < 0),
            "infected_at": timestamps(start, days, ev.minute),
            "layer": pa.array(np.asarray(LAYER_NAMES, dtype=object)[ev.layer]).dictionary_encode(),
            "venue_id": pa.array(np.where(ev.venue < 0, 0, ev.venue).astype(np.int64), mask=ev.venue < 0),
            "onset_at": pa.array(np.where(has_onset, day_seconds(start, np.where(has_onset, onset, 0)) + 9 * 3600, 0)
                                 .astype("datetime64[s]"), mask=~has_onset),
            "severity": pa.array(np.asarray(SEVERITY_NAMES, dtype=object)[p.severity[who]]),
            "infectious_from": _date_col(start, p.infectious[who]),
            "infectious_until": _date_col(start, np.minimum(p.end[who], p.severe[who])),
            "pcr_detectable_from": _date_col(start, days + d.pcr_from),
            "pcr_detectable_until": _date_col(start, days + d.pcr_until - 1),
            "diagnosed_on": _date_col(start, p.diagnosed[who]),
            # Recovery, or death when severity is 'dead'; drawn at infection, so it may lie past the run.
            "ended_on": _date_col(start, p.end[who]),
        })

    def daily_table(self, rows: list[DailyRow]) -> pa.Table:
        return pa.Table.from_pylist([asdict(r) for r in rows])


def _date_col(start: date, day: np.ndarray) -> pa.Array:
    day = np.asarray(day, np.int64)
    never = day >= NEVER
    values = ((start - _EPOCH).days + np.where(never, 0, day)).astype("datetime64[D]")
    return pa.array(values, mask=never)


class Observed:
    """Case reports and tests as the platform would receive them."""

    def __init__(self) -> None:
        self._cases: list[dict[str, np.ndarray]] = []
        self._tests: list[dict[str, np.ndarray]] = []

    def cases(self, sim: Sim, persons: np.ndarray, *, sample_day: int, report_day: int, via: str) -> None:
        if persons.size == 0:
            return
        p = sim.people
        onset = p.onset[persons]
        known = onset <= report_day  # an onset after the report is not known yet
        self._cases.append({
            "person_id": persons.astype(np.int64),
            "sample_day": np.full(persons.size, sample_day, np.int64),
            "report_day": np.full(persons.size, report_day, np.int64),
            "onset_day": np.where(known, onset, -1).astype(np.int64),
            "via": np.full(persons.size, via, dtype=object),
            "severity": p.severity[persons],
        })

    def tests(self, persons: np.ndarray, *, day: int, minute: np.ndarray, positive: np.ndarray, kind: str,
              report_day: int) -> None:
        self._tests.append({
            "person_id": persons.astype(np.int64), "day": np.full(persons.size, day, np.int64),
            "minute": np.asarray(minute, np.int64), "positive": np.asarray(positive, bool),
            "kind": np.full(persons.size, kind, dtype=object), "report_day": np.full(persons.size, report_day, np.int64),
        })

    def case_table(self, start: date) -> pa.Table:
        c = _stack(self._cases, ("person_id", "sample_day", "report_day", "onset_day", "via", "severity"))
        onset = c["onset_day"]
        symptomatic = onset >= 0
        report_minute = (np.asarray(c["person_id"], np.int64) * 7919) % 600 + 8 * 60  # spread over office hours
        return pa.table({
            "person_id": pa.array(c["person_id"], pa.int64()),
            "classification": pa.array(np.where(symptomatic, "confirmed", "asymptomatic").astype(object)),
            "onset_date": _date_col(start, np.where(symptomatic, onset, NEVER)),
            "sampled_on": _date_col(start, c["sample_day"]),
            "reported_at": timestamps(start, c["report_day"], report_minute),
            "found_by": pa.array(c["via"].astype(object), pa.string()),
            "severity": pa.array(np.asarray(SEVERITY_NAMES, dtype=object)[c["severity"].astype(np.int64)]
                                 if len(onset) else np.zeros(0, object), pa.string()),
        })

    def test_table(self, start: date) -> pa.Table:
        t = _stack(self._tests, ("person_id", "day", "minute", "positive", "kind", "report_day"))
        return pa.table({
            "person_id": pa.array(t["person_id"], pa.int64()),
            "sampled_at": timestamps(start, t["day"], t["minute"]),
            "result": pa.array(np.where(t["positive"].astype(bool), "positive", "negative").astype(object), pa.string()),
            "kind": pa.array(t["kind"].astype(object), pa.string()),
            "reported_on": _date_col(start, t["report_day"]),
        })


def _stack(parts: list[dict[str, np.ndarray]], keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    if not parts:
        return {k: np.zeros(0, np.int64) for k in keys}
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


def daily_frame(rows: list[DailyRow]):
    """The daily table as a pandas DataFrame when pandas is installed, else a PyArrow table."""
    table = pa.Table.from_pylist([asdict(r) for r in rows])
    try:
        return table.to_pandas()
    except ImportError:  # pandas is optional
        return table
