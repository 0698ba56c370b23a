"""The demo city: the simulated city and outbreak as the records `fangkong demo` stores."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from datetime import date, timedelta, timezone
from zoneinfo import ZoneInfo

import phonenumbers
import pyarrow.parquet as pq
import pytest
from stdnum.cn import ric

from fangkong.demo.city import DemoCity, DemoJurisdiction, DemoPerson, build_city, write_simulation
from fangkong.demo.simulation import SILENT_DAYS
from fangkong.geo.levels import check_code

N_DUP = 6
END = date(2022, 4, 30)
SHANGHAI = ZoneInfo("Asia/Shanghai")
LEVELS = ("province", "city", "district", "street", "community", "grid")
CODE_LENGTH = {"province": 6, "city": 6, "district": 6, "street": 9, "community": 12, "grid": 15}
SIGNIFICANT = {"province": 2, "city": 4, "district": 6, "street": 9, "community": 12, "grid": 15}


@pytest.fixture(scope="module")
def city() -> DemoCity:
    return build_city()


@pytest.fixture(scope="module")
def truth(city: DemoCity):
    """The run the cases came from, repeated: who was infected, when, how it ended."""
    sim = city.simulation
    return sim.run.run(sim.city).infections.to_pandas().set_index("infectee_id")


@pytest.fixture(scope="module")
def by_code(city: DemoCity) -> dict[str, DemoJurisdiction]:
    return {j.code: j for j in city.jurisdictions}


def bbox(geometry: dict) -> tuple[float, float, float, float]:
    ring = geometry["coordinates"][0]
    return min(p[0] for p in ring), min(p[1] for p in ring), max(p[0] for p in ring), max(p[1] for p in ring)


def base_persons(city: DemoCity) -> list[DemoPerson]:
    return city.persons[:-N_DUP]


# -- arguments and determinism ----------------------------------------------------------


def test_same_arguments_give_the_same_city(city: DemoCity) -> None:
    again = build_city()
    assert again == city
    assert again.persons == city.persons and again.cases == city.cases


def test_another_seed_gives_another_city_and_outbreak(city: DemoCity) -> None:
    other = build_city(seed=7)
    assert other.persons != city.persons and other.cases != city.cases


def test_counts_follow_the_arguments(city: DemoCity) -> None:
    assert len(city.persons) == 5000 + N_DUP
    assert 0.8 * 300 <= len(city.cases) <= 300
    small = build_city(seed=3, persons=400, cases=40, end=date(2022, 3, 31), days=20)
    assert len(small.persons) == 400 + N_DUP and 0.7 * 40 <= len(small.cases) <= 40
    first = date(2022, 3, 31) - timedelta(days=19)
    assert all(first <= c.sampling_date <= c.diagnosed_at.date() <= date(2022, 3, 31) for c in small.cases)


def test_bad_arguments_are_refused() -> None:
    for bad in (dict(persons=0), dict(persons=10, cases=11), dict(days=0), dict(cases=-1)):
        with pytest.raises(ValueError):
            build_city(**bad)


def test_no_cases_is_allowed() -> None:
    assert build_city(persons=50, cases=0).cases == []


# -- jurisdictions ----------------------------------------------------------------------


def test_tree_levels_codes_and_parents(city: DemoCity, by_code: dict[str, DemoJurisdiction]) -> None:
    levels = Counter(j.level for j in city.jurisdictions)
    assert levels["province"] == 1 and levels["city"] == 1 and levels["district"] >= 3
    assert len(by_code) == len(city.jurisdictions), "codes are unique"
    seen: set[str] = set()
    children: dict[str, list[DemoJurisdiction]] = defaultdict(list)
    for j in city.jurisdictions:
        assert j.code.isdigit() and len(j.code) == CODE_LENGTH[j.level]
        if j.level == "province":
            assert j.parent_code is None and j.code == "320000"
        else:
            parent = by_code[j.parent_code]
            assert parent.code in seen, "parents come before their children"
            assert LEVELS.index(j.level) == LEVELS.index(parent.level) + 1
            assert j.code.startswith(parent.code[: SIGNIFICANT[parent.level]])
            children[parent.code].append(j)
        assert check_code(j.code, j.level, j.parent_code, by_code[j.parent_code].level if j.parent_code else None) is None
        seen.add(j.code)
    for j in city.jurisdictions:
        if j.level in ("district", "street", "community"):
            suffixes = sorted(c.code[len(j.code):] for c in children[j.code])
            assert suffixes == [f"{k:03d}" for k in range(1, len(suffixes) + 1)] and len(suffixes) >= 2
    assert (by_code["320000"].name_zh, by_code["320100"].name_zh) == ("江苏省", "南京市")


def test_polygons_are_closed_ccw_and_nested(city: DemoCity, by_code: dict[str, DemoJurisdiction]) -> None:
    for j in city.jurisdictions:
        if j.level == "province":
            assert j.geometry is None
            continue
        ring = j.geometry["coordinates"][0]
        assert j.geometry["type"] == "Polygon" and len(ring) >= 4 and ring[0] == ring[-1]
        signed = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring[:-1], ring[1:])) / 2
        assert signed > 0, f"{j.code} is not counter-clockwise"
        if j.level != "city":
            outer, inner = bbox(by_code[j.parent_code].geometry), bbox(j.geometry)
            assert outer[0] <= inner[0] < inner[2] <= outer[2] and outer[1] <= inner[1] < inner[3] <= outer[3]
    box = bbox(by_code["320100"].geometry)
    assert box[0] <= city.center[0] <= box[2] and box[1] <= city.center[1] <= box[3]


# -- persons ----------------------------------------------------------------------------


def test_resident_ids_are_valid_unique_and_match_the_person(city: DemoCity) -> None:
    ids = [p.resident_id for p in city.persons if p.resident_id]
    assert len(ids) == len(set(ids)) and len(ids) >= len(city.persons) - N_DUP
    for p in city.persons:
        if p.resident_id:
            assert ric.is_valid(p.resident_id), p.resident_id
            assert ric.get_birth_date(p.resident_id) == p.birth_date
            assert (int(p.resident_id[16]) % 2 == 1) == (p.sex == "male")
    nanjing = sum(rid.startswith("3201") for rid in ids)
    assert 0.7 <= nanjing / len(ids) <= 0.9  # most are registered in Nanjing


def test_phones_are_valid_mainland_mobiles_and_unique(city: DemoCity) -> None:
    phones = [p.phone for p in base_persons(city)]
    assert len(phones) == len(set(phones))
    for phone in phones[:500]:
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone, "CN")), phone


def test_persons_are_the_simulated_residents(city: DemoCity) -> None:
    sim = city.simulation.city
    people = base_persons(city)
    assert len(people) == sim.n_persons
    for i in (0, len(people) // 2, len(people) - 1):
        p = people[i]
        assert p.jurisdiction_code == sim.grid_codes[sim.grid[i]] and p.household == sim.household[i]
        assert (p.sex == "male") == (sim.sex[i] == 1)
        birthday_to_come = (END.month, END.day) < (p.birth_date.month, p.birth_date.day)
        assert END.year - p.birth_date.year - birthday_to_come == sim.age[i], "completed years at the end"


def test_households_share_one_flat(city: DemoCity, by_code: dict[str, DemoJurisdiction]) -> None:
    members: dict[int, list[DemoPerson]] = defaultdict(list)
    for p in base_persons(city):
        members[p.household].append(p)
    assert len({hh[0].address for hh in members.values()}) == len(members), "one address per household"
    for hh in members.values():
        assert len({(p.jurisdiction_code, p.address) for p in hh}) == 1
    for p in city.persons[:50]:
        community = by_code[p.jurisdiction_code[:12]]
        district = by_code[p.jurisdiction_code[:6]]
        assert p.address.startswith("南京市" + district.name_zh) and community.name_zh in p.address
        assert "街道" in p.address and "栋" in p.address and "单元" in p.address


def test_planted_duplicates(city: DemoCity) -> None:
    by_phone = {p.phone: p for p in base_persons(city)}
    kinds = Counter()
    for d in city.persons[-N_DUP:]:
        original = by_phone[d.phone]
        assert (d.birth_date, d.sex, d.jurisdiction_code, d.address, d.household) == (
            original.birth_date, original.sex, original.jurisdiction_code, original.address, original.household)
        assert len(d.name) == len(original.name) and sum(a != b for a, b in zip(d.name, original.name)) <= 1
        assert d.resident_id != original.resident_id and (not d.resident_id or ric.is_valid(d.resident_id))
        kinds["no id" if not d.resident_id else "typo"] += 1
        kinds["renamed" if d.name != original.name else "same name"] += 1
    assert set(kinds) == {"no id", "typo", "renamed", "same name"}


# -- cases ------------------------------------------------------------------------------


def test_cases_are_distinct_infected_residents(city: DemoCity, truth) -> None:
    idx = [c.person_index for c in city.cases]
    assert len(idx) == len(set(idx)) and all(0 <= i < len(city.persons) - N_DUP for i in idx)
    assert set(idx) <= set(truth.index), "every case was really infected"
    assert len(truth) > len(city.cases) / 2, "the truth is not just the cases"


def test_classification_follows_the_run(city: DemoCity, truth) -> None:
    mix = Counter(c.classification for c in city.cases)
    assert mix["confirmed"] > 0.3 * len(city.cases) and mix["asymptomatic"] > 0.1 * len(city.cases)
    assert set(mix) <= {"confirmed", "asymptomatic", "suspected", "excluded"}
    for c in city.cases:
        true_onset = truth.loc[c.person_index, "onset_at"]
        if c.classification == "confirmed":
            assert c.severity in ("mild", "severe", "critical") and c.onset_date == true_onset.date()
        else:
            assert c.severity is None
        if c.classification == "asymptomatic":  # never ill, or not yet when reported
            local = c.diagnosed_at.astimezone(SHANGHAI).date()
            assert c.onset_date is None and (true_onset != true_onset or true_onset.date() > local)
        if c.classification in ("suspected", "excluded"):  # fever-clinic patients: ill before the sample
            assert c.onset_date is not None and c.onset_date <= c.sampling_date


def test_dates_are_ordered_and_in_the_window(city: DemoCity) -> None:
    first = END - timedelta(days=34)
    for c in city.cases:
        assert c.diagnosed_at.tzinfo == timezone.utc
        diagnosed = c.diagnosed_at.astimezone(SHANGHAI).date()
        assert first <= c.sampling_date <= diagnosed <= END
        if c.onset_date is not None:  # seeds fall ill in the silent week before the window
            assert first - timedelta(days=SILENT_DAYS) <= c.onset_date <= diagnosed
        if c.reported_at is not None:
            assert c.diagnosed_at <= c.reported_at <= c.diagnosed_at + timedelta(hours=6)
    assert [c.diagnosed_at for c in city.cases] == sorted(c.diagnosed_at for c in city.cases)
    late = [c for c in city.cases if c.reported_at and c.reported_at - c.diagnosed_at > timedelta(hours=2)]
    unreported = [i for i, c in enumerate(city.cases) if c.reported_at is None]
    assert late and unreported == list(range(len(city.cases) - len(unreported), len(city.cases)))


def test_origin_and_outcome_come_from_the_truth(city: DemoCity, truth) -> None:
    seeds = set(truth.index[truth["layer"] == "seed"])
    for c in city.cases:
        row = truth.loc[c.person_index]
        assert (c.origin == "imported") == (c.person_index in seeds)
        assert (c.origin == "import_related") == (row["infector_id"] in seeds)
        ended = row["ended_on"] is not None and row["ended_on"] <= END
        if c.outcome == "died":
            assert ended and row["severity"] == "dead"
        elif c.outcome == "recovered":
            assert ended or c.classification == "excluded"
        else:
            assert not ended or c.classification == "suspected"
    assert Counter(c.outcome for c in city.cases)["under_treatment"] > 0


def test_cases_in_every_district(city: DemoCity) -> None:
    districts = {j.code for j in city.jurisdictions if j.level == "district"}
    per_district = Counter(city.persons[c.person_index].jurisdiction_code[:6] for c in city.cases)
    assert set(per_district) == districts and min(per_district.values()) >= 5


def test_written_run_is_the_run_the_cases_came_from(city: DemoCity, truth, tmp_path) -> None:
    city_dir, run_dir = write_simulation(city=city, folder=tmp_path)
    persons = pq.read_table(city_dir / "persons.parquet").to_pandas()
    assert persons["resident_id"].tolist() == [p.resident_id for p in base_persons(city)]
    written = pq.read_table(run_dir / "infections.parquet").to_pandas().set_index("infectee_id")
    assert written.index.tolist() == truth.index.tolist()
    assert written["infected_at"].tolist() == truth["infected_at"].tolist()
    start = END - timedelta(days=34 + SILENT_DAYS)
    days = sorted(p.stem for p in (run_dir / "checkins").glob("*.parquet"))
    assert days[0] == start.isoformat() and days[-1] == END.isoformat() and len(days) == 35 + SILENT_DAYS
    assert len(list((run_dir / "presence").glob("*.parquet"))) == len(days)
    reports = pq.read_table(run_dir / "observed" / "cases.parquet").to_pandas()
    assert {"symptomatic", "quarantine"} <= set(reports["found_by"])
    assert {c.person_index for c in city.cases if c.classification in ("confirmed", "asymptomatic")} <= set(
        reports["person_id"])


# -- speed ------------------------------------------------------------------------------


def test_default_build_is_fast() -> None:
    t0 = time.perf_counter()
    build_city(seed=99)
    assert time.perf_counter() - t0 < 5.0
