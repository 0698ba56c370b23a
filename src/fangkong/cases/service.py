"""Cases: register, edit, classify, list; the 2-hour online-report clock."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select, update as sql_update
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor, in_subtree, require, scoped
from fangkong.cases import rules
from fangkong.cases.models import Case, ClassificationChange
from fangkong.cases.schemas import (
    CaseCreate, CaseListItem, CaseRead, CaseUpdate, ClassificationChangeRead, ClassifyRequest,
)
from fangkong.config import get_settings
from fangkong.db import utcnow
from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.geo import service as geo
from fangkong.geo.levels import subtree_prefix
from fangkong.kit.pagination import keyset_page
from fangkong.people import service as people
from fangkong.people.models import Person
from fangkong.protocols import service as profiles
from fangkong.response import bundles
from fangkong.tracing import triggers as tracing

EDITABLE = ("jurisdiction_code", "origin", "onset_date", "sampling_date", "diagnosed_at", "reported_at",
            "outcome", "outcome_date", "notes")


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def local_date(moment: datetime | None) -> date | None:
    return moment.astimezone(_zone()).date() if moment else None


REPORT_DEADLINE = "case_reporting.report_deadline_hours"


def deadline_hours(*, session: Session, jurisdiction_code: str, at: datetime) -> float:
    """The online direct report deadline (网络直报, 2 h in the Chinese editions) of the jurisdiction's
    protocol profile in force at `at` (the diagnosis)."""
    profile = profiles.effective_profile(session=session, jurisdiction_code=jurisdiction_code, at=at)
    return float(profile.get(REPORT_DEADLINE))


def _check_dates(values: dict, today: date) -> None:
    problems = rules.date_problems(
        onset=values.get("onset_date"), sampling=values.get("sampling_date"),
        diagnosed=values.get("diagnosed_at"), reported=values.get("reported_at"), today=today,
        diagnosed_local=local_date(values.get("diagnosed_at")),
    )
    if values.get("outcome") == "under_treatment" and values.get("outcome_date"):
        problems.append(("outcome_date", "a case under treatment has no outcome date"))
    if problems:
        raise Invalid(problems[0][1], field=problems[0][0])


def _derive(session: Session, case: Case, *, deadline: bool = True) -> None:
    case.report_date = local_date(case.reported_at)
    if deadline:
        # A decision taken once, under the profile in force at diagnosis: changing the profile later
        # never moves it; only a new diagnosis time or jurisdiction does.
        hours = (deadline_hours(session=session, jurisdiction_code=case.jurisdiction_code, at=case.diagnosed_at)
                 if case.diagnosed_at else 0)
        case.report_deadline_at = rules.report_deadline(case.diagnosed_at, hours)


def create(*, session: Session, actor: Actor, data: CaseCreate, today: date | None = None) -> Case:
    today = today or datetime.now(_zone()).date()
    problem = rules.initial_problem(classification=data.classification, severity=data.severity)
    if problem:
        raise Invalid(problem[1], field=problem[0])
    if data.person is not None:
        person = people.create(session=session, actor=actor, data=data.person, today=today)
    elif data.person_id is not None:
        person = people.get(session=session, actor=actor, person_id=data.person_id, audit_read=False)
    else:
        raise Invalid("give person_id or person", field="person_id")
    if person.merged_into_id:
        raise Conflict(f"person {person.id} was merged into {person.merged_into_id}", field="person_id")
    values = data.model_dump(exclude={"person", "person_id"})
    values["jurisdiction_code"] = values["jurisdiction_code"] or person.jurisdiction_code
    require(actor, "case.create", geo.get_in_scope(session=session, actor=actor, code=values["jurisdiction_code"]))
    _check_dates(values, today)
    if values["external_id"] and session.scalar(select(Case.id).where(Case.external_id == values["external_id"])):
        raise Conflict(f"a case with report number {values['external_id']} exists", field="external_id")
    case = Case(person_id=person.id, created_by=actor.username, **values)
    _derive(session, case)
    session.add(case)
    session.flush()
    session.add(ClassificationChange(case_id=case.id, to_classification=case.classification,
                                     to_severity=case.severity, reason="registered", changed_by=actor.username))
    audit.record(session=session, actor=actor, action="case.create", resource_type="case", resource_id=case.id,
                 jurisdiction_code=case.jurisdiction_code,
                 changes=audit.diff({}, {"classification": case.classification, "severity": case.severity,
                                         "person_id": person.id, **{k: values[k] for k in EDITABLE}}))
    bundles.on_case(session=session, actor=actor, case=case, event="created")
    tracing.on_case(session=session, actor=actor, case=case, event="created")
    return case


def get(*, session: Session, actor: Actor, case_id: int, action: str = "case.read") -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    require(actor, action, case)
    return case


def update(*, session: Session, actor: Actor, case_id: int, data: CaseUpdate, today: date | None = None) -> Case:
    case = get(session=session, actor=actor, case_id=case_id, action="case.update")
    if data.version is not None and data.version != case.version:
        raise Conflict("this case was changed by someone else; reload it", field="version")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if "jurisdiction_code" in changes and changes["jurisdiction_code"] is None:
        raise Invalid("a case needs a jurisdiction", field="jurisdiction_code")
    old = {k: getattr(case, k) for k in EDITABLE}
    values = {**old, **changes}
    if values["jurisdiction_code"] != case.jurisdiction_code:
        geo.get_in_scope(session=session, actor=actor, code=values["jurisdiction_code"])
    _check_dates(values, today or datetime.now(_zone()).date())
    delta = audit.diff(old, values)
    if not delta:
        return case
    for key in delta:
        setattr(case, key, values[key])
    _derive(session, case, deadline=bool({"diagnosed_at", "jurisdiction_code"} & set(delta)))
    case.version += 1
    session.flush()
    audit.record(session=session, actor=actor, action="case.update", resource_type="case", resource_id=case.id,
                 jurisdiction_code=case.jurisdiction_code, changes=delta)
    return case


def classify(*, session: Session, actor: Actor, case_id: int, data: ClassifyRequest) -> Case:
    """Change classification or severity under the transition rules; kept in the case's history."""
    case = get(session=session, actor=actor, case_id=case_id, action="case.classify")
    if data.version is not None and data.version != case.version:
        raise Conflict("this case was changed by someone else; reload it", field="version")
    problem = rules.transition_problem(current=case.classification, current_severity=case.severity,
                                       target=data.classification, severity=data.severity,
                                       reason=data.reason, outcome=case.outcome)
    if problem:
        raise Invalid(problem[1], field=problem[0])
    session.add(ClassificationChange(case_id=case.id, from_classification=case.classification,
                                     from_severity=case.severity, to_classification=data.classification,
                                     to_severity=data.severity, reason=data.reason, changed_by=actor.username))
    delta = audit.diff({"classification": case.classification, "severity": case.severity},
                       {"classification": data.classification, "severity": data.severity})
    case.classification, case.severity = data.classification, data.severity
    if data.classification == "repositive":
        case.outcome, case.outcome_date = "under_treatment", None
    case.version += 1
    session.flush()
    audit.record(session=session, actor=actor, action="case.classify", resource_type="case", resource_id=case.id,
                 jurisdiction_code=case.jurisdiction_code, changes=delta, detail=data.reason)
    bundles.on_case(session=session, actor=actor, case=case, event="classified")
    tracing.on_case(session=session, actor=actor, case=case, event="classified")
    return case


