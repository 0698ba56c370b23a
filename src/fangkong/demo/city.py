"""A small synthetic city with a seeded outbreak, for ``fangkong demo``.

Pure and deterministic: :func:`build_city` depends only on its arguments (all randomness
comes from ``numpy.random.default_rng(seed)``; no global random state, no clock, no I/O).
It is a stand-in until the full simulator lands, so it aims at *plausible* data, not at a
model of any real epidemic.

What is real and what is invented:

* Province 320000 江苏省, city 320100 南京市 and the five district codes and names
  (GB/T 2260) are real. The district rectangles only roughly follow the real layout
  (Pukou on the west bank of the Yangtze, Gulou/Xuanwu north, Jianye/Qinhuai south).
* Everything below district level (streets, communities, grids, their codes, names and
  boundaries) is invented; any resemblance to a real subdivision is coincidental. The
  geography does not depend on ``seed``: only the population and the outbreak do.
* Persons, names, ID numbers and phone numbers are synthetic. ID numbers are
  well-formed (they pass ``stdnum.cn.ric.is_valid``) and may by chance coincide with a
  real person's number; they must never be used outside demos and tests.

The work is split by sub-domain: :mod:`~fangkong.demo.models` (the record types),
:mod:`~fangkong.demo.geography` (jurisdiction tree and polygons),
:mod:`~fangkong.demo.population` and :mod:`~fangkong.demo.identity` (households, ages,
names, ID and phone numbers), :mod:`~fangkong.demo.transmission` and
:mod:`~fangkong.demo.outbreak` (the seeded outbreak). This module ties them together.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from fangkong.demo.geography import _build_geography, _round6
from fangkong.demo.models import DemoCase, DemoCity, DemoJurisdiction, DemoPerson
from fangkong.demo.outbreak import _build_cases
from fangkong.demo.population import _build_persons

__all__ = ["DemoCase", "DemoCity", "DemoJurisdiction", "DemoPerson", "build_city"]


def build_city(
    *, seed: int = 2022, persons: int = 5000, cases: int = 300, end: date = date(2022, 4, 30), days: int = 35
) -> DemoCity:
    """Build the demo city: jurisdictions, `persons` residents (+ 6 planted near-duplicates
    at the end of the list) and `cases` cases with onset dates in the `days` days ending
    at `end`. The same arguments always give the same city.

    Every district gets at least 5 cases when ``cases >= 25`` (fewer cases are spread as
    evenly as that allows).
    """
    if persons < 1:
        raise ValueError("persons must be at least 1")
    if cases < 0 or cases > persons:
        raise ValueError("cases must be between 0 and persons")
    if days < 1:
        raise ValueError("days must be at least 1")
    rng = np.random.default_rng(seed)
    geo = _build_geography()
    pop = _build_persons(rng, geo, persons, end)
    case_list = _build_cases(rng, geo, pop, persons, cases, end, days)
    x0, y0, x1, y1 = geo.box
    center = (_round6((x0 + x1) / 2), _round6((y0 + y1) / 2))
    return DemoCity(jurisdictions=geo.jurisdictions, persons=pop.persons, cases=case_list, center=center)
