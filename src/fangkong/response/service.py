"""Tasks: create by hand, assign, start, complete with evidence, reopen, cancel in bulk.

Every change bumps the version, adds an event to the task's timeline and an entry with the field
changes to the audit log. Reads are in `fangkong.response.queries`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.auth.models import User
from fangkong.authz import Actor, allowed, require, scoped
from fangkong.db import utcnow
from fangkong.errors import Conflict, Forbidden, Invalid, NotFound
from fangkong.geo import service as geo
from fangkong.notify import service as notify
from fangkong.notify.base import Notice
from fangkong.response import rules, teams
from fangkong.response.models import Task, TaskAttachment, TaskEvent, Team
from fangkong.response.schemas import TaskCreate, TaskUpdate


def event(*, session: Session, task: Task, by: str, kind: str, changes: dict | None = None, note: str = "",
          at: datetime | None = None) -> TaskEvent:
    """Add one entry to the task's timeline."""
    entry = TaskEvent(task_id=task.id, at=at or utcnow(), actor_username=by, kind=kind, changes=changes or None,
                      note=note)
    session.add(entry)
    return entry


def get(*, session: Session, actor: Actor, task_id: int, action: str = "task.read") -> Task:
    """A task in the actor's jurisdiction; one outside it does not exist for them."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    require(actor, action, task)
    return task


def may_work_on(*, session: Session, actor: Actor, task: Task) -> bool:
    """Who may start, complete or comment: whoever may assign tasks here, else the assignee, a member of
    the assigned team, or anyone with task.update when nobody is assigned yet."""
    if allowed(actor, "task.assign", task):
        return True
    if not allowed(actor, "task.update", task):
        return False
    if task.assignee_id is None and task.team_id is None:
        return True
    return task.assignee_id == actor.id or task.team_id in teams.team_ids_of(session=session, user_id=actor.id)


def require_worker(*, session: Session, actor: Actor, task: Task) -> None:
    require(actor, "task.update", task)
    if not may_work_on(session=session, actor=actor, task=task):
        raise Forbidden("this task is assigned to someone else; a user who may assign tasks can reassign it")


def _assignees(session: Session, actor: Actor, team_id: int | None,
              user_id: int | None) -> tuple[Team | None, User | None]:
    """The team and user to give work to: both must be in the actor's jurisdiction (else not found)."""
    team = teams.get_team(session=session, actor=actor, team_id=team_id) if team_id else None
    user = None
    if user_id:
        user = session.get(User, user_id)
        if user is None or not user.is_active or not actor.covers(user.jurisdiction_code):
            raise NotFound(f"no user {user_id} in your jurisdiction", field="assignee_id")
    return team, user


def _check_covers(session: Session, code: str, team: Team | None, user: User | None) -> None:
    """A task goes only to a team or user whose own jurisdiction covers the task's: else they cannot see it."""
    if team is not None and not teams.covers(session=session, holder_code=team.jurisdiction_code, code=code):
        raise Invalid(f"team {team.name} does not cover jurisdiction {code}", field="team_id")
    if user is not None and not teams.covers(session=session, holder_code=user.jurisdiction_code, code=code):
        raise Invalid(f"user {user.username} cannot see tasks in {code}", field="assignee_id")


def record_created(*, session: Session, actor: Actor | None, task: Task, by: str, detail: str = "") -> None:
    fields = {k: getattr(task, k) for k in ("title", "task_type", "subject_type", "subject_id", "department",
                                            "team_id", "assignee_id", "bundle_id", "step_key", "profile_id",
                                            "due_at", "priority")}
    delta = audit.diff({}, {k: v for k, v in fields.items() if v is not None})
    event(session=session, task=task, by=by, kind="created", changes=delta, note=detail, at=task.created_at)
    audit.record(session=session, actor=actor, action="task.create", resource_type="task", resource_id=task.id,
                 jurisdiction_code=task.jurisdiction_code, changes=delta, detail=detail, username=by)


