"""Walk a person category's management schedule day by day. A pure engine: plain values in, dates out.

It takes a category as the plain value of a profile (`EffectiveProfile.get("categories.close_contact")`
or `diff.plain(profile, "categories.close_contact")`): `{"phases": [{"kind", "home_mode", "days",
"test_days", "tests", "min_test_interval_hours"}, …]}`.

Clock semantics (protocols-china.md §1.2, §10.2): day 0 is the clock date — the last exposure for
contacts, leaving the area for travellers, arrival for inbound travellers — and day 1 is the next
calendar day. Phases follow each other; a phase's test days count from its own first day. The person
is released at the end of the last day (`release_date`) once its test and the release conditions pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True)
class ScheduleDay:
    date: date
    day: int  # days since the clock date (1 = the day after)
    phase: int  # index of the phase
    kind: str  # centralized | home | centralized_or_home
    home_mode: str | None
    phase_day: int  # day number within the phase
    test: bool
    flexible_test: bool = False  # a planned test on a day the person may choose (三天两检)


@dataclass(frozen=True)
class Schedule:
    start: date
    days: tuple[ScheduleDay, ...]
    release_date: date | None

    def test_dates(self) -> list[date]:
        return [d.date for d in self.days if d.test]

    def phase(self, index: int) -> list[ScheduleDay]:
        return [d for d in self.days if d.phase == index]


def planned_test_days(phase: Mapping[str, Any], length: int) -> tuple[list[int], bool]:
    """The phase's test days, and whether they are a plan for tests on free days.

    `tests` on free days are spread as evenly as the phase allows (2 tests in 3 days: days 1 and 3),
    keeping at least `min_test_interval_hours` between them.
    """
    if phase.get("test_days"):
        return list(phase["test_days"]), False
    count = int(phase.get("tests") or 0)
    if not count:
        return [], False
    if count == 1:
        return [1], True
    step = (length - 1) / (count - 1)
    days = sorted({1 + round(i * step) for i in range(count)})
    gap_hours = float(phase.get("min_test_interval_hours") or 0)
    if len(days) < count or any((b - a) * 24 < gap_hours for a, b in zip(days, days[1:])):
        raise ValueError(f"{count} tests at least {gap_hours:g} h apart do not fit in {length} days")
    return days, True


def walk(category: Mapping[str, Any], start: date, *, open_days: int | None = None) -> Schedule:
    """Every managed day from the day after `start` to the release date.

    A phase without a number of days lasts until its release conditions are met; give `open_days`
    (how long it actually lasted) to walk past it.
    """
    days: list[ScheduleDay] = []
    day = 0
    for index, phase in enumerate(category["phases"]):
        length = phase.get("days")
        if length is None:
            if open_days is None:
                raise ValueError(f"phase {index} has no fixed length; give open_days")
            length = open_days
        tests, flexible = planned_test_days(phase, length)
        for phase_day in range(1, length + 1):
            day += 1
            days.append(ScheduleDay(date=start + timedelta(days=day), day=day, phase=index, kind=phase["kind"],
                                    home_mode=phase.get("home_mode"), phase_day=phase_day,
                                    test=phase_day in tests, flexible_test=flexible and phase_day in tests))
    return Schedule(start=start, days=tuple(days), release_date=days[-1].date if days else None)


def restart(category: Mapping[str, Any], on: date, *, open_days: int | None = None) -> Schedule:
    """The full schedule again from `on` (a positive on the same or an adjacent floor, or in the site)."""
    return walk(category, on, open_days=open_days)


def coupled_outcome(results: Sequence[bool | None], first_tests_negative: int) -> str:
    """A secondary contact's fate from its close contact's results (True = positive, None = pending).

    'promote' as soon as one of the first N tests is positive, 'release' when all N are negative,
    else 'wait'.
    """
    first = list(results[:first_tests_negative])
    if any(r is True for r in first):
        return "promote"
    if len(first) == first_tests_negative and all(r is False for r in first):
        return "release"
    return "wait"


def total_days(category: Mapping[str, Any]) -> int | None:
    """Length of the whole schedule in days, or None when a phase is open-ended."""
    lengths = [p.get("days") for p in category["phases"]]
    return None if any(n is None for n in lengths) else sum(lengths)

