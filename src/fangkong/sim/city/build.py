"""Build a whole synthetic city from a population size and a seed.

Deterministic: every random draw comes from ``numpy.random.default_rng(seed)`` in a fixed
order, so the same arguments always give identical arrays. Identity columns (names, ID
and phone numbers, place codes) come from a separate stream of the same seed, built on
demand by :func:`fangkong.sim.city.identity.ensure_identity`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from fangkong.sim.city.geography import Geography, build_jurisdictions
from fangkong.sim.city.leisure import favourites, leisure_rates
from fangkong.sim.city.model import KIND_SCHOOL, KIND_WORK, NO_VENUE, City
from fangkong.sim.city.population import Persons, build_persons
from fangkong.sim.city.spatial import zkey
from fangkong.sim.city.venues import TYPE, VenueDraft, cells, concat, hours, place, service_venues, sized
from fangkong.sim.city.work import (
    WEEKDAYS, Roles, choose_roles, classes, commute_targets, fill_places, school_hours, teams, work_hours,
)

REFERENCE_DATE = date(2022, 3, 1)

# Sizes of schools and workplaces (median places, lognormal sigma). Kindergartens: 48.2 M
# children in 291.7k kindergartens (~165 each), primary schools: 107.3 M pupils in 157.9k
# schools (~680 each), MoE statistical bulletin 2020; urban ones are larger, so we use
# 200 and 1,200. Offices (median 25) and factories (median 120): modelling assumptions.
_KINDERGARTEN_SIZE = (200, 0.35)
_SCHOOL_SIZE = (1200, 0.4)
_OFFICE_SIZE = (25, 1.0)
_FACTORY_SIZE = (120, 0.8)
# Factory share of the jobs outside the service venues: 28.7% of China's employed worked
# in industry and 47.7% in services in 2020 (National Bureau of Statistics), so industry
# is ~38% of the non-farm jobs; a city has a little less.
_FACTORY_SHARE = 0.35
# Offices cluster in the old city, factories in the suburbs (weights on the grids' residents).
_OFFICE_CORE_WEIGHT, _FACTORY_CORE_WEIGHT = 2.0, 0.3


@dataclass
class _Assigned:
    venues: VenueDraft
    work_venue: np.ndarray  # int32 per person


def _assign(geo: Geography, persons: Persons, roles: Roles, rng: np.random.Generator) -> _Assigned:
    """Create the venues and send every pupil and worker to one of them."""
    n = persons.age.shape[0]
    pupils_k = np.flatnonzero(roles.kindergarten)
    pupils_s = np.flatnonzero((roles.kind == KIND_SCHOOL) & ~roles.kindergarten)
    workers = rng.permutation(np.flatnonzero(roles.kind == KIND_WORK))
    service = service_venues(geo, n, workers.shape[0], rng)
    n_staff = int(service.places.sum())
    staff, others = workers[:n_staff], workers[n_staff:]
    in_factory = rng.random(others.shape[0]) < _FACTORY_SHARE
    office_workers, factory_workers = others[~in_factory], others[in_factory]

    def venues_for(k: int, size: tuple[float, float], vtype: str, weight: np.ndarray) -> VenueDraft:
        places = sized(k, size[0], size[1], rng)
        return place(geo, np.full(places.shape[0], TYPE[vtype]), places, weight, rng)

    core = np.where(geo.grid_core, 1.0, 0.0)
    groups = [
        (service, staff, True),
        (venues_for(pupils_k.shape[0], _KINDERGARTEN_SIZE, "school", geo.grid_people), pupils_k, False),
        (venues_for(pupils_s.shape[0], _SCHOOL_SIZE, "school", geo.grid_people), pupils_s, False),
        (venues_for(office_workers.shape[0], _OFFICE_SIZE, "office",
                    geo.grid_people * (1 + core * (_OFFICE_CORE_WEIGHT - 1))), office_workers, True),
        (venues_for(factory_workers.shape[0], _FACTORY_SIZE, "factory",
                    geo.grid_people * (1 + core * (_FACTORY_CORE_WEIGHT - 1))), factory_workers, True),
    ]
    work_venue = np.full(n, NO_VENUE, dtype=np.int32)
    first = 0
    for draft, people, commutes in groups:
        lon, lat = persons.home_lon[people], persons.home_lat[people]
        key = commute_targets(lon, lat, geo.box, rng) if commutes else zkey(lon, lat, geo.box)
        ids = np.arange(first, first + len(draft), dtype=np.int32)
        work_venue[people] = fill_places(key, ids, draft.places, zkey(draft.lon, draft.lat, geo.box), rng)
        first += len(draft)
    return _Assigned(venues=concat([g[0] for g in groups]), work_venue=work_venue)


def _timetables(persons: Persons, roles: Roles, venue_type: np.ndarray, work_venue: np.ndarray,
                rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Class or team, hours and weekdays of everyone with a school or a workplace."""
    n = persons.age.shape[0]
    group = np.full(n, -1, dtype=np.int32)
    start = np.zeros(n, dtype=np.int16)
    end = np.zeros(n, dtype=np.int16)
    days = np.zeros(n, dtype=np.uint8)
    pupils = np.flatnonzero(roles.kind == KIND_SCHOOL)
    workers = np.flatnonzero(roles.kind == KIND_WORK)
    group[pupils] = classes(work_venue[pupils], persons.age[pupils], roles.kindergarten[pupils], rng)
    n_classes = int(group[pupils].max()) + 1 if pupils.shape[0] else 0
    school_open, school_close = hours(venue_type[work_venue[pupils]])
    start[pupils], end[pupils] = school_hours(group[pupils], n_classes, school_open, school_close, rng)
    days[pupils] = WEEKDAYS
    vt = venue_type[work_venue[workers]]
    open_min, close_min = hours(vt)
    start[workers], end[workers], days[workers], shift = work_hours(vt, open_min, close_min, rng)
    group[workers] = n_classes + teams(work_venue[workers], shift, rng)
    return dict(work_group=group, work_start=start, work_end=end, work_days=days)


