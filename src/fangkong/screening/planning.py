"""The planning calculator of a screening round: pure arithmetic, no database.

Numbers and their sources (the values come from the jurisdiction's protocol profile, `[screening]`):
- sampling sites: one per 2,000–3,000 residents; sampling staff = population ÷ 360 for a round of
  24 h (区域核酸检测组织实施指南 第三版, 2022-03-22; shared/reference/protocols-china.md §3.2).
  The staff rule is a throughput (360 swabs per sampler per 24 h), so a shorter round needs
  proportionally more samplers; the site rule is about distance to walk and is not scaled.
- expected lab tests per person with two-stage (Dorfman 1943) pooling of k swabs at prevalence p:
  E(k, p) = 1/k + 1 − (1 − p)^k (epi-methods.md §6); e.g. E(10, 0.001) = 0.1100. In China's N合1
  the second stage is a new single-tube sample of each member of a positive tube, not a lab re-run,
  so the expected re-checks are also swabs and single tubes to collect.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

HOURS_PER_DAY = 24.0


def tests_per_person(pool_size: int, prevalence: float) -> float:
    """Dorfman's expected tests per person, E(k, p) = 1/k + 1 − (1 − p)^k; 1 for single tubes."""
    if pool_size <= 1:
        return 1.0
    return 1.0 / pool_size + 1.0 - (1.0 - prevalence) ** pool_size


def positive_tube_share(pool_size: int, prevalence: float) -> float:
    """The chance that a tube of k swabs holds at least one positive: 1 − (1 − p)^k."""
    return 1.0 - (1.0 - prevalence) ** max(pool_size, 1)


@dataclass(frozen=True)
class Plan:
    population: int
    pool_size: int
    prevalence: float
    round_hours: float
    sites_min: int
    sites_max: int
    samplers: int
    swabs: int
    tubes: int
    tests_per_person: float
    expected_positive_tubes: float
    expected_rechecks: float
    expected_lab_tests: float
    lab_tests_per_day: int

    def as_dict(self) -> dict:
        return asdict(self)


def plan(*, population: int, pool_size: int, prevalence: float, round_hours: float, people_per_site_min: float,
         people_per_site_max: float, people_per_sampler: float) -> Plan:
    """Sites, staff, swabs, tubes and lab work for one round of `population` residents.

    `people_per_sampler` is the 24 h throughput of one sampler; `lab_tests_per_day` is the lab
    capacity that tests every first-stage tube within the round.
    """
    if population < 0 or pool_size < 1 or not 0 <= prevalence < 1 or round_hours <= 0:
        raise ValueError("population ≥ 0, pool size ≥ 1, 0 ≤ prevalence < 1 and round hours > 0")
    tubes = math.ceil(population / pool_size)
    positive_share = positive_tube_share(pool_size, prevalence)
    rechecks = population * positive_share if pool_size > 1 else 0.0
    per_person = tests_per_person(pool_size, prevalence)
    return Plan(
        population=population, pool_size=pool_size, prevalence=prevalence, round_hours=round_hours,
        sites_min=math.ceil(population / people_per_site_max), sites_max=math.ceil(population / people_per_site_min),
        samplers=math.ceil(population * HOURS_PER_DAY / (people_per_sampler * round_hours)),
        swabs=population, tubes=tubes, tests_per_person=round(per_person, 6),
        expected_positive_tubes=round(tubes * positive_share, 3), expected_rechecks=round(rechecks, 3),
        expected_lab_tests=round(population * per_person, 3),
        lab_tests_per_day=math.ceil(tubes * HOURS_PER_DAY / round_hours),
    )


SUMMED = ("population", "sites_min", "sites_max", "samplers", "swabs", "tubes", "expected_positive_tubes",
          "expected_rechecks", "expected_lab_tests", "lab_tests_per_day")


def total(plans: list[Plan]) -> dict:
    """The sums over several areas' plans (each area gets its own sites and staff)."""
    out = {key: sum(getattr(p, key) for p in plans) for key in SUMMED}
    for key in ("expected_positive_tubes", "expected_rechecks", "expected_lab_tests"):
        out[key] = round(out[key], 3)
    out["tests_per_person"] = round(out["expected_lab_tests"] / out["population"], 6) if out["population"] else None
    return out
