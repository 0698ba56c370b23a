from datetime import date

import pytest
from sqlalchemy import select

from fangkong.audit.models import AuditEntry
from fangkong.authz import SYSTEM
from fangkong.cases.models import Case
from fangkong.cases.schemas import CaseCreate
from fangkong.cases import service as cases
from fangkong.errors import Conflict
from fangkong.people import dedup, service as people
from fangkong.people.ids import check_digit
from fangkong.people.models import DuplicateCandidate, Person
from fangkong.people.schemas import PersonCreate

GRID = "320102001001001"


def rid(first17: str) -> str:
    return first17 + check_digit(first17)


def add(session, **kw) -> Person:
    data = {"name": "张伟", "sex": "male", "birth_date": date(1985, 6, 1), "jurisdiction_code": GRID, **kw}
    return people.create(session=session, actor=SYSTEM, data=PersonCreate(**data))


def open_pairs(session, person):
    stmt = select(DuplicateCandidate).where(DuplicateCandidate.status == "open",
                                            (DuplicateCandidate.person_a_id == person.id) | (DuplicateCandidate.person_b_id == person.id))
    return list(session.scalars(stmt))


def test_same_resident_id_is_refused_at_registration(session):
    add(session, resident_id=rid("32010219850601123"))
    with pytest.raises(Conflict) as exc:
        add(session, resident_id=rid("32010219850601123"), name="张卫")
    assert exc.value.field == "resident_id"


def test_fuzzy_name_same_birth_date_and_phone_is_queued(session):
    a = add(session, phone="13900001111")
    b = add(session, name="张玮", phone="13900001111")
    pairs = open_pairs(session, b)
    assert [(p.person_a_id, p.person_b_id) for p in pairs] == [(a.id, b.id)]
    assert "phone" in pairs[0].reasons and "birth_date" in pairs[0].reasons


def test_different_people_are_not_queued(session):
    add(session, phone="13900002222", resident_id=rid("32010219850601123"))
    other = add(session, name="李娜", sex="female", phone="13900003333", birth_date=date(1985, 6, 1))
    assert open_pairs(session, other) == []
    # same name and birth date but two different valid ID numbers: two people
    twin = add(session, resident_id=rid("32010419850601155"), phone="13900004444")
    assert open_pairs(session, twin) == []


def test_merge_keeps_everything_and_moves_cases(session):
    keep = add(session, phone="13900005555")
    gone = add(session, name="张玮", phone="13900005555", resident_id=rid("32010219850601135"), address="长江路1号")
    case = cases.create(session=session, actor=SYSTEM, today=date(2022, 5, 1),
                        data=CaseCreate(person_id=gone.id, classification="suspected"))
    merged = dedup.merge(session=session, actor=SYSTEM, keep_id=keep.id, merge_id=gone.id)
    assert merged.id == keep.id
    assert merged.resident_id == gone.resident_id and merged.address == "长江路1号"  # blanks filled
    assert session.get(Person, gone.id).merged_into_id == keep.id  # the old record stays, with a pointer
    assert session.get(Person, gone.id).name == "张玮"
    assert session.get(Case, case.id).person_id == keep.id
    assert open_pairs(session, keep) == []
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "person.merge"))
    assert entry.changes["merged_from"] == [None, gone.id]
    assert entry.changes["resident_id"][1].startswith("3201**")  # the audit holds masked values
    with pytest.raises(Conflict):
        dedup.merge(session=session, actor=SYSTEM, keep_id=keep.id, merge_id=gone.id)


def test_merged_person_is_hidden_from_search_but_found_by_id(session):
    keep = add(session, phone="13900006666")
    gone = add(session, name="张玮", phone="13900006666")
    dedup.merge(session=session, actor=SYSTEM, keep_id=keep.id, merge_id=gone.id)
    found, _ = people.search(session=session, actor=SYSTEM, q="13900006666")
    assert [p.id for p in found] == [keep.id]
    assert people.read(session=session, actor=SYSTEM, person_id=gone.id).merged_into_id == keep.id


def test_dismiss(session):
    add(session, phone="13900007777")
    b = add(session, name="张玮", phone="13900007777")
    pair = open_pairs(session, b)[0]
    dedup.dismiss(session=session, actor=SYSTEM, candidate_id=pair.id)
    assert open_pairs(session, b) == []
    with pytest.raises(Conflict):
        dedup.dismiss(session=session, actor=SYSTEM, candidate_id=pair.id)


def test_bulk_detection_after_import(session):
    first = add(session, phone="13900008888")
    twin = Person(name="张玮", sex="male", birth_date=date(1985, 6, 1), phone="13900008888", jurisdiction_code=GRID)
    session.add(twin)
    session.flush()
    assert dedup.detect_since(session=session, min_id=twin.id) == 1
    assert {first.id, twin.id} == {open_pairs(session, twin)[0].person_a_id, open_pairs(session, twin)[0].person_b_id}
    assert dedup.detect_since(session=session, min_id=twin.id) == 0  # queued once


def test_api_masks_unless_unmasked_with_permission(api, db_url):
    from fangkong.db import session_scope

    with session_scope(db_url) as s:
        person = s.scalar(select(Person).where(Person.jurisdiction_code.startswith("320102"),
                                                Person.resident_id.is_not(None), Person.phone.is_not(None)).limit(1))
        full_id, full_phone = person.resident_id, person.phone
    masked = api.get(f"/api/v1/persons/{person.id}", user="epi_district").json()
    assert masked["masked"] and masked["resident_id"] == full_id[:4] + "*" * 10 + full_id[-4:]
    assert masked["phone"] == full_phone[:3] + "****" + full_phone[-4:]
    plain = api.get(f"/api/v1/persons/{person.id}?unmask=true", user="epi_district").json()
    assert plain["resident_id"] == full_id and plain["phone"] == full_phone
    assert api.get(f"/api/v1/persons/{person.id}?unmask=true", user="auditor").status_code == 403
    listed = api.get(f"/api/v1/persons?q={full_id}", user="auditor").json()["items"]
    assert listed[0]["resident_id"] != full_id
    entries = api.get(f"/api/v1/audit?action=person.unmask&resource_id={person.id}", user="admin").json()["items"]
    assert [e["actor_username"] for e in entries] == ["epi_district"]
