"""One day of visits and cell presence: who may go where, when, without overlaps, covering the day."""

from __future__ import annotations

import numpy as np
import pytest

from fangkong.sim.city import City, Visits, build_city, day_presence, day_visits
from fangkong.sim.city.model import KIND_NONE, VENUE_TYPES


@pytest.fixture(scope="module")
def city() -> City:
    return build_city(population=10_000, seed=21)


def visits_of(city: City, seed: int = 1, **kw) -> Visits:
    kw.setdefault("weekday", 2)
    return day_visits(city, day=0, rng=np.random.default_rng(seed), **kw)


def assert_valid(city: City, v: Visits) -> None:
    assert (v.time_in < v.time_out).all()
    assert (v.time_in >= city.venue_open[v.venue]).all() and (v.time_out <= city.venue_close[v.venue]).all()
    key = v.venue.astype(np.int64) * 2000 + v.time_in
    assert (np.diff(key) >= 0).all()  # sorted by (venue, time_in)
    order = np.lexsort((v.time_in, v.person))
    p, t_in, t_out = v.person[order], v.time_in[order], v.time_out[order]
    same = p[1:] == p[:-1]
    assert (t_in[1:][same] >= t_out[:-1][same]).all()  # no person is in two places at once


def test_a_weekday_has_work_school_and_leisure(city):
    v = visits_of(city)
    assert_valid(city, v)
    assert 0.8 < len(v) / city.n_persons < 1.4
    kinds = np.bincount(city.venue_type[v.venue], minlength=len(VENUE_TYPES))
    assert kinds[VENUE_TYPES.index("school")] > 0.9 * (city.work_kind == 1).sum()
    assert kinds[VENUE_TYPES.index("restaurant")] > 0
    assert v.scanned.all()
    at_work = v.venue == city.work_venue[v.person]
    assert (city.work_kind[v.person[at_work]] != KIND_NONE).all()
    # Attendance stays within a quarter of an hour of the usual hours.
    assert (np.abs(v.time_in[at_work] - city.work_start[v.person[at_work]]) <= 15).all()


def test_weekends_have_no_school(city):
    v = visits_of(city, weekday=6)
    assert_valid(city, v)
    assert not (city.venue_type[v.venue] == VENUE_TYPES.index("school")).any()


def test_inactive_persons_and_closed_venues_get_no_visits(city):
    rng = np.random.default_rng(3)
    active = rng.random(city.n_persons) < 0.7
    venue_open = rng.random(city.n_venues) < 0.7
    v = visits_of(city, active=active, venue_open=venue_open)
    assert_valid(city, v)
    assert active[v.person].all() and venue_open[v.venue].all()
    assert len(visits_of(city, active=np.zeros(city.n_persons, bool))) == 0


def test_same_generator_state_same_visits(city):
    a, b, c = visits_of(city, seed=4), visits_of(city, seed=4), visits_of(city, seed=5)
    for f in ("person", "venue", "time_in", "time_out", "scanned"):
        assert np.array_equal(getattr(a, f), getattr(b, f))
    assert len(a) != len(c) or not np.array_equal(a.person, c.person)


def test_scan_compliance(city):
    v = visits_of(city, scan_compliance=0.5)
    assert 0.45 < v.scanned.mean() < 0.55
    assert not visits_of(city, scan_compliance=0.0).scanned.any()


def test_presence_covers_every_day_exactly(city):
    rng = np.random.default_rng(8)
    active = rng.random(city.n_persons) < 0.8
    v = visits_of(city, active=active)
    pr = day_presence(city, v, active=active)
    order = np.lexsort((pr.start_min, pr.person))
    p, cell, s, e = pr.person[order], pr.cell[order], pr.start_min[order], pr.end_min[order]
    first = np.append(True, p[1:] != p[:-1])
    last = np.append(first[1:], True)
    assert np.array_equal(p[first], np.arange(city.n_persons))  # everyone, from midnight
    assert (s[first] == 0).all() and (e[last] == 1440).all() and (e > s).all()
    assert (s[~first] == e[np.flatnonzero(~first) - 1]).all()  # no gaps, no overlaps
    assert (cell[~first] != cell[np.flatnonzero(~first) - 1]).all()  # neighbours merged
    # The quarantined stay home all day.
    home_all_day = np.bincount(p, minlength=city.n_persons) == 1
    assert home_all_day[~active].all() and (cell[first][~active] == city.home_cell[~active]).all()


def test_presence_matches_a_minute_by_minute_replay(city):
    v = visits_of(city, seed=6)
    pr = day_presence(city, v)
    busy = np.flatnonzero(np.bincount(v.person, minlength=city.n_persons) >= 2)[:200]
    for q in busy:
        minute = np.full(1440, city.home_cell[q])
        for i in np.flatnonzero(v.person == q):
            minute[v.time_in[i]:v.time_out[i]] = city.venue_cell[v.venue[i]]
        rows = np.flatnonzero(pr.person == q)
        rows = rows[np.argsort(pr.start_min[rows])]
        replay = np.concatenate([np.full(pr.end_min[r] - pr.start_min[r], pr.cell[r]) for r in rows])
        assert np.array_equal(replay, minute), q
