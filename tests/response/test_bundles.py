"""SLA bundle expansion: due times across midnight and zones, team choice, idempotency, the case trigger."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from taskkit import HOME, INVESTIGATION, TRANSFER, at
from sqlalchemy import func, select

from fangkong.audit.models import AuditEntry
from fangkong.response import bundles, rules
from fangkong.response.models import Task, TaskEvent

SHANGHAI, URUMQI = ZoneInfo("Asia/Shanghai"), ZoneInfo("Asia/Urumqi")


def test_due_time_crosses_local_midnight_and_is_stored_in_utc(session, actor_of):
    start = datetime(2022, 5, 1, 23, 30, tzinfo=SHANGHAI)
    created, existing = bundles.apply_bundle(
        session=session, actor=actor_of("epi"), subject_type="case", subject_id=1, jurisdiction_code=HOME,
        bundle_id=INVESTIGATION.id, start_at=start, bundle=INVESTIGATION, profile_id="test-profile")
    session.expire_all()
    due = {t.step_key: session.get(Task, t.id).due_at for t in created}
    assert existing == []
    assert due["on_site"] == at(2022, 5, 1, 17, 30)          # stored as UTC, read back aware
    assert due["on_site"].astimezone(SHANGHAI) == datetime(2022, 5, 2, 1, 30, tzinfo=SHANGHAI)  # next local day
    assert due["core_info"].astimezone(SHANGHAI).isoformat() == "2022-05-02T03:30:00+08:00"
    assert due["report"].astimezone(SHANGHAI).isoformat() == "2022-05-02T23:30:00+08:00"
    task = session.get(Task, created[0].id)
    assert (task.bundle_id, task.profile_id, task.start_at) == ("investigation", "test-profile", at(2022, 5, 1, 15, 30))
    assert task.created_by == "epi" and task.department == "cdc" and task.status == "open"


def test_same_instant_given_in_another_zone_gives_the_same_due_times(session, actor_of):
    # 21:30 in Urumqi (UTC+6) is 23:30 in Shanghai: elapsed hours do not depend on the zone written in.
    start = datetime(2022, 5, 1, 21, 30, tzinfo=URUMQI)
    plan = bundles.expand(INVESTIGATION, start)
    assert [due for _, due in plan] == [at(2022, 5, 1, 17, 30), at(2022, 5, 1, 19, 30), at(2022, 5, 2, 15, 30)]
    assert plan[0][1].astimezone(URUMQI).isoformat() == "2022-05-01T23:30:00+06:00"  # same local day in Urumqi
    assert plan[1][1].astimezone(URUMQI).isoformat() == "2022-05-02T01:30:00+06:00"  # next local day there


def test_elapsed_hours_across_a_daylight_saving_change():
    # 24 h after 2022-03-26 12:00 in Berlin is 13:00 local on the 27th (clocks went forward): absolute time.
    start = datetime(2022, 3, 26, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    due = rules.due_at(start, 24)
    assert due.astimezone(ZoneInfo("Europe/Berlin")).hour == 13


def test_naive_start_is_refused():
    with pytest.raises(ValueError):
        rules.due_at(datetime(2022, 5, 1, 12), 2)


def test_reapplying_creates_nothing_new(session, actor_of):
    epi = actor_of("epi")
    kwargs = dict(session=session, actor=epi, subject_type="case", subject_id="77", jurisdiction_code=HOME,
                  bundle_id=INVESTIGATION.id, start_at=at(2022, 5, 3, 2), bundle=INVESTIGATION, profile_id="p")
    first, _ = bundles.apply_bundle(**kwargs)
    again, existing = bundles.apply_bundle(**kwargs)
    assert len(first) == 3 and again == [] and sorted(existing) == sorted(t.id for t in first)
    count = select(func.count()).select_from(Task).where(Task.subject_id == "77")
    assert session.scalar(count) == 3
    later, _ = bundles.apply_bundle(**{**kwargs, "start_at": at(2022, 5, 9, 2)})  # a new start event
    assert len(later) == 3


def test_steps_go_to_the_nearest_team_of_their_department(session, actor_of, team):
    from fangkong.response.models import Team

    street = team("测试梅园街道社区组", "community", "320102001")
    district_q = session.scalar(select(Team).where(Team.jurisdiction_code == HOME, Team.department == "quarantine"))
    created, _ = bundles.apply_bundle(session=session, actor=actor_of("admin"), subject_type="contact",
                                      subject_id="c-1", jurisdiction_code="320102001001001", bundle_id=TRANSFER.id,
                                      start_at=at(2022, 5, 1), bundle=TRANSFER, profile_id="p")
    by_step = {t.step_key: t for t in created}
    assert by_step["verify"].team_id == street.id  # the street's own community team
    assert by_step["transfer"].team_id == district_q.id  # none at the street: the district's (demo) team
    assert by_step["verify"].due_at == at(2022, 5, 1, 8)
    assert district_q.name == "玄武区隔离转运组"


def test_without_any_team_of_the_department_the_task_stays_unassigned(session, actor_of):
    from fangkong.response.models import Team

    session.execute(Team.__table__.update().where(Team.department == "quarantine").values(department="supplies"))
    created, _ = bundles.apply_bundle(session=session, actor=actor_of("admin"), subject_type="contact",
                                      subject_id="c-2", jurisdiction_code=HOME, bundle_id=TRANSFER.id,
                                      start_at=at(2022, 5, 1), bundle=TRANSFER, profile_id="p")
    assert {t.step_key: t.team_id for t in created}["transfer"] is None


def test_created_event_and_audit_for_each_task(session, actor_of):
    created, _ = bundles.apply_bundle(session=session, actor=actor_of("epi"), subject_type="case", subject_id="5",
                                      jurisdiction_code=HOME, bundle_id=INVESTIGATION.id, start_at=at(2022, 5, 1),
                                      bundle=INVESTIGATION, profile_id="p", rule="case")
    ids = [t.id for t in created]
    kinds = session.scalars(select(TaskEvent.kind).where(TaskEvent.task_id.in_(ids))).all()
    assert kinds == ["created"] * 3
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "task.create",
                                                       AuditEntry.resource_id.in_([str(i) for i in ids]))).all()
    assert len(entries) == 3 and entries[0].changes["due_at"][1] == "2022-05-01T02:00:00+00:00"
    assert {t.created_by for t in created} == {"rule:case"}


def test_apply_needs_task_create_unless_a_rule_applies_it(session, actor_of):
    from fangkong.errors import Forbidden

    lab = actor_of("lab")  # may register cases, not create tasks
    with pytest.raises(Forbidden):
        bundles.apply_bundle(session=session, actor=lab, subject_type="case", subject_id="9", jurisdiction_code=HOME,
                             bundle_id=INVESTIGATION.id, start_at=at(2022, 5, 1), bundle=INVESTIGATION)
    made, _ = bundles.apply_bundle(session=session, actor=lab, subject_type="case", subject_id="9",
                                   jurisdiction_code=HOME, bundle_id=INVESTIGATION.id, start_at=at(2022, 5, 1),
                                   bundle=INVESTIGATION, rule="case")
    assert len(made) == 3


def test_a_district_user_cannot_apply_in_another_district(session, actor_of):
    from fangkong.errors import NotFound

    with pytest.raises(NotFound):
        bundles.apply_bundle(session=session, actor=actor_of("epi_district"), subject_type="case", subject_id="1",
                             jurisdiction_code="320104", bundle_id=INVESTIGATION.id, start_at=at(2022, 5, 1),
                             bundle=INVESTIGATION)


def test_expand_keeps_step_order_and_hours():
    plan = bundles.expand(INVESTIGATION, at(2022, 1, 1))
    assert [(s.key, d - at(2022, 1, 1)) for s, d in plan] == [
        ("on_site", timedelta(hours=2)), ("core_info", timedelta(hours=4)), ("report", timedelta(hours=24))]


def test_a_jurisdiction_in_another_zone_shows_its_own_local_times(session, actor_of):
    from fangkong.geo.models import Jurisdiction
    from fangkong.response import queries, supervision

    session.get(Jurisdiction, "320105").timezone = "Asia/Urumqi"  # set on the district, inherited below
    code = "320105001"
    start = datetime(2022, 5, 1, 23, 30, tzinfo=URUMQI)
    created, _ = bundles.apply_bundle(session=session, actor=actor_of("epi"), subject_type="case", subject_id="u1",
                                      jurisdiction_code=code, bundle_id=INVESTIGATION.id, start_at=start,
                                      bundle=INVESTIGATION, profile_id="p")
    detail = queries.read(session=session, actor=actor_of("epi"), task_id=created[0].id)
    assert detail.time_zone == "Asia/Urumqi"
    assert detail.due_at == at(2022, 5, 1, 19, 30)  # stored in UTC
    assert detail.due_at.astimezone(URUMQI).isoformat() == "2022-05-02T01:30:00+06:00"
    assert detail.due_at.astimezone(SHANGHAI).isoformat() == "2022-05-02T03:30:00+08:00"
    # The supervision day of that district starts at Urumqi's midnight.
    assert supervision.parse_bound(session, code, "2022-05-02", "from") == at(2022, 5, 1, 18)
    assert supervision.parse_bound(session, HOME, "2022-05-02", "from") == at(2022, 5, 1, 16)
