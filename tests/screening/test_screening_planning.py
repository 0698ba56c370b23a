"""The planning calculator: sites, samplers, tubes and Dorfman's expected tests (epi-methods.md §6)."""

from __future__ import annotations

import pytest

from fangkong.screening import planning, service
from fangkong.screening.rules import FALLBACK, pool_size_for, rules_for
from screenkit import campaign, grid  # noqa: F401

ED9 = dict(people_per_site_min=2000, people_per_site_max=3000, people_per_sampler=360)


@pytest.mark.parametrize("k, p, expected", [
    (10, 0.001, 0.1100), (5, 0.001, 0.2050), (20, 0.001, 0.0698), (10, 0.01, 0.1956), (5, 0.05, 0.4262),
    (10, 0.0001, 0.1010), (20, 0.005, 0.1454),
])
def test_dorfman_expected_tests_match_the_recomputed_table(k, p, expected):
    assert round(planning.tests_per_person(k, p), 4) == expected


def test_single_tubes_need_one_test_each_and_pooling_stops_paying_at_high_prevalence():
    assert planning.tests_per_person(1, 0.2) == 1.0
    # beyond p = 1 − 3^(−1/3) ≈ 0.3066 no pool size helps (epi-methods.md §6)
    assert all(planning.tests_per_person(k, 0.31) > 1 for k in range(2, 50))


def test_a_district_of_100k_in_24_hours():
    plan = planning.plan(population=100_000, pool_size=10, prevalence=0.001, round_hours=24, **ED9)
    assert (plan.sites_min, plan.sites_max) == (34, 50)  # one site per 2,000–3,000 residents
    assert plan.samplers == 278  # 100,000 ÷ 360, rounded up
    assert (plan.swabs, plan.tubes) == (100_000, 10_000)
    assert plan.tests_per_person == pytest.approx(0.10996, abs=1e-5)
    assert plan.expected_lab_tests == pytest.approx(10_995.5, abs=1)
    assert plan.expected_rechecks == pytest.approx(995.5, abs=1)  # 10 swabs a positive tube, re-sampled
    assert plan.lab_tests_per_day == 10_000


def test_a_shorter_round_needs_more_samplers_and_lab_capacity_but_not_more_sites():
    day = planning.plan(population=36_000, pool_size=10, prevalence=0.001, round_hours=24, **ED9)
    half = planning.plan(population=36_000, pool_size=10, prevalence=0.001, round_hours=12, **ED9)
    assert (day.samplers, half.samplers) == (100, 200)
    assert half.lab_tests_per_day == 2 * day.lab_tests_per_day
    assert (half.sites_min, half.sites_max) == (day.sites_min, day.sites_max) == (12, 18)


def test_totals_sum_the_areas():
    a = planning.plan(population=1000, pool_size=10, prevalence=0.01, round_hours=24, **ED9)
    b = planning.plan(population=500, pool_size=1, prevalence=0.01, round_hours=24, **ED9)
    total = planning.total([a, b])
    assert total["population"] == 1500 and total["tubes"] == 100 + 500
    assert total["expected_lab_tests"] == pytest.approx(a.expected_lab_tests + 500)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        planning.plan(population=10, pool_size=0, prevalence=0.01, round_hours=24, **ED9)
    with pytest.raises(ValueError):
        planning.plan(population=10, pool_size=5, prevalence=1.0, round_hours=24, **ED9)


def test_the_profile_gives_the_numbers(session):
    rules = rules_for(session=session, jurisdiction_code="320102")
    assert rules.profile_id == "ed9"
    assert (rules.pool_sizes, rules.ct_threshold, rules.round_hours) == ((5, 10, 20), 35.0, 24.0)
    assert (rules.people_per_site_min, rules.people_per_site_max, rules.people_per_sampler) == (2000, 3000, 360)
    assert rules.targets() == [6.0, 12.0, 24.0]
    assert [pool_size_for(rules, mode=m, pool_size=10, risk_level=r)
            for m, r in (("single", None), ("household", None), ("pooled", None), ("by_risk", "high"),
                         ("by_risk", "medium"), ("by_risk", "low"))] == [1, 20, 10, 1, 5, 10]


def test_a_pool_size_the_profile_has_not_validated_is_refused(session):
    from fangkong.errors import Invalid

    rules = rules_for(session=session, jurisdiction_code="320102")
    with pytest.raises(Invalid, match="not validated") as err:
        pool_size_for(rules, mode="pooled", pool_size=30, risk_level=None)  # 3 × 10-in-1 re-pooled
    assert err.value.field == "pool_size"
    with pytest.raises(Invalid) as err:
        pool_size_for(rules, mode="by_risk", pool_size=None, risk_level=None)
    assert err.value.field == "risk_level"


def test_a_profile_without_screening_values_falls_back_to_the_ninth_edition(session, actor_of):
    from datetime import datetime, timezone

    from fangkong.protocols import service as profiles

    profiles.select_profile(session=session, actor=actor_of("admin"), jurisdiction_code="320102",
                            profile_id="who_generic", effective_from=datetime(2020, 1, 1, tzinfo=timezone.utc),
                            reason="test")
    rules = rules_for(session=session, jurisdiction_code="320102")
    assert rules.profile_id == "who_generic"
    assert rules.ct_threshold == FALLBACK["ct_positive_threshold"] and rules.pool_sizes == (5, 10, 20)


def test_campaign_plan_counts_each_areas_residents(session, actor_of, campaign):
    plan = service.campaign_plan(session=session, actor=actor_of("epi"), campaign_id=campaign.id, prevalence=0.01)
    by_area = {a["jurisdiction_code"]: a for a in plan["areas"]}
    assert by_area["320102001001009"]["population"] == 12 and by_area["320102001001009"]["tubes"] == 3
    assert by_area["320102001001008"]["population"] == 5 and by_area["320102001001008"]["tubes"] == 5
    assert plan["total"]["population"] == 17 and plan["total"]["samplers"] == 2
    assert plan["profile_id"] == "ed9" and plan["round_hours"] == 24.0
