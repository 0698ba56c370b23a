"""mark_overdue: notifies the assignee (or the team) once, escalates to the parent's supervisors."""

from __future__ import annotations

from taskkit import CITY, HOME, at
from sqlalchemy import select

from fangkong.notify.models import Notification
from fangkong.response import jobs, service
from fangkong.response.models import TaskEvent
from fangkong.response.schemas import TaskCreate, TaskUpdate


def _task(session, actor, **kw):
    data = {"title": "流调报告", "jurisdiction_code": HOME, "due_at": at(2022, 5, 10, 12), **kw}
    return service.create_task(session=session, actor=actor, data=TaskCreate(**data), now=at(2022, 5, 10))


def _notes(session, task_id):
    rows = session.scalars(select(Notification).where(Notification.task_id == task_id).order_by(Notification.id))
    return [(n.user_id, n.kind) for n in rows]


def test_notifies_once_and_escalates_to_the_parent(session, actor_of, user_id):
    epi = actor_of("epi")
    task = _task(session, epi, assignee_id=user_id("epi_district"))
    assigned = _notes(session, task.id)
    run = jobs.mark_overdue(session=session, now=at(2022, 5, 10, 12))  # exactly due: not yet
    assert task.id not in run.task_ids
    run = jobs.mark_overdue(session=session, now=at(2022, 5, 10, 12, 1))
    assert task.id in run.task_ids and task.overdue_notified_at == at(2022, 5, 10, 12, 1)
    supervisors = sorted(user_id(u) for u in ("admin", "commander", "auditor"))  # task.supervise at the city
    got = _notes(session, task.id)[len(assigned):]
    assert got[0] == (user_id("epi_district"), "overdue")
    assert sorted(u for u, k in got if k == "escalated") == supervisors
    events = session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id, TaskEvent.kind == "overdue")).all()
    assert len(events) == 1 and "escalated to 3" in events[0].note
    again = jobs.mark_overdue(session=session, now=at(2022, 5, 11))
    assert task.id not in again.task_ids and len(_notes(session, task.id)) == len(assigned) + len(got)


def test_team_members_are_notified_when_nobody_is_assigned(session, actor_of, user_id, team):
    crew = team("测试长江路网格组", "community", "320102001001", members=("grid",))
    task = _task(session, actor_of("epi"), jurisdiction_code="320102001001001", team_id=crew.id)
    jobs.mark_overdue(session=session, now=at(2022, 5, 10, 13))
    kinds = [k for u, k in _notes(session, task.id) if u == user_id("grid")]
    assert kinds == ["assigned", "overdue"]
    # grid task → its community has no supervisors, nor the street or district: escalated to the city's
    assert {k for u, k in _notes(session, task.id) if u == user_id("commander")} == {"escalated"}


def test_moving_the_due_time_or_closing_rearms_or_stops(session, actor_of):
    epi = actor_of("epi")
    task = _task(session, epi)
    done = _task(session, epi)
    service.complete(session=session, actor=epi, task_id=done.id, note="ok", now=at(2022, 5, 10, 13))
    run = jobs.mark_overdue(session=session, now=at(2022, 5, 10, 14))
    assert task.id in run.task_ids and done.id not in run.task_ids
    service.update(session=session, actor=epi, task_id=task.id,
                   data=TaskUpdate(due_at=at(2022, 5, 12), reason="延期"), now=at(2022, 5, 10, 15))
    assert task.id not in jobs.mark_overdue(session=session, now=at(2022, 5, 11)).task_ids
    assert task.id in jobs.mark_overdue(session=session, now=at(2022, 5, 12, 0, 1)).task_ids


def test_city_level_task_escalates_to_nobody_above(session, actor_of):
    task = _task(session, actor_of("admin"), jurisdiction_code=CITY)
    run = jobs.mark_overdue(session=session, now=at(2022, 5, 11))
    assert task.id in run.task_ids and [k for _, k in _notes(session, task.id)] == []
