"""Residents of the synthetic city: ages, sexes, households and homes.

Ages follow an urban age pyramid and household sizes the census distribution. Members
are put into households by matching ranks: every non-head place in a household gets a
target age from its role (partner: about the head's age; child: a generation younger;
in some large households a grandparent: a generation older), and the residents, sorted by
age, fill the places sorted by target age. That keeps the pyramid exact and gives
plausible families (every household is headed by an adult, children live with adults)
without a loop over households.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fangkong.geo.cells import cell_id
from fangkong.sim.city.geography import Geography
from fangkong.sim.city.spatial import points_in_rects

# Age structure by 10-year band: 0-9, 10-19, ..., 70-79, 80+. Approximate shares in
# whole percents after China 7th national census 2020, urban population by age (urban
# China is younger than rural China; nationally 0-14 was ~18% and 60+ ~19%). These are
# rounded, approximate figures for a plausible pyramid, not census values.
_AGE_BAND_SHARES = np.array([11, 10, 14, 18, 15, 15, 10, 5, 2], dtype=float) / 100.0
_OLDEST_AGE = 95  # the open 80+ band is drawn uniformly from 80 to 95
# Family households by size 1..7 (7 = "7 or more"), China 7th national census 2020:
# 1-person 25.39%, 2-person 29.68%, 3-person 20.99%, 4-person 13.17%, 5-person 6.19%
# (as published); 6 and 7+ split the remaining 4.58% (approximate) so that the mean
# comes out at the census's 2.62 persons per family household.
HOUSEHOLD_SIZE_SHARES = np.array([25.39, 29.68, 20.99, 13.17, 6.19, 2.83, 1.75]) / 100.0
# 51.24% of China's residents are male (7th national census 2020: sex ratio 105.07).
MALE_SHARE = 0.5124
ADULT_AGE = 18
# Mean age gap between generations: mean age of mothers at childbirth in China is about
# 28-29 years (7th census 2020 fertility tables; approximate).
_GENERATION_GAP = 28.0
# Modelling assumptions: few 18-21-year-olds head a household (most are students living
# with parents or in dormitories); 30% of households of 4+ include a grandparent
# generation (three-generation homes are common in China, not a census figure).
_YOUNG_HEAD_WEIGHT = 0.15
_ELDER_SHARE = 0.3


@dataclass
class Persons:
    """Residents ordered by household; households ordered by grid."""

    age: np.ndarray  # int16
    sex: np.ndarray  # int8, 1 male
    household: np.ndarray  # int32
    hh_start: np.ndarray  # int64 (H + 1)
    grid: np.ndarray  # int32
    home_lon: np.ndarray  # float64
    home_lat: np.ndarray  # float64
    home_cell: np.ndarray  # int64


def _households(rng: np.random.Generator, n: int, shares: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """(number of households, index of each household's first member, household per person).

    ``shares[k]`` is the share of households of size ``k + 1``.
    """
    # Household sizes until they hold n persons; the last household is trimmed to fit.
    size_values = np.arange(1, len(shares) + 1)
    sizes = rng.choice(size_values, size=n // 2 + 16, p=shares)
    while sizes.sum() < n:
        sizes = np.concatenate([sizes, rng.choice(size_values, size=n // 2 + 16, p=shares)])
    cum = np.cumsum(sizes)
    h = int(np.searchsorted(cum, n)) + 1
    sizes = sizes[:h].copy()
    sizes[-1] -= int(cum[h - 1] - n)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    household = np.repeat(np.arange(h), sizes)
    return h, starts, household


def pyramid_ages(rng: np.random.Generator, n: int) -> np.ndarray:
    """Whole-year ages from the urban age pyramid (10-year bands)."""
    band = rng.choice(len(_AGE_BAND_SHARES), size=n, p=_AGE_BAND_SHARES)
    width = np.where(band == len(_AGE_BAND_SHARES) - 1, _OLDEST_AGE - 80, 10)
    return (band * 10 + np.floor(rng.random(n) * width)).astype(np.int16)


def _pick_heads(rng: np.random.Generator, age: np.ndarray, h: int) -> np.ndarray:
    """``h`` distinct adults, young adults less often (weighted sampling without replacement)."""
    adult = age >= ADULT_AGE
    if int(adult.sum()) < h:  # tiny or odd populations: the oldest residents head households
        return rng.permutation(np.argsort(-age, kind="stable")[:h])
    w = np.where(age < 22, _YOUNG_HEAD_WEIGHT, 1.0)
    # Efraimidis-Spirakis: the h largest log(U) / w are a weighted sample without replacement.
    key = np.where(adult, np.log(rng.random(age.shape[0])) / w, -np.inf)
    heads = np.argpartition(-key, h - 1)[:h]
    return rng.permutation(np.sort(heads))


def compose(rng: np.random.Generator, age: np.ndarray, hh_start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Put the residents with ages ``age`` into households: (age, sex) in household order."""
    n, h = age.shape[0], hh_start.shape[0] - 1
    sizes = np.diff(hh_start)
    household = np.repeat(np.arange(h), sizes)
    slot = np.arange(n) - hh_start[household]
    heads = _pick_heads(rng, age, h)
    rest = np.setdiff1d(np.arange(n), heads, assume_unique=True)

    head_age = age[heads].astype(np.float64)[household]
    elder_home = (sizes >= 4) & (rng.random(h) < _ELDER_SHARE)
    is_elder = elder_home[household] & (slot == sizes[household] - 1)
    noise = rng.standard_normal(n)
    target = np.where(slot == 1, head_age + 3 * noise, head_age - _GENERATION_GAP + 6 * noise)
    target = np.where(is_elder, head_age + _GENERATION_GAP + 4 * noise, target)
    places = np.flatnonzero(slot > 0)
    out = np.empty(n, dtype=np.int16)
    out[hh_start[:-1]] = age[heads]
    # Rank matching: the k-th youngest non-head takes the place with the k-th lowest target.
    by_age = rest[np.argsort(age[rest] + rng.random(rest.shape[0]), kind="stable")]
    out[places[np.argsort(target[places], kind="stable")]] = age[by_age]

    male = rng.random(n) < MALE_SHARE
    head_male = male[hh_start[:-1]][household]
    # An adult of the head's generation in place 1 is the head's partner, of the other sex.
    partner = (slot == 1) & (out >= ADULT_AGE) & (np.abs(out - age[heads][household]) <= 15)
    male = np.where(partner, ~head_male, male)
    return out, male.astype(np.int8)


def build_persons(population: int, geo: Geography, rng: np.random.Generator) -> Persons:
    """Residents, households and homes for a city of ``population``."""
    h, starts, _ = _households(rng, population, HOUSEHOLD_SIZE_SHARES)
    hh_start = np.append(starts, population).astype(np.int64)
    age, sex = compose(rng, pyramid_ages(rng, population), hh_start)
    # Households choose grids in proportion to the grids' planned residents; sorting the
    # draws keeps each grid's households (and so its residents) contiguous.
    p = geo.grid_people / geo.grid_people.sum()
    hh_grid = np.sort(rng.choice(p.shape[0], size=h, p=p)).astype(np.int32)
    hh_lon, hh_lat = points_in_rects(geo.grid_rect, hh_grid, rng)
    sizes = np.diff(hh_start)
    return Persons(
        age=age,
        sex=sex,
        household=np.repeat(np.arange(h, dtype=np.int32), sizes),
        hh_start=hh_start,
        grid=np.repeat(hh_grid, sizes),
        home_lon=np.repeat(hh_lon, sizes),
        home_lat=np.repeat(hh_lat, sizes),
        home_cell=np.repeat(cell_id(hh_lon, hh_lat), sizes),
    )
