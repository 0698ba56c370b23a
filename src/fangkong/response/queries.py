"""Task reads: the filtered list, my tasks, the board by status, one task with its timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlalchemy.orm import Session

from fangkong.auth.models import User
from fangkong.authz import Actor, in_subtree, require, scoped
from fangkong.db import utcnow
from fangkong.errors import Invalid, NotFound
from fangkong.geo import service as geo
from fangkong.geo.levels import prefix
from fangkong.kit.pagination import keyset_page
from fangkong.response import rules, teams
from fangkong.response.models import Task, TaskAttachment, TaskEvent, Team
from fangkong.response.schemas import AttachmentRead, TaskEventRead, TaskListItem, TaskRead
from fangkong.response.service import get


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """SQL twin of rules.is_overdue: still to do and past due (at the due time exactly: not yet)."""
    return and_(Task.status.in_(rules.ACTIVE), Task.due_at < now)


def conditions(
    *, session: Session, actor: Actor, now: datetime, status: list[str] | None = None, team_id: int | None = None,
    assignee_id: int | None = None, department: str | None = None, overdue: bool | None = None,
    subject_type: str | None = None, subject_id: str | None = None, bundle_id: str | None = None,
    step_key: str | None = None, jurisdiction_code: str | None = None,
) -> list[ColumnElement[bool]]:
    """The list filters as WHERE conditions (the actor's scope is added by `statement`)."""
    out: list[ColumnElement[bool]] = []
    if status:
        unknown = set(status) - set(rules.STATUSES)
        if unknown:
            raise Invalid(f"unknown status {sorted(unknown)[0]!r}", field="status")
        out.append(Task.status.in_(status))
    if jurisdiction_code:
        node = geo.get_in_scope(session=session, actor=actor, code=jurisdiction_code)
        out.append(in_subtree(Task.jurisdiction_code, prefix(node.code, node.level)))
    for column, value in ((Task.team_id, team_id), (Task.assignee_id, assignee_id), (Task.department, department),
                          (Task.subject_type, subject_type), (Task.subject_id, subject_id),
                          (Task.bundle_id, bundle_id), (Task.step_key, step_key)):
        if value is not None and value != "":
            out.append(column == value)
    if overdue is not None:
        out.append(overdue_clause(now) if overdue else not_(overdue_clause(now)))
    return out


def statement(actor: Actor, where: list[ColumnElement[bool]]) -> Select:
    """Tasks in the actor's subtree with their team's and assignee's names."""
    stmt = (select(Task, Team.name, User.display_name).outerjoin(Team, Team.id == Task.team_id)
            .outerjoin(User, User.id == Task.assignee_id))
    return scoped(stmt, actor, Task.jurisdiction_code).where(*where)


def item(task: Task, team_name: str | None, assignee_name: str | None, now: datetime) -> TaskListItem:
    return TaskListItem(
        id=task.id, title=task.title, task_type=task.task_type, subject_type=task.subject_type,
        subject_id=task.subject_id, jurisdiction_code=task.jurisdiction_code, department=task.department,
        team_id=task.team_id, team_name=team_name, assignee_id=task.assignee_id, assignee_name=assignee_name,
        bundle_id=task.bundle_id, step_key=task.step_key, due_at=task.due_at, priority=task.priority,
        status=task.status, overdue=rules.is_overdue(status=task.status, due_at=task.due_at, now=now),
        completed_at=task.completed_at,
    )


def items(*, session: Session, actor: Actor, ids: list[int], now: datetime | None = None) -> list[TaskListItem]:
    """These tasks (those in the actor's subtree) as list items, in id order."""
    now = now or utcnow()
    rows = session.execute(statement(actor, [Task.id.in_(ids)]).order_by(Task.id)) if ids else []
    return [item(t, team, user, now) for t, team, user in rows]


def list_tasks(*, session: Session, actor: Actor, limit: int = 50, cursor: str | None = None,
               now: datetime | None = None, **filters) -> tuple[list[TaskListItem], str | None]:
    """Tasks in the actor's subtree, filtered, newest first by key."""
    require(actor, "task.read")
    now = now or utcnow()
    stmt = statement(actor, conditions(session=session, actor=actor, now=now, **filters))
    rows, nxt = keyset_page(session, stmt, Task.id, limit=limit, cursor=cursor)
    return [item(t, team, user, now) for t, team, user in rows], nxt


def my_tasks(*, session: Session, actor: Actor, include_closed: bool = False, limit: int = 200,
             now: datetime | None = None) -> list[TaskListItem]:
    """Tasks assigned to the actor or to one of their teams, most urgent first."""
    require(actor, "task.read")
    now = now or utcnow()
    mine = [Task.assignee_id == actor.id]
    team_ids = teams.team_ids_of(session=session, user_id=actor.id)
    if team_ids:
        mine.append(Task.team_id.in_(team_ids))
    where = [or_(*mine)] + ([] if include_closed else [Task.status.in_(rules.ACTIVE)])
    rows = session.execute(statement(actor, where).order_by(Task.due_at, Task.id).limit(limit))
    return [item(t, team, user, now) for t, team, user in rows]


@dataclass
class Board:
    columns: dict[str, list[TaskListItem]]
    counts: dict[str, int]
    overdue: int


def board(*, session: Session, actor: Actor, per_column: int = 50, now: datetime | None = None,
          **filters) -> Board:
    """One column per status: open work most urgent first, closed work latest due first; with full counts."""
    require(actor, "task.read")
    now = now or utcnow()
    where = conditions(session=session, actor=actor, now=now, **filters)
    columns = {}
    for status in rules.STATUSES:
        order = (Task.due_at, Task.id) if status in rules.ACTIVE else (Task.due_at.desc(), Task.id.desc())
        stmt = statement(actor, [*where, Task.status == status]).order_by(*order).limit(per_column)
        columns[status] = [item(t, team, user, now) for t, team, user in session.execute(stmt)]
    base = scoped(select(Task.status, func.count()), actor, Task.jurisdiction_code).where(*where)
    counts = dict.fromkeys(rules.STATUSES, 0) | dict(session.execute(base.group_by(Task.status)).all())
    late = scoped(select(func.count()).select_from(Task), actor, Task.jurisdiction_code).where(*where,
                                                                                              overdue_clause(now))
    return Board(columns=columns, counts=counts, overdue=session.scalar(late) or 0)


def read(*, session: Session, actor: Actor, task_id: int, now: datetime | None = None) -> TaskRead:
    """The task with its timeline and attachments, and the zone its times are shown in."""
    task = get(session=session, actor=actor, task_id=task_id)
    row = session.execute(statement(actor, [Task.id == task.id])).first()
    if row is None:
        raise NotFound(f"no task {task_id}")
    events = session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id))
    files = session.scalars(select(TaskAttachment).where(TaskAttachment.task_id == task.id)
                            .order_by(TaskAttachment.id))
    base = item(task, row[1], row[2], now or utcnow())
    return TaskRead(
        **base.model_dump(), description=task.description, created_by=task.created_by, profile_id=task.profile_id,
        start_at=task.start_at, started_at=task.started_at, completion_note=task.completion_note,
        cancel_reason=task.cancel_reason, overdue_notified_at=task.overdue_notified_at, created_at=task.created_at,
        version=task.version, time_zone=geo.effective_timezone(session, task.jurisdiction_code).key,
        timeline=[TaskEventRead.model_validate(e, from_attributes=True) for e in events],
        attachments=[AttachmentRead.model_validate(f, from_attributes=True) for f in files],
    )
