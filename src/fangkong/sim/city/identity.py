"""Synthetic identities, vectorised: names, birth dates, resident ID and mobile numbers,
venue place codes and names.

Names, ID numbers and phone numbers are synthetic. ID numbers are well-formed (GB 11643:
they pass ``stdnum.cn.ric.is_valid``), unique, and may by chance coincide with a real
person's number; they must never be used outside simulations and tests. They come from
their own random stream of the city's seed, so they are the same whenever they are built.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from fangkong.sim.city.model import KIND_SCHOOL, VENUE_TYPES, City
from fangkong.sim.city.spatial import rank_in_runs, run_starts
from fangkong.sim.city.vocabulary import (
    _GIVEN_BY_SEX, _ID_CHECK, _ID_WEIGHTS, _LOCAL_REGISTRATION, _MOBILE_PREFIXES, _NANJING_PRE_1983, _SURNAMES,
    _other_regions_for, _region_ok, _surname_weights,
)

IDENTITY_COLUMNS = ("name", "birth_date", "resident_id", "phone", "place_code", "venue_name")
_STREAM = 0x1D  # identity draws use default_rng([seed, _STREAM]), apart from the city's own
_ONE_CHAR_SHARE = 0.25  # share of one-character given names (a modelling assumption)

# Before a district got its current code (python-stdnum checks the code against the birth
# year), its area belonged to these counties (GB/T 2260): 江浦县, 江宁县, 六合县, 溧水县,
# 高淳县. Anyone still without a valid code gets Nanjing's pre-1983 urban code 320120.
_FORMER_CODE = {"320111": "320122", "320115": "320121", "320116": "320123", "320117": "320124", "320118": "320125"}

_VENUE_LABEL = {
    "restaurant": "餐馆", "market": "农贸市场", "supermarket": "超市", "mall": "购物中心", "office": "写字楼",
    "factory": "工厂", "school": "学校", "hospital": "医院", "transport_hub": "地铁站", "gym": "健身房", "ktv": "KTV",
}
_KINDERGARTEN_LABEL = "幼儿园"


def birth_dates(age: np.ndarray, reference: date, rng: np.random.Generator) -> np.ndarray:
    """A birth date (datetime64[D]) for each age, so that the age is the completed years on ``reference``."""
    ref_month = np.datetime64(f"{reference.year:04d}-{reference.month:02d}", "M")

    def anniversary(years: np.ndarray) -> np.ndarray:
        # The reference day `years` years earlier (Feb 29 falls back to Feb 28).
        month = ref_month - 12 * years.astype(np.int64)
        day = month.astype("datetime64[D]") + (reference.day - 1)
        return np.minimum(day, (month + 1).astype("datetime64[D]") - 1)

    latest = anniversary(age)
    earliest = anniversary(age + 1) + 1
    span = (latest - earliest).astype(np.int64) + 1
    return earliest + (rng.random(age.shape[0]) * span).astype(np.int64)


def person_names(sex: np.ndarray, age: np.ndarray, hh_start: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Surname plus a one- or two-character given name by sex; children take the head's surname."""
    n = sex.shape[0]
    surnames = np.array(list(_SURNAMES))
    idx = rng.choice(len(surnames), size=n, p=_surname_weights())
    household = np.repeat(np.arange(hh_start.shape[0] - 1), np.diff(hh_start))
    idx = np.where(age < 18, idx[hh_start[household]], idx)
    male = sex == 1
    pools = [np.array(_GIVEN_BY_SEX["female"]), np.array(_GIVEN_BY_SEX["male"])]
    u = rng.random((2, n))

    def given(col: int) -> np.ndarray:
        f = pools[0][(u[col] * len(pools[0])).astype(np.int64)]
        m = pools[1][(u[col] * len(pools[1])).astype(np.int64)]
        return np.where(male, m, f)

    second = np.where(rng.random(n) < _ONE_CHAR_SHARE, "", given(1))
    return np.strings.add(np.strings.add(surnames[idx], given(0)), second)


