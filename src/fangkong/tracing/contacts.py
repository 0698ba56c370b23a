"""Contacts (密接, 次密接, 一般接触者, 涉疫场所暴露人员, 时空伴随者): record, categorise by the profile,
move through their statuses, convert to cases. Bulk actions live in `fangkong.tracing.contact_bulk`,
contacts of contacts in `fangkong.tracing.secondary`.

A contact belongs to the jurisdiction of its source case: lists and reads are scoped by it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor, require, scoped
from fangkong.cases.models import Case
from fangkong.db import utcnow
from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.kit.pagination import keyset_page
from fangkong.people.models import Person
from fangkong.tracing.common import (
    audit_unmask, case_in_scope, case_start, check_version, contact_rules, may_unmask, person_view, zone,
)
from fangkong.tracing.models import Contact
from fangkong.tracing.rules import categorise
from fangkong.tracing.schemas import ContactCreate, ContactRead

# identified → notified → quarantined → released; converted (became a case) and lost from any open one.
TRANSITIONS = {
    "identified": {"notified", "quarantined", "converted", "lost"},
    "notified": {"quarantined", "converted", "lost"},
    "quarantined": {"released", "converted", "lost"},
    "released": {"converted"},
    "lost": {"identified", "notified", "quarantined"},
    "converted": set(),
}


def get(*, session: Session, actor: Actor, contact_id: int, action: str = "tracing.read") -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"no contact {contact_id}")
    require(actor, action, contact)
    return contact


def to_read(contact: Contact, person: Person | None, *, unmask: bool) -> ContactRead:
    return ContactRead.model_validate(contact, from_attributes=True).model_copy(
        update={"person": person_view(person, unmask=unmask)})


def read(*, session: Session, actor: Actor, contact_id: int, unmask: bool = False) -> ContactRead:
    """A contact with its person (IDs and phones masked unless unmasked: permission needed, audited)."""
    contact = get(session=session, actor=actor, contact_id=contact_id)
    unmask = may_unmask(actor, unmask, contact)
    audit.record(session=session, actor=actor, action="contact.read", resource_type="contact",
                 resource_id=contact.id, jurisdiction_code=contact.jurisdiction_code)
    audit_unmask(session=session, actor=actor, resource_type="contact", resource_id=contact.id,
                 jurisdiction_code=contact.jurisdiction_code, unmask=unmask)
    return to_read(contact, session.get(Person, contact.person_id), unmask=unmask)


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}", field="person_id")
    if person.merged_into_id:
        raise Conflict(f"person {person.id} was merged into {person.merged_into_id}", field="person_id")
    return person


def _via(session: Session, via_contact_id: int | None, case: Case) -> Contact | None:
    if via_contact_id is None:
        return None
    via = session.get(Contact, via_contact_id)
    if via is None or via.source_case_id != case.id:
        raise NotFound(f"no contact {via_contact_id} of case {case.id}", field="via_contact_id")
    if via.category != "close":
        raise Invalid("contacts of contacts are traced from close contacts only", field="via_contact_id")
    return via


def create(*, session: Session, actor: Actor, data: ContactCreate) -> Contact:
    """A contact recorded by hand from the investigation; the profile decides its category."""
    case = case_in_scope(session=session, actor=actor, case_id=data.source_case_id, action="contact.manage")
    person = _person(session, data.person_id)
    if person.id == case.person_id:
        raise Invalid("the case's own person is not its contact", field="person_id")
    via = _via(session, data.via_contact_id, case)
    if via is not None and via.person_id == person.id:
        raise Invalid("a contact is not its own contact", field="person_id")
    rules = contact_rules(session=session, jurisdiction_code=case.jurisdiction_code, at=case_start(case))
    decided = categorise(rules, exposure=data.exposure, via_close_contact=via is not None)
    if decided is None:
        raise Invalid(f"profile {rules.profile_id} does not determine "
                      f"{'contacts of close contacts' if via else 'contacts'} exposed by {data.exposure}",
                      field="exposure")
    category, setting = decided
    _no_duplicate(session, person.id, case.id, via.id if via else None)
    last = data.last_exposure_at
    exposure_date = data.exposure_date or (last.astimezone(zone()).date() if last else None)
    contact = Contact(person_id=person.id, source_case_id=case.id, via_contact_id=via.id if via else None,
                      category=category, found_by="investigation", exposure_date=exposure_date,
                      last_exposure_at=last, proximity=data.proximity, setting=data.setting or setting,
                      status="identified", confirmed=False, notes=data.notes,
                      jurisdiction_code=case.jurisdiction_code, created_by=actor.username, version=1)
    session.add(contact)
    session.flush()
    audit.record(session=session, actor=actor, action="contact.create", resource_type="contact",
                 resource_id=contact.id, jurisdiction_code=contact.jurisdiction_code,
                 changes=audit.diff({}, {"person_id": person.id, "source_case_id": case.id, "category": category,
                                         "exposure": data.exposure, "via_contact_id": contact.via_contact_id}))
    return contact


def contact_row(*, person_id: int, case: Case, category: str, found_by: str, setting: str, created_by: str,
                now: datetime, via_contact_id: int | None = None, exposure_date: date | None = None,
                last_exposure_at: datetime | None = None) -> dict:
    """A new contact as a plain row for `kit.bulk.insert_rows` (searches and expansions make many at once)."""
    return {"person_id": person_id, "source_case_id": case.id, "via_contact_id": via_contact_id,
            "category": category, "found_by": found_by, "exposure_date": exposure_date,
            "last_exposure_at": last_exposure_at, "proximity": None, "setting": setting, "status": "identified",
            "confirmed": False, "team_id": None, "converted_case_id": None, "notes": "",
            "jurisdiction_code": case.jurisdiction_code, "created_by": created_by,
            "created_at": now, "updated_at": now, "version": 1}


def _no_duplicate(session: Session, person_id: int, case_id: int, via_id: int | None) -> None:
    stmt = select(Contact.id).where(Contact.person_id == person_id, Contact.source_case_id == case_id,
                                    Contact.via_contact_id.is_(None) if via_id is None
                                    else Contact.via_contact_id == via_id)
    existing = session.scalar(stmt)
    if existing:
        raise Conflict(f"person {person_id} is already contact {existing} of this case", field="person_id")


def list_statement(*, actor: Actor, case_id: int | None = None, category: str | None = None,
                   status: str | None = None, team_id: int | None = None, found_by: str | None = None,
                   via_contact_id: int | None = None, confirmed: bool | None = None, person_id: int | None = None):
    stmt = scoped(select(Contact), actor, Contact.jurisdiction_code)
    for column, value in ((Contact.source_case_id, case_id), (Contact.category, category),
                          (Contact.status, status), (Contact.team_id, team_id), (Contact.found_by, found_by),
                          (Contact.via_contact_id, via_contact_id), (Contact.confirmed, confirmed),
                          (Contact.person_id, person_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def list_contacts(*, session: Session, actor: Actor, limit: int = 50, cursor: str | None = None,
                  unmask: bool = False, **filters) -> tuple[list[ContactRead], str | None]:
    """Contacts in the actor's subtree, newest first, with their persons masked unless unmasked (audited)."""
    require(actor, "tracing.read")
    unmask = may_unmask(actor, unmask)
    rows, nxt = keyset_page(session, list_statement(actor=actor, **filters), Contact.id, limit=limit, cursor=cursor)
    persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_({c.person_id for c in rows})))}
    # A page of contacts shows names: a read of personal data, audited like a case list.
    audit.record(session=session, actor=actor, action="contact.list", resource_type="contact",
                 jurisdiction_code=actor.jurisdiction_code,
                 detail=f"{len(rows)} rows; filters {({k: v for k, v in filters.items() if v is not None})}")
    if unmask and rows:
        audit.record(session=session, actor=actor, action="person.unmask", resource_type="contact",
                     jurisdiction_code=actor.jurisdiction_code, detail=f"contact list: {len(rows)} contacts")
    return [to_read(c, persons.get(c.person_id), unmask=unmask) for c in rows], nxt


