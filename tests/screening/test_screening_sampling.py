"""Sampling and pooling rules: pool sizes, no re-pooling, sealed tubes, repeats, households, exemptions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.interop.importers import ImportRejected
from fangkong.screening import sampling, service
from fangkong.screening.models import GridCount, Sample, Tube
from fangkong.screening.schemas import ExemptionCreate, SampleCreate, TubeCreate
from screenkit import GRID, OTHER_GRID, at, campaign, grid, round_  # noqa: F401


@pytest.fixture
def sample(session, actor_of, round_):
    lab = actor_of("lab")

    def take(person_id: int, tube: str, **kw):
        return sampling.record_sample(session=session, actor=lab, round_id=round_.id, data=SampleCreate(
            person_id=person_id, tube_code=tube, collected_at=kw.pop("collected_at", at(1)), **kw))
    return take


def counts(session, round_id: int, code: str) -> GridCount:
    return session.scalar(select(GridCount).where(GridCount.round_id == round_id, GridCount.jurisdiction_code == code))


def test_a_tube_takes_the_areas_pool_size_and_never_more(session, grid, sample):
    people, _ = grid
    for pid in people[:5]:
        sample(pid, "T-5IN1")
    tube = session.scalar(select(Tube).where(Tube.code == "T-5IN1"))
    assert (tube.mode, tube.pool_size, tube.members, tube.status) == ("pooled", 5, 5, "open")
    with pytest.raises(Conflict, match="full: 5 of 5") as err:
        sample(people[5], "T-5IN1")
    assert err.value.field == "tube_code"


def test_single_tube_areas_get_one_swab_per_tube(session, grid, sample):
    _, others = grid
    sample(others[0], "S-1")
    assert session.scalar(select(Tube.pool_size).where(Tube.code == "S-1")) == 1
    with pytest.raises(Conflict, match="full"):
        sample(others[1], "S-1")


def test_a_sent_tube_is_sealed_and_a_swab_never_moves(session, actor_of, grid, sample):
    people, _ = grid
    first = sample(people[0], "T-A")
    tube = sampling.send_tube(session=session, actor=actor_of("lab"), tube_id=first.tube_id, lab_id="LAB1")
    assert tube.status == "sent" and tube.lab_id == "LAB1"
    with pytest.raises(Conflict, match="sealed"):
        sample(people[1], "T-A")
    with pytest.raises(Conflict, match="already sent"):
        sampling.send_tube(session=session, actor=actor_of("lab"), tube_id=first.tube_id)
    # the same person into another tube: no re-pooling, a second sample needs a reason
    with pytest.raises(Conflict, match="never moves to another tube") as err:
        sample(people[0], "T-B")
    assert err.value.field == "repeat_reason"


def test_a_person_sampled_twice_needs_a_reason_and_the_repeat_counts(session, round_, grid, sample):
    people, _ = grid
    first = sample(people[0], "T-A")
    with pytest.raises(Conflict, match="already in tube T-A"):
        sample(people[0], "T-A", repeat_reason="tube leaked")
    second = sample(people[0], "T-B", repeat_reason="tube leaked", collected_at=at(2))
    session.refresh(first)
    assert first.replaced_by_id == second.id and second.repeat_reason == "tube leaked"
    assert counts(session, round_.id, GRID).sampled == 1  # one person, sampled once for coverage


def test_household_tubes_hold_one_address(session, actor_of, grid, campaign):
    from fangkong.screening.schemas import AreaIn, CampaignCreate, RoundCreate

    lab = actor_of("lab")
    people, _ = grid
    other = service.create_campaign(session=session, actor=lab, data=CampaignCreate(
        name="一户一管", jurisdiction_code=GRID, areas=[AreaIn(jurisdiction_code=GRID, mode="household")]))
    rnd = service.launch_round(session=session, actor=lab, campaign_id=other.id, data=RoundCreate(starts_at=at(0)))

    def take(pid, tube):
        return sampling.record_sample(session=session, actor=lab, round_id=rnd.id,
                                      data=SampleCreate(person_id=pid, tube_code=tube, collected_at=at(1)))
    for pid in people[:3]:  # one household
        take(pid, "H-1")
    assert session.scalar(select(Tube).where(Tube.code == "H-1")).mode == "household"
    with pytest.raises(Conflict, match="one household"):
        take(people[3], "H-1")


def test_explicit_tubes_and_unvalidated_pool_sizes(session, actor_of, round_):
    lab = actor_of("lab")
    tube = sampling.open_tube(session=session, actor=lab, round_id=round_.id,
                              data=TubeCreate(code="X-20", pool_size=20))
    assert (tube.pool_size, tube.mode) == (20, "pooled")
    with pytest.raises(Invalid, match="not validated") as err:
        sampling.open_tube(session=session, actor=lab, round_id=round_.id, data=TubeCreate(code="X-30", pool_size=30))
    assert err.value.field == "pool_size"
    with pytest.raises(Conflict, match="already exists"):
        sampling.open_tube(session=session, actor=lab, round_id=round_.id, data=TubeCreate(code="X-20", pool_size=5))


def test_a_recheck_needs_an_isolation_and_a_single_tube(session, grid, sample):
    people, _ = grid
    with pytest.raises(Conflict, match="not awaiting a single-tube re-check"):
        sample(people[0], "R-1", kind="recheck")


def test_samples_need_an_open_round_and_a_plausible_time(session, actor_of, round_, grid, sample):
    people, _ = grid
    with pytest.raises(Invalid, match="before round 1 started"):
        sample(people[0], "T-A", collected_at=at(-1))
    service.close_round(session=session, actor=actor_of("lab"), round_id=round_.id)
    with pytest.raises(Conflict, match="closed"):
        sample(people[0], "T-A")


def test_bulk_samples_are_all_or_nothing_with_every_problem_listed(session, actor_of, round_, grid):
    people, _ = grid
    items = [SampleCreate(person_id=pid, tube_code="B-1", collected_at=at(1)) for pid in people[:6]]
    items.append(SampleCreate(person_id=people[0], tube_code="B-2", collected_at=at(1)))
    with pytest.raises(ImportRejected) as err:
        sampling.record_many(session=session, actor=actor_of("lab"), round_id=round_.id, items=items)
    assert [(e.row, e.field) for e in err.value.errors] == [(6, "tube_code"), (7, "repeat_reason")]
    assert err.value.to_dict()["errors"][0]["row"] == 6
    # the request's unit of work rolls the stored items back: tests/screening/test_screening_api.py


def test_bulk_samples_open_tubes_as_they_go(session, actor_of, round_, grid):
    people, _ = grid
    items = [SampleCreate(person_id=pid, tube_code=f"B-{i // 5}", collected_at=at(1)) for i, pid in enumerate(people)]
    created, opened = sampling.record_many(session=session, actor=actor_of("lab"), round_id=round_.id, items=items)
    assert (created, opened) == (12, 3)
    assert counts(session, round_.id, GRID).sampled == 12


def test_exemptions_leave_the_denominator_and_a_sample_lifts_them(session, actor_of, round_, grid, sample):
    people, _ = grid
    grid_worker = actor_of("grid")
    service.exempt(session=session, actor=grid_worker, round_id=round_.id,
                   data=ExemptionCreate(person_id=people[0], reason="hospitalised"))
    with pytest.raises(Conflict, match="already exempt"):
        service.exempt(session=session, actor=grid_worker, round_id=round_.id,
                       data=ExemptionCreate(person_id=people[0], reason="away"))
    assert counts(session, round_.id, GRID).exempt == 1
    sample(people[0], "T-A")
    row = counts(session, round_.id, GRID)
    session.refresh(row)
    assert (row.exempt, row.sampled) == (0, 1)
    with pytest.raises(Conflict, match="already sampled"):
        service.exempt(session=session, actor=grid_worker, round_id=round_.id,
                       data=ExemptionCreate(person_id=people[0], reason="away"))


def test_a_grid_worker_samples_in_their_community_only(session, actor_of, round_, grid):
    from fangkong.people.models import Person

    people, _ = grid
    worker = actor_of("grid")  # grid_worker of community 320102001001, which holds both test grids
    s = sampling.record_sample(session=session, actor=worker, round_id=round_.id,
                               data=SampleCreate(person_id=people[0], tube_code="G-1", collected_at=at(1)))
    assert s.collector == "grid"
    outsider = session.scalar(select(Person.id).where(Person.jurisdiction_code.startswith("320104")).limit(1))
    with pytest.raises(NotFound):
        sampling.record_sample(session=session, actor=worker, round_id=round_.id,
                               data=SampleCreate(person_id=outsider, tube_code="G-1", collected_at=at(1)))
    assert session.scalar(select(Sample.id).where(Sample.person_id == outsider)) is None
    assert counts(session, round_.id, OTHER_GRID).sampled == 0
