"""SLA bundles (from the jurisdiction's protocol profile) → tasks with due times; the case trigger.

A bundle is a list of steps, each with a deadline in hours after a start event (e.g. a case
diagnosed at t → online report by t+2 h, core itinerary by t+4 h, investigation report by t+24 h;
protocols-china.md §3.1). The numbers and their sources live in the profile, not here.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.authz import Actor, require
from fangkong.db import utcnow
from fangkong.errors import NotFound
from fangkong.geo import service as geo
from fangkong.protocols import service as protocols
from fangkong.protocols.service import SlaBundle, SlaStep
from fangkong.response import rules, teams
from fangkong.response.models import Task
from fangkong.response.service import record_created

log = logging.getLogger("fangkong.response")

# Rule "case": a case registered, or classified as confirmed or asymptomatic, starts these bundles at
# its diagnosis time. Which bundles exist and their deadlines come from the profile.
CASE_RULE = "case"
CASE_BUNDLES = ("case_report", "investigation")
CASE_CLASSIFIED_TO = ("confirmed", "asymptomatic")


def expand(bundle: SlaBundle, start_at: datetime) -> list[tuple[SlaStep, datetime]]:
    """Each step with its due time: start + the step's hours (absolute time, stored as UTC)."""
    return [(step, rules.due_at(start_at, step.deadline_hours)) for step in bundle.steps]


def profile_bundle(*, session: Session, jurisdiction_code: str, bundle_id: str,
                   at: datetime | None = None) -> tuple[SlaBundle, str]:
    """The bundle `bundle_id` of the jurisdiction's profile (NotFound when it has none), and the profile's id."""
    profile = protocols.effective_profile(session=session, jurisdiction_code=jurisdiction_code, at=at)
    return profile.sla_bundle(bundle_id), profile.profile_id


def apply_bundle(
    *, session: Session, actor: Actor, subject_type: str, subject_id: str | int, jurisdiction_code: str,
    bundle_id: str, start_at: datetime, rule: str | None = None, bundle: SlaBundle | None = None,
    profile_id: str | None = None, now: datetime | None = None,
) -> tuple[list[Task], list[int]]:
    """Create the bundle's tasks for a subject: (new tasks, ids of those that already existed).

    Idempotent: steps already made for this subject, bundle and start are skipped. Each task goes to
    the team of the step's department at the jurisdiction or the nearest ancestor that has one.
    `rule` names the trigger when a rule (not a person) applies the bundle; `actor` is then the user
    whose action fired it, and the rule needs no task.create permission of theirs.
    """
    node = geo.get_in_scope(session=session, actor=actor, code=jurisdiction_code)
    if rule is None:
        require(actor, "task.create", node)
    if bundle is None:
        bundle, profile_id = profile_bundle(session=session, jurisdiction_code=jurisdiction_code,
                                            bundle_id=bundle_id, at=start_at)
    subject_id = str(subject_id)
    start_at = start_at.astimezone(timezone.utc)
    existing = dict(session.execute(select(Task.step_key, Task.id).where(
        Task.subject_type == subject_type, Task.subject_id == subject_id, Task.bundle_id == bundle.id,
        Task.start_at == start_at)).all())
    chain = teams.ancestors(session=session, code=jurisdiction_code)
    by = f"rule:{rule}" if rule else actor.username
    now = now or utcnow()
    created = []
    for step, due in expand(bundle, start_at):
        if step.key in existing:
            continue
        team = teams.nearest_team(session=session, chain=chain, department=step.department)
        created.append(Task(
            task_type=step.task_type, title=step.title_zh, description=step.source, subject_type=subject_type,
            subject_id=subject_id, jurisdiction_code=jurisdiction_code, department=step.department,
            team_id=team.id if team else None, created_by=by, bundle_id=bundle.id, step_key=step.key,
            profile_id=profile_id, start_at=start_at, due_at=due, priority="normal", status="open", created_at=now,
            updated_at=now))
    session.add_all(created)
    session.flush()
    for task in created:
        record_created(session=session, actor=actor, task=task, by=by,
                       detail=f"SLA bundle {bundle.id} step {task.step_key}")
    return created, [existing[k] for k in sorted(existing)]


def on_case(*, session: Session, actor: Actor, case: Any, event: str) -> list[Task]:
    """Rule "case": registered → both bundles; classified → only when it became confirmed or asymptomatic."""
    if case.classification == "excluded":
        return []
    if event == "classified" and case.classification not in CASE_CLASSIFIED_TO:
        return []
    start = case.diagnosed_at or case.created_at
    profile = protocols.effective_profile(session=session, jurisdiction_code=case.jurisdiction_code, at=start)
    made: list[Task] = []
    for bundle_id in CASE_BUNDLES:
        try:
            bundle = profile.sla_bundle(bundle_id)
        except NotFound:
            log.info("profile %s has no bundle %s; rule %s skips it", profile.profile_id, bundle_id, CASE_RULE)
            continue
        tasks, _ = apply_bundle(session=session, actor=actor, subject_type="case", subject_id=case.id,
                                jurisdiction_code=case.jurisdiction_code, bundle_id=bundle_id, start_at=start,
                                rule=CASE_RULE, bundle=bundle, profile_id=profile.profile_id)
        made += tasks
    return made
