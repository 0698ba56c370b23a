"""Contacts of contacts (密接的密接, 次密接), expanded from a case's close contacts where the profile
still determines them (`[contacts.secondary_contact] determined = false` in 20条 and 新10条 means it
does not): co-residents of each close contact (same `Person.household_code`), and the persons who
shared a venue with it from its first contact with the case until it was isolated (ed8/ed9 wording,
protocols-china.md §1.1), found in the check-in store."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor
from fangkong.cases.models import Case
from fangkong.db import utcnow
from fangkong.kit.bulk import insert_rows
from fangkong.people.models import Person
from fangkong.tracing.common import case_in_scope, case_start, contact_rules, zone
from fangkong.tracing.contacts import contact_row
from fangkong.tracing.models import Contact, PlacementRequest
from fangkong.tracing.rules import local_naive
from fangkong.tracing.schemas import ExpandResult

OPEN_STATUSES = ("identified", "notified", "quarantined")


def _close_contacts(session: Session, case: Case, contact_ids: list[int] | None) -> list[Contact]:
    stmt = select(Contact).where(Contact.source_case_id == case.id, Contact.via_contact_id.is_(None),
                                 Contact.category == "close", Contact.status.in_(OPEN_STATUSES))
    if contact_ids:
        stmt = stmt.where(Contact.id.in_(contact_ids))
    return list(session.scalars(stmt.order_by(Contact.id)))


def _household(session: Session, closes: list[Contact]) -> list[tuple[Contact, int]]:
    """(close contact, co-resident person id) pairs."""
    codes = dict(session.execute(select(Person.id, Person.household_code).where(
        Person.id.in_([c.person_id for c in closes]), Person.household_code.is_not(None))).all())
    if not codes:
        return []
    members: dict[str, list[int]] = {}
    for pid, code in session.execute(select(Person.id, Person.household_code).where(
            Person.household_code.in_(set(codes.values())), Person.merged_into_id.is_(None))):
        members.setdefault(code, []).append(pid)
    return [(c, pid) for c in closes if c.person_id in codes for pid in members.get(codes[c.person_id], [])
            if pid != c.person_id]


def _isolated_at(session: Session, closes: list[Contact]) -> dict[int, datetime]:
    """When each close contact was handed over to quarantine (its first placement request)."""
    return dict(session.execute(select(PlacementRequest.contact_id, func.min(PlacementRequest.requested_at))
                                .where(PlacementRequest.contact_id.in_([c.id for c in closes]))
                                .group_by(PlacementRequest.contact_id)).all())


def _venue(session: Session, closes: list[Contact], data_dir: Path) -> list[tuple[Contact, int]]:
    """(close contact, person met at a venue) pairs between first contact with the case and isolation."""
    if not (data_dir / "bulk" / "checkins").exists():
        return []
    from fangkong.tracing.engine import find_exposures

    tz, now, isolated = zone(), utcnow(), _isolated_at(session, closes)
    rows = []
    for c in closes:
        if c.exposure_date is None and c.last_exposure_at is None:
            continue
        first = datetime.combine(c.exposure_date, time()) if c.exposure_date else local_naive(c.last_exposure_at, tz)
        end = local_naive(isolated.get(c.id, now), tz)
        if end > first:
            rows.append((c.person_id, first, end))
    if not rows:
        return []
    index = pa.table({"person_id": pa.array([r[0] for r in rows], pa.int64()),
                      "window_start": pa.array([r[1] for r in rows], pa.timestamp("us")),
                      "window_end": pa.array([r[2] for r in rows], pa.timestamp("us"))})
    found = find_exposures(data_dir=data_dir, index=index, companion=None)
    by_person = {c.person_id: c for c in closes}
    pairs = {(r["index_person_id"], r["person_id"]) for r in
             found.select(["index_person_id", "person_id"]).to_pylist()}
    return [(by_person[i], p) for i, p in sorted(pairs)]


def expand(*, session: Session, actor: Actor, case_id: int, data_dir: Path,
           contact_ids: list[int] | None = None) -> ExpandResult:
    """Secondary contacts of the case's open close contacts (or of `contact_ids` among them); idempotent."""
    case = case_in_scope(session=session, actor=actor, case_id=case_id, action="contact.manage")
    rules = contact_rules(session=session, jurisdiction_code=case.jurisdiction_code, at=case_start(case))
    closes = _close_contacts(session, case, contact_ids)
    if not rules.traces_secondary():
        return ExpandResult(close_contacts=len(closes), created=0, existing=0, household=0, venue=0,
                            determined=False, note=f"profile {rules.profile_id} does not determine secondary contacts")
    household = _household(session, closes) if closes else []
    venue = _venue(session, closes, data_dir) if closes else []
    skip = {case.person_id} | set(session.scalars(select(Contact.person_id).where(
        Contact.source_case_id == case.id, Contact.via_contact_id.is_(None), Contact.category == "close")))
    existing = set(session.execute(select(Contact.via_contact_id, Contact.person_id).where(
        Contact.source_case_id == case.id, Contact.via_contact_id.is_not(None))).all())
    known = set(session.scalars(select(Person.id).where(Person.id.in_({p for _, p in venue}),
                                                        Person.merged_into_id.is_(None)))) if venue else set()
    now, rows, seen = utcnow(), [], 0
    for (contact, pid), found_by in [*((h, "household") for h in household), *((v, "venue") for v in venue)]:
        key = (contact.id, pid)
        if pid in skip or (found_by == "venue" and pid not in known):
            continue
        if key in existing:
            seen += 1
            continue
        existing.add(key)
        rows.append(contact_row(person_id=pid, case=case, category="secondary", found_by=found_by,
                                setting="household" if found_by == "household" else "venue",
                                created_by=actor.username, now=now, via_contact_id=contact.id,
                                exposure_date=contact.exposure_date))
    insert_rows(session, Contact.__table__, rows)
    result = ExpandResult(close_contacts=len(closes), created=len(rows), existing=seen,
                          household=sum(r["found_by"] == "household" for r in rows),
                          venue=sum(r["found_by"] == "venue" for r in rows), determined=True)
    audit.record(session=session, actor=actor, action="contact.expand", resource_type="case", resource_id=case.id,
                 jurisdiction_code=case.jurisdiction_code,
                 detail=f"{result.created} secondary contacts from {result.close_contacts} close contacts")
    return result

