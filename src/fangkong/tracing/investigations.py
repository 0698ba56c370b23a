"""Field investigations (流调): one per case, its status, the three clocks and the look-back window.

The clocks are the steps of the jurisdiction's `investigation` SLA bundle (2 + 4 + 24 h in the
shipped profiles, source shanghai-2-4-24), started at the case's diagnosis as `response.bundles`
starts the tasks; a profile without the bundle leaves them unset. The window is the profile's
`contacts.close_contact.lookback_days` before onset (before sampling for an asymptomatic case) up to
the diagnosis, when the case is isolated.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor, require, scoped
from fangkong.cases.models import Case
from fangkong.db import utcnow
from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.kit.pagination import keyset_page
from fangkong.protocols import service as protocols
from fangkong.tracing.common import case_in_scope, case_start, check_version, contact_rules, zone
from fangkong.tracing.models import Investigation
from fangkong.tracing.rules import ContactRules, aware, lookback_start
from fangkong.tracing.schemas import InvestigationUpdate

log = logging.getLogger("fangkong.tracing")

STATUSES = ("open", "on_site", "core_done", "reported", "closed")
STAMPS = {"on_site": "team_on_site_at", "core_done": "core_info_at", "reported": "reported_at", "closed": "closed_at"}
# The bundle's step key → (the due-time column, the column of the moment it was done).
CLOCKS = {"team_on_site": ("on_site_due_at", "team_on_site_at"),
          "core_information": ("core_due_at", "core_info_at"),
          "investigation_report": ("report_due_at", "reported_at")}
BUNDLE = "investigation"
EDITABLE = ("exposure_source", "source_kind", "notes")
# A stamp this far ahead of the server clock is refused (a device clock a little fast is not an error),
# as screening.sampling.CLOCK_SKEW does for collection times.
CLOCK_SKEW = timedelta(minutes=5)


def window_of(case: Case, rules: ContactRules) -> tuple[datetime | None, datetime]:
    """(start, end) of the case's look-back as aware instants; start None where the profile has no look-back."""
    tz = zone()
    end = case_start(case)
    start, _ = lookback_start(rules, classification=case.classification, onset=case.onset_date,
                              sampling=case.sampling_date, fallback=end.astimezone(tz).date())
    return (None if start is None else aware(start, tz)), end


def _set_clocks(session: Session, inv: Investigation, case: Case) -> None:
    start = case_start(case)
    profile = protocols.effective_profile(session=session, jurisdiction_code=case.jurisdiction_code, at=start)
    inv.profile_id = profile.profile_id
    try:
        bundle = profile.sla_bundle(BUNDLE)
    except NotFound:
        log.info("profile %s has no %s bundle: investigation of case %s has no clocks",
                 profile.profile_id, BUNDLE, case.id)
        return
    for step in bundle.steps:
        if step.key in CLOCKS:
            setattr(inv, CLOCKS[step.key][0], start + timedelta(hours=step.deadline_hours))


def _new(session: Session, actor: Actor, case: Case, by: str) -> Investigation:
    rules = contact_rules(session=session, jurisdiction_code=case.jurisdiction_code, at=case_start(case))
    start, end = window_of(case, rules)
    inv = Investigation(case_id=case.id, jurisdiction_code=case.jurisdiction_code, status="open",
                        started_at=utcnow(), window_start=start, window_end=end, created_by=by,
                        exposure_source="", notes="", version=1)
    _set_clocks(session, inv, case)
    session.add(inv)
    session.flush()
    audit.record(session=session, actor=actor, action="investigation.create", resource_type="investigation",
                 resource_id=inv.id, jurisdiction_code=inv.jurisdiction_code,
                 detail=f"case {case.id}" + (" (rule: case confirmed)" if by.startswith("rule:") else ""))
    return inv


def ensure_for_case(*, session: Session, actor: Actor, case: Case) -> Investigation:
    """The case's investigation, opened by the rule when it has none (no permission of the actor needed)."""
    inv = session.scalar(select(Investigation).where(Investigation.case_id == case.id))
    return inv or _new(session, actor, case, "rule:case")