def create_task(*, session: Session, actor: Actor, data: TaskCreate, now: datetime | None = None) -> Task:
    """A task by hand: due at a given time, or in N hours from now."""
    now = now or utcnow()
    require(actor, "task.create", geo.get_in_scope(session=session, actor=actor, code=data.jurisdiction_code))
    team, user = _assignees(session, actor, data.team_id, data.assignee_id)
    _check_covers(session, data.jurisdiction_code, team, user)
    due = data.due_at.astimezone(timezone.utc) if data.due_at else rules.due_at(now, data.due_in_hours or 0)
    task = Task(task_type=data.task_type, title=data.title, description=data.description,
                subject_type=data.subject_type, subject_id=data.subject_id, jurisdiction_code=data.jurisdiction_code,
                department=data.department or (team.department if team else None), team_id=data.team_id,
                assignee_id=data.assignee_id, created_by=actor.username, start_at=now, due_at=due,
                priority=data.priority, status="open", created_at=now, updated_at=now)
    session.add(task)
    session.flush()
    record_created(session=session, actor=actor, task=task, by=actor.username)
    _notify_assigned(session, task)
    return task


def _change(session: Session, actor: Actor, task: Task, values: dict[str, Any], *, kind: str, action: str,
            note: str = "", now: datetime | None = None) -> dict:
    """Apply `values`; when anything changed: version + 1, a timeline event and an audit entry."""
    delta = audit.diff({k: getattr(task, k) for k in values}, values)
    if not delta:
        return {}
    now = now or utcnow()
    for key in values:
        setattr(task, key, values[key])
    task.version += 1
    task.updated_at = now
    event(session=session, task=task, by=actor.username, kind=kind, changes=delta, note=note, at=now)
    audit.record(session=session, actor=actor, action=action, resource_type="task", resource_id=task.id,
                 jurisdiction_code=task.jurisdiction_code, changes=delta, detail=note)
    return delta


def _status_values(session: Session, task: Task, status: str, note: str, now: datetime) -> dict[str, Any]:
    if status == "in_progress":
        return {"status": status, "started_at": task.started_at or now}
    if status == "done":
        has_file = session.scalar(select(func.count()).where(TaskAttachment.task_id == task.id))
        if not note and not has_file:
            raise Invalid("completing a task needs a note or an attachment as evidence", field="note")
        return {"status": status, "completed_at": now, "completion_note": note or task.completion_note}
    if status == "cancelled":
        if not note:
            raise Invalid("cancelling a task needs a reason", field="reason")
        return {"status": status, "cancel_reason": note}
    # Reopened: a new round of work, so a new overdue notice is due if it runs late again.
    return {"status": status, "completed_at": None, "cancel_reason": "", "overdue_notified_at": None}


def _set_status(session: Session, actor: Actor, task: Task, status: str, note: str, now: datetime) -> Task:
    require_worker(session=session, actor=actor, task=task)
    if status == "cancelled":
        require(actor, "task.assign", task)
    problem = rules.transition_problem(task.status, status)
    if problem:
        raise Invalid(problem, field="status")
    _change(session, actor, task, _status_values(session, task, status, note.strip(), now), kind="status",
            action="task.update", note=note.strip(), now=now)
    return task


def set_status(*, session: Session, actor: Actor, task_id: int, status: str, note: str = "",
               now: datetime | None = None) -> Task:
    """Start (in_progress), complete (done, with a note or attachment), reopen (open) or cancel (with a reason)."""
    task = get(session=session, actor=actor, task_id=task_id)
    return _set_status(session, actor, task, status, note, now or utcnow())


def complete(*, session: Session, actor: Actor, task_id: int, note: str = "", now: datetime | None = None) -> Task:
    return set_status(session=session, actor=actor, task_id=task_id, status="done", note=note, now=now)


def update(*, session: Session, actor: Actor, task_id: int, data: TaskUpdate, now: datetime | None = None) -> Task:
    """Change the due time by hand (with a reason), the priority, or the status."""
    now = now or utcnow()
    task = get(session=session, actor=actor, task_id=task_id)
    if data.version is not None and data.version != task.version:
        raise Conflict("this record was changed by someone else; reload it", field="version")
    reason = data.reason.strip()
    if data.due_at is not None and data.due_at != task.due_at:
        require(actor, "task.assign", task)
        if not reason:
            raise Invalid("changing the due time needs a reason", field="reason")
        # A new deadline: the overdue notice is sent again if the new one is missed too.
        values = {"due_at": data.due_at.astimezone(timezone.utc), "overdue_notified_at": None}
        _change(session, actor, task, values, kind="due", action="task.update", note=reason, now=now)
    if data.priority is not None:
        require(actor, "task.assign", task)
        _change(session, actor, task, {"priority": data.priority}, kind="priority", action="task.update", now=now)
    if data.status is not None and data.status != task.status:
        _set_status(session, actor, task, data.status, reason, now)
    return task


