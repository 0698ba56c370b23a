"""The person master index: register, edit, find, mask and unmask persons."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor, allowed, in_subtree, require, scoped
from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.geo import service as geo
from fangkong.geo.levels import subtree_prefix
from fangkong.kit.pagination import keyset_page
from fangkong.people import dedup
from fangkong.people.ids import mask_document, mask_fields, mask_phone, mask_resident_id
from fangkong.people.models import Person
from fangkong.people.schemas import PersonCreate, PersonRead, PersonUpdate
from fangkong.people.validation import normalize

EDITABLE = ("name", "sex", "birth_date", "resident_id", "doc_type", "doc_number", "phone", "jurisdiction_code", "address")


def to_read(person: Person, *, unmask: bool = False) -> PersonRead:
    return PersonRead(
        id=person.id, name=person.name, sex=person.sex, birth_date=person.birth_date,
        resident_id=person.resident_id if unmask else mask_resident_id(person.resident_id),
        doc_type=person.doc_type,
        doc_number=person.doc_number if unmask else mask_document(person.doc_number),
        phone=person.phone if unmask else mask_phone(person.phone),
        jurisdiction_code=person.jurisdiction_code, address=person.address,
        merged_into_id=person.merged_into_id, version=person.version, masked=not unmask,
    )


def may_unmask(actor: Actor) -> bool:
    return bool(allowed(actor, "person.unmask"))


def _raise_first(problems: list[tuple[str, str]]) -> None:
    if problems:
        field, message = problems[0]
        raise Invalid(message, field=field)


def _check_unique(session: Session, values: dict[str, Any], *, exclude_id: int | None = None) -> None:
    rid = values.get("resident_id")
    if not rid:
        return
    stmt = select(Person.id).where(Person.resident_id == rid, Person.merged_into_id.is_(None))
    if exclude_id is not None:
        stmt = stmt.where(Person.id != exclude_id)
    other = session.scalar(stmt)
    if other is not None:
        raise Conflict(f"resident ID already registered as person {other}", field="resident_id")


def create(*, session: Session, actor: Actor, data: PersonCreate, today: date | None = None) -> Person:
    require(actor, "person.create", data)
    geo.get(session=session, code=data.jurisdiction_code)
    values, problems = normalize(data.model_dump(), today=today)
    _raise_first(problems)
    _check_unique(session, values)
    person = Person(**values)
    session.add(person)
    session.flush()
    audit.record(session=session, actor=actor, action="person.create", resource_type="person", resource_id=person.id,
                 jurisdiction_code=person.jurisdiction_code, changes=audit.diff({}, mask_fields(values)))
    dedup.detect_for(session=session, person=person)
    return person


def get(*, session: Session, actor: Actor, person_id: int, audit_read: bool = True) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    require(actor, "person.read", person)
    if audit_read:
        audit.record(session=session, actor=actor, action="person.read", resource_type="person",
                     resource_id=person.id, jurisdiction_code=person.jurisdiction_code)
    return person


def read(*, session: Session, actor: Actor, person_id: int, unmask: bool = False) -> PersonRead:
    """A person as the actor may see it; unmasking needs the permission and is audited."""
    person = get(session=session, actor=actor, person_id=person_id)
    if unmask:
        require(actor, "person.unmask", person)
        audit.record(session=session, actor=actor, action="person.unmask", resource_type="person",
                     resource_id=person.id, jurisdiction_code=person.jurisdiction_code)
    return to_read(person, unmask=unmask)


def update(*, session: Session, actor: Actor, person_id: int, data: PersonUpdate, today: date | None = None) -> Person:
    person = get(session=session, actor=actor, person_id=person_id, audit_read=False)
    require(actor, "person.update", person)
    if person.merged_into_id:
        raise Conflict(f"person {person.id} was merged into {person.merged_into_id}; edit that record")
    if data.version is not None and data.version != person.version:
        raise Conflict("this record was changed by someone else; reload it", field="version")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    old = {k: getattr(person, k) for k in EDITABLE}
    values, problems = normalize({**old, **changes}, today=today)
    _raise_first(problems)
    if values["jurisdiction_code"] != person.jurisdiction_code:
        require(actor, "person.update", geo.get_in_scope(session=session, actor=actor, code=values["jurisdiction_code"]))
    _check_unique(session, values, exclude_id=person.id)
    delta = audit.diff(old, {k: values[k] for k in EDITABLE})
    if not delta:
        return person
    for key in delta:
        setattr(person, key, values[key])
    person.version += 1
    session.flush()
    audit.record(session=session, actor=actor, action="person.update", resource_type="person", resource_id=person.id,
                 jurisdiction_code=person.jurisdiction_code,
                 changes=audit.diff(mask_fields(old), mask_fields({k: values[k] for k in delta})))
    return person


def search_statement(
    *, actor: Actor, q: str | None = None, jurisdiction_code: str | None = None, include_merged: bool = False,
) -> Select:
    """Persons in the actor's subtree matching a free-text query (ID number, phone, or name prefix)."""
    stmt = scoped(select(Person), actor, Person.jurisdiction_code)
    if jurisdiction_code:
        if not actor.covers(jurisdiction_code):
            raise NotFound("no such jurisdiction in your jurisdiction", field="jurisdiction_code")
        stmt = stmt.where(in_subtree(Person.jurisdiction_code, subtree_prefix(jurisdiction_code)))
    if not include_merged:
        stmt = stmt.where(Person.merged_into_id.is_(None))
    q = (q or "").strip()
    if q:
        upper = q.upper()
        if len(upper) == 18 and upper[:17].isdigit():
            stmt = stmt.where(Person.resident_id == upper)
        elif q.isdigit() and len(q) >= 7:
            stmt = stmt.where(Person.phone == q)
        else:
            stmt = stmt.where(or_(Person.name == q, Person.name.startswith(q, autoescape=True), Person.doc_number == q))
    return stmt


def _masked_query(q: str | None) -> str:
    q = (q or "").strip()
    if len(q) == 18:
        return mask_resident_id(q)
    return mask_phone(q) if q.isdigit() and len(q) >= 7 else q


def search(
    *, session: Session, actor: Actor, q: str | None = None, jurisdiction_code: str | None = None,
    limit: int = 50, cursor: str | None = None, unmask: bool = False,
) -> tuple[list[PersonRead], str | None]:
    require(actor, "person.read")
    if unmask:
        require(actor, "person.unmask")
    stmt = search_statement(actor=actor, q=q, jurisdiction_code=jurisdiction_code)
    rows, nxt = keyset_page(session, stmt, Person.id, limit=limit, cursor=cursor)
    # Every page of persons is a read of personal data; ID numbers in the query are kept masked.
    audit.record(session=session, actor=actor, action="person.unmask" if unmask else "person.search",
                 resource_type="person", detail=f"q={_masked_query(q)} results={len(rows)}", jurisdiction_code=actor.jurisdiction_code)
    return [to_read(p, unmask=unmask) for p in rows], nxt