def create(*, session: Session, actor: Actor, case_id: int) -> Investigation:
    case = case_in_scope(session=session, actor=actor, case_id=case_id, action="tracing.investigate")
    if session.scalar(select(Investigation.id).where(Investigation.case_id == case.id)):
        raise Conflict(f"case {case.id} already has an investigation", field="case_id")
    return _new(session, actor, case, actor.username)


def get(*, session: Session, actor: Actor, investigation_id: int, action: str = "tracing.read",
        audit_read: bool = True) -> Investigation:
    inv = session.get(Investigation, investigation_id)
    if inv is None:
        raise NotFound(f"no investigation {investigation_id}")
    require(actor, action, inv)
    if audit_read:
        audit.record(session=session, actor=actor, action="investigation.read", resource_type="investigation",
                     resource_id=inv.id, jurisdiction_code=inv.jurisdiction_code)
    return inv


def get_by_case(*, session: Session, actor: Actor, case_id: int) -> Investigation:
    case = case_in_scope(session=session, actor=actor, case_id=case_id)
    inv_id = session.scalar(select(Investigation.id).where(Investigation.case_id == case.id))
    if inv_id is None:
        raise NotFound(f"case {case_id} has no investigation")
    return get(session=session, actor=actor, investigation_id=inv_id)


def list_investigations(*, session: Session, actor: Actor, status: str | None = None, limit: int = 50,
                        cursor: str | None = None) -> tuple[list[Investigation], str | None]:
    require(actor, "tracing.read")
    stmt = scoped(select(Investigation), actor, Investigation.jurisdiction_code)
    if status:
        stmt = stmt.where(Investigation.status == status)
    return keyset_page(session, stmt, Investigation.id, limit=limit, cursor=cursor)


def update(*, session: Session, actor: Actor, investigation_id: int, data: InvestigationUpdate) -> Investigation:
    inv = get(session=session, actor=actor, investigation_id=investigation_id, action="tracing.investigate",
              audit_read=False)
    check_version(inv.version, data.version, "investigation")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    delta = audit.diff({k: getattr(inv, k) for k in EDITABLE}, {k: v for k, v in changes.items() if k in EDITABLE})
    if not delta:
        return inv
    for key in delta:
        setattr(inv, key, changes[key])
    inv.version += 1
    session.flush()
    audit.record(session=session, actor=actor, action="investigation.update", resource_type="investigation",
                 resource_id=inv.id, jurisdiction_code=inv.jurisdiction_code, changes=delta)
    return inv


def advance(*, session: Session, actor: Actor, investigation_id: int, status: str, at: datetime | None = None,
            version: int | None = None) -> Investigation:
    """Move forward to `status`, stamping it (and any skipped step) with `at`; never backwards."""
    inv = get(session=session, actor=actor, investigation_id=investigation_id, action="tracing.investigate",
              audit_read=False)
    check_version(inv.version, version, "investigation")
    if status not in STATUSES:
        raise Invalid(f"unknown status {status!r}", field="status")
    current, target = STATUSES.index(inv.status), STATUSES.index(status)
    if target <= current:
        raise Invalid(f"an investigation moves forward only: {inv.status} → {status} is not allowed", field="status")
    now = utcnow()
    at = at or now
    if at > now + CLOCK_SKEW:
        raise Invalid("the time is in the future", field="at")
    stamped = {}
    for step in STATUSES[current + 1:target + 1]:
        if getattr(inv, STAMPS[step]) is None:
            setattr(inv, STAMPS[step], at)
            stamped[STAMPS[step]] = [None, at.isoformat()]
    before = inv.status
    inv.status = status
    inv.version += 1
    session.flush()
    audit.record(session=session, actor=actor, action="investigation.advance", resource_type="investigation",
                 resource_id=inv.id, jurisdiction_code=inv.jurisdiction_code,
                 changes={"status": [before, status], **stamped})
    return inv


def clocks(inv: Investigation, now: datetime | None = None) -> list[dict]:
    """The three clocks: due, done, met (done by the due time), overdue (not done and past due)."""
    now = now or utcnow()
    out = []
    for key, (due_col, done_col) in CLOCKS.items():
        due, done = getattr(inv, due_col), getattr(inv, done_col)
        met = None if due is None or (done is None and now <= due) else (done is not None and done <= due)
        out.append({"key": key, "due_at": due, "done_at": done, "met": met,
                    "overdue": due is not None and done is None and now > due})
    return out