def _region_codes(district: np.ndarray, year: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Registration region (int) of each person: mostly their home district, valid for the birth year."""
    n = district.shape[0]
    local = rng.random(n) < _LOCAL_REGISTRATION
    u = rng.random(n)
    region = np.zeros(n, dtype=np.int64)
    # Locals: the first valid of district, former county, pre-1983 city code, per (district, year).
    pairs, inverse = np.unique(np.stack([district, year]), axis=1, return_inverse=True)
    choice = np.zeros(pairs.shape[1], dtype=np.int64)
    for i, (d, y) in enumerate(pairs.T):
        code = f"{d:06d}"
        for cand in (code, _FORMER_CODE.get(code), _NANJING_PRE_1983):
            if cand and _region_ok(cand, int(y)):
                choice[i] = int(cand)
                break
    region[local] = choice[inverse.ravel()][local]
    # Others (and locals with no valid local code): drawn from the demo's table of regions.
    other = region == 0
    for y in np.unique(year[other]):
        rows = np.flatnonzero(other & (year == y))
        codes, cdf = _other_regions_for(int(y))
        pick = np.minimum(np.searchsorted(cdf, u[rows], side="right"), len(codes) - 1)
        region[rows] = np.asarray(codes, dtype=np.int64)[pick]
    return region


def check_characters(first17: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check characters (GB 11643-1999) of 17-digit int64 numbers."""
    x = first17.copy()
    total = np.zeros(x.shape[0], dtype=np.int64)
    for w in reversed(_ID_WEIGHTS):  # the last digit carries the last weight
        total += (x % 10) * w
        x //= 10
    return np.array(list(_ID_CHECK))[total % 11]


def resident_ids(birth: np.ndarray, male: np.ndarray, district: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unique 18-character resident ID numbers: region, birth date, sequence (odd for men), check."""
    n = birth.shape[0]
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    month = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    ymd = year * 10_000 + month * 100 + day
    region = _region_codes(district, year, rng)
    # Unique sequence codes within (region, birth date, sex): consecutive from a random start.
    group = (region * 100_000_000 + ymd) * 2 + male
    order = np.argsort(group, kind="stable")
    rank = rank_in_runs(run_starts(group[order]))
    if n and rank.max() >= 500:
        raise ValueError("more than 500 persons share a region, birth date and sex")
    half = np.empty(n, dtype=np.int64)
    half[order] = (rng.integers(0, 500, size=n)[np.arange(n) - rank] + rank) % 500
    first17 = region * 10**11 + ymd * 1000 + half * 2 + male
    return np.strings.add(first17.astype("U17"), check_characters(first17))


def phone_numbers(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct 11-digit mainland mobile numbers (real operator prefixes)."""
    k = rng.choice(len(_MOBILE_PREFIXES) * 10**8, size=n, replace=False)
    prefix = np.asarray(_MOBILE_PREFIXES, dtype=np.int64)[k // 10**8]
    return (prefix * 10**8 + k % 10**8).astype("U11")


def venue_labels(city: City) -> tuple[np.ndarray, np.ndarray]:
    """(place_code, name) of each venue: grid code + 4-digit number, and e.g. '兰园路餐馆3号'."""
    order = np.argsort(city.venue_grid, kind="stable")
    seq = np.empty(city.n_venues, dtype=np.int64)
    seq[order] = rank_in_runs(run_starts(city.venue_grid[order])) + 1
    if seq.shape[0] and seq.max() > 9999:
        raise ValueError("more than 9999 venues in one grid")
    number = seq.astype("U4")
    code = np.strings.add(city.grid_codes[city.venue_grid].astype("U15"), np.strings.zfill(number, 4))
    label = np.array([_VENUE_LABEL[t] for t in VENUE_TYPES])[city.venue_type]
    label = np.where(_kindergartens(city), _KINDERGARTEN_LABEL, label)
    names = dict(zip(city.jurisdictions.code, city.jurisdictions.name))
    road = np.array([names[c].removesuffix("社区") + "路" for c in city.community_codes])
    street = road[city.grid_community[city.venue_grid]]
    return code, np.strings.add(np.strings.add(np.strings.add(street, label), number), "号")


def _kindergartens(city: City) -> np.ndarray:
    """Schools whose pupils are all under 6."""
    pupils = city.work_kind == KIND_SCHOOL
    oldest = np.full(city.n_venues, -1, dtype=np.int64)
    np.maximum.at(oldest, city.work_venue[pupils], city.age[pupils].astype(np.int64))
    return (city.venue_type == VENUE_TYPES.index("school")) & (oldest >= 0) & (oldest < 6)


def build_identity(city: City) -> dict[str, np.ndarray]:
    """All identity columns of the city (see IDENTITY_COLUMNS)."""
    rng = np.random.default_rng([city.seed, _STREAM])
    birth = birth_dates(city.age, city.reference_date, rng)
    name = person_names(city.sex, city.age, city.hh_start, rng)
    district = np.strings.slice(city.grid_codes, 0, 6).astype(np.int64)[city.grid]
    rid = resident_ids(birth, city.sex.astype(np.int64), district, rng)
    phone = phone_numbers(city.n_persons, rng)
    place_code, venue_name = venue_labels(city)
    return dict(name=name, birth_date=birth, resident_id=rid, phone=phone, place_code=place_code,
                venue_name=venue_name)


def ensure_identity(city: City) -> dict[str, np.ndarray]:
    """The identity columns in ``city.extra``, built there first if missing."""
    if any(k not in city.extra for k in IDENTITY_COLUMNS):
        city.extra.update(build_identity(city))
    return city.extra
