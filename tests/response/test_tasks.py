"""Tasks by hand: overdue at the boundaries, status rules, assignment rules, bulk actions, scoping."""

from __future__ import annotations

import pytest
from taskkit import CITY, HOME, OTHER, at
from sqlalchemy import select

from fangkong.audit.models import AuditEntry
from fangkong.errors import Conflict, Forbidden, Invalid, NotFound
from fangkong.notify.models import Notification
from fangkong.response import queries, rules, service
from fangkong.response.models import TaskEvent
from fangkong.response.schemas import TaskCreate, TaskUpdate

NOW = at(2022, 5, 10, 12)


def new_task(session, actor, code=HOME, **kw):
    data = {"title": "核查密接", "jurisdiction_code": code, "due_at": at(2022, 5, 10, 12), **kw}
    return service.create_task(session=session, actor=actor, data=TaskCreate(**data), now=at(2022, 5, 10, 8))


def timeline(session, task_id):
    return [(e.kind, e.changes, e.note) for e in session.scalars(
        select(TaskEvent).where(TaskEvent.task_id == task_id).order_by(TaskEvent.id))]


@pytest.mark.parametrize("status, now, expected", [
    ("open", at(2022, 5, 10, 11, 59, 59), False),
    ("open", at(2022, 5, 10, 12), False),            # exactly at the due time: not yet overdue
    ("open", at(2022, 5, 10, 12, 0, 1), True),
    ("in_progress", at(2022, 5, 11), True),
    ("done", at(2022, 5, 11), False),
    ("cancelled", at(2022, 5, 11), False),
])
def test_overdue_is_computed_from_due_time(status, now, expected):
    assert rules.is_overdue(status=status, due_at=at(2022, 5, 10, 12), now=now) is expected


def test_overdue_in_sql_matches_the_rule(session, actor_of):
    epi = actor_of("epi")
    task = new_task(session, epi)
    for now, expected in ((at(2022, 5, 10, 12), False), (at(2022, 5, 10, 12, 0, 1), True)):
        items, _ = queries.list_tasks(session=session, actor=epi, overdue=True, now=now, subject_id=None,
                                      jurisdiction_code=HOME)
        assert (task.id in [i.id for i in items]) is expected
        assert queries.items(session=session, actor=epi, ids=[task.id], now=now)[0].overdue is expected


def test_due_in_hours_from_now(session, actor_of):
    task = service.create_task(session=session, actor=actor_of("epi"), now=at(2022, 5, 10, 23),
                               data=TaskCreate(title="x", jurisdiction_code=HOME, due_in_hours=3))
    assert task.due_at == at(2022, 5, 11, 2) and task.created_by == "epi"


def test_create_task_needs_a_due_time():
    with pytest.raises(ValueError):
        TaskCreate(title="x", jurisdiction_code=HOME)


def test_start_complete_reopen_with_timeline(session, actor_of):
    epi = actor_of("epi")
    task = new_task(session, epi)
    service.set_status(session=session, actor=epi, task_id=task.id, status="in_progress", now=at(2022, 5, 10, 9))
    with pytest.raises(Invalid) as exc:
        service.complete(session=session, actor=epi, task_id=task.id, now=at(2022, 5, 10, 10))
    assert exc.value.field == "note"
    service.complete(session=session, actor=epi, task_id=task.id, note="已电话核实", now=at(2022, 5, 10, 10))
    assert (task.status, task.completed_at, task.completion_note) == ("done", at(2022, 5, 10, 10), "已电话核实")
    with pytest.raises(Invalid):
        service.set_status(session=session, actor=epi, task_id=task.id, status="in_progress")
    service.set_status(session=session, actor=epi, task_id=task.id, status="open", note="核实有误")
    assert task.status == "open" and task.completed_at is None and task.version == 4
    assert [k for k, _, _ in timeline(session, task.id)] == ["created", "status", "status", "status"]


