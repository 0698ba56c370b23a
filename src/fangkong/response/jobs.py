"""Scheduled work of the response domain: mark overdue tasks, notify, escalate (督办).

`mark_overdue` picks the tasks that are still to do and past due and have not been handled yet
(overdue_notified_at is empty). For each it adds an `overdue` event to the timeline, notifies the
assignee, or else the members of the assigned team, and escalates: the users with task.supervise
(commander, auditor, admin) at the task's parent jurisdiction are notified — or, when nobody there
holds it, those at the nearest ancestor that has such users. Each task is handled once; reopening it
or moving its due time arms it again. Overdue itself is always computed from due_at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.auth.models import User
from fangkong.authz.actions import ROLES
from fangkong.config import Settings
from fangkong.db import utcnow
from fangkong.notify import service as notify
from fangkong.response import rules, teams
from fangkong.response.models import Task
from fangkong.response.service import event, notices

BATCH = 2000
SUPERVISOR_ROLES = tuple(role for role, actions in ROLES.items() if "task.supervise" in actions)


@dataclass
class OverdueRun:
    task_ids: list[int] = field(default_factory=list)
    notified: int = 0
    escalated: int = 0
    # Outside-channel deliveries (webhook…), to make once the job's unit of work has committed.
    outside: list[notify.Delivery] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{len(self.task_ids)} tasks newly overdue, {self.notified} notices to assignees, "
                f"{self.escalated} escalations")


def supervisors(*, session: Session, code: str, cache: dict[str, list[int]]) -> list[int]:
    """Users with task.supervise at the parent of `code`, else at the nearest ancestor that has some."""
    if code not in cache:
        chain = teams.ancestors(session=session, code=code)[1:]
        found: dict[str, list[int]] = {}
        if chain:
            stmt = select(User.jurisdiction_code, User.id).where(
                User.jurisdiction_code.in_(chain), User.role.in_(SUPERVISOR_ROLES), User.is_active.is_(True))
            for where, user_id in session.execute(stmt.order_by(User.id)):
                found.setdefault(where, []).append(user_id)
        cache[code] = next((found[c] for c in chain if c in found), [])
    return cache[code]


def mark_overdue(*, session: Session, now: datetime | None = None, settings: Settings | None = None) -> OverdueRun:
    """Handle the tasks that became overdue since the last run (at most BATCH per run, oldest due first)."""
    now = now or utcnow()
    stmt = (select(Task).where(Task.status.in_(rules.ACTIVE), Task.due_at < now, Task.overdue_notified_at.is_(None))
            .order_by(Task.due_at, Task.id).limit(BATCH).with_for_update(skip_locked=True))
    tasks = list(session.scalars(stmt))
    # Look everyone up first, then write: no query (and autoflush) between the writes.
    members = teams.members(session=session, team_ids=sorted({t.team_id for t in tasks if t.team_id}))
    cache: dict[str, list[int]] = {}
    plan = []
    for task in tasks:
        owners = [task.assignee_id] if task.assignee_id else [u.id for u in members.get(task.team_id, [])]
        bosses = [u for u in supervisors(session=session, code=task.jurisdiction_code, cache=cache) if u not in owners]
        plan.append((task, owners, bosses))
    wanted = {u for _, owners, bosses in plan for u in owners + bosses}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}
    run, outgoing = OverdueRun(), []
    for task, owners, bosses in plan:
        task.overdue_notified_at = now
        note = f"overdue since {task.due_at.isoformat()}; notified {len(owners)}, escalated to {len(bosses)}"
        event(session=session, task=task, by="system", kind="overdue", changes={"overdue": [False, True]}, note=note,
              at=now)
        audit.record(session=session, actor=None, action="task.overdue", resource_type="task", resource_id=task.id,
                     jurisdiction_code=task.jurisdiction_code, detail=note, username="system")
        outgoing += notices(task=task, users=[users[u] for u in owners if u in users], kind="overdue")
        outgoing += notices(task=task, users=[users[u] for u in bosses if u in users], kind="escalated")
        run.task_ids.append(task.id)
        run.notified += len(owners)
        run.escalated += len(bosses)
    run.outside = notify.send(session=session, notices=outgoing, settings=settings)
    session.flush()
    return run
