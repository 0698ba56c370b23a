"""Synthetic identities: valid, unique resident IDs that agree with age and sex; unique phones; place codes."""

from __future__ import annotations

import numpy as np
import pytest
from stdnum.cn import ric

from fangkong.sim.city import City, build_city
from fangkong.sim.city.identity import IDENTITY_COLUMNS, build_identity, ensure_identity


@pytest.fixture(scope="module")
def city() -> City:
    c = build_city(population=20_000, seed=5)
    ensure_identity(c)
    return c


def test_resident_ids_are_valid_unique_and_agree_with_the_person(city):
    ids = city.extra["resident_id"]
    assert len(np.unique(ids)) == city.n_persons
    assert all(ric.is_valid(i) for i in ids)
    # The birth date in the ID is the person's; the sequence code is odd for men.
    birth = np.strings.slice(ids, 6, 14)
    assert np.array_equal(birth, np.char.replace(city.extra["birth_date"].astype(str), "-", ""))
    odd = np.strings.slice(ids, 16, 17).astype(int) % 2 == 1
    assert np.array_equal(odd, city.sex == 1)
    # Most residents are registered in Nanjing (3201xx), most of those in their home district.
    region = np.strings.slice(ids, 0, 6)
    assert np.mean(np.strings.startswith(region, "3201")) > 0.75
    home = np.strings.slice(city.grid_codes[city.grid], 0, 6)
    assert np.mean(region == home) > 0.3


def test_birth_dates_give_the_age_on_the_reference_date(city):
    b = city.extra["birth_date"]
    ref = city.reference_date
    year = b.astype("datetime64[Y]").astype(int) + 1970
    month = b.astype("datetime64[M]").astype(int) % 12 + 1
    day = (b - b.astype("datetime64[M]")).astype(int) + 1
    not_yet = (month > ref.month) | ((month == ref.month) & (day > ref.day))
    assert np.array_equal(ref.year - year - not_yet, city.age)


def test_phones_and_names(city):
    phones = city.extra["phone"]
    assert len(np.unique(phones)) == city.n_persons
    assert (np.strings.str_len(phones) == 11).all() and np.all(np.strings.startswith(phones, "1"))
    names = city.extra["name"]
    assert ((np.strings.str_len(names) >= 2) & (np.strings.str_len(names) <= 3)).all()
    # Children carry the surname of the head of their household.
    kids = np.flatnonzero(city.age < 18)
    head = city.hh_start[city.household[kids]]
    assert np.array_equal(np.strings.slice(names[kids], 0, 1), np.strings.slice(names[head], 0, 1))


def test_place_codes_and_venue_names(city):
    codes = city.extra["place_code"]
    assert len(np.unique(codes)) == city.n_venues and (np.strings.str_len(codes) == 19).all()
    assert np.array_equal(np.strings.slice(codes, 0, 15), city.grid_codes[city.venue_grid])
    assert np.all(np.strings.endswith(city.extra["venue_name"], "号"))


def test_identity_is_deterministic_and_lazy():
    c = build_city(population=3_000, seed=9)
    assert not any(k in c.extra for k in IDENTITY_COLUMNS)
    first = build_identity(c)
    again = ensure_identity(c)
    for k in IDENTITY_COLUMNS:
        assert np.array_equal(first[k], again[k]), k