def test_patch_due_time_needs_a_reason_and_rearms_the_overdue_notice(session, actor_of):
    epi = actor_of("epi")
    task = new_task(session, epi)
    task.overdue_notified_at = at(2022, 5, 10, 13)
    with pytest.raises(Invalid) as exc:
        service.update(session=session, actor=epi, task_id=task.id, data=TaskUpdate(due_at=at(2022, 5, 11, 12)))
    assert exc.value.field == "reason"
    service.update(session=session, actor=epi, task_id=task.id,
                   data=TaskUpdate(due_at=at(2022, 5, 11, 12), priority="high", reason="需协查外省"))
    assert task.due_at == at(2022, 5, 11, 12) and task.overdue_notified_at is None and task.priority == "high"
    kind, changes, note = timeline(session, task.id)[1]
    assert kind == "due" and note == "需协查外省"
    assert changes["due_at"] == ["2022-05-10T12:00:00+00:00", "2022-05-11T12:00:00+00:00"]
    with pytest.raises(Conflict):
        service.update(session=session, actor=epi, task_id=task.id, data=TaskUpdate(priority="low", version=1))


def test_only_the_assignee_or_an_assigner_works_on_a_task(session, actor_of, user_id, team):
    epi = actor_of("epi")
    grid_team = team("测试长江路社区网格组", "community", "320102001001", members=("grid",))
    task = new_task(session, epi, code="320102001001001", assignee_id=user_id("grid"))
    other = new_task(session, epi, code="320102001001001", team_id=grid_team.id)
    quarantine = actor_of("quarantine")  # task.update, not task.assign, not assigned
    with pytest.raises(Forbidden):
        service.set_status(session=session, actor=quarantine, task_id=task.id, status="in_progress")
    service.set_status(session=session, actor=actor_of("grid"), task_id=task.id, status="in_progress")
    service.add_note(session=session, actor=actor_of("grid"), task_id=other.id, note="已上门")  # via the team
    with pytest.raises(Forbidden):  # cancelling needs task.assign
        service.set_status(session=session, actor=actor_of("grid"), task_id=task.id, status="cancelled", note="x")
    unassigned = new_task(session, epi)
    service.set_status(session=session, actor=quarantine, task_id=unassigned.id, status="in_progress")


def test_assignees_must_cover_the_task(session, actor_of, user_id, team):
    epi = actor_of("epi")
    task = new_task(session, epi, code=HOME)
    other_team = team("测试秦淮区疾控组", "cdc", OTHER)
    with pytest.raises(Invalid) as exc:
        service.assign(session=session, actor=epi, task_id=task.id, team_id=other_team.id, assignee_id=None)
    assert exc.value.field == "team_id"
    with pytest.raises(Invalid):  # the grid worker's community does not cover the whole district
        service.assign(session=session, actor=epi, task_id=task.id, team_id=None, assignee_id=user_id("grid"))
    district = actor_of("epi_district")
    city_team = team("测试市疾控流调组", "cdc", CITY)
    with pytest.raises(NotFound):  # covers the task, but is outside the district user's jurisdiction
        service.assign(session=session, actor=district, task_id=task.id, team_id=city_team.id, assignee_id=None)
    service.assign(session=session, actor=epi, task_id=task.id, team_id=city_team.id,
                   assignee_id=user_id("epi_district"), reason="区级负责")
    assert (task.team_id, task.assignee_id, task.department) == (city_team.id, user_id("epi_district"), "cdc")
    note = session.scalar(select(Notification).where(Notification.task_id == task.id))
    assert (note.user_id, note.kind) == (user_id("epi_district"), "assigned")
    assert note.message.startswith(f"#{task.id}")


