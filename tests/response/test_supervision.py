"""Supervision counts on a hand-built set of tasks with known outcomes, the drill-down, and scoping."""

from __future__ import annotations

import pytest
from taskkit import CITY, HOME, OTHER, at

from fangkong.auth import service as auth
from fangkong.authz import SYSTEM
from fangkong.errors import Forbidden, Invalid, NotFound
from fangkong.response import supervision
from fangkong.response.models import Task

NOW = at(2030, 3, 5, 12)
INV, TRANSFER = "investigation", "contact_transfer"
# (label, department, bundle, step, due, status, completed_at, code); the period is 2030-03-01..07 local (UTC+8).
SET = [
    ("on_time_exact", "cdc", INV, "on_site", at(2030, 3, 2), "done", at(2030, 3, 2), HOME),
    ("on_time_early", "cdc", INV, "on_site", at(2030, 3, 2), "done", at(2030, 3, 1, 20), HOME),
    ("late_by_a_minute", "cdc", INV, "on_site", at(2030, 3, 2), "done", at(2030, 3, 2, 0, 1), HOME),
    ("open_overdue", "cdc", INV, "on_site", at(2030, 3, 3), "open", None, HOME + "001"),
    ("late_due_at_start", "cdc", INV, "report", at(2030, 2, 28, 16), "done", at(2030, 3, 1), HOME),
    ("working_overdue", "cdc", INV, "report", at(2030, 3, 4), "in_progress", None, HOME),
    ("cancelled", "cdc", INV, "report", at(2030, 3, 4), "cancelled", None, HOME),
    ("verify_on_time", "community", TRANSFER, "verify", at(2030, 3, 5), "done", at(2030, 3, 4), HOME),
    ("due_exactly_now", "community", TRANSFER, "verify", NOW, "open", None, HOME),
    ("not_yet_due", "community", TRANSFER, "verify", at(2030, 3, 7, 15, 59), "open", None, HOME),
    ("manual_late", "quarantine", None, None, at(2030, 3, 3), "done", at(2030, 3, 4), HOME),
    ("before_period", "cdc", INV, "on_site", at(2030, 2, 28, 15, 59), "open", None, HOME),
    ("other_district", "cdc", INV, "on_site", at(2030, 3, 2), "done", at(2030, 3, 3), OTHER),
    ("at_period_end", "community", TRANSFER, "verify", at(2030, 3, 7, 16), "open", None, HOME),
]


@pytest.fixture
def hand_built(session):
    ids = {}
    for label, dept, bundle, step, due, status, completed, code in SET:
        task = Task(title=label, task_type="t", jurisdiction_code=code, department=dept, bundle_id=bundle,
                    step_key=step, subject_type="case", subject_id=label, created_by="test", due_at=due,
                    status=status, completed_at=completed, start_at=at(2030, 2, 1))
        session.add(task)
        session.flush()
        ids[label] = task.id
    return ids


def _report(session, actor=SYSTEM, code=HOME):
    start = supervision.parse_bound(session, code, "2030-03-01", "from")
    end = supervision.parse_bound(session, code, "2030-03-08", "to")
    return supervision.report(session=session, actor=actor, start=start, end=end, jurisdiction_code=code, now=NOW)


def _counts(row):
    return (row.due, row.on_time, row.late, row.open_overdue, row.open_not_due, row.cancelled)


def test_period_bounds_are_local_midnight(session):
    assert supervision.parse_bound(session, HOME, "2030-03-01", "from") == at(2030, 2, 28, 16)
    assert supervision.parse_bound(session, HOME, "2030-03-01T08:00:00+00:00", "from") == at(2030, 3, 1, 8)
    with pytest.raises(Invalid):
        supervision.parse_bound(session, HOME, "March", "from")


def test_counts_per_department_and_step(session, hand_built):
    result = _report(session)
    rows = {(r.department, r.bundle_id, r.step_key): _counts(r) for r in result.rows}
    assert rows == {
        ("cdc", INV, "on_site"): (4, 2, 1, 1, 0, 0),
        ("cdc", INV, "report"): (2, 0, 1, 1, 0, 1),
        ("community", TRANSFER, "verify"): (3, 1, 0, 0, 2, 0),
        ("quarantine", None, None): (1, 0, 1, 0, 0, 0),
    }
    assert _counts(result.totals) == (10, 3, 3, 2, 2, 1)
    assert result.time_zone == "Asia/Shanghai"
    assert {r.title for r in result.rows if r.step_key == "report"} == {"cancelled"}  # min(title) labels the step


def test_city_report_includes_every_district(session, hand_built):
    rows = {(r.department, r.step_key): _counts(r) for r in _report(session, code=CITY).rows}
    assert rows[("cdc", "on_site")] == (5, 2, 2, 1, 0, 0)


def test_drill_down_returns_the_tasks_of_one_count(session, hand_built):
    start, end = at(2030, 2, 28, 16), at(2030, 3, 7, 16)

    def ids(**cell):
        return supervision.drill_down_ids(session=session, actor=SYSTEM, start=start, end=end,
                                          jurisdiction_code=HOME, now=NOW, **cell)

    h = hand_built
    assert ids(department="cdc", bundle_id=INV, step_key="on_site", outcome="late") == [h["late_by_a_minute"]]
    assert ids(department="cdc", bundle_id=INV, step_key="on_site") == sorted(
        h[k] for k in ("on_time_exact", "on_time_early", "late_by_a_minute", "open_overdue"))
    assert ids(department="quarantine", bundle_id="", step_key="") == [h["manual_late"]]
    assert ids(outcome="open_not_due") == sorted([h["due_exactly_now"], h["not_yet_due"]])
    assert ids(outcome="open_overdue") == sorted([h["open_overdue"], h["working_overdue"]])
    items, nxt = supervision.drill_down(session=session, actor=SYSTEM, start=start, end=end, jurisdiction_code=HOME,
                                        outcome="due", now=NOW, limit=4)
    assert len(items) == 4 and nxt is not None


def test_supervision_is_scoped_and_needs_the_permission(session, hand_built):
    user = auth.create_user(session=session, actor=None, username="xw_auditor", password="strong-pass-9",
                            role="auditor", jurisdiction_code=HOME)
    district_auditor = auth.actor_for(session=session, user=user)
    assert _counts(_report(session, district_auditor).totals) == (10, 3, 3, 2, 2, 1)
    with pytest.raises(NotFound):
        _report(session, district_auditor, code=OTHER)
    with pytest.raises(NotFound):
        _report(session, district_auditor, code=CITY)
    epi_user = auth.create_user(session=session, actor=None, username="xw_epi", password="strong-pass-9",
                                role="epidemiologist", jurisdiction_code=HOME)
    with pytest.raises(Forbidden):
        _report(session, auth.actor_for(session=session, user=epi_user))


def test_period_must_be_forward(session):
    with pytest.raises(Invalid):
        supervision.report(session=session, actor=SYSTEM, start=at(2030, 3, 2), end=at(2030, 3, 1),
                           jurisdiction_code=HOME)
