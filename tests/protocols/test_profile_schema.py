"""Profile files: unknown keys, units, sources, conversions; every shipped profile validates."""

from __future__ import annotations

from pathlib import Path

import pytest

from fangkong.protocols.loader import PROFILE_DIR, ProfileFileError, check_file, get_profile, list_profiles, parse

ED9 = (PROFILE_DIR / "ed9.toml").read_text(encoding="utf-8")
CLOSE_DAYS = 'days = { value = 7, unit = "day", source = "ed9-gscdc" }'


def problems(text: str) -> list[str]:
    with pytest.raises(ProfileFileError) as exc:
        parse(text)
    return exc.value.errors


def test_ed9_parses_and_converts_to_canonical_units():
    profile = parse(ED9)
    assert profile.case_reporting.report_deadline_hours.value == 2.0
    activation = profile.quarantine_capacity.activation
    assert [s.after_hours.value for s in activation] == [24.0, 48.0, 72.0]  # "3 day" → 72 hours
    assert [round(s.share.value, 4) for s in activation] == [0.3333, 0.5, 1.0]  # "1/3"
    assert profile.screening.lab_dilution_max_positivity.value == pytest.approx(0.001)  # 0.1 percent


def test_a_deadline_given_in_days_is_converted_to_hours():
    text = ED9.replace('report_deadline_hours = { value = 2, unit = "hour"', 'report_deadline_hours = { value = 1, unit = "day"')
    profile = parse(text)
    assert profile.case_reporting.report_deadline_hours.value == 24.0
    assert profile.case_reporting.report_deadline_hours.unit == "hour"


def test_weeks_become_days():
    profile = parse(ED9.replace(CLOSE_DAYS, 'days = { value = 1, unit = "week", source = "ed9-gscdc" }', 1))
    assert profile.categories.close_contact.phases[0].days.value == 7


def test_unknown_key_is_refused_with_its_path():
    text = ED9.replace('swab = "oropharyngeal"', 'swab = "oropharyngeal"\nswabs = 3', 1)
    assert problems(text) == ["categories.close_contact.swabs: unknown key"]
    assert problems(ED9 + '\n[screening_extra]\nx = 1\n') == ["screening_extra: unknown key"]


@pytest.mark.parametrize("old, new, expected", [
    ('report_deadline_hours = { value = 2, unit = "hour"', 'report_deadline_hours = { value = 120, unit = "minute"',
     "case_reporting.report_deadline_hours.unit: unit 'minute' is not allowed here; use 'hour' or 'day'"),
    (CLOSE_DAYS, 'days = { value = 7, unit = "hour", source = "ed9-gscdc" }',
     "categories.close_contact.phases[0].days.unit: unit 'hour' is not allowed here; use 'day' or 'week'"),
    ('ct_cutoff = { value = 40, unit = "ct"', 'ct_cutoff = { value = 40, unit = "parsec"',
     "screening.ct_cutoff.unit: unit 'parsec' is not allowed here; use 'ct'"),
])
def test_bad_units_are_refused(old, new, expected):
    assert problems(ED9.replace(old, new, 1)) == [expected]


def test_missing_source_is_refused_in_both_forms():
    bare = ED9.replace(CLOSE_DAYS, "days = 7", 1)
    assert problems(bare) == ['categories.close_contact.phases[0].days: missing source: write '
                              '{ value = 7, unit = "day", source = "…" }']
    no_source = ED9.replace(CLOSE_DAYS, 'days = { value = 7, unit = "day" }', 1)
    assert problems(no_source) == ["categories.close_contact.phases[0].days: missing source"]


def test_a_source_must_be_listed_in_sources():
    text = ED9.replace('source = "pools-nhc"', 'source = "nowhere"', 1)
    assert problems(text) == ["screening.pool_sizes_validated.source: unknown source 'nowhere'; add it to [sources]"]


def test_every_problem_is_reported_at_once():
    text = ED9.replace(CLOSE_DAYS, "days = 7", 1).replace('swab = "oropharyngeal"', 'swab = "cotton"', 1)
    found = problems(text)
    assert len(found) == 2
    assert found[1].startswith("categories.close_contact.swab: Input should be")


def test_test_days_must_fit_in_the_phase():
    text = ED9.replace('test_days = { value = [1, 2, 3, 5, 7], unit = "day", source = "ed9-hkcna" }',
                       'test_days = { value = [1, 2, 3, 5, 9], unit = "day", source = "ed9-hkcna" }', 1)
    assert problems(text) == ["categories.close_contact.phases[0]: test day 9 is after the last day of the phase (7)"]


def test_home_phase_needs_its_mode():
    text = ED9.replace('kind = "home"\nhome_mode = "health_monitoring"\n', 'kind = "home"\n', 1)
    assert problems(text) == ["categories.close_contact.phases[1]: a home phase needs home_mode: "
                              "quarantine, health_monitoring or self_monitoring"]


def test_not_toml_is_reported():
    assert problems("id = ")[0].startswith("(file): not valid TOML")


@pytest.mark.parametrize("path", sorted(PROFILE_DIR.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_profile_validates(path: Path):
    assert check_file(path) == []
    assert get_profile(path.stem).id == path.stem


def test_the_shipped_set():
    assert [p.id for p in list_profiles()] == ["who_generic", "ed8", "ed9", "twenty_measures", "ten_measures"]
    ed9 = get_profile("ed9")
    assert set(ed9.sla_bundles) >= {"case_report", "investigation", "contact_transfer", "first_screening_round",
                                     "core_measures", "six_rapids"}
    six = ed9.sla_bundles["six_rapids"]
    assert not six.confirmed and "not found in any source" in six.note
    assert [s.key for s in six.steps] == ["contact_screening", "transfer", "itinerary_tracing",
                                          "environmental_disinfection", "community_sealing", "nucleic_acid_testing"]
    assert all(not s.deadline_hours.confirmed for s in six.steps)
    assert ed9.screening.ct_positive_threshold.value == 35
    assert [t.value for t in (ed9.screening.turnaround.urgent_hours, ed9.screening.turnaround.outpatient_hours,
                              ed9.screening.turnaround.other_hours)] == [6, 12, 24]


def test_who_profile_is_all_unconfirmed():
    from fangkong.protocols.diff import flatten

    assert not any(leaf.confirmed for leaf in flatten(get_profile("who_generic")).values())
