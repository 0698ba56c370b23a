"""The schedule engine against the management tables of protocols-china.md §1.2.

Each person category of a profile is walked from its clock date (last exposure, leaving the area,
arrival …) and compared with the table's column: phase kinds and home modes, days, test days, release.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fangkong.protocols.diff import plain
from fangkong.protocols.loader import get_profile
from fangkong.protocols.schedule import coupled_outcome, total_days, walk

START = date(2022, 7, 1)  # the clock date: day 0

# §1.2, ed9 column: (phase kind, home mode, days, test days within the phase) per category.
ED9 = {
    "close_contact": [("centralized", None, 7, [1, 2, 3, 5, 7]), ("home", "health_monitoring", 3, [3])],
    "secondary_contact": [("home", "quarantine", 7, [1, 4, 7])],
    "inbound_traveller": [("centralized", None, 7, [1, 2, 3, 5, 7]), ("home", "health_monitoring", 3, [3])],
    "high_risk_area_traveller": [("centralized", None, 7, [1, 2, 3, 5, 7])],
    "medium_risk_area_traveller": [("home", "quarantine", 7, [1, 4, 7])],
    "high_risk_post": [("centralized_or_home", "quarantine", 7, [1, 4, 7])],
    "venue_exposed": [("home", "self_monitoring", 3, [1, 3])],
}
ED8 = {
    "close_contact": [("centralized", None, 14, [1, 4, 7, 14]), ("home", "health_monitoring", 7, [2, 7])],
    "secondary_contact": [("centralized", None, 7, [1, 4, 7])],
    "high_risk_area_traveller": [("centralized", None, 14, [1, 4, 7, 10, 14])],
    "medium_risk_area_traveller": [("home", "quarantine", 14, [1, 4, 7, 10, 14])],
}
TWENTY = {
    "close_contact": [("centralized", None, 5, [1, 2, 3, 5]), ("home", "quarantine", 3, [1, 3])],
    "inbound_traveller": [("centralized", None, 5, [1, 2, 3, 5]), ("home", "quarantine", 3, [1, 3])],
    "high_risk_area_traveller": [("home", "quarantine", 7, [1, 3, 5, 7])],
    "high_risk_post": [("home", "health_monitoring", 5, [1, 3, 5])],
}
TEN = {
    "close_contact": [("home", "quarantine", 5, [5])],
    "infected_mild": [("home", "quarantine", 7, [6, 7])],
}


def expected_days(spec):
    """The table's column as (date, phase kind, home mode, test?) for every day, and the release date."""
    out, day = [], 0
    for kind, mode, days, tests in spec:
        for phase_day in range(1, days + 1):
            day += 1
            out.append((START + timedelta(days=day), kind, mode, phase_day in tests))
    return out, START + timedelta(days=day)


def walked(profile_id: str, category: str):
    schedule = walk(plain(get_profile(profile_id), f"categories.{category}"), START)
    return [(d.date, d.kind, d.home_mode, d.test) for d in schedule.days], schedule.release_date


@pytest.mark.parametrize("profile_id, table", [("ed9", ED9), ("ed8", ED8), ("twenty_measures", TWENTY),
                                               ("ten_measures", TEN)])
def test_each_category_follows_the_table(profile_id, table):
    for category, spec in table.items():
        assert walked(profile_id, category) == expected_days(spec), (profile_id, category)


def test_ed9_close_contact_day_by_day():
    """7 days centralized with tests on days 1, 2, 3, 5, 7, then 3 days of home health monitoring with a
    test on its day 3: released at the end of day 10 after the last exposure."""
    days, release = walked("ed9", "close_contact")
    assert [d[0].isoformat() for d in days if d[3]] == ["2022-07-02", "2022-07-03", "2022-07-04", "2022-07-06",
                                                        "2022-07-08", "2022-07-11"]
    assert [d[1] for d in days] == ["centralized"] * 7 + ["home"] * 3
    assert {d[2] for d in days[7:]} == {"health_monitoring"}
    assert release == date(2022, 7, 11)


@pytest.mark.parametrize("category", ["low_risk_area_traveller", "companion"])
def test_ed9_three_days_two_tests(category):
    """三天两检: 3 days of self-monitoring with 2 tests on days the person chooses, at least 24 h apart."""
    schedule = walk(plain(get_profile("ed9"), f"categories.{category}"), START)
    assert len(schedule.days) == 3 and {d.home_mode for d in schedule.days} == {"self_monitoring"}
    tests = [d for d in schedule.days if d.test]
    assert len(tests) == 2 and all(d.flexible_test for d in tests)
    assert (tests[1].date - tests[0].date).days >= 1
    assert schedule.release_date == START + timedelta(days=3)


def test_ed9_secondary_contact_release_is_coupled_to_its_close_contact():
    coupled = plain(get_profile("ed9"), "categories.secondary_contact.coupled_release")
    assert coupled == {"with_category": "close_contact", "first_tests_negative": 2,
                       "otherwise": "promote_to_close_contact"}
    n = coupled["first_tests_negative"]
    assert coupled_outcome([False, False], n) == "release"
    assert coupled_outcome([False], n) == "wait"
    assert coupled_outcome([False, True], n) == "promote"
    assert coupled_outcome([None, True], n) == "promote"
    assert coupled_outcome([False, False, True], n) == "release"  # only the first two count


def test_ed9_mild_infection_is_open_ended_until_release():
    category = plain(get_profile("ed9"), "categories.infected_mild")
    assert total_days(category) is None
    with pytest.raises(ValueError, match="no fixed length"):
        walk(category, START)
    schedule = walk(category, START, open_days=9)
    assert [d.kind for d in schedule.days] == ["centralized"] * 9 + ["home"] * 7
    assert schedule.release_date == START + timedelta(days=16)
    assert plain(get_profile("ed9"), "categories.infected_mild.release.negative_ct") == 35


def test_categories_absent_from_an_edition_are_not_managed():
    assert "secondary_contact" not in plain(get_profile("twenty_measures"), "categories")
    assert plain(get_profile("twenty_measures"), "contacts.secondary_contact.determined") is False
    assert "medium_risk_area_traveller" not in plain(get_profile("twenty_measures"), "categories")
