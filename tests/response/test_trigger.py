"""Rule "case": registering a case, or confirming it, applies the profile's case_report and investigation
bundles from its diagnosis time; the same start never makes them twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from fangkong.authz import SYSTEM
from fangkong.cases import service as cases
from fangkong.cases.schemas import CaseCreate, ClassifyRequest
from fangkong.people.schemas import PersonCreate
from fangkong.response.models import Task

DIAGNOSED = datetime(2022, 4, 29, 15, 30, tzinfo=timezone.utc)  # 23:30 in Shanghai


def _case(session, actor=SYSTEM, classification="confirmed", diagnosed_at=DIAGNOSED):
    person = PersonCreate(name="李静", sex="female", birth_date=date(1980, 3, 4), jurisdiction_code="320102001001001")
    data = CaseCreate(person=person, classification=classification, severity="mild" if classification == "confirmed"
                      else None, diagnosed_at=diagnosed_at, onset_date=date(2022, 4, 28))
    return cases.create(session=session, actor=actor, data=data, today=date(2022, 5, 1))


def _tasks(session, case_id):
    stmt = select(Task).where(Task.subject_type == "case", Task.subject_id == str(case_id)).order_by(Task.due_at)
    return list(session.scalars(stmt))


def test_a_new_case_gets_its_report_and_investigation_tasks(session):
    case = _case(session)
    tasks = _tasks(session, case.id)
    assert [(t.bundle_id, t.step_key, t.due_at) for t in tasks] == [
        ("case_report", "online_report", datetime(2022, 4, 29, 17, 30, tzinfo=timezone.utc)),
        ("investigation", "team_on_site", datetime(2022, 4, 29, 17, 30, tzinfo=timezone.utc)),
        ("investigation", "core_information", datetime(2022, 4, 29, 19, 30, tzinfo=timezone.utc)),
        ("investigation", "investigation_report", datetime(2022, 4, 30, 15, 30, tzinfo=timezone.utc)),
    ]
    assert {t.created_by for t in tasks} == {"rule:case"} and {t.profile_id for t in tasks} == {"ed9"}
    assert {t.jurisdiction_code for t in tasks} == {"320102001001001"}
    assert {t.team_id is not None for t in tasks} == {True}  # the demo's district teams of health and CDC


def test_confirming_a_suspected_case_creates_nothing_twice(session):
    case = _case(session, classification="suspected")
    before = [t.id for t in _tasks(session, case.id)]
    assert len(before) == 4
    cases.classify(session=session, actor=SYSTEM, case_id=case.id,
                   data=ClassifyRequest(classification="confirmed", severity="moderate"))
    assert [t.id for t in _tasks(session, case.id)] == before


def test_excluding_does_not_trigger(session):
    case = _case(session, classification="suspected")
    session.execute(Task.__table__.delete().where(Task.subject_id == str(case.id)))
    cases.classify(session=session, actor=SYSTEM, case_id=case.id,
                   data=ClassifyRequest(classification="excluded", reason="核酸复核阴性"))
    assert _tasks(session, case.id) == []


def test_a_lab_operator_registering_a_case_fires_the_rule(session):
    from fangkong.auth import service as auth
    from fangkong.auth.models import User

    lab = auth.actor_for(session=session, user=session.scalar(select(User).where(User.username == "lab")))
    case = _case(session, actor=lab, classification="asymptomatic")
    assert len(_tasks(session, case.id)) == 4


def test_a_later_profile_change_does_not_move_due_times(session):
    from fangkong.protocols import service as protocols

    before = _case(session)
    report = next(t for t in _tasks(session, before.id) if t.step_key == "investigation_report")
    assert report.due_at - DIAGNOSED == timedelta(hours=24)
    protocols.override_value(session=session, actor=SYSTEM, jurisdiction_code="320102",
                             path="sla_bundles.investigation.steps[2].deadline_hours", value=12,
                             reason="区指挥部要求12小时内出报告", effective_from=datetime(2022, 4, 30, tzinfo=timezone.utc))
    session.expire_all()
    assert session.get(Task, report.id).due_at == DIAGNOSED + timedelta(hours=24)  # kept, not recomputed
    later = _case(session, diagnosed_at=datetime(2022, 4, 30, 6, tzinfo=timezone.utc))
    new_report = next(t for t in _tasks(session, later.id) if t.step_key == "investigation_report")
    assert new_report.due_at == datetime(2022, 4, 30, 18, tzinfo=timezone.utc)
