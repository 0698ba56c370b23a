"""Leisure: how often each resident goes out, and the handful of places they go to.

Each resident has 3-6 favourite venues, mostly near home: a favourite of a given type is
the venue of that type closest (along the Z-order curve) to a point a short random
distance from home. Everyday places (restaurants, markets) are sought close by; malls,
hospitals, stations and KTVs further away.
"""

from __future__ import annotations

import numpy as np

from fangkong.sim.city.model import VENUE_TYPES
from fangkong.sim.city.spatial import Box, displace, nearest_on_curve

# Mean leisure visits per working day by age (from, to, mean). Modelling assumption (no
# survey figure found): about 0.6 a day for adults, fewer for the very young and the very
# old; with work and school this gives ~1.0-1.1 venue visits per resident on a working day.
_LEISURE_MEAN = ((0, 3, 0.15), (3, 18, 0.4), (18, 60, 0.62), (60, 75, 0.6), (75, 200, 0.3))
# Shape of the gamma distribution of personal rates: some go out far more than others.
_RATE_SHAPE = 2.0

# Favourite venue types: (type, share of favourites, mean distance from home in km).
# Modelling assumptions. Hospitals at 4% of favourites give ~7 hospital visits per
# resident a year, near China's 5.5 outpatient visits per person (NHC bulletin 2020).
FAVOURITE_TYPES: tuple[tuple[str, float, float], ...] = (
    ("restaurant", 0.40, 1.0), ("market", 0.14, 0.7), ("supermarket", 0.14, 1.0), ("mall", 0.08, 3.0),
    ("gym", 0.06, 1.5), ("ktv", 0.04, 2.5), ("hospital", 0.04, 2.5), ("transport_hub", 0.10, 2.0),
)
FAVOURITES_MIN, FAVOURITES_MAX = 3, 6


def leisure_rates(age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Expected leisure visits per day of each resident (gamma-distributed around the age mean)."""
    mean = np.zeros(age.shape[0])
    for lo, hi, m in _LEISURE_MEAN:
        mean[(age >= lo) & (age < hi)] = m
    return rng.gamma(_RATE_SHAPE, mean / _RATE_SHAPE).astype(np.float32)


def favourites(home_lon: np.ndarray, home_lat: np.ndarray, work_venue: np.ndarray, venue_type: np.ndarray,
               venue_lon: np.ndarray, venue_lat: np.ndarray, box: Box,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(fav_start, fav_venue): each resident's favourite venues in CSR form, sorted and distinct.

    A person's own workplace is never a favourite, so a visit there is always work.
    """
    n = home_lon.shape[0]
    k = rng.integers(FAVOURITES_MIN, FAVOURITES_MAX + 1, size=n)
    person = np.repeat(np.arange(n, dtype=np.int64), k)
    share = np.array([t[1] for t in FAVOURITE_TYPES])
    kind = rng.choice(len(FAVOURITE_TYPES), size=person.shape[0], p=share / share.sum())
    venue = np.full(person.shape[0], -1, dtype=np.int64)
    for i, (name, _, reach_km) in enumerate(FAVOURITE_TYPES):
        rows = np.flatnonzero(kind == i)
        candidates = np.flatnonzero(venue_type == VENUE_TYPES.index(name))
        if rows.shape[0] == 0 or candidates.shape[0] == 0:
            continue
        q_lon, q_lat = displace(home_lon[person[rows]], home_lat[person[rows]], reach_km, box, rng)
        venue[rows] = candidates[nearest_on_curve(q_lon, q_lat, venue_lon[candidates], venue_lat[candidates], box)]
    # Two draws can land on the same venue: keep each (person, venue) once.
    n_venues = max(1, venue_type.shape[0])
    keep = (venue >= 0) & (venue != work_venue[person])
    pair = np.sort(person[keep] * n_venues + venue[keep])  # np.sort + diff: much faster than np.unique here
    pair = pair[np.append(True, pair[1:] != pair[:-1])]
    fav_person, fav_venue = np.divmod(pair, n_venues)
    fav_start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(fav_person, minlength=n), out=fav_start[1:])
    return fav_start, fav_venue.astype(np.int32)
