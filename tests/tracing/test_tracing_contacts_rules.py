"""Contact categorisation per protocol profile (pure rules, the shipped profile files)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from fangkong.protocols import effective, loader
from fangkong.tracing.rules import ContactRules, categorise, clock_start, lookback_start


def rules_of(profile_id: str) -> ContactRules:
    p = effective.build(base=loader.get_profile(profile_id), basis=effective.Basis(profile_id), overrides=[],
                        jurisdiction_code="32", at=datetime.now(timezone.utc))
    return ContactRules.from_values(profile_id=profile_id,
                                    contacts=p.get("contacts") if p.has("contacts") else None,
                                    categories=p.get("categories") if p.has("categories") else None)


@pytest.mark.parametrize("profile_id", ["ed8", "ed9", "twenty_measures", "who_generic"])
@pytest.mark.parametrize("exposure,setting", [("household", "household"), ("shared_closed_space", "workplace"),
                                              ("carer", "healthcare"), ("vehicle_near", "transport")])
def test_close_situations_make_close_contacts_under_every_profile(profile_id, exposure, setting):
    assert categorise(rules_of(profile_id), exposure=exposure) == ("close", setting)


def test_secondary_contacts_follow_the_profile():
    assert categorise(rules_of("ed8"), exposure="household", via_close_contact=True) == ("secondary", "household")
    assert categorise(rules_of("ed9"), exposure="shared_meal", via_close_contact=True) == ("secondary", "venue")
    # 20条: 不再判定密接的密接; WHO guidance has no secondary category at all.
    assert categorise(rules_of("twenty_measures"), exposure="household", via_close_contact=True) is None
    assert categorise(rules_of("who_generic"), exposure="household", via_close_contact=True) is None
    assert not rules_of("twenty_measures").traces_secondary() and rules_of("ed9").traces_secondary()
    # Only close-type (or venue) exposure to a close contact makes a secondary contact.
    assert categorise(rules_of("ed9"), exposure="same_vehicle", via_close_contact=True) is None


def test_venue_and_grid_exposures_per_profile():
    assert categorise(rules_of("ed9"), exposure="venue") == ("venue_exposed", "venue")
    assert categorise(rules_of("ed8"), exposure="venue") == ("general", "venue")  # no 涉疫场所暴露人员 before ed9
    assert categorise(rules_of("ed9"), exposure="cell") == ("companion", "other")
    assert categorise(rules_of("ed8"), exposure="cell") == ("companion", "other")
    assert categorise(rules_of("twenty_measures"), exposure="cell") is None  # 时空伴随 dropped
    assert categorise(rules_of("who_generic"), exposure="same_vehicle") == ("general", "transport")
    with pytest.raises(ValueError):
        categorise(rules_of("ed9"), exposure="telepathy")


def test_companion_rule_and_clocks_come_from_the_profile():
    ed9 = rules_of("ed9")
    assert ed9.companion == {"min_overlap": 10.0, "window_days": 14.0, "cumulative_stay_hours": 30.0}
    assert rules_of("twenty_measures").companion is None
    assert ed9.clocks["close"] == "last_exposure" and ed9.clocks["venue_exposed"] == "identified"
    last, found = datetime(2022, 7, 9, 18, tzinfo=timezone.utc), datetime(2022, 7, 11, tzinfo=timezone.utc)
    assert clock_start(ed9, category="close", last_exposure_at=last, identified_at=found) == last
    assert clock_start(ed9, category="companion", last_exposure_at=last, identified_at=found) == found
    assert clock_start(ed9, category="close", last_exposure_at=None, identified_at=found) == found


def test_lookback_window_is_four_days_in_ed9_and_two_in_ed8():
    onset, sampling = date(2022, 7, 8), date(2022, 7, 9)
    start, anchor = lookback_start(rules_of("ed9"), classification="confirmed", onset=onset, sampling=sampling,
                                   fallback=date(2022, 7, 10))
    assert (start, anchor) == (datetime(2022, 7, 4), onset)
    start, anchor = lookback_start(rules_of("ed8"), classification="asymptomatic", onset=None, sampling=sampling,
                                   fallback=date(2022, 7, 10))
    assert (start, anchor) == (datetime(2022, 7, 7), sampling)
    # A confirmed case without onset counts from sampling, then from the diagnosis date.
    assert lookback_start(rules_of("ed9"), classification="confirmed", onset=None, sampling=None,
                          fallback=date(2022, 7, 10))[0] == datetime(2022, 7, 6)
    no_lookback = ContactRules.from_values(profile_id="x", contacts={}, categories={})
    assert lookback_start(no_lookback, classification="confirmed", onset=onset, sampling=None,
                          fallback=onset)[0] is None
