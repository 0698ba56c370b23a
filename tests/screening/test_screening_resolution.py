"""Positive pool → temporary isolation of its members + single-tube re-check tasks → release or case."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from fangkong.cases import service as cases
from fangkong.cases.models import Case
from fangkong.cases.schemas import CaseCreate, CaseUpdate
from fangkong.errors import Conflict
from fangkong.response.models import Task
from fangkong.screening import coverage, resolution, results, sampling
from fangkong.screening.models import Isolation, Tube
from fangkong.screening.schemas import SampleCreate
from screenkit import at, campaign, csv_file, grid, round_  # noqa: F401


@pytest.fixture
def lab(actor_of):
    return actor_of("lab")


@pytest.fixture
def pools(session, lab, round_, grid):
    """GRID's 12 residents in tubes P1 (5), P2 (5), P3 (2); OTHER_GRID's first two in single tubes S1, S2."""
    people, others = grid
    for i, pid in enumerate(people):
        sampling.record_sample(session=session, actor=lab, round_id=round_.id,
                               data=SampleCreate(person_id=pid, tube_code=f"P{i // 5 + 1}", collected_at=at(1)))
    for i, pid in enumerate(others[:2]):
        sampling.record_sample(session=session, actor=lab, round_id=round_.id,
                               data=SampleCreate(person_id=pid, tube_code=f"S{i + 1}", collected_at=at(1)))
    return people, others


def upload(session, lab, tmp_path, name, *rows):
    return results.upload_file(session=session, actor=lab, path=csv_file(tmp_path, name, *rows))


def isolations(session, round_id):
    return {i.person_id: i for i in session.scalars(select(Isolation).where(Isolation.round_id == round_id))}


def recheck_tasks(session):
    return list(session.scalars(select(Task).where(Task.subject_type == "screening_isolation").order_by(Task.id)))


def test_a_positive_pool_isolates_its_members_with_a_recheck_task_each(session, lab, tmp_path, round_, pools):
    people, _ = pools
    report = upload(session, lab, tmp_path, "a.csv", "P1,positive,31.2,32,LAB1,2022-05-01 17:00",
                    "P2,negative,,,LAB1,2022-05-01 17:00")
    assert report.resolution[0] | {"round_id": 0} == {"round_id": 0, "stage": "screening", "new_isolations": 5,
                                                     "new_tasks": 5, "released": 0, "cases": []}
    isolated = isolations(session, round_.id)
    assert set(isolated) == set(people[:5])
    one = isolated[people[0]]
    assert (one.status, one.reason, one.started_at, one.recheck_due_at) == (
        "isolated", "positive_pool", at(9), at(9) + timedelta(hours=24))
    tasks = recheck_tasks(session)
    assert len(tasks) == 5 and {t.subject_id for t in tasks} == {str(i.id) for i in isolated.values()}
    assert {(t.bundle_id, t.step_key, t.department, t.created_by, t.due_at) for t in tasks} == {
        ("pool_recheck", "single_tube_recheck", "health", "rule:positive_pool", at(33))}
    pools_page, _ = coverage.positive_pools(session=session, actor=lab, round_id=round_.id, awaiting=True)
    assert [(p.tube.code, p.awaiting_recheck) for p in pools_page] == [("P1", 5)]
    # resolving again, or the same rows in another file, changes nothing
    resolution.resolve_round(session=session, actor=lab, rnd=round_)
    again = upload(session, lab, tmp_path, "b.csv", "P1,positive,31.2,32,LAB1,2022-05-01 17:00")
    assert (again.stored, again.existing, again.resolution[0]["new_tasks"]) == (0, 1, 0)
    assert len(recheck_tasks(session)) == 5 and len(isolations(session, round_.id)) == 5


def test_rechecks_release_the_negative_and_make_the_positive_a_case(session, lab, tmp_path, round_, pools):
    people, _ = pools
    upload(session, lab, tmp_path, "a.csv", "P1,positive,31.2,32,LAB1,2022-05-01 17:00")
    for i, pid in enumerate(people[:4]):
        sampling.record_sample(session=session, actor=lab, round_id=round_.id, data=SampleCreate(
            person_id=pid, tube_code=f"R{i + 1}", collected_at=at(12), kind="recheck"))
    assert session.scalar(select(Tube).where(Tube.code == "R1")).pool_size == 1
    report = upload(session, lab, tmp_path, "b.csv", "R1,positive,25.0,26.1,LAB2,2022-05-02 02:00",
                    "R2,negative,,,LAB2,2022-05-02 02:00", "R3,indeterminate,,37,LAB2,2022-05-02 02:00")
    done = report.resolution[0]
    assert (done["stage"], done["released"], done["new_tasks"], len(done["cases"])) == ("recheck", 1, 1, 1)
    isolated = isolations(session, round_.id)
    assert [isolated[p].status for p in people[:5]] == ["case", "released", "isolated", "isolated", "isolated"]
    case = session.get(Case, isolated[people[0]].case_id)
    assert (case.person_id, case.classification, case.severity) == (people[0], "asymptomatic", None)
    assert case.diagnosed_at == at(18) and case.sampling_date == date(2022, 5, 1)
    assert "R1 positive, Ct 25" in case.notes
    # the case starts its own clocks: online report and investigation tasks
    assert session.scalar(select(Task.id).where(Task.subject_type == "case", Task.subject_id == str(case.id),
                                                Task.bundle_id == "case_report"))
    # the indeterminate re-check is due again, from its own report
    assert isolated[people[2]].recheck_due_at == at(18) + timedelta(hours=24)
    sampling.record_sample(session=session, actor=lab, round_id=round_.id, data=SampleCreate(
        person_id=people[2], tube_code="R3b", collected_at=at(20), kind="recheck"))
    upload(session, lab, tmp_path, "c.csv", "R3b,negative,,,LAB2,2022-05-02 06:00")
    assert isolations(session, round_.id)[people[2]].status == "released"


def test_a_positive_single_tube_becomes_a_case_at_once(session, lab, tmp_path, round_, pools):
    _, others = pools
    report = upload(session, lab, tmp_path, "a.csv", "S1,positive,22,23,LAB1,2022-05-01 17:00",
                    "S2,negative,,,LAB1,2022-05-01 17:00")
    assert len(report.resolution[0]["cases"]) == 1 and report.resolution[0]["new_tasks"] == 0
    iso = isolations(session, round_.id)[others[0]]
    assert (iso.status, iso.reason) == ("case", "positive")
    assert session.get(Case, iso.case_id).classification == "asymptomatic"
    assert not recheck_tasks(session)


def test_an_active_case_is_updated_and_a_recovered_one_becomes_repositive(session, lab, actor_of, tmp_path, round_,
                                                                         pools):
    _, others = pools
    epi = actor_of("epi")
    active = cases.create(session=session, actor=epi, data=CaseCreate(
        person_id=others[0], classification="suspected", onset_date=date(2022, 4, 29)))
    released = cases.create(session=session, actor=epi, data=CaseCreate(
        person_id=others[1], classification="asymptomatic", diagnosed_at=at(-400)))
    cases.update(session=session, actor=epi, case_id=released.id,
                 data=CaseUpdate(outcome="recovered", outcome_date=date(2022, 4, 25)))
    before = session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
    upload(session, lab, tmp_path, "a.csv", "S1,positive,22,23,LAB1,2022-05-01 17:00",
           "S2,positive,30,31,LAB1,2022-05-01 17:00")
    assert session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) == before  # no new case
    session.refresh(active)
    session.refresh(released)
    assert active.classification == "suspected" and "S1 positive" in active.notes
    assert active.sampling_date == date(2022, 5, 1)
    assert released.classification == "repositive" and released.outcome == "under_treatment"


def test_without_a_recheck_bundle_in_the_profile_members_are_still_isolated(session, lab, actor_of, tmp_path,
                                                                            round_, pools):
    from datetime import datetime, timezone

    from fangkong.protocols import service as profiles

    profiles.select_profile(session=session, actor=actor_of("admin"), jurisdiction_code="320102",
                            profile_id="ten_measures", effective_from=datetime(2022, 1, 1, tzinfo=timezone.utc),
                            reason="test")
    report = upload(session, lab, tmp_path, "a.csv", "P1,positive,31.2,32,LAB1,2022-05-01 17:00")
    assert (report.resolution[0]["new_isolations"], report.resolution[0]["new_tasks"]) == (5, 0)
    assert all(i.recheck_due_at is None for i in isolations(session, round_.id).values())


def test_a_round_that_the_engine_refuses_is_not_resolved(session, lab, round_, pools):
    from fangkong.screening.models import Sample

    # a sixth swab in a 5-in-1 tube, written around the service, is refused by the engine's checks
    _, others = pools
    tube = session.scalar(select(Tube).where(Tube.code == "P1"))
    session.add(Sample(round_id=round_.id, person_id=others[2], tube_id=tube.id, site_id=None,
                       jurisdiction_code="320102001001008", kind="screening", collected_at=at(1), collector="x",
                       created_by="x"))
    session.flush()
    with pytest.raises(Conflict, match="more than the pool size 5"):
        resolution.resolve_round(session=session, actor=lab, rnd=round_)


def test_a_district_labs_positive_isolates_a_member_from_another_district(session, actor_of, tmp_path, round_, grid):
    from fangkong.auth import service as auth
    from fangkong.demo.seed import DEMO_PASSWORD
    from fangkong.people.models import Person
    from fangkong.screening import service
    from fangkong.screening.schemas import SiteCreate
    from screenkit import GRID

    people, _ = grid
    city_lab = actor_of("lab")
    site = service.create_site(session=session, actor=city_lab, campaign_id=round_.campaign_id,
                               data=SiteCreate(name="火车站采样点", jurisdiction_code=GRID, capacity_per_hour=200))
    visitor = session.scalar(select(Person.id).where(Person.jurisdiction_code.startswith("320104")).limit(1))
    for pid in (people[0], visitor):
        sampling.record_sample(session=session, actor=city_lab, round_id=round_.id, data=SampleCreate(
            person_id=pid, tube_code="V1", site_id=site.id, collected_at=at(1)))
    auth.create_user(session=session, actor=None, username="lab_xuanwu", password=DEMO_PASSWORD, role="lab_operator",
                     jurisdiction_code="320102")
    report = upload(session, actor_of("lab_xuanwu"), tmp_path, "v.csv", "V1,positive,30,31,LAB1,2022-05-01 17:00")
    assert report.resolution[0]["new_isolations"] == 2 and report.resolution[0]["new_tasks"] == 2
    isolated = isolations(session, round_.id)
    assert isolated[visitor].jurisdiction_code.startswith("320104")
    assert {t.jurisdiction_code[:6] for t in recheck_tasks(session)} == {"320102", "320104"}
