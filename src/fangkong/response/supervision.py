"""Supervision (督查): SLA attainment for a period and a jurisdiction subtree, per department and step.

For the tasks due in [start, end): how many were due (not cancelled), done on time (completed at or
before the due time), done late, are still open and overdue, are still open and not yet due; and how
many were cancelled. One GROUP BY query; the drill-down returns the tasks behind any one count.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from fangkong.authz import Actor, in_subtree, require, scoped
from fangkong.db import utcnow
from fangkong.errors import Invalid
from fangkong.geo import service as geo
from fangkong.geo.levels import prefix
from fangkong.kit.pagination import keyset_page
from fangkong.protocols import service as protocols
from fangkong.response import rules
from fangkong.response.models import Task
from fangkong.response.queries import item, overdue_clause, statement
from fangkong.response.schemas import SupervisionReport, SupervisionRow, TaskListItem

OUTCOMES = ("due", "on_time", "late", "open_overdue", "open_not_due", "cancelled")
_DEPARTMENT = func.coalesce(Task.department, "")
_BUNDLE = func.coalesce(Task.bundle_id, "")
_STEP = func.coalesce(Task.step_key, "")


def outcome_clause(outcome: str, now: datetime) -> ColumnElement[bool]:
    if outcome not in OUTCOMES:
        raise Invalid(f"unknown outcome {outcome!r}; one of {', '.join(OUTCOMES)}", field="outcome")
    return {
        "due": Task.status != "cancelled",
        "on_time": and_(Task.status == "done", Task.completed_at <= Task.due_at),
        "late": and_(Task.status == "done", Task.completed_at > Task.due_at),
        "open_overdue": overdue_clause(now),
        "open_not_due": and_(Task.status.in_(rules.ACTIVE), Task.due_at >= now),
        "cancelled": Task.status == "cancelled",
    }[outcome]


def parse_bound(session: Session, code: str, value: str | date | datetime, name: str) -> datetime:
    """A period bound: a date means local midnight in the jurisdiction's zone; a time without a zone too."""
    zone = geo.effective_timezone(session, code)
    try:
        if isinstance(value, str):
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError as exc:
        raise Invalid("not a valid date and time", field=name) from exc
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    return value if value.tzinfo else value.replace(tzinfo=zone)


def _where(session: Session, actor: Actor, start: datetime, end: datetime, code: str) -> list[ColumnElement[bool]]:
    node = geo.get_in_scope(session=session, actor=actor, code=code)
    require(actor, "task.supervise", node)
    if end <= start:
        raise Invalid("the period ends before it starts", field="to")
    if end - start > timedelta(days=366):
        raise Invalid("the period is longer than a year", field="to")
    return [in_subtree(Task.jurisdiction_code, prefix(node.code, node.level)), Task.due_at >= start,
            Task.due_at < end]


def _step_order(session: Session, code: str):
    """Rows by department, then bundle, then the step's place in the profile's bundle (2 h before 4 h before
    24 h); steps the current profile no longer has, and tasks made by hand, come last."""
    place = {(b.id, s.key): i for b in protocols.effective_profile(session=session, jurisdiction_code=code)
             .sla_bundles() for i, s in enumerate(b.steps)}

    def key(row: SupervisionRow) -> tuple:
        return (row.department, row.bundle_id is None, row.bundle_id or "",
                place.get((row.bundle_id, row.step_key), len(place)), row.step_key or "")
    return key


def report(*, session: Session, actor: Actor, start: datetime, end: datetime, jurisdiction_code: str | None = None,
           now: datetime | None = None) -> SupervisionReport:
    """Counts per (department, bundle, step) of the tasks due in [start, end) in the subtree, with totals."""
    now = now or utcnow()
    code = jurisdiction_code or actor.jurisdiction_code
    where = _where(session, actor, start, end, code)
    counts = [func.sum(case((outcome_clause(o, now), 1), else_=0)).label(o) for o in OUTCOMES]
    stmt = (scoped(select(_DEPARTMENT.label("department"), _BUNDLE.label("bundle"), _STEP.label("step"),
                          func.min(Task.title).label("title"), *counts), actor, Task.jurisdiction_code)
            .where(*where).group_by(_DEPARTMENT, _BUNDLE, _STEP).order_by(_DEPARTMENT, _BUNDLE, _STEP))
    rows = [SupervisionRow(department=r.department, bundle_id=r.bundle or None, step_key=r.step or None,
                           title=r.title if r.bundle else "", **{o: int(getattr(r, o) or 0) for o in OUTCOMES})
            for r in session.execute(stmt)]
    rows.sort(key=_step_order(session, code))
    totals = SupervisionRow(department="", bundle_id=None, step_key=None, title="",
                            **{o: sum(getattr(r, o) for r in rows) for o in OUTCOMES})
    return SupervisionReport(start=start, end=end, jurisdiction_code=code, now=now, rows=rows, totals=totals,
                             time_zone=geo.effective_timezone(session, code).key)


def drill_down_statement(
    *, session: Session, actor: Actor, start: datetime, end: datetime, jurisdiction_code: str | None = None,
    department: str | None = None, bundle_id: str | None = None, step_key: str | None = None,
    outcome: str = "due", now: datetime,
) -> Select:
    """The tasks behind one count. None: any value; "" matches tasks without a department/bundle/step."""
    where = _where(session, actor, start, end, jurisdiction_code or actor.jurisdiction_code)
    where.append(outcome_clause(outcome, now))
    for expr, value in ((_DEPARTMENT, department), (_BUNDLE, bundle_id), (_STEP, step_key)):
        if value is not None:
            where.append(expr == value)
    return statement(actor, where)


def drill_down(*, session: Session, actor: Actor, limit: int = 50, cursor: str | None = None,
               now: datetime | None = None, **cell) -> tuple[list[TaskListItem], str | None]:
    now = now or utcnow()
    stmt = drill_down_statement(session=session, actor=actor, now=now, **cell)
    rows, nxt = keyset_page(session, stmt, Task.id, limit=limit, cursor=cursor)
    return [item(t, team, user, now) for t, team, user in rows], nxt


def drill_down_ids(*, session: Session, actor: Actor, now: datetime | None = None, **cell) -> list[int]:
    stmt = drill_down_statement(session=session, actor=actor, now=now or utcnow(), **cell)
    return list(session.scalars(stmt.with_only_columns(Task.id).order_by(Task.id)))
