"""Demo teams and tasks: a team per department at the city and in each district, the case bundles of
every demo case applied, and a deterministic mix of outcomes (on time, late, in progress, open)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from fangkong.auth.models import User
from fangkong.authz import SYSTEM
from fangkong.cases.models import Case
from fangkong.db import utcnow
from fangkong.demo.city import DemoCity
from fangkong.geo.models import Jurisdiction
from fangkong.response import bundles, service
from fangkong.response.models import Task, Team, TeamMember

DEPARTMENT_NAMES = {
    "headquarters": "指挥部", "cdc": "疾控", "health": "卫健", "public_security": "公安", "industry_it": "工信",
    "community": "社区", "lab": "检测", "quarantine": "隔离转运", "supplies": "物资保障",
}
# Demo users who sit in a team: (username, department, at the city or in the first district).
MEMBERS = (("commander", "headquarters", "city"), ("epi", "cdc", "city"), ("lab", "lab", "city"),
           ("quarantine", "quarantine", "city"), ("supply", "supplies", "city"),
           ("epi_district", "cdc", "district"), ("grid", "community", "district"))


def _teams(session: Session, city: DemoCity) -> None:
    places = [j for j in city.jurisdictions if j.level in ("city", "district")]
    made: dict[tuple[str, str], Team] = {}
    for node in places:
        for department, name in DEPARTMENT_NAMES.items():
            team = Team(name=f"{node.name_zh}{name}组", department=department, jurisdiction_code=node.code)
            session.add(team)
            made[(node.level if node.level == "city" else node.code, department)] = team
    session.flush()
    first_district = next(j.code for j in places if j.level == "district")
    users = dict(session.execute(select(User.username, User.id)).all())
    for username, department, where in MEMBERS:
        team = made[("city" if where == "city" else first_district, department)]
        session.add(TeamMember(team_id=team.id, user_id=users[username]))
    session.flush()


def _outcome(session: Session, task: Task, index: int, now: datetime) -> None:
    """Six in ten done on time, two late, one in progress, one left open; future deadlines stay open."""
    if task.due_at >= now:
        return
    roll = (task.id * 7) % 10
    start = task.start_at or task.created_at
    if roll < 8:
        done = start + (task.due_at - start) * 0.6 if roll < 6 else task.due_at + (task.due_at - start) * 0.5
        service.complete(session=session, actor=SYSTEM, task_id=task.id, now=done,
                         note="演示数据：已按要求办结" if roll < 6 else "演示数据：超时办结")
    elif roll == 8:
        service.set_status(session=session, actor=SYSTEM, task_id=task.id, status="in_progress",
                           now=start + (task.due_at - start) * 0.5)


def seed_response(*, session: Session, city: DemoCity, now: datetime | None = None) -> int:
    """Teams, then each demo case's bundles (rule "case", as if registered), then outcomes. Returns tasks made."""
    now = now or utcnow()
    _teams(session, city)
    # Hold the tree while working: the session's identity map keeps objects only while they are
    # referenced, and every bundle walks up the tree several times.
    tree = session.scalars(select(Jurisdiction).options(defer(Jurisdiction.geometry))).all()
    made = 0
    for case in session.scalars(select(Case).where(Case.classification != "excluded").order_by(Case.id)):
        tasks = bundles.on_case(session=session, actor=SYSTEM, case=case, event="created")
        for index, task in enumerate(tasks):
            _outcome(session, task, index, now)
        made += len(tasks)
    del tree
    return made
