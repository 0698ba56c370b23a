"""The synthetic city: deterministic, census-shaped, a tree whose codes nest, venues where they say."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fangkong.geo.cells import cell_id
from fangkong.geo.levels import check_code
from fangkong.sim.city import City, build_city
from fangkong.sim.city.model import KIND_NONE, KIND_SCHOOL, KIND_WORK, NO_VENUE, VENUE_TYPES, WORK_TYPES
from fangkong.sim.city.population import _AGE_BAND_SHARES

N = 20_000


@pytest.fixture(scope="module")
def city() -> City:
    return build_city(population=N, seed=11)


def arrays(c: City) -> dict[str, np.ndarray]:
    return {f.name: getattr(c, f.name) for f in dataclasses.fields(c) if isinstance(getattr(c, f.name), np.ndarray)}


def test_same_seed_same_city_other_seed_other_city(city):
    again, other = build_city(population=N, seed=11), build_city(population=N, seed=12)
    for name, a in arrays(city).items():
        assert a.dtype == arrays(again)[name].dtype and np.array_equal(a, arrays(again)[name]), name
    assert again.jurisdictions == city.jurisdictions
    assert not np.array_equal(city.age, other.age) and not np.array_equal(city.home_lon, other.home_lon)


def test_households_census_sized_and_headed_by_adults(city):
    sizes = np.diff(city.hh_start)
    assert city.hh_start[0] == 0 and city.hh_start[-1] == N and (sizes >= 1).all()
    assert 2.5 <= sizes.mean() <= 2.8  # census 2020: 2.62
    assert np.array_equal(city.household, np.repeat(np.arange(city.n_households), sizes))
    oldest = np.maximum.reduceat(city.age, city.hh_start[:-1])
    assert (oldest >= 18).all()  # every child lives with an adult
    # Everyone in a household shares the home.
    first = city.hh_start[:-1][city.household]
    assert np.array_equal(city.home_cell, city.home_cell[first]) and np.array_equal(city.grid, city.grid[first])


def test_age_pyramid_and_sex_ratio(city):
    band = np.minimum(city.age // 10, len(_AGE_BAND_SHARES) - 1)
    shares = np.bincount(band, minlength=len(_AGE_BAND_SHARES)) / N
    assert np.abs(shares - _AGE_BAND_SHARES).max() < 0.015
    assert 0.48 < city.sex.mean() < 0.53


def test_jurisdiction_codes_nest(city):
    j = city.jurisdictions
    level_of = dict(zip(j.code, j.level))
    assert len(set(j.code)) == len(j.code)
    for code, parent, level in zip(j.code, j.parent_code, j.level):
        assert check_code(code, level, parent, level_of.get(parent) if parent else None) is None, code
    districts = [c for c, lv in zip(j.code, j.level) if lv == "district"]
    assert 3 <= len(districts) <= 11 and {"320102", "320104", "320105"} <= set(districts)
    assert all(len(c) == 15 for c in city.grid_codes)
    assert all(city.grid_codes[g].startswith(city.community_codes[c]) for g, c in enumerate(city.grid_community))
    assert all(city.community_codes[c].startswith(city.street_codes[s]) for c, s in enumerate(city.community_street))


def test_small_city_still_has_a_tree_worth_drilling_into():
    small = build_city(population=2_000, seed=1)
    levels = small.jurisdictions.level
    assert levels.count("district") == 3 and levels.count("street") >= 9
    assert levels.count("community") >= 18 and levels.count("grid") >= 36
    assert len(np.unique(small.home_cell)) >= 4


def _rects(city: City) -> np.ndarray:
    by_code = dict(zip(city.jurisdictions.code, city.jurisdictions.boundary))
    ring = [by_code[c]["coordinates"][0] for c in city.grid_codes]
    return np.array([[r[0][0], r[0][1], r[2][0], r[2][1]] for r in ring])


def test_homes_and_venues_lie_in_their_grid_and_cell(city):
    rect = _rects(city)
    for lon, lat, grid, cell in ((city.home_lon, city.home_lat, city.grid, city.home_cell),
                                 (city.venue_lon, city.venue_lat, city.venue_grid, city.venue_cell)):
        r = rect[grid]
        assert ((lon > r[:, 0]) & (lon < r[:, 2]) & (lat > r[:, 1]) & (lat < r[:, 3])).all()
        assert np.array_equal(cell, cell_id(lon, lat))
    # Grids hold a few hundred households in a big city; here at least dozens.
    assert np.bincount(city.grid[city.hh_start[:-1]]).mean() > 50


def test_venues_have_types_hours_and_capacity(city):
    counts = np.bincount(city.venue_type, minlength=len(VENUE_TYPES))
    assert (counts > 0).all()
    assert 50 <= counts[VENUE_TYPES.index("restaurant")] <= 120  # ~1 per 250 residents
    assert (city.venue_open < city.venue_close).all() and (city.venue_close <= 1440).all()
    ktv = city.venue_type == VENUE_TYPES.index("ktv")
    assert (city.venue_open[ktv] == 840).all() and (city.venue_close[ktv] == 1440).all()


def test_school_and_work(city):
    kind = city.work_kind
    school_age = (city.age >= 6) & (city.age < 15)
    assert (kind[school_age] == KIND_SCHOOL).mean() > 0.95
    assert (kind[city.age >= 60] == KIND_NONE).all() and (kind[city.age < 3] == KIND_NONE).all()
    assert 0.6 < (kind[(city.age >= 25) & (city.age < 50)] == KIND_WORK).mean() < 0.95
    has = kind != KIND_NONE
    assert (city.work_venue[has] != NO_VENUE).all() and (city.work_venue[~has] == NO_VENUE).all()
    assert (city.work_days[~has] == 0).all() and (city.work_group[~has] == -1).all()
    vt = np.asarray(VENUE_TYPES)[city.venue_type[city.work_venue[has]]]
    assert (vt[kind[has] == KIND_SCHOOL] == "school").all()
    assert np.isin(vt[kind[has] == KIND_WORK], WORK_TYPES).all()
    # Work hours sit inside opening hours with room for the day-to-day jitter.
    v = city.work_venue[has]
    assert (city.work_start[has] >= city.venue_open[v] + 15).all()
    assert (city.work_end[has] <= city.venue_close[v] - 15).all()
    assert (city.work_end[has] - city.work_start[has] >= 60).all()
    # Classes and teams: one venue each, about 40 and 15 members.
    g = city.work_group[has]
    assert len(np.unique(np.stack([g, v]), axis=1).T) == len(np.unique(g))
    sizes = np.bincount(g)
    assert sizes.max() <= 40 and 8 <= np.median(sizes[sizes > 0]) <= 40


def test_commutes_are_mostly_short(city):
    has = city.work_kind == KIND_WORK
    v = city.work_venue[has]
    km = np.hypot((city.venue_lon[v] - city.home_lon[has]) * 94.4, (city.venue_lat[v] - city.home_lat[has]) * 110.6)
    assert np.median(km) < 3.0


def test_favourites_and_leisure(city):
    count = np.diff(city.fav_start)
    assert city.fav_start[0] == 0 and city.fav_start[-1] == city.fav_venue.shape[0]
    assert count.min() >= 1 and count.max() <= 6 and count.mean() > 3
    leisure = {VENUE_TYPES.index(t) for t in
               ("restaurant", "market", "supermarket", "mall", "gym", "ktv", "hospital", "transport_hub")}
    assert set(np.unique(city.venue_type[city.fav_venue])) <= leisure
    person = np.repeat(np.arange(N), count)
    assert len(np.unique(person * city.n_venues + city.fav_venue)) == city.fav_venue.shape[0]  # distinct
    assert city.leisure_rate.dtype == np.float32 and 0.35 < city.leisure_rate.mean() < 0.65
    assert city.leisure_rate[city.age < 3].mean() < city.leisure_rate[(city.age >= 18) & (city.age < 60)].mean()
