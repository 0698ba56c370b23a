"""Services take the report deadline from the effective profile, and a decision taken under one
profile is never rewritten when the profile changes later."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select

from fangkong.authz import SYSTEM, Actor
from fangkong.cases import service as cases
from fangkong.cases.models import Case
from fangkong.cases.schemas import CaseCreate, CaseUpdate
from fangkong.interop.case_import import import_cases
from fangkong.people.ids import check_digit
from fangkong.people.models import Person
from fangkong.people.schemas import PersonCreate
from fangkong.protocols import service as profiles

GRID, OTHER_GRID = "320102001001001", "320104001001001"
DEADLINE = "case_reporting.report_deadline_hours"
CMD = Actor(id=None, username="cmd", role="commander", jurisdiction_code="320100", jurisdiction_level="city")
TODAY = date(2022, 7, 20)
DIAGNOSED = datetime(2022, 7, 1, 8, tzinfo=timezone.utc)


def new_case(session, diagnosed_at=DIAGNOSED, code=GRID):
    person = PersonCreate(name="李娜", sex="female", birth_date=date(1985, 3, 4), jurisdiction_code=code)
    return cases.create(session=session, actor=SYSTEM, today=TODAY, data=CaseCreate(
        person=person, classification="suspected", diagnosed_at=diagnosed_at))


def test_the_deadline_comes_from_the_profile_in_force_at_diagnosis(session):
    profiles.override_value(session=session, actor=CMD, jurisdiction_code="320102", path=DEADLINE, value=6,
                            reason="district rule from 10 July", effective_from=date(2022, 7, 10))
    before = new_case(session)
    after = new_case(session, diagnosed_at=datetime(2022, 7, 11, 8, tzinfo=timezone.utc))
    elsewhere = new_case(session, diagnosed_at=datetime(2022, 7, 11, 8, tzinfo=timezone.utc), code=OTHER_GRID)
    assert before.report_deadline_at == datetime(2022, 7, 1, 10, tzinfo=timezone.utc)  # ed9: 2 h
    assert after.report_deadline_at == datetime(2022, 7, 11, 14, tzinfo=timezone.utc)  # override: 6 h
    assert elsewhere.report_deadline_at == datetime(2022, 7, 11, 10, tzinfo=timezone.utc)


def test_a_stored_deadline_is_not_recomputed_when_the_profile_changes(session):
    case = new_case(session)
    assert case.report_deadline_at == datetime(2022, 7, 1, 10, tzinfo=timezone.utc)
    # Later, the city backdates a 4-hour rule and switches the district to another profile.
    profiles.override_value(session=session, actor=CMD, jurisdiction_code="320100", path=DEADLINE, value=4,
                            reason="backdated notice", effective_from=date(2022, 6, 1))
    profiles.select_profile(session=session, actor=CMD, jurisdiction_code="320102", profile_id="who_generic",
                            effective_from=date(2022, 6, 1), reason="test")
    assert profiles.effective_profile(session=session, jurisdiction_code=GRID, at=DIAGNOSED).get(DEADLINE) == 4.0
    cases.update(session=session, actor=SYSTEM, case_id=case.id, data=CaseUpdate(notes="edited later"), today=TODAY)
    session.flush()
    session.expire_all()
    stored = session.get(Case, case.id)
    assert stored.notes == "edited later"
    assert stored.report_deadline_at == datetime(2022, 7, 1, 10, tzinfo=timezone.utc)
    # A corrected diagnosis time is a new decision, taken under the rules now in force for that time.
    cases.update(session=session, actor=SYSTEM, case_id=case.id, today=TODAY,
                 data=CaseUpdate(diagnosed_at=datetime(2022, 7, 2, 8, tzinfo=timezone.utc)))
    assert session.get(Case, case.id).report_deadline_at == datetime(2022, 7, 2, 12, tzinfo=timezone.utc)


def test_bulk_import_takes_each_jurisdictions_deadline(session, tmp_path):
    profiles.override_value(session=session, actor=CMD, jurisdiction_code="320102", path=DEADLINE, value=3,
                            reason="district", effective_from=date(2022, 6, 1))
    rid = lambda first17: first17 + check_digit(first17)  # noqa: E731
    rows = [
        ("周敏", "女", "1990-01-02", rid("32010219900102102"), GRID, "2022-07-01 10:00"),
        ("吴昊", "男", "1991-03-04", rid("32010419910304101"), OTHER_GRID, "2022-07-01 10:00"),
        ("郑洁", "女", "1992-05-06", rid("32010219920506104"), "320102001001002", "2022-05-01 10:00"),
    ]
    text = "name,sex,birth_date,resident_id,jurisdiction_code,classification,diagnosed_at\n" + "".join(
        f"{n},{s},{b},{r},{j},suspected,{d}\n" for n, s, b, r, j, d in rows)
    path = tmp_path / "cases.csv"
    path.write_text(text, encoding="utf-8")
    report = import_cases(session=session, actor=SYSTEM, path=path, today=TODAY)
    assert report.created == 3
    ids = [r[3] for r in rows]
    stored = {c.jurisdiction_code: c for c in session.scalars(
        select(Case).join(Person, Person.id == Case.person_id).where(Person.resident_id.in_(ids)))}
    hours = {code: (c.report_deadline_at - c.diagnosed_at).total_seconds() / 3600 for code, c in stored.items()}
    assert hours == {GRID: 3.0, OTHER_GRID: 2.0, "320102001001002": 2.0}  # the last one before the override