def history(*, session: Session, case_id: int) -> list[ClassificationChange]:
    stmt = select(ClassificationChange).where(ClassificationChange.case_id == case_id)
    return list(session.scalars(stmt.order_by(ClassificationChange.id)))


def _item(case: Case, person_name: str, now: datetime) -> dict:
    return dict(
        id=case.id, external_id=case.external_id, person_id=case.person_id, person_name=person_name,
        classification=case.classification, severity=case.severity, origin=case.origin,
        jurisdiction_code=case.jurisdiction_code, onset_date=case.onset_date, diagnosed_at=case.diagnosed_at,
        report_date=case.report_date, outcome=case.outcome,
        report_status=rules.report_status(deadline=case.report_deadline_at, reported_at=case.reported_at, now=now),
    )


def read(*, session: Session, actor: Actor, case_id: int, unmask: bool = False) -> CaseRead:
    """The case with its person (masked unless unmasked with permission) and history; an audited read."""
    case = get(session=session, actor=actor, case_id=case_id)
    # Every query before the first audit row: the query after a pending row flushes it, and on SQLite
    # that takes the database's one write lock until the request commits (benchmarks/README.md).
    hist = [ClassificationChangeRead.model_validate(h, from_attributes=True)
            for h in history(session=session, case_id=case.id)]
    person = people.read(session=session, actor=actor, person_id=case.person_id, unmask=unmask)
    audit.record(session=session, actor=actor, action="case.read", resource_type="case", resource_id=case.id,
                 jurisdiction_code=case.jurisdiction_code)
    return CaseRead(**_item(case, person.name, utcnow()), sampling_date=case.sampling_date,
                    reported_at=case.reported_at, report_deadline_at=case.report_deadline_at,
                    outcome_date=case.outcome_date, notes=case.notes, version=case.version,
                    person=person, history=hist)


