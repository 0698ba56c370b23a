"""The synthetic demo city: determinism, geography, persons and the seeded outbreak."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from datetime import date, timedelta, timezone

import phonenumbers
import pytest
from stdnum.cn import ric

from fangkong.demo.city import DemoCase, DemoCity, DemoJurisdiction, DemoPerson, build_city
from fangkong.geo.levels import check_code

N_DUP = 6
LEVELS = ("province", "city", "district", "street", "community", "grid")
CODE_LENGTH = {"province": 6, "city": 6, "district": 6, "street": 9, "community": 12, "grid": 15}
SIGNIFICANT = {"province": 2, "city": 4, "district": 6, "street": 9, "community": 12, "grid": 15}
DISTRICTS = {
    "320102": ("玄武区", "Xuanwu"),
    "320104": ("秦淮区", "Qinhuai"),
    "320105": ("建邺区", "Jianye"),
    "320106": ("鼓楼区", "Gulou"),
    "320111": ("浦口区", "Pukou"),
}


@pytest.fixture(scope="module")
def city() -> DemoCity:
    return build_city()


@pytest.fixture(scope="module")
def by_code(city: DemoCity) -> dict[str, DemoJurisdiction]:
    return {j.code: j for j in city.jurisdictions}


def bbox(geometry: dict) -> tuple[float, float, float, float]:
    ring = geometry["coordinates"][0]
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def area(b: tuple[float, float, float, float]) -> float:
    return (b[2] - b[0]) * (b[3] - b[1])


def base_persons(city: DemoCity) -> list[DemoPerson]:
    return city.persons[:-N_DUP]


# -- determinism ------------------------------------------------------------------------


def test_same_arguments_give_the_same_city(city: DemoCity) -> None:
    again = build_city()
    assert again == city
    assert again.persons == city.persons and again.cases == city.cases


def test_another_seed_gives_another_population_on_the_same_map(city: DemoCity) -> None:
    other = build_city(seed=7)
    assert other.persons != city.persons
    assert other.cases != city.cases
    assert other.jurisdictions == city.jurisdictions


def test_counts_follow_the_arguments(city: DemoCity) -> None:
    assert len(city.persons) == 5000 + N_DUP
    assert len(city.cases) == 300
    small = build_city(seed=3, persons=400, cases=40, end=date(2022, 3, 31), days=20)
    assert len(small.persons) == 400 + N_DUP and len(small.cases) == 40
    assert all(
        date(2022, 3, 12) <= (c.onset_date or c.sampling_date) <= date(2022, 3, 31) for c in small.cases
    )


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        build_city(persons=0)
    with pytest.raises(ValueError):
        build_city(persons=10, cases=11)
    with pytest.raises(ValueError):
        build_city(days=0)


def test_no_cases_is_allowed() -> None:
    assert build_city(persons=50, cases=0).cases == []


# -- jurisdictions ----------------------------------------------------------------------


def test_tree_levels_codes_and_parents(city: DemoCity, by_code: dict[str, DemoJurisdiction]) -> None:
    levels = Counter(j.level for j in city.jurisdictions)
    assert levels["province"] == 1 and levels["city"] == 1 and levels["district"] == 5
    assert levels["street"] == 15
    assert len(by_code) == len(city.jurisdictions), "codes are unique"
    seen: set[str] = set()
    children: dict[str, list[DemoJurisdiction]] = defaultdict(list)
    for j in city.jurisdictions:
        assert j.level in LEVELS
        assert j.code.isdigit() and len(j.code) == CODE_LENGTH[j.level]
        if j.level == "province":
            assert j.parent_code is None and j.code == "320000"
        else:
            parent = by_code[j.parent_code]
            assert parent.code in seen, "parents come before their children"
            assert LEVELS.index(j.level) == LEVELS.index(parent.level) + 1
            assert j.code.startswith(parent.code[: SIGNIFICANT[parent.level]])
            if j.level in ("street", "community", "grid"):
                assert j.code.startswith(parent.code)
            children[parent.code].append(j)
        assert check_code(j.code, j.level, j.parent_code, by_code[j.parent_code].level if j.parent_code else None) is None
        seen.add(j.code)
    for j in city.jurisdictions:
        n = len(children[j.code])
        expected = {"province": (1, 1), "city": (5, 5), "district": (3, 3), "street": (2, 3),
                    "community": (2, 4), "grid": (0, 0)}[j.level]
        assert expected[0] <= n <= expected[1], (j.code, n)
        # Children are numbered 001, 002, ... under their parent.
        if j.level in ("district", "street", "community"):
            suffixes = sorted(c.code[len(j.code):] for c in children[j.code])
            assert suffixes == [f"{k:03d}" for k in range(1, n + 1)]


def test_names(city: DemoCity, by_code: dict[str, DemoJurisdiction]) -> None:
    assert (by_code["320000"].name_zh, by_code["320000"].name_en) == ("江苏省", "Jiangsu")
    assert (by_code["320100"].name_zh, by_code["320100"].name_en) == ("南京市", "Nanjing")
    assert {j.code: (j.name_zh, j.name_en) for j in city.jurisdictions if j.level == "district"} == DISTRICTS
    for j in city.jurisdictions:
        if j.level == "street":
            assert j.name_zh.endswith("街道") and j.name_en.endswith(" Subdistrict")
        elif j.level == "community":
            assert j.name_zh.endswith("社区") and j.name_en.endswith(" Community")
        elif j.level == "grid":
            k = int(j.code[-3:])
            assert (j.name_zh, j.name_en) == (f"第{k}网格", f"Grid {k}")
    for level in ("street", "community"):
        names = [j.name_zh for j in city.jurisdictions if j.level == level]
        assert len(set(names)) == len(names)


def test_polygons_are_closed_ccw_and_rounded(city: DemoCity) -> None:
    for j in city.jurisdictions:
        if j.level == "province":
            assert j.geometry is None
            continue
        assert j.geometry["type"] == "Polygon"
        ring = j.geometry["coordinates"][0]
        assert len(ring) >= 4 and ring[0] == ring[-1]
        signed = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring[:-1], ring[1:])) / 2
        assert signed > 0, f"{j.code} is not counter-clockwise"
        for x, y in ring:
            assert round(x, 6) == x and round(y, 6) == y
            assert 118.6 <= x <= 118.95 and 31.95 <= y <= 32.15


def test_children_tile_their_parent(city: DemoCity, by_code: dict[str, DemoJurisdiction]) -> None:
    children: dict[str, list[DemoJurisdiction]] = defaultdict(list)
    for j in city.jurisdictions:
        if j.parent_code and j.level != "city":
            children[j.parent_code].append(j)
    for parent_code, kids in children.items():
        pb = bbox(by_code[parent_code].geometry)
        boxes = [bbox(k.geometry) for k in kids]
        for b in boxes:
            assert pb[0] <= b[0] < b[2] <= pb[2] and pb[1] <= b[1] < b[3] <= pb[3]
        for i, a in enumerate(boxes):  # no overlaps
            for b in boxes[i + 1:]:
                assert min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1])
        assert sum(area(b) for b in boxes) == pytest.approx(area(pb), rel=1e-9, abs=1e-12), "no gaps"
    # The city polygon is the bounding box of the districts.
    districts = [bbox(j.geometry) for j in city.jurisdictions if j.level == "district"]
    union = (min(b[0] for b in districts), min(b[1] for b in districts),
             max(b[2] for b in districts), max(b[3] for b in districts))
    assert bbox(by_code["320100"].geometry) == union
    assert union[0] <= city.center[0] <= union[2] and union[1] <= city.center[1] <= union[3]


def test_every_grid_lies_inside_its_district(city: DemoCity, by_code: dict[str, DemoJurisdiction]) -> None:
    grids = [j for j in city.jurisdictions if j.level == "grid"]
    assert grids
    for g in grids:
        gb = bbox(g.geometry)
        db = bbox(by_code[g.code[:6]].geometry)
        assert db[0] <= gb[0] and gb[2] <= db[2] and db[1] <= gb[1] and gb[3] <= db[3]


# -- persons ----------------------------------------------------------------------------


def test_resident_ids_are_valid_unique_and_match_the_person(city: DemoCity) -> None:
    ids = [p.resident_id for p in city.persons if p.resident_id]
    assert len(ids) == len(set(ids))
    assert len(ids) >= len(city.persons) - N_DUP
    nanjing = 0
    for p in city.persons:
        if not p.resident_id:
            continue
        rid = p.resident_id
        assert len(rid) == 18 and rid[:17].isdigit() and (rid[17].isdigit() or rid[17] == "X")
        assert ric.is_valid(rid), rid
        assert ric.get_birth_date(rid) == p.birth_date
        assert (int(rid[16]) % 2 == 1) == (p.sex == "male")
        nanjing += rid.startswith("3201")
    # Most are registered in Nanjing (their district, or Nanjing's pre-1983 code).
    assert 0.7 <= nanjing / len(ids) <= 0.9
    own_district = sum(p.resident_id[:6] == p.jurisdiction_code[:6] for p in base_persons(city))
    assert own_district / len(base_persons(city)) > 0.3


def test_phones_are_valid_mainland_mobiles_and_unique(city: DemoCity) -> None:
    phones = [p.phone for p in base_persons(city)]
    assert len(phones) == len(set(phones))
    for phone in city.persons:
        assert len(phone.phone) == 11 and phone.phone.isdigit() and phone.phone[0] == "1"
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone.phone, "CN")), phone.phone


def test_sex_names_and_ages(city: DemoCity) -> None:
    people = base_persons(city)
    males = sum(p.sex == "male" for p in people)
    assert {p.sex for p in people} == {"male", "female"}
    assert 0.45 <= males / len(people) <= 0.55
    assert all(2 <= len(p.name) <= 3 for p in city.persons)
    assert len({p.name[0] for p in people}) >= 60
    assert len({c for p in people for c in p.name[1:]}) >= 150
    top = Counter(p.name[0] for p in people).most_common(3)
    assert {s for s, _ in top} <= set("王李张刘陈")
    end = date(2022, 4, 30)
    ages = [(end - p.birth_date).days / 365.25 for p in people]
    assert all(0 <= a <= 100 for a in ages)
    assert 0.10 <= sum(a >= 60 for a in ages) / len(ages) <= 0.25
    assert 0.12 <= sum(a < 15 for a in ages) / len(ages) <= 0.25


def test_households(city: DemoCity) -> None:
    members: dict[int, list[DemoPerson]] = defaultdict(list)
    for p in city.persons:
        members[p.household].append(p)
    assert 2.3 <= len(city.persons) / len(members) <= 2.9
    addresses = set()
    grid_codes = {j.code for j in city.jurisdictions if j.level == "grid"}
    for hh in members.values():
        assert len({p.jurisdiction_code for p in hh}) == 1
        assert len({p.address for p in hh}) == 1
        assert hh[0].jurisdiction_code in grid_codes
        addresses.add(hh[0].address)
        assert any((date(2022, 4, 30) - p.birth_date).days >= 18 * 365 for p in hh), "an adult in every household"
    assert len(addresses) == len(members), "one address per household"
    for p in city.persons[:50]:
        assert p.address.startswith("南京市" + DISTRICTS[p.jurisdiction_code[:6]][0])
        assert "街道" in p.address and "社区" in p.address and "栋" in p.address and "单元" in p.address


def test_planted_duplicates(city: DemoCity) -> None:
    base = base_persons(city)
    by_phone = {p.phone: p for p in base}
    dups = city.persons[-N_DUP:]
    kinds = Counter()
    for d in dups:
        original = by_phone[d.phone]
        assert (d.birth_date, d.sex, d.jurisdiction_code, d.household) == (
            original.birth_date, original.sex, original.jurisdiction_code, original.household)
        assert len(d.name) == len(original.name)
        assert sum(a != b for a, b in zip(d.name, original.name)) <= 1
        assert d.resident_id != original.resident_id
        kinds["no id" if not d.resident_id else "typo"] += 1
        kinds["renamed" if d.name != original.name else "same name"] += 1
    assert set(kinds) == {"no id", "typo", "renamed", "same name"}


# -- cases ------------------------------------------------------------------------------


def test_cases_reference_distinct_persons(city: DemoCity) -> None:
    idx = [c.person_index for c in city.cases]
    assert len(idx) == len(set(idx))
    assert all(0 <= i < len(city.persons) - N_DUP for i in idx)


def test_every_district_has_at_least_five_cases(city: DemoCity) -> None:
    per_district = Counter(city.persons[c.person_index].jurisdiction_code[:6] for c in city.cases)
    assert set(per_district) == set(DISTRICTS)
    assert min(per_district.values()) >= 5
    minimal = build_city(seed=11, persons=500, cases=25, days=14)
    per_district = Counter(minimal.persons[c.person_index].jurisdiction_code[:6] for c in minimal.cases)
    assert sorted(per_district.values()) == [5, 5, 5, 5, 5]


def test_dates_are_ordered_and_in_the_window(city: DemoCity) -> None:
    end = date(2022, 4, 30)
    start = end - timedelta(days=34)
    for c in city.cases:
        assert c.diagnosed_at.tzinfo is not None and c.diagnosed_at.utcoffset() == timedelta(0)
        assert c.diagnosed_at.tzinfo == timezone.utc
        diag = c.diagnosed_at.date()
        if c.onset_date is not None:
            assert start <= c.onset_date <= c.sampling_date
            assert (c.sampling_date - c.onset_date).days <= 3
        assert start <= c.sampling_date <= diag <= end
        assert (diag - c.sampling_date).days <= 2
        if c.reported_at is not None:
            assert c.reported_at.utcoffset() == timedelta(0)
            assert c.reported_at >= c.diagnosed_at
            assert c.reported_at - c.diagnosed_at <= timedelta(hours=6)
    assert [c.diagnosed_at for c in city.cases] == sorted(c.diagnosed_at for c in city.cases)


def test_reporting_delays(city: DemoCity) -> None:
    n = len(city.cases)
    unreported = [i for i, c in enumerate(city.cases) if c.reported_at is None]
    late = [c for c in city.cases if c.reported_at and c.reported_at - c.diagnosed_at > timedelta(hours=2)]
    assert 0.01 * n <= len(unreported) <= 0.05 * n
    assert unreported == list(range(n - len(unreported), n)), "the unreported are the most recent"
    assert 0.05 * n <= len(late) <= 0.11 * n


def test_classification_mix(city: DemoCity) -> None:
    n = len(city.cases)
    mix = Counter(c.classification for c in city.cases)
    assert set(mix) == {"suspected", "confirmed", "asymptomatic", "repositive", "excluded"}
    assert 0.50 <= mix["confirmed"] / n <= 0.60
    assert 0.30 <= mix["asymptomatic"] / n <= 0.40
    for c in city.cases:
        assert (c.onset_date is None) == (c.classification == "asymptomatic")
        if c.classification == "confirmed":
            assert c.severity in ("mild", "moderate", "severe", "critical")
        else:
            assert c.severity is None
    severity = Counter(c.severity for c in city.cases if c.severity)
    assert severity["mild"] > severity["moderate"] > severity["severe"] >= severity["critical"] >= 1
    assert Counter(build_city(persons=300, cases=20, seed=5).cases[i].classification for i in range(20)).keys() == mix.keys()


def test_origin_and_outcome(city: DemoCity) -> None:
    origins = Counter(c.origin for c in city.cases)
    assert origins["imported"] == 2 and origins["import_related"] >= 1
    assert origins["local"] > 0.9 * len(city.cases)
    assert all(c.sampling_date <= date(2022, 4, 1) for c in city.cases if c.origin == "imported")  # at the start
    outcomes = Counter(c.outcome for c in city.cases)
    assert set(outcomes) == {"under_treatment", "recovered", "died"}
    assert outcomes["died"] <= 5
    for c in city.cases:
        if c.outcome == "died":
            age = (date(2022, 4, 30) - city.persons[c.person_index].birth_date).days / 365.25
            assert c.severity in ("severe", "critical") and age >= 60
        if c.outcome == "recovered" and c.classification != "excluded":
            assert c.diagnosed_at.date() <= date(2022, 4, 30) - timedelta(days=5)
        if c.classification == "suspected":
            assert c.outcome == "under_treatment"
    recent = [c for c in city.cases if c.diagnosed_at.date() >= date(2022, 4, 28)]
    assert all(c.outcome == "under_treatment" for c in recent if c.classification != "excluded")


def test_epidemic_curve_grows_then_slows(city: DemoCity) -> None:
    end = date(2022, 4, 30)
    day = Counter((end - (c.onset_date or c.sampling_date)).days for c in city.cases)  # days before end

    def total(first: int, last: int) -> int:
        return sum(day[d] for d in range(first, last + 1))

    assert total(32, 34) >= 1, "seed cases at the start"
    assert total(18, 34) < 0.2 * len(city.cases), "most cases come late, as in exponential growth"
    early = total(8, 14) / total(15, 21)  # week-on-week growth before the slowdown
    late = total(0, 3) / total(4, 7)  # last four days against the four before
    assert early > 1.5
    assert late < 1.35 and late < early


def test_cases_cluster_in_households_and_grids(city: DemoCity) -> None:
    hh = Counter(city.persons[c.person_index].household for c in city.cases)
    grids = Counter(city.persons[c.person_index].jurisdiction_code for c in city.cases)
    in_shared_household = sum(n for n in hh.values() if n > 1)
    assert in_shared_household >= 0.25 * len(city.cases)
    n_grids = sum(1 for j in city.jurisdictions if j.level == "grid")
    # Far more concentrated than 300 cases spread at random over the population.
    assert max(grids.values()) >= 3 * len(city.cases) / n_grids


# -- speed ------------------------------------------------------------------------------


def test_default_build_is_fast() -> None:
    t0 = time.perf_counter()
    build_city(seed=99)
    assert time.perf_counter() - t0 < 2.0


def test_large_population_builds() -> None:
    t0 = time.perf_counter()
    big = build_city(persons=100_000)
    assert time.perf_counter() - t0 < 15.0
    assert len(big.persons) == 100_000 + N_DUP
    ids = [p.resident_id for p in big.persons if p.resident_id]
    assert len(ids) == len(set(ids))
    phones = [p.phone for p in big.persons[:-N_DUP]]
    assert len(phones) == len(set(phones))
    assert isinstance(big.cases[0], DemoCase)
