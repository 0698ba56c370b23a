"""Task vocabulary and the pure rules: status transitions, overdue, due times from a bundle step.

No database here: services call these and tests check them directly.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

STATUSES = ("open", "in_progress", "done", "cancelled")
ACTIVE = ("open", "in_progress")
PRIORITIES = ("high", "normal", "low")
# The departments of a headquarters (四方责任: 部门/行业 responsibility); teams belong to one, so
# overdue work can be counted by department (protocols-china.md §8).
DEPARTMENTS = ("headquarters", "cdc", "health", "public_security", "industry_it", "community", "lab", "quarantine",
               "supplies")
SUBJECT_TYPES = ("case", "contact", "person", "facility", "area", "campaign", "jurisdiction")

# status → the statuses it may move to by hand (done and cancelled are reopened, never edited).
TRANSITIONS = {
    "open": ("in_progress", "done", "cancelled"),
    "in_progress": ("open", "done", "cancelled"),
    "done": ("open",),
    "cancelled": ("open",),
}


def is_overdue(*, status: str, due_at: datetime, now: datetime) -> bool:
    """Still to do and past its due time; exactly at the due time is not yet overdue."""
    return status in ACTIVE and now > due_at


def due_at(start_at: datetime, deadline_hours: float) -> datetime:
    """Due time of a step: start plus the step's hours, as absolute (UTC) time.

    Hours are elapsed time, so the result does not depend on the zone the start was given in:
    23:30 in Asia/Shanghai + 2 h is 01:30 the next local day, 17:30 UTC the same day.
    """
    if start_at.tzinfo is None:
        raise ValueError("start_at must carry a time zone")
    # In UTC: Python adds a timedelta to an aware time in its own zone as wall-clock time, which
    # would be an hour off across a daylight-saving change.
    return start_at.astimezone(timezone.utc) + timedelta(hours=deadline_hours)


def transition_problem(current: str, target: str) -> str | None:
    if target not in STATUSES:
        return f"unknown status {target!r}"
    if target == current:
        return f"the task is already {current}"
    if target not in TRANSITIONS[current]:
        return f"a {current} task cannot become {target}"
    return None