def change_status(*, session: Session, actor: Actor, contact_id: int, status: str, reason: str = "",
                  version: int | None = None) -> Contact:
    contact = get(session=session, actor=actor, contact_id=contact_id, action="contact.manage")
    check_version(contact.version, version, "contact")
    if status == contact.status:
        return contact
    if status not in TRANSITIONS.get(contact.status, set()):
        raise Invalid(f"a contact cannot go from {contact.status} to {status}", field="status")
    if status == "converted":
        raise Invalid("a contact is converted by linking the case it became (convert)", field="status")
    if status == "lost" and not reason:
        raise Invalid("say why the contact is lost", field="reason")
    set_status(session=session, actor=actor, contact=contact, status=status, detail=reason)
    return contact


def set_status(*, session: Session, actor: Actor, contact: Contact, status: str, detail: str = "",
               action: str = "contact.status") -> None:
    before = contact.status
    contact.status = status
    contact.version += 1
    contact.updated_at = utcnow()
    session.flush()
    audit.record(session=session, actor=actor, action=action, resource_type="contact", resource_id=contact.id,
                 jurisdiction_code=contact.jurisdiction_code, changes={"status": [before, status]}, detail=detail)


def convert(*, session: Session, actor: Actor, contact_id: int, case_id: int, version: int | None = None) -> Contact:
    """The contact became case `case_id` (a case of the same person): status converted."""
    contact = get(session=session, actor=actor, contact_id=contact_id, action="contact.manage")
    check_version(contact.version, version, "contact")
    case = case_in_scope(session=session, actor=actor, case_id=case_id, action="case.read")
    if case.person_id != contact.person_id:
        raise Invalid(f"case {case.id} is not a case of the contact's person", field="case_id")
    if contact.status == "converted":
        raise Conflict(f"contact {contact.id} was already converted to case {contact.converted_case_id}")
    contact.converted_case_id = case.id
    set_status(session=session, actor=actor, contact=contact, status="converted", detail=f"case {case.id}",
               action="contact.convert")
    return contact


def on_case(*, session: Session, actor: Actor, case: Case) -> int:
    """Rule: a person confirmed (or asymptomatic) is no longer a contact but a case: their open contacts convert."""
    open_contacts = list(session.scalars(select(Contact).where(
        Contact.person_id == case.person_id, Contact.status != "converted")))
    for contact in open_contacts:
        contact.converted_case_id = case.id
        set_status(session=session, actor=actor, contact=contact, status="converted",
                   detail=f"case {case.id} (rule: contact became a case)", action="contact.convert")
    return len(open_contacts)
