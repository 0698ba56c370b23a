"""Helpers the tracing services share: the local zone, a jurisdiction's contact rules, cases in
scope, persons as a role may see them, version checks."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor, require
from fangkong.cases.models import Case
from fangkong.config import get_settings
from fangkong.errors import Conflict, NotFound
from fangkong.people import service as people
from fangkong.people.models import Person
from fangkong.protocols import service as protocols
from fangkong.tracing.rules import ContactRules

# Classifications that open an investigation and an exposure search (as in response.bundles).
TRACED_CLASSIFICATIONS = ("confirmed", "asymptomatic")
# What a contact or a report shows of its person (PersonRead's fields, less doc type, merge and version).
PERSON_FIELDS = {"id", "name", "sex", "birth_date", "resident_id", "doc_number", "phone", "address",
                 "jurisdiction_code", "masked"}


def zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def contact_rules(*, session: Session, jurisdiction_code: str, at: datetime | None = None) -> ContactRules:
    profile = protocols.effective_profile(session=session, jurisdiction_code=jurisdiction_code, at=at)
    return ContactRules.from_values(
        profile_id=profile.profile_id,
        contacts=profile.get("contacts") if profile.has("contacts") else None,
        categories=profile.get("categories") if profile.has("categories") else None)


def case_in_scope(*, session: Session, actor: Actor, case_id: int, action: str = "tracing.read") -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    require(actor, action, case)
    return case


def case_start(case: Case) -> datetime:
    """The moment the case's clocks start: its diagnosis, else its registration (as response.bundles)."""
    return case.diagnosed_at or case.created_at


def check_version(current: int, given: int | None, what: str) -> None:
    if given is not None and given != current:
        raise Conflict(f"this {what} was changed by someone else; reload it", field="version")


def may_unmask(actor: Actor, unmask: bool, resource=None) -> bool:
    """Whether to show full IDs and phones: only when asked and the role allows it (then required)."""
    if not unmask:
        return False
    require(actor, "person.unmask", resource)
    return True


def person_view(person: Person | None, *, unmask: bool) -> dict | None:
    """The person as the person index shows it (masked the same way), with the household code."""
    if person is None:
        return None
    return {**people.to_read(person, unmask=unmask).model_dump(include=PERSON_FIELDS),
            "household_code": person.household_code}


def audit_unmask(*, session: Session, actor: Actor, resource_type: str, resource_id: int, jurisdiction_code: str,
                 unmask: bool) -> None:
    if unmask:
        audit.record(session=session, actor=actor, action="person.unmask", resource_type=resource_type,
                     resource_id=resource_id, jurisdiction_code=jurisdiction_code)
