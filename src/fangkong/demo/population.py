"""Demo city population: households, the age pyramid, grids, addresses and persons.

Persons are synthetic; see :mod:`fangkong.demo.identity` for their names, ID numbers and
phone numbers. A few planted near-duplicates go at the end of the list for the dedup
review queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from fangkong.demo.geography import _Geography
from fangkong.demo.identity import (
    _LOCAL_REGISTRATION,
    _MOBILE_PREFIXES,
    _SURNAMES,
    _changed_name,
    _id_region,
    _mistyped_id,
    _person_name,
    _resident_id,
    _surname_weights,
    _unique_phone,
)
from fangkong.demo.models import DemoPerson

# Age structure by 10-year band: 0-9, 10-19, ..., 70-79, 80+. Approximate shares in
# whole percents after China 7th national census 2020, urban population by age (urban
# China is younger than rural China; nationally 0-14 was ~18% and 60+ ~19%). These are
# rounded, approximate figures for a plausible pyramid, not census values.
_AGE_BAND_SHARES = np.array([11, 10, 14, 18, 15, 15, 10, 5, 2], dtype=float) / 100.0
_OLDEST_AGE = 95  # the open 80+ band is drawn uniformly from 80 to 95

# Household size 1..6 (6 standing for "6 or more"). China 7th national census 2020:
# average household size 2.62; shares of 1-, 2-, 3-, 4- and 5+-person households roughly
# 25%, 30%, 21%, 13% and 11% (approximate, rounded). Mean of this table ~2.6.
_HOUSEHOLD_SIZE_SHARES = np.array([25, 30, 21, 13, 7, 4], dtype=float) / 100.0
_ADULT_AGE = 18


@dataclass
class _Population:
    persons: list[DemoPerson]
    ages: np.ndarray  # age in whole years at `end`, per person (duplicates included)
    grid: np.ndarray  # grid index per person
    household: np.ndarray  # household index per person
    n_households: int


@dataclass
class _Draws:
    """Per-person random draws, made up front in a fixed order (index = person)."""

    is_male: np.ndarray
    surname_idx: np.ndarray
    one_char: np.ndarray
    g1: np.ndarray
    g2: np.ndarray
    birth_ordinals: np.ndarray
    local: np.ndarray
    region_u: np.ndarray
    seq_hi: np.ndarray
    seq_lo: np.ndarray
    phone_prefix: np.ndarray
    phone_rest: np.ndarray


def _build_persons(rng: np.random.Generator, geo: _Geography, n: int, end: date) -> _Population:
    h, starts, household = _households(rng, n)
    age_days = _ages_in_days(rng, n, h, starts)
    ages = (age_days / 365.25).astype(np.int64)

    # Households live in one grid; grids differ in how many people they hold.
    n_grids = len(geo.grid_codes)
    grid_weight = rng.gamma(4.0, 1.0, size=n_grids)
    hh_grid = rng.choice(n_grids, size=h, p=grid_weight / grid_weight.sum())
    grid = hh_grid[household]

    draws = _draw_attributes(rng, n, ages, starts[household], age_days, end)
    hh_address = _household_addresses(rng, geo, hh_grid, h)
    persons, used_ids = _make_persons(rng, geo, draws, grid, household, hh_address)
    return _plant_duplicates(rng, persons, used_ids, ages, grid, household, h)


def _households(
    rng: np.random.Generator, n: int, shares: np.ndarray = _HOUSEHOLD_SIZE_SHARES
) -> tuple[int, np.ndarray, np.ndarray]:
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


def _ages_in_days(rng: np.random.Generator, n: int, h: int, starts: np.ndarray) -> np.ndarray:
    """Age in days at `end` per person, with an adult (if any) first in every household."""
    # Ages (in days at `end`) from the pyramid, then heads of household drawn from adults.
    band = rng.choice(len(_AGE_BAND_SHARES), size=n, p=_AGE_BAND_SHARES)
    width = np.where(band == len(_AGE_BAND_SHARES) - 1, _OLDEST_AGE - 80, 10)
    age_years = band * 10 + rng.random(n) * width
    age_days = np.maximum((age_years * 365.25).astype(np.int64), 30)
    adults = np.flatnonzero(age_days >= _ADULT_AGE * 365.25)
    adults = rng.permutation(adults)
    if len(adults) >= h:
        heads = adults[:h]
    else:  # tiny populations: the oldest persons head the households
        heads = np.argsort(-age_days, kind="stable")[:h]
    is_head = np.zeros(n, dtype=bool)
    is_head[heads] = True
    others = rng.permutation(np.flatnonzero(~is_head))
    order = np.empty(n, dtype=np.int64)
    head_slot = np.zeros(n, dtype=bool)
    head_slot[starts] = True
    order[starts] = heads
    order[~head_slot] = others
    return age_days[order]


def _draw_attributes(
    rng: np.random.Generator, n: int, ages: np.ndarray, head_of: np.ndarray, age_days: np.ndarray, end: date
) -> _Draws:
    is_male = rng.random(n) < 0.5

    # Names: children take the head's surname; 25% of given names have one character.
    surname_idx = rng.choice(len(_SURNAMES), size=n, p=_surname_weights())
    surname_idx = np.where(ages < _ADULT_AGE, surname_idx[head_of], surname_idx)
    one_char = rng.random(n) < 0.25
    g1 = rng.random(n)
    g2 = rng.random(n)

    # Resident IDs.
    birth_ordinals = end.toordinal() - age_days
    local = rng.random(n) < _LOCAL_REGISTRATION
    region_u = rng.random(n)
    seq_hi = rng.integers(0, 100, size=n)
    seq_lo = rng.integers(0, 5, size=n) * 2 + is_male.astype(np.int64)  # odd = male

    phone_prefix = rng.integers(0, len(_MOBILE_PREFIXES), size=n)
    phone_rest = rng.integers(0, 10**8, size=n)
    return _Draws(is_male, surname_idx, one_char, g1, g2, birth_ordinals, local, region_u,
                  seq_hi, seq_lo, phone_prefix, phone_rest)


def _household_addresses(rng: np.random.Generator, geo: _Geography, hh_grid: np.ndarray, h: int) -> list[str]:
    # Addresses: one flat per household, unique within the city.
    hh_community = geo.grid_community[hh_grid]
    hh_per_comm = np.bincount(hh_community, minlength=len(geo.community_labels))
    buildings = np.maximum(20, np.ceil(2 * hh_per_comm / 432)).astype(np.int64)  # 6 units x 18 floors x 4 flats
    used_addr: set[str] = set()
    hh_address: list[str] = []
    for k in range(h):
        c = int(hh_community[k])
        while True:
            b = int(rng.integers(1, buildings[c] + 1))
            u = int(rng.integers(1, 7))
            fl = int(rng.integers(1, 19))
            rm = int(rng.integers(1, 5))
            addr = f"{geo.community_labels[c]}{b}栋{u}单元{fl}{rm:02d}"
            if addr not in used_addr:
                used_addr.add(addr)
                hh_address.append(addr)
                break
    return hh_address


def _make_persons(
    rng: np.random.Generator,
    geo: _Geography,
    draws: _Draws,
    grid: np.ndarray,
    household: np.ndarray,
    hh_address: list[str],
) -> tuple[list[DemoPerson], set[str]]:
    """The persons, and the set of the first 17 characters of every ID handed out."""
    district_of_grid = [geo.district_codes[i] for i in geo.grid_district]
    used_ids: set[str] = set()
    used_phones: set[str] = set()
    persons: list[DemoPerson] = []
    for i in range(len(grid)):
        sex = "male" if draws.is_male[i] else "female"
        name = _person_name(sex, draws.surname_idx[i], draws.one_char[i], draws.g1[i], draws.g2[i])
        birth = date.fromordinal(int(draws.birth_ordinals[i]))
        g = int(grid[i])
        region = _id_region(draws.local[i], district_of_grid[g], birth.year, draws.region_u[i])
        resident_id = _resident_id(rng, region, birth, int(draws.seq_hi[i]), int(draws.seq_lo[i]),
                                   int(draws.is_male[i]), used_ids)
        phone = f"{_MOBILE_PREFIXES[draws.phone_prefix[i]]}{int(draws.phone_rest[i]):08d}"
        phone = _unique_phone(rng, phone, used_phones)
        persons.append(
            DemoPerson(
                resident_id=resident_id,
                name=name,
                sex=sex,
                birth_date=birth,
                phone=phone,
                jurisdiction_code=geo.grid_codes[g],
                address=hh_address[int(household[i])],
                household=int(household[i]),
            )
        )
    return persons, used_ids


def _plant_duplicates(
    rng: np.random.Generator,
    persons: list[DemoPerson],
    used_ids: set[str],
    ages: np.ndarray,
    grid: np.ndarray,
    household: np.ndarray,
    h: int,
) -> _Population:
    # Planted near-duplicates for the dedup review queue, appended at the end and not
    # marked: same birth date, phone, sex, address and household as an existing adult,
    # with the same name or one character changed, and no ID or a mistyped one. A mistyped
    # ID has one digit of the sequence code changed and its check character recomputed,
    # so it still validates (the kind of slip a check digit cannot catch) and differs from
    # the original's, which keeps the live-ID uniqueness rule satisfied.
    variants = (("same", "none"), ("same", "typo"), ("changed", "none"),
                ("changed", "typo"), ("same", "none"), ("changed", "typo"))
    adult_idx = np.flatnonzero(ages >= _ADULT_AGE)
    n_dup = min(len(variants), len(adult_idx))
    originals = rng.choice(adult_idx, size=n_dup, replace=False) if n_dup else np.array([], dtype=np.int64)
    for k, src in enumerate(originals):
        p = persons[int(src)]
        name_kind, id_kind = variants[k]
        name = _changed_name(rng, p.name, p.sex) if name_kind == "changed" else p.name
        resident_id = _mistyped_id(rng, p.resident_id, used_ids) if id_kind == "typo" else ""
        persons.append(
            DemoPerson(resident_id, name, p.sex, p.birth_date, p.phone, p.jurisdiction_code, p.address, p.household)
        )
    if n_dup:
        ages = np.concatenate([ages, ages[originals]])
        grid = np.concatenate([grid, grid[originals]])
        household = np.concatenate([household, household[originals]])

    return _Population(persons=persons, ages=ages, grid=grid, household=household, n_households=h)