def test_bulk_assign_and_close(session, actor_of, team):
    epi = actor_of("epi")
    tasks = [new_task(session, epi, title=f"任务{i}") for i in range(3)]
    ids = [t.id for t in tasks]
    crew = team("测试玄武区疾控组", "cdc", HOME)
    service.complete(session=session, actor=epi, task_id=ids[2], note="done")
    changed, skipped = service.bulk_assign(session=session, actor=epi, ids=ids, team_id=crew.id, assignee_id=None)
    assert changed == ids[:2] and skipped == ids[2:]
    with pytest.raises(Invalid) as exc:
        service.bulk_close(session=session, actor=epi, ids=ids, reason="  ")
    assert exc.value.field == "reason"
    changed, skipped = service.bulk_close(session=session, actor=epi, ids=ids, reason="重复任务", now=NOW)
    assert changed == ids[:2] and skipped == [ids[2]]
    assert [(t.status, t.cancel_reason) for t in tasks] == [("cancelled", "重复任务")] * 2 + [("done", "")]
    assert timeline(session, ids[0])[-1] == ("bulk", {"status": ["open", "cancelled"],
                                                      "cancel_reason": ["", "重复任务"]}, "重复任务")
    assert timeline(session, ids[0])[-2][0:2] == ("bulk", {"team_id": [None, crew.id], "department": [None, "cdc"]})
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.resource_type == "task",
                                                               AuditEntry.resource_id == str(ids[0]))).all()
    assert actions == ["task.create", "task.bulk_assign", "task.bulk_close"]


def test_bulk_actions_refuse_foreign_ids_and_need_task_assign(session, actor_of):
    foreign = new_task(session, actor_of("epi"), code=OTHER)
    home = new_task(session, actor_of("epi"), code=HOME)
    district = actor_of("epi_district")
    with pytest.raises(NotFound):
        service.bulk_close(session=session, actor=district, ids=[home.id, foreign.id], reason="x")
    assert foreign.status == "open" and home.status == "open"
    with pytest.raises(Forbidden):
        service.bulk_close(session=session, actor=actor_of("grid"), ids=[home.id], reason="x")


def test_district_user_sees_only_district_tasks(session, actor_of):
    epi = actor_of("epi")
    home, foreign = new_task(session, epi, code=HOME), new_task(session, epi, code=OTHER)
    district = actor_of("epi_district")
    items, _ = queries.list_tasks(session=session, actor=district, limit=1000)
    assert home.id in [i.id for i in items] and foreign.id not in [i.id for i in items]
    assert all(i.jurisdiction_code.startswith(HOME) for i in items)
    with pytest.raises(NotFound):
        service.get(session=session, actor=district, task_id=foreign.id)
    with pytest.raises(NotFound):
        queries.list_tasks(session=session, actor=district, jurisdiction_code=OTHER)
    board = queries.board(session=session, actor=district)
    assert all(i.jurisdiction_code.startswith(HOME) for col in board.columns.values() for i in col)


def test_board_columns_sorted_by_due_time_with_counts(session, actor_of):
    epi = actor_of("epi")
    late = new_task(session, epi, due_at=at(2022, 5, 1))
    soon = new_task(session, epi, due_at=at(2022, 5, 2))
    done = new_task(session, epi, due_at=at(2022, 5, 3))
    service.complete(session=session, actor=epi, task_id=done.id, note="ok")
    result = queries.board(session=session, actor=epi, jurisdiction_code=HOME, now=NOW)
    open_ids = [i.id for i in result.columns["open"]]
    assert open_ids.index(late.id) < open_ids.index(soon.id)
    assert result.columns["done"][0].id == done.id
    assert result.counts["open"] >= 2 and result.counts["done"] >= 1 and result.overdue >= 2
    mine = queries.my_tasks(session=session, actor=epi)
    assert late.id not in [m.id for m in mine]  # unassigned: nobody's own task yet


def test_read_has_timeline_and_zone(session, actor_of):
    epi = actor_of("epi")
    task = new_task(session, epi)
    service.add_note(session=session, actor=epi, task_id=task.id, note="第一次联系未接通")
    detail = queries.read(session=session, actor=epi, task_id=task.id, now=NOW)
    assert [e.kind for e in detail.timeline] == ["created", "note"]
    assert detail.time_zone == "Asia/Shanghai" and detail.overdue is False