def add_note(*, session: Session, actor: Actor, task_id: int, note: str) -> Task:
    task = get(session=session, actor=actor, task_id=task_id)
    require_worker(session=session, actor=actor, task=task)
    event(session=session, task=task, by=actor.username, kind="note", note=note.strip())
    audit.record(session=session, actor=actor, action="task.note", resource_type="task", resource_id=task.id,
                 jurisdiction_code=task.jurisdiction_code, detail=note.strip())
    return task


def _assign(session: Session, actor: Actor, task: Task, team: Team | None, user: User | None, *, kind: str,
            action: str, note: str = "", now: datetime | None = None) -> dict:
    _check_covers(session, task.jurisdiction_code, team, user)
    values: dict[str, Any] = {"team_id": team.id if team else None, "assignee_id": user.id if user else None}
    if team is not None and task.department is None:
        values["department"] = team.department
    delta = _change(session, actor, task, values, kind=kind, action=action, note=note, now=now)
    if delta:
        _notify_assigned(session, task)
    return delta


def assign(*, session: Session, actor: Actor, task_id: int, team_id: int | None, assignee_id: int | None,
           reason: str = "", now: datetime | None = None) -> Task:
    """Assign or reassign to a team and/or a user (both empty: unassigned)."""
    task = get(session=session, actor=actor, task_id=task_id, action="task.assign")
    team, user = _assignees(session, actor, team_id, assignee_id)
    _assign(session, actor, task, team, user, kind="assigned", action="task.assign", note=reason.strip(), now=now)
    return task


def _many(session: Session, actor: Actor, ids: list[int], action: str) -> list[Task]:
    require(actor, action)
    wanted = list(dict.fromkeys(ids))
    found = {t.id: t for t in session.scalars(scoped(select(Task).where(Task.id.in_(wanted)), actor,
                                                     Task.jurisdiction_code))}
    missing = set(wanted) - set(found)
    if missing:
        raise NotFound(f"no task {min(missing)}", field="ids")
    return [found[i] for i in wanted]


def bulk_assign(*, session: Session, actor: Actor, ids: list[int], team_id: int | None, assignee_id: int | None,
                now: datetime | None = None) -> tuple[list[int], list[int]]:
    """Assign many open tasks at once; closed ones and those already so assigned are skipped."""
    tasks = _many(session, actor, ids, "task.assign")
    team, user = _assignees(session, actor, team_id, assignee_id)
    changed, skipped = [], []
    for task in tasks:
        done = task.status in rules.ACTIVE and _assign(session, actor, task, team, user, kind="bulk",
                                                       action="task.bulk_assign", now=now)
        (changed if done else skipped).append(task.id)
    return changed, skipped


def bulk_close(*, session: Session, actor: Actor, ids: list[int], reason: str,
               now: datetime | None = None) -> tuple[list[int], list[int]]:
    """Cancel many open tasks with one reason (kept on each task, its timeline and the audit log)."""
    reason = reason.strip()
    if not reason:
        raise Invalid("closing tasks in bulk needs a reason", field="reason")
    tasks = _many(session, actor, ids, "task.assign")
    changed, skipped = [], []
    for task in tasks:
        if task.status not in rules.ACTIVE:
            skipped.append(task.id)
            continue
        _change(session, actor, task, {"status": "cancelled", "cancel_reason": reason}, kind="bulk",
                action="task.bulk_close", note=reason, now=now)
        changed.append(task.id)
    return changed, skipped


def notices(*, task: Task, users: list[User], kind: str) -> list[Notice]:
    """One notice per active user about `task`; the text is data (number and title), the UI names the kind."""
    data = {"title": task.title, "jurisdiction_code": task.jurisdiction_code, "due_at": task.due_at.isoformat(),
            "status": task.status, "department": task.department, "bundle_id": task.bundle_id,
            "step_key": task.step_key}
    return [Notice(user_id=u.id, username=u.username, kind=kind, message=f"#{task.id} {task.title}",
                   task_id=task.id, data=data) for u in users if u.is_active]


def _notify_assigned(session: Session, task: Task) -> None:
    """Tell the new assignee (or, for a team only, its members) in the app; outside channels are for the jobs."""
    if task.assignee_id:
        users = [session.get(User, task.assignee_id)]
    elif task.team_id:
        users = teams.members(session=session, team_ids=[task.team_id]).get(task.team_id, [])
    else:
        return
    notify.send(session=session, notices=notices(task=task, users=users, kind="assigned"), outside=False)
