"""Bulk actions on contacts: confirm, re-categorise (with a reason), assign to a team, hand over to
quarantine (a placement request whose clock starts as the profile's category says). All or nothing:
one contact that cannot take the action refuses the whole request, naming it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor, require
from fangkong.cases.models import Case
from fangkong.db import utcnow
from fangkong.errors import Invalid, NotFound
from fangkong.response.models import Team
from fangkong.tracing.common import case_start, contact_rules
from fangkong.tracing.contacts import get
from fangkong.tracing.models import Contact, PlacementRequest
from fangkong.tracing.rules import ContactRules, clock_start
from fangkong.tracing.schemas import BulkResult, ContactBulk

HANDOVER_FROM = ("identified", "notified")
OPEN_PLACEMENT = ("requested", "placed")


def _contacts(session: Session, actor: Actor, ids: list[int]) -> list[Contact]:
    found = {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(ids)))}
    missing = [i for i in ids if i not in found or not actor.covers(found[i].jurisdiction_code)]
    if missing:
        raise NotFound(f"no contacts {', '.join(map(str, missing[:20]))}", field="ids")
    for contact in found.values():
        require(actor, "contact.manage", contact)
    return [found[i] for i in dict.fromkeys(ids)]


def _rules_by_case(session: Session, contacts: list[Contact]) -> dict[int, ContactRules]:
    cases = session.scalars(select(Case).where(Case.id.in_({c.source_case_id for c in contacts})))
    return {case.id: contact_rules(session=session, jurisdiction_code=case.jurisdiction_code, at=case_start(case))
            for case in cases}


def _touch(session: Session, actor: Actor, contact: Contact, action: str, changes: dict, detail: str = "") -> None:
    contact.version += 1
    contact.updated_at = utcnow()
    audit.record(session=session, actor=actor, action=action, resource_type="contact", resource_id=contact.id,
                 jurisdiction_code=contact.jurisdiction_code, changes=changes, detail=detail)


def _set_all(session: Session, actor: Actor, contacts: list[Contact], action: str, field: str, value,
             detail: str = "") -> BulkResult:
    """Set `field` to `value` on the contacts that differ, each change audited as `contact.<action>`."""
    changed = [c for c in contacts if getattr(c, field) != value]
    for contact in changed:
        before = getattr(contact, field)
        setattr(contact, field, value)
        _touch(session, actor, contact, f"contact.{action}", {field: [before, value]}, detail)
    return BulkResult(action=action, changed=len(changed), unchanged=len(contacts) - len(changed))


def bulk(*, session: Session, actor: Actor, data: ContactBulk) -> BulkResult:
    contacts = _contacts(session, actor, data.ids)
    handler = {"confirm": _confirm, "recategorise": _recategorise, "assign": _assign, "handover": _handover}
    result = handler[data.action](session, actor, contacts, data)
    session.flush()
    return result


def _confirm(session: Session, actor: Actor, contacts: list[Contact], data: ContactBulk) -> BulkResult:
    return _set_all(session, actor, contacts, "confirm", "confirmed", True)


def _recategorise(session: Session, actor: Actor, contacts: list[Contact], data: ContactBulk) -> BulkResult:
    if not data.category:
        raise Invalid("give the new category", field="category")
    if not data.reason:
        raise Invalid("say why the category changes", field="reason")
    rules = _rules_by_case(session, contacts)
    for contact in contacts:
        allowed = rules[contact.source_case_id].determined | {"general"}
        if data.category not in allowed:
            raise Invalid(f"profile {rules[contact.source_case_id].profile_id} does not determine "
                          f"{data.category} contacts (contact {contact.id})", field="category")
        if data.category == "secondary" and contact.via_contact_id is None:
            raise Invalid(f"contact {contact.id} is a contact of the case itself, not of a close contact",
                          field="category")
    return _set_all(session, actor, contacts, "recategorise", "category", data.category, data.reason)


def _assign(session: Session, actor: Actor, contacts: list[Contact], data: ContactBulk) -> BulkResult:
    team = session.get(Team, data.team_id) if data.team_id is not None else None
    if team is None or not actor.covers(team.jurisdiction_code):
        raise NotFound(f"no team {data.team_id}", field="team_id")
    return _set_all(session, actor, contacts, "assign", "team_id", team.id, team.name)


def _handover(session: Session, actor: Actor, contacts: list[Contact], data: ContactBulk) -> BulkResult:
    """A placement request per contact not yet handed over; its clock per the profile's category."""
    rules = _rules_by_case(session, contacts)
    for contact in contacts:
        if contact.status not in HANDOVER_FROM:
            raise Invalid(f"contact {contact.id} is {contact.status}: only identified or notified contacts "
                          "are handed over", field="ids")
        if contact.category not in rules[contact.source_case_id].clocks:
            raise Invalid(f"profile {rules[contact.source_case_id].profile_id} has no quarantine rule for "
                          f"{contact.category} contacts (contact {contact.id})", field="ids")
    already = set(session.scalars(select(PlacementRequest.contact_id).where(
        PlacementRequest.contact_id.in_([c.id for c in contacts]), PlacementRequest.status.in_(OPEN_PLACEMENT))))
    now = utcnow()
    made = []
    for contact in contacts:
        if contact.id in already:
            continue
        start = clock_start(rules[contact.source_case_id], category=contact.category,
                            last_exposure_at=contact.last_exposure_at, identified_at=contact.created_at)
        request = PlacementRequest(contact_id=contact.id, person_id=contact.person_id, category=contact.category,
                                   clock_start=start, status="requested", requested_by=actor.username,
                                   requested_at=now, jurisdiction_code=contact.jurisdiction_code)
        session.add(request)
        made.append(request)
        _touch(session, actor, contact, "contact.handover", {"placement": [None, "requested"]},
               f"clock from {start.isoformat()}")
    session.flush()
    return BulkResult(action="handover", changed=len(made), unchanged=len(contacts) - len(made),
                      placement_request_ids=[r.id for r in made])


def placement_requests(*, session: Session, actor: Actor, contact_id: int) -> list[PlacementRequest]:
    contact = get(session=session, actor=actor, contact_id=contact_id)
    return list(session.scalars(select(PlacementRequest).where(PlacementRequest.contact_id == contact.id)
                                .order_by(PlacementRequest.id)))
