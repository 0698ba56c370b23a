"""Flattening and the side-by-side diff of two profiles."""

from fangkong.protocols.diff import diff, flatten, plain, split_path
from fangkong.protocols.loader import get_profile


def rows_by_path(a: str, b: str, **kw):
    return {r.path: r for r in diff(get_profile(a), get_profile(b), **kw)}


def test_ed8_to_ed9_lookback_and_close_contact_schedule():
    rows = rows_by_path("ed8", "ed9", changed_only=True)
    lookback = rows["contacts.close_contact.lookback_days"]
    assert (lookback.a, lookback.b, lookback.unit, lookback.changed) == (2, 4, "day", True)
    # 14 d centralized + 7 d home monitoring → 7 + 3
    assert (rows["categories.close_contact.phases[0].days"].a, rows["categories.close_contact.phases[0].days"].b) == (14, 7)
    assert (rows["categories.close_contact.phases[1].days"].a, rows["categories.close_contact.phases[1].days"].b) == (7, 3)
    assert rows["categories.close_contact.phases[0].test_days"].b == [1, 2, 3, 5, 7]
    assert rows["categories.close_contact.release.dual_sampling"].a is True
    assert "case_reporting.report_deadline_hours" not in rows  # 2 h in both


def test_paths_only_in_one_profile_show_as_missing_on_the_other_side():
    rows = rows_by_path("ed9", "twenty_measures", changed_only=True)
    secondary = rows["categories.secondary_contact.phases[0].days"]
    assert (secondary.a, secondary.b) == (7, None)
    assert rows["contacts.secondary_contact.determined"].b is False


def test_full_diff_keeps_unchanged_rows_and_a_profile_equals_itself():
    full = diff(get_profile("ed8"), get_profile("ed9"))
    assert any(not r.changed for r in full) and any(r.changed for r in full)
    assert not any(r.changed for r in diff(get_profile("ed9"), get_profile("ed9")))


def test_flatten_carries_citations_and_confirmation():
    leaves = flatten(get_profile("ed9"))
    deadline = leaves["case_reporting.report_deadline_hours"]
    assert (deadline.value, deadline.unit, deadline.source) == (2.0, "hour", "report-v3")
    assert "sdjlnm.com/changshi/264054.html" in deadline.citation
    restart = leaves["categories.close_contact.restart.facility_positive"]
    assert restart.value == "same_and_adjacent_floors" and restart.confirmed is False and not restart.sourced
    assert leaves["sla_bundles.six_rapids.steps[0].deadline_hours"].confirmed is False
    assert not any(p.startswith(("sources", "id", "title")) for p in leaves)


def test_plain_values_and_paths():
    assert split_path("categories.close_contact.phases[1].test_days") == ["categories", "close_contact", "phases", 1,
                                                                          "test_days"]
    phases = plain(get_profile("ed9"), "categories.close_contact.phases")
    assert phases[1] == {"kind": "home", "home_mode": "health_monitoring", "days": 3, "test_days": [3]}
