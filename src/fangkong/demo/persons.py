"""Demo persons: the simulated city's residents as :class:`DemoPerson` records.

Names, birth dates, ID and phone numbers are the city's own identity columns
(:mod:`fangkong.sim.city.identity`), so a person in the demo database is the same person who
moves, checks in and falls ill in the simulation (``person_index == person_id``). Addresses are
added here, and a few planted near-duplicates go at the end of the list for the dedup review
queue.
"""

from __future__ import annotations

import numpy as np

from fangkong.demo.models import DemoPerson
from fangkong.sim.city.identity import check_characters, ensure_identity
from fangkong.sim.city.model import City
from fangkong.sim.city.population import ADULT_AGE
from fangkong.sim.city.vocabulary import _GIVEN_BY_SEX

# Flats per building: 6 units x 18 floors x 4 flats per floor. A community gets at least 20
# buildings and twice the flats it needs, so the flats drawn for its households are spread out.
_UNITS, _FLOORS, _ROOMS = 6, 18, 4
_FLATS = _UNITS * _FLOORS * _ROOMS
_MIN_BUILDINGS = 20

# Planted near-duplicates (name kept or one character changed; no ID or a mistyped one), in order.
DUPLICATE_VARIANTS = (("same", "none"), ("same", "typo"), ("changed", "none"),
                      ("changed", "typo"), ("same", "none"), ("changed", "typo"))


def demo_persons(city: City, *, rng: np.random.Generator) -> list[DemoPerson]:
    """Every resident in person-id order, then the planted near-duplicates."""
    ident = ensure_identity(city)
    codes = city.grid_codes[city.grid].tolist()
    addresses = household_addresses(city, rng=rng)[city.household].tolist()
    sexes = np.where(city.sex == 1, "male", "female").tolist()
    births = ident["birth_date"].astype("datetime64[D]").astype(object)
    persons = [
        DemoPerson(resident_id=rid, name=name, sex=sex, birth_date=birth, phone=phone, jurisdiction_code=code,
                   address=address, household=household)
        for rid, name, sex, birth, phone, code, address, household in zip(
            ident["resident_id"].tolist(), ident["name"].tolist(), sexes, births, ident["phone"].tolist(), codes,
            addresses, city.household.tolist())
    ]
    return persons + planted_duplicates(persons, adults=np.flatnonzero(city.age >= ADULT_AGE), rng=rng)


def community_labels(city: City) -> np.ndarray:
    """'南京市玄武区梅园街道长江路社区' for each community (the address prefix of its residents)."""
    j = city.jurisdictions
    name = dict(zip(j.code, j.name))
    parent = dict(zip(j.code, j.parent_code))
    labels = []
    for code in city.community_codes.tolist():  # a few hundred communities at most
        street = parent[code]
        district = parent[street]
        labels.append(f"{name[parent[district]]}{name[district]}{name[street]}{name[code]}")
    return np.asarray(labels)


def household_addresses(city: City, *, rng: np.random.Generator) -> np.ndarray:
    """One flat per household, unique within the city: community, building, unit, floor and room."""
    hh_community = city.grid_community[city.grid[city.hh_start[:-1]]].astype(np.int64)
    h = hh_community.shape[0]
    per_community = np.bincount(hh_community, minlength=city.community_codes.shape[0])
    capacity = np.maximum(_MIN_BUILDINGS, np.ceil(2 * per_community / _FLATS)).astype(np.int64) * _FLATS
    # Households of a community in random order take one flat each from consecutive, equal
    # stretches of its flats (a stretch is at least two flats long), so no flat is taken twice.
    order = np.argsort(hh_community + rng.random(h), kind="stable")
    first = np.concatenate([[0], np.cumsum(per_community)[:-1]])
    rank = np.empty(h, dtype=np.int64)
    rank[order] = np.arange(h) - first[hh_community[order]]
    stretch = capacity[hh_community] / np.maximum(per_community[hh_community], 1)
    flat = ((rank + rng.random(h)) * stretch).astype(np.int64)
    building, rest = flat // _FLATS + 1, flat % _FLATS
    unit, floor, room = rest // (_FLOORS * _ROOMS) + 1, rest % (_FLOORS * _ROOMS) // _ROOMS + 1, rest % _ROOMS + 1
    label = community_labels(city)[hh_community]
    parts = (label, building.astype("U4"), "栋", unit.astype("U1"), "单元", floor.astype("U2"),
             np.strings.zfill(room.astype("U2"), 2))
    out = parts[0]
    for part in parts[1:]:
        out = np.strings.add(out, part)
    return out


def planted_duplicates(persons: list[DemoPerson], *, adults: np.ndarray, rng: np.random.Generator) -> list[DemoPerson]:
    """Near-duplicates of a few adults, for the dedup review queue; not marked as such.

    Same birth date, phone, sex, address and household as the original, with the same name or
    one character changed, and no ID or a mistyped one. A mistyped ID has one digit of the
    sequence code changed and its check character recomputed, so it still validates (the kind of
    slip a check digit cannot catch) and differs from every other ID, which keeps the live-ID
    uniqueness rule satisfied.
    """
    n = min(len(DUPLICATE_VARIANTS), adults.shape[0])
    originals = rng.choice(adults, size=n, replace=False) if n else []
    used = {p.resident_id[:17] for p in persons}
    out = []
    for (name_kind, id_kind), src in zip(DUPLICATE_VARIANTS, originals):
        p = persons[int(src)]
        name = _changed_name(rng, p.name, p.sex) if name_kind == "changed" else p.name
        resident_id = _mistyped_id(rng, p.resident_id, used) if id_kind == "typo" else ""
        out.append(DemoPerson(resident_id, name, p.sex, p.birth_date, p.phone, p.jurisdiction_code, p.address,
                              p.household))
    return out


def _changed_name(rng: np.random.Generator, name: str, sex: str) -> str:
    """`name` with one given-name character replaced by a different one."""
    pool = _GIVEN_BY_SEX[sex]
    pos = int(rng.integers(1, len(name)))
    while (c := pool[int(rng.integers(0, len(pool)))]) == name[pos]:
        pass
    return name[:pos] + c + name[pos + 1:]


def _mistyped_id(rng: np.random.Generator, resident_id: str, used: set[str]) -> str:
    """`resident_id` with one digit of the sequence code changed and the check character recomputed."""
    first17 = resident_id[:17]
    while True:
        d = str(int(rng.integers(0, 10)))
        candidate = first17[:15] + d + first17[16]
        if d != first17[15] and candidate not in used:
            break
    used.add(candidate)
    return candidate + str(check_characters(np.array([int(candidate)], dtype=np.int64))[0])