def list_statement(
    *, actor: Actor, classification: list[str] | None = None, jurisdiction_code: str | None = None,
    date_field: str = "onset", date_from: date | None = None, date_to: date | None = None,
    q: str | None = None, report_status: str | None = None, person_id: int | None = None,
    keys_only: bool = False,
) -> Select:
    """Cases in the actor's subtree with their person's name, filtered; ordered newest first by key.

    `keys_only`: just Case.id, without the join to persons (to find a page by key, see list_cases).
    """
    base = select(Case.id) if keys_only else select(Case, Person.name).join(Person, Person.id == Case.person_id)
    stmt = scoped(base, actor, Case.jurisdiction_code)
    if person_id is not None:
        stmt = stmt.where(Case.person_id == person_id)
    if classification:
        unknown = set(classification) - set(rules.CLASSIFICATIONS)
        if unknown:
            raise Invalid(f"unknown classification {sorted(unknown)[0]!r}", field="classification")
        stmt = stmt.where(Case.classification.in_(classification))
    if jurisdiction_code:
        if not actor.covers(jurisdiction_code):
            raise NotFound("no such jurisdiction in your jurisdiction", field="jurisdiction_code")
        stmt = stmt.where(in_subtree(Case.jurisdiction_code, subtree_prefix(jurisdiction_code)))
    column = {"onset": Case.onset_date, "report": Case.report_date}.get(date_field)
    if column is None:
        raise Invalid("date_field is onset or report", field="date_field")
    if date_from:
        stmt = stmt.where(column >= date_from)
    if date_to:
        stmt = stmt.where(column <= date_to)
    if report_status in ("met", "late", "open"):
        now = utcnow()
        stmt = stmt.where({
            "met": Case.reported_at <= Case.report_deadline_at,
            "late": or_(Case.reported_at > Case.report_deadline_at,
                        (Case.reported_at.is_(None)) & (Case.report_deadline_at < now)),
            "open": (Case.reported_at.is_(None)) & (Case.report_deadline_at >= now),
        }[report_status])
    q = (q or "").strip()
    if q:
        if q.isdigit() and len(q) < 10:
            stmt = stmt.where(or_(Case.id == int(q), Case.external_id == q))
        else:
            person_ids = people.search_statement(actor=actor, q=q, include_merged=True).with_only_columns(Person.id)
            stmt = stmt.where(or_(Case.person_id.in_(person_ids), Case.external_id == q))
    return stmt


def list_cases(*, session: Session, actor: Actor, limit: int = 50, cursor: str | None = None,
               **filters) -> tuple[list[CaseListItem], str | None]:
    require(actor, "case.read")
    # The page's keys from the cases alone, then those rows with their names. With the join inside the
    # keyset query, SQLite (no statistics) looked up the person of every case in scope before sorting:
    # 0.5-10 s for a city-wide first page at 100,000 cases (benchmarks/README.md, "Findings").
    keys = list_statement(actor=actor, keys_only=True, **filters)
    ids, nxt = keyset_page(session, keys, Case.id, limit=limit, cursor=cursor)
    rows = session.execute(select(Case, Person.name).join(Person, Person.id == Case.person_id)
                           .where(Case.id.in_(ids)).order_by(Case.id.desc())).all() if ids else []
    now = utcnow()
    # A page of cases shows names: a read of personal data, kept in the audit log like any other.
    audit.record(session=session, actor=actor, action="case.list", resource_type="case",
                 jurisdiction_code=actor.jurisdiction_code,
                 detail=f"{len(rows)} rows; filters {({k: v for k, v in filters.items() if v})}")
    return [CaseListItem(**_item(c, name, now)) for c, name in rows], nxt


def repoint_person(*, session: Session, from_id: int, to_id: int) -> int:
    """Person merge hook: the merged person's cases now belong to the kept person."""
    result = session.execute(sql_update(Case).where(Case.person_id == from_id).values(person_id=to_id))
    return result.rowcount or 0
