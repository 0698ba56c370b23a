"""Selections and overrides down the jurisdiction tree, effective dates, provenance, history, audit."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from fangkong.audit.models import AuditEntry
from fangkong.authz import Actor
from fangkong.errors import Forbidden, Invalid, NotFound
from fangkong.protocols import service as profiles
from fangkong.protocols.models import ProfileOverride

CITY, DISTRICT, STREET, OTHER = "320100", "320102", "320102001", "320104"
GRID = "320102001001001"
DEADLINE = "case_reporting.report_deadline_hours"
CITY_CMD = Actor(id=None, username="city_cmd", role="commander", jurisdiction_code=CITY, jurisdiction_level="city")
DISTRICT_CMD = Actor(id=None, username="district_cmd", role="commander", jurisdiction_code=DISTRICT,
                     jurisdiction_level="district")
DISTRICT_EPI = Actor(id=None, username="district_epi", role="epidemiologist", jurisdiction_code=DISTRICT,
                     jurisdiction_level="district")
JUL1 = date(2022, 7, 1)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def test_default_profile_without_any_selection(session):
    profile = profiles.effective_profile(session=session, jurisdiction_code=GRID)
    assert profile.profile_id == "ed9" and profile.jurisdiction_code == GRID
    assert profile.get(DEADLINE) == 2.0
    prov = profile.provenance(DEADLINE)
    assert prov.source == "profile:ed9" and prov.set_at_node is None
    assert "sdjlnm.com/changshi/264054.html" in prov.citation


def test_the_default_comes_from_the_setting(session, monkeypatch, tmp_path):
    from fangkong.config import Settings

    monkeypatch.setattr(profiles, "get_settings", lambda: Settings(data_dir=tmp_path, default_profile="ed8"))
    profiles.clear_cache()
    assert profiles.effective_profile(session=session, jurisdiction_code=GRID).profile_id == "ed8"
    profiles.clear_cache()


def test_parent_selection_is_inherited_and_a_child_selection_beats_it(session):
    profiles.select_profile(session=session, actor=CITY_CMD, jurisdiction_code=CITY, profile_id="ed8",
                            effective_from=JUL1, reason="city notice 1")
    grid = profiles.effective_profile(session=session, jurisdiction_code=GRID, at=at(JUL1))
    assert grid.profile_id == "ed8" and grid.get("contacts.close_contact.lookback_days") == 2
    assert grid.provenance(DEADLINE).set_at_node == CITY and grid.provenance(DEADLINE).reason == "city notice 1"
    # before the selection takes effect: the default
    assert profiles.effective_profile(session=session, jurisdiction_code=GRID, at=at(JUL1 - timedelta(days=1))
                                      ).profile_id == "ed9"
    profiles.select_profile(session=session, actor=DISTRICT_CMD, jurisdiction_code=DISTRICT,
                            profile_id="twenty_measures", effective_from=JUL1 + timedelta(days=2), reason="district")
    assert profiles.effective_profile(session=session, jurisdiction_code=GRID, at=at(JUL1 + timedelta(days=2))
                                      ).profile_id == "twenty_measures"
    assert profiles.effective_profile(session=session, jurisdiction_code=OTHER, at=at(JUL1 + timedelta(days=2))
                                      ).profile_id == "ed8"
    # among one node's selections the latest effective_from ≤ at wins
    profiles.select_profile(session=session, actor=CITY_CMD, jurisdiction_code=CITY, profile_id="ten_measures",
                            effective_from=JUL1 + timedelta(days=5), reason="city notice 2")
    assert profiles.effective_profile(session=session, jurisdiction_code=OTHER, at=at(JUL1 + timedelta(days=4))
                                      ).profile_id == "ed8"
    assert profiles.effective_profile(session=session, jurisdiction_code=OTHER, at=at(JUL1 + timedelta(days=5))
                                      ).profile_id == "ten_measures"


def test_a_date_means_local_midnight_of_the_jurisdiction(session):
    row = profiles.select_profile(session=session, actor=CITY_CMD, jurisdiction_code=CITY, profile_id="ed8",
                                  effective_from=JUL1, reason="r")
    assert row.effective_from == datetime(2022, 6, 30, 16, tzinfo=timezone.utc)  # 00:00 in Asia/Shanghai
    session.execute(text("UPDATE jurisdictions SET timezone = 'Asia/Urumqi' WHERE code = :c"), {"c": DISTRICT})
    from fangkong.geo import service as geo

    assert str(geo.effective_timezone(session, GRID)) == "Asia/Urumqi"
    assert str(geo.effective_timezone(session, OTHER)) == "Asia/Shanghai"


def test_child_override_wins_over_parent_override_with_effective_dates(session):
    profiles.override_value(session=session, actor=CITY_CMD, jurisdiction_code=CITY, path=DEADLINE, value=4,
                            reason="city: 4 h", effective_from=JUL1)
    profiles.override_value(session=session, actor=DISTRICT_CMD, jurisdiction_code=DISTRICT, path=DEADLINE,
                            value={"value": 1, "unit": "day"}, reason="district: one day",
                            effective_from=JUL1 + timedelta(days=10))
    early = profiles.effective_profile(session=session, jurisdiction_code=GRID, at=at(JUL1 + timedelta(days=1)))
    assert early.get(DEADLINE) == 4.0
    assert early.provenance(DEADLINE).source == "override:320100"
    late = profiles.effective_profile(session=session, jurisdiction_code=GRID, at=at(JUL1 + timedelta(days=10)))
    assert late.get(DEADLINE) == 24.0  # converted to hours
    prov = late.provenance(DEADLINE)
    assert (prov.source, prov.set_at_node, prov.reason) == ("override:320102", DISTRICT, "district: one day")
    assert prov.effective_from == datetime(2022, 7, 10, 16, tzinfo=timezone.utc)
    assert profiles.effective_profile(session=session, jurisdiction_code=OTHER, at=at(JUL1 + timedelta(days=10))
                                      ).get(DEADLINE) == 4.0
    # values not overridden keep the profile's provenance and citation
    assert late.provenance("contacts.close_contact.lookback_days").source == "profile:ed9"


def test_a_future_override_is_recorded_but_not_yet_in_effect(session):
    now = datetime.now(timezone.utc)
    profiles.override_value(session=session, actor=DISTRICT_CMD, jurisdiction_code=DISTRICT,
                            path="categories.close_contact.phases[1].days", value=5, reason="from next week",
                            effective_from=now + timedelta(days=7))
    assert profiles.effective_profile(session=session, jurisdiction_code=GRID).get(
        "categories.close_contact.phases[1].days") == 3
    later = profiles.effective_profile(session=session, jurisdiction_code=GRID, at=now + timedelta(days=8))
    assert later.get("categories.close_contact.phases[1].days") == 5
    history = profiles.history(session=session, actor=DISTRICT_EPI, jurisdiction_code=GRID)
    assert [(e.kind, e.path, e.value) for e in history] == [("override", "categories.close_contact.phases[1].days", 5)]


def test_overrides_are_checked_against_the_schema(session):
    def override(path, value):
        return profiles.override_value(session=session, actor=DISTRICT_CMD, jurisdiction_code=DISTRICT, path=path,
                                       value=value, reason="r", effective_from=None)

    with pytest.raises(Invalid) as exc:
        override("case_reporting.no_such_value", 3)
    assert exc.value.field == "path"
    with pytest.raises(Invalid) as exc:
        override("categories.close_contact.phases", 3)  # a branch, not a value
    assert exc.value.field == "path"
    with pytest.raises(Invalid) as exc:
        override(DEADLINE, {"value": 90, "unit": "minute"})
    assert exc.value.field == "value" and "minute" in exc.value.message
    with pytest.raises(Invalid) as exc:
        override("categories.close_contact.phases[0].days", 4)  # test days 5 and 7 no longer fit
    assert exc.value.field == "value" and "after the last day" in exc.value.message
    with pytest.raises(Invalid) as exc:
        override("categories.close_contact.phases[1].home_mode", "hotel")
    assert exc.value.field == "value"
    with pytest.raises(Invalid) as exc:
        profiles.override_value(session=session, actor=DISTRICT_CMD, jurisdiction_code=DISTRICT, path=DEADLINE,
                                value=3, reason="  ", effective_from=None)
    assert exc.value.field == "reason"
    row = override("categories.close_contact.phases[0].test_days", [1, 3, 5, 7])
    assert row.value == [1, 3, 5, 7]


def test_withdrawing_an_override_restores_the_inherited_value(session):
    profiles.override_value(session=session, actor=CITY_CMD, jurisdiction_code=CITY, path=DEADLINE, value=4,
                            reason="city", effective_from=JUL1)
    profiles.override_value(session=session, actor=DISTRICT_CMD, jurisdiction_code=DISTRICT, path=DEADLINE, value=3,
                            reason="district", effective_from=JUL1)
    profiles.override_value(session=session, actor=DISTRICT_CMD, jurisdiction_code=DISTRICT, path=DEADLINE,
                            value=None, reason="back to the city's", effective_from=JUL1 + timedelta(days=3))
    assert profiles.effective_profile(session=session, jurisdiction_code=GRID, at=at(JUL1 + timedelta(days=1))
                                      ).get(DEADLINE) == 3.0
    assert profiles.effective_profile(session=session, jurisdiction_code=GRID, at=at(JUL1 + timedelta(days=3))
                                      ).get(DEADLINE) == 4.0
    with pytest.raises(Invalid):  # nothing of the street's own to withdraw
        profiles.override_value(session=session, actor=DISTRICT_CMD, jurisdiction_code=STREET, path=DEADLINE,
                                value=None, reason="x", effective_from=None)


def test_an_override_that_no_longer_fits_a_new_profile_is_ignored(session):
    profiles.override_value(session=session, actor=DISTRICT_CMD, jurisdiction_code=DISTRICT,
                            path="categories.secondary_contact.phases[0].days", value=10, reason="r",
                            effective_from=JUL1)
    profiles.select_profile(session=session, actor=DISTRICT_CMD, jurisdiction_code=DISTRICT,
                            profile_id="twenty_measures", effective_from=JUL1 + timedelta(days=1), reason="20条")
    profile = profiles.effective_profile(session=session, jurisdiction_code=GRID, at=at(JUL1 + timedelta(days=1)))
    assert profile.profile_id == "twenty_measures"
    assert [spec.path for spec, _ in profile.ignored] == ["categories.secondary_contact.phases[0].days"]


def test_history_lists_the_node_and_its_ancestors_newest_first(session):
    profiles.select_profile(session=session, actor=CITY_CMD, jurisdiction_code=CITY, profile_id="ed8",
                            effective_from=JUL1, reason="one")
    profiles.override_value(session=session, actor=DISTRICT_CMD, jurisdiction_code=DISTRICT, path=DEADLINE, value=3,
                            reason="two", effective_from=JUL1)
    profiles.select_profile(session=session, actor=CITY_CMD, jurisdiction_code=OTHER, profile_id="ed9",
                            effective_from=JUL1, reason="elsewhere")
    history = profiles.history(session=session, actor=DISTRICT_EPI, jurisdiction_code=STREET)
    assert [(e.kind, e.jurisdiction_code, e.reason) for e in history] == [
        ("override", DISTRICT, "two"), ("selection", CITY, "one")]
    with pytest.raises(NotFound):
        profiles.history(session=session, actor=DISTRICT_EPI, jurisdiction_code=OTHER)


def test_changes_need_profile_manage_within_the_actors_jurisdiction(session):
    with pytest.raises(Forbidden):
        profiles.select_profile(session=session, actor=DISTRICT_EPI, jurisdiction_code=DISTRICT, profile_id="ed8",
                                effective_from=None, reason="r")
    with pytest.raises(NotFound):
        profiles.override_value(session=session, actor=DISTRICT_CMD, jurisdiction_code=OTHER, path=DEADLINE, value=3,
                                reason="r", effective_from=None)
    with pytest.raises(Invalid) as exc:
        profiles.select_profile(session=session, actor=DISTRICT_CMD, jurisdiction_code=DISTRICT, profile_id="ed7",
                                effective_from=None, reason="r")
    assert exc.value.field == "profile_id"


def test_changes_are_audited_with_the_diff(session):
    profiles.select_profile(session=session, actor=CITY_CMD, jurisdiction_code=CITY, profile_id="ed8",
                            effective_from=JUL1, reason="notice 12")
    profiles.override_value(session=session, actor=CITY_CMD, jurisdiction_code=CITY, path=DEADLINE, value=4,
                            reason="notice 13", effective_from=JUL1)
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action.startswith("profile."))
                              .order_by(AuditEntry.id)).all()
    assert [(e.action, e.resource_id, e.actor_username) for e in entries] == [
        ("profile.select", CITY, "city_cmd"), ("profile.override", CITY, "city_cmd")]
    assert entries[0].changes["profile_id"] == ["ed9", "ed8"] and "notice 12" in entries[0].detail
    assert entries[1].changes == {DEADLINE: [2.0, 4.0]}


def test_rows_are_append_only(session):
    profiles.override_value(session=session, actor=CITY_CMD, jurisdiction_code=CITY, path=DEADLINE, value=4,
                            reason="r", effective_from=JUL1)
    profiles.select_profile(session=session, actor=CITY_CMD, jurisdiction_code=CITY, profile_id="ed8",
                            effective_from=JUL1, reason="r")
    session.flush()
    with pytest.raises(Exception, match="append-only"):
        with session.begin_nested():
            session.execute(text("UPDATE profile_overrides SET reason = 'changed'"))
    with pytest.raises(Exception, match="append-only"):
        with session.begin_nested():
            session.execute(text("DELETE FROM profile_selections"))
    assert session.scalar(select(ProfileOverride.reason)) == "r"


def test_sla_bundles_come_from_the_effective_profile(session):
    profiles.override_value(session=session, actor=CITY_CMD, jurisdiction_code=CITY,
                            path="sla_bundles.investigation.steps[1].deadline_hours", value=6, reason="local 2+6+24",
                            effective_from=JUL1)
    profile = profiles.effective_profile(session=session, jurisdiction_code=GRID, at=at(JUL1))
    bundle = profile.sla_bundle("investigation")
    assert [(s.key, s.deadline_hours, s.department) for s in bundle.steps] == [
        ("team_on_site", 2.0, "cdc"), ("core_information", 6.0, "cdc"), ("investigation_report", 24.0, "cdc")]
    assert bundle.start_event == "case_diagnosed" and bundle.steps[1].source == "local 2+6+24"
    assert "tibet.cn" in bundle.steps[0].source
    assert {b.id for b in profile.sla_bundles()} >= {"case_report", "investigation", "six_rapids"}
    with pytest.raises(NotFound):
        profile.sla_bundle("four_24_hours")


def test_effective_profiles_are_cached_and_invalidated_on_write(session):
    first = profiles.effective_profile(session=session, jurisdiction_code=GRID)
    again = profiles.effective_profile(session=session, jurisdiction_code=GRID)
    assert again._leaves is first._leaves  # served from the cache
    profiles.override_value(session=session, actor=CITY_CMD, jurisdiction_code=CITY, path=DEADLINE, value=5,
                            reason="r", effective_from=None)
    assert profiles.effective_profile(session=session, jurisdiction_code=GRID).get(DEADLINE) == 5.0
