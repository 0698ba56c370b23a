"""The demo city: a simulated city and outbreak, as the records ``fangkong demo`` stores.

Built on the simulator (:mod:`fangkong.sim`): the city's jurisdictions and residents come from
:func:`fangkong.sim.city.build_city`, the cases from a run of :func:`fangkong.sim.run_sim` on it
(:mod:`~fangkong.demo.simulation` sets the run up, :mod:`~fangkong.demo.cases` turns what the
run observed into case records, :mod:`~fangkong.demo.persons` turns the residents into person
records). Person ``i`` of the demo is person ``i`` of the simulation, so the run's check-ins and
presence (written by :func:`write_simulation`) belong to the people in the database.

Deterministic: the same arguments always give the same city, cases and run. Province, city and
district codes and names are real (GB/T 2260); everything below district level, and every
person, name, ID and phone number, is synthetic (see :mod:`fangkong.sim.city`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from fangkong.demo.cases import demo_cases, observed
from fangkong.demo.models import DemoCase, DemoCity, DemoJurisdiction, DemoPerson, DemoSimulation
from fangkong.demo.persons import demo_persons
from fangkong.demo.simulation import plan, simulate
from fangkong.sim.city import City, build_city as build_sim_city, write_city
from fangkong.sim.city.geography import _polygon

__all__ = ["DemoCase", "DemoCity", "DemoJurisdiction", "DemoPerson", "build_city", "write_simulation"]

_STREAM = 0xDE  # the demo's own draws (addresses, duplicates, report delays): default_rng([seed, _STREAM])


def build_city(
    *, seed: int = 2022, persons: int = 5000, cases: int = 300, end: date = date(2022, 4, 30), days: int = 35
) -> DemoCity:
    """Build the demo city: its jurisdictions, `persons` residents (+ 6 planted near-duplicates at
    the end of the list) and at most `cases` cases diagnosed in the `days` days ending at `end`,
    from an outbreak simulated on the city. The same arguments always give the same city.
    """
    if persons < 10:
        raise ValueError("persons must be at least 10")
    if cases < 0 or cases > persons:
        raise ValueError("cases must be between 0 and persons")
    if days < 1:
        raise ValueError("days must be at least 1")
    city = build_sim_city(population=persons, seed=seed, reference_date=end)
    rng = np.random.default_rng([seed, _STREAM])
    if cases:
        run, result = simulate(city=city, seed=seed, cases=cases, end=end, days=days,
                               count=lambda r: len(observed(r, end=end)))
        case_list = demo_cases(result, end=end, limit=cases, rng=rng)
    else:
        run, case_list = plan(seed=seed, seeds=0, end=end, days=days), []
    x0, y0, x1, y1 = extent(city)
    return DemoCity(jurisdictions=jurisdictions(city), persons=demo_persons(city, rng=rng), cases=case_list,
                    center=(round((x0 + x1) / 2, 6), round((y0 + y1) / 2, 6)),
                    simulation=DemoSimulation(city=city, run=run))


def extent(city: City) -> tuple[float, float, float, float]:
    """(lon0, lat0, lon1, lat1): the rectangle the city's districts tile."""
    j = city.jurisdictions
    corners = np.array([p for b, level in zip(j.boundary, j.level) if level == "district" for p in b["coordinates"][0]])
    return (*corners.min(axis=0).tolist(), *corners.max(axis=0).tolist())


def jurisdictions(city: City) -> list[DemoJurisdiction]:
    """The city's tree, parents first; the city node (no boundary in the simulator) gets its extent."""
    j = city.jurisdictions
    box = _polygon(extent(city))
    return [DemoJurisdiction(code, level, name, name_en, parent, box if level == "city" else boundary)
            for code, parent, level, name, name_en, boundary
            in zip(j.code, j.parent_code, j.level, j.name, j.name_en, j.boundary)]


def write_simulation(*, city: DemoCity, folder: Path) -> tuple[Path, Path]:
    """Write the demo's simulated city and run (check-ins, visits, presence, truth) under `folder`.

    The run is repeated with its files written; being deterministic, it is the run the cases came
    from. Returns the city folder and the run folder.
    """
    sim = city.simulation
    if sim is None:
        raise ValueError("this demo city was not built by build_city")
    city_dir, run_dir = Path(folder) / "city", Path(folder) / "run"
    write_city(sim.city, city_dir)
    sim.run.run(sim.city, out=run_dir)
    return city_dir, run_dir