def build_city(*, population: int, seed: int, reference_date: date = REFERENCE_DATE) -> City:
    """A synthetic city of ``population`` residents; the same arguments give identical arrays."""
    if population < 10:
        raise ValueError("population must be at least 10")
    rng = np.random.default_rng(seed)
    geo = build_jurisdictions(population, rng)
    persons = build_persons(population, geo, rng)
    roles = choose_roles(persons.age, persons.sex, rng)
    assigned = _assign(geo, persons, roles, rng)
    v = assigned.venues
    times = _timetables(persons, roles, v.vtype, assigned.work_venue, rng)
    rate = leisure_rates(persons.age, rng)
    fav_start, fav_venue = favourites(persons.home_lon, persons.home_lat, assigned.work_venue, v.vtype, v.lon,
                                      v.lat, geo.box, rng)
    open_min, close_min = hours(v.vtype)
    return City(
        seed=seed,
        age=persons.age, sex=persons.sex, household=persons.household, hh_start=persons.hh_start,
        grid=persons.grid, home_cell=persons.home_cell, home_lon=persons.home_lon, home_lat=persons.home_lat,
        work_kind=roles.kind, work_venue=assigned.work_venue, leisure_rate=rate,
        fav_start=fav_start, fav_venue=fav_venue, **times,
        venue_type=v.vtype, venue_grid=v.grid, venue_cell=cells(v), venue_lon=v.lon, venue_lat=v.lat,
        venue_open=open_min, venue_close=close_min,
        grid_codes=geo.grid_codes, grid_community=geo.grid_community, community_codes=geo.community_codes,
        community_street=geo.community_street, street_codes=geo.street_codes,
        jurisdictions=geo.jurisdictions, reference_date=reference_date,
    )
