from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from fangkong.audit.models import AuditEntry
from fangkong.authz import SYSTEM
from fangkong.cases import service as cases
from fangkong.cases.schemas import CaseCreate, CaseUpdate, ClassifyRequest
from fangkong.errors import Conflict, Invalid
from fangkong.people.schemas import PersonCreate

TODAY = date(2022, 5, 1)


def new_case(session, **kw):
    person = PersonCreate(name="王芳", sex="female", birth_date=date(1970, 1, 2), jurisdiction_code="320104001001001")
    data = {"person": person, "classification": "suspected", "onset_date": date(2022, 4, 28),
            "sampling_date": date(2022, 4, 29), "diagnosed_at": datetime(2022, 4, 29, 16, tzinfo=timezone.utc), **kw}
    return cases.create(session=session, actor=SYSTEM, data=CaseCreate(**data), today=TODAY)


def test_create_sets_report_clock_in_local_time(session):
    case = new_case(session, reported_at=datetime(2022, 4, 29, 17, 30, tzinfo=timezone.utc))
    assert case.report_deadline_at == datetime(2022, 4, 29, 18, tzinfo=timezone.utc)
    assert case.report_date == date(2022, 4, 30)  # 01:30 in Asia/Shanghai
    assert case.jurisdiction_code == "320104001001001"


def test_classification_history_and_audit(session):
    case = new_case(session)
    cases.classify(session=session, actor=SYSTEM, case_id=case.id,
                   data=ClassifyRequest(classification="confirmed", severity="moderate"))
    cases.classify(session=session, actor=SYSTEM, case_id=case.id,
                   data=ClassifyRequest(classification="confirmed", severity="severe"))
    steps = [(h.from_classification, h.to_classification, h.to_severity) for h in cases.history(session=session, case_id=case.id)]
    assert steps == [(None, "suspected", None), ("suspected", "confirmed", "moderate"), ("confirmed", "confirmed", "severe")]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "case.classify")
                            .order_by(AuditEntry.id.desc())).first()
    assert entry.changes == {"severity": ["moderate", "severe"]}


def test_excluded_is_terminal_unless_reopened_with_reason(session):
    case = new_case(session)
    cases.classify(session=session, actor=SYSTEM, case_id=case.id, data=ClassifyRequest(classification="excluded"))
    with pytest.raises(Invalid) as exc:
        cases.classify(session=session, actor=SYSTEM, case_id=case.id,
                       data=ClassifyRequest(classification="confirmed", severity="mild"))
    assert "reopened" in exc.value.message
    with pytest.raises(Invalid) as exc:
        cases.classify(session=session, actor=SYSTEM, case_id=case.id, data=ClassifyRequest(classification="suspected"))
    assert exc.value.field == "reason"
    cases.classify(session=session, actor=SYSTEM, case_id=case.id,
                   data=ClassifyRequest(classification="suspected", reason="new exposure history"))
    assert case.classification == "suspected"


def test_update_is_audited_field_by_field_and_versioned(session):
    case = new_case(session)
    cases.update(session=session, actor=SYSTEM, case_id=case.id,
                 data=CaseUpdate(notes="household cluster", origin="import_related", version=case.version), today=TODAY)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "case.update")).one()
    assert entry.changes == {"notes": ["", "household cluster"], "origin": ["local", "import_related"]}
    with pytest.raises(Conflict):
        cases.update(session=session, actor=SYSTEM, case_id=case.id, data=CaseUpdate(notes="x", version=1), today=TODAY)


@pytest.mark.parametrize("changes, field", [
    ({"onset_date": date(2022, 5, 9)}, "onset_date"),
    ({"diagnosed_at": datetime(2022, 4, 27, 12, tzinfo=timezone.utc)}, "diagnosed_at"),
    ({"reported_at": datetime(2022, 4, 29, 15, tzinfo=timezone.utc)}, "reported_at"),
    ({"outcome_date": date(2022, 4, 30)}, "outcome_date"),
])
def test_date_rules(session, changes, field):
    case = new_case(session)
    with pytest.raises(Invalid) as exc:
        cases.update(session=session, actor=SYSTEM, case_id=case.id, data=CaseUpdate(**changes), today=TODAY)
    assert exc.value.field == field


def test_new_case_cannot_start_excluded_and_confirmed_needs_severity(session):
    with pytest.raises(Invalid):
        new_case(session, classification="excluded")
    with pytest.raises(Invalid) as exc:
        new_case(session, classification="confirmed")
    assert exc.value.field == "severity"
