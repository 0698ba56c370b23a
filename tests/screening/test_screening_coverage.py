"""Coverage by grid on a hand-built roster, the untested list, turnaround, and who sees which campaign."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fangkong.audit.models import AuditEntry
from fangkong.errors import Forbidden, NotFound
from fangkong.people.models import Person
from fangkong.screening import coverage, results, sampling, service
from fangkong.screening.schemas import AreaIn, CampaignCreate, ExemptionCreate, RoundCreate, SampleCreate
from screenkit import GRID, OTHER_GRID, START, at, campaign, csv_file, grid, round_  # noqa: F401


@pytest.fixture
def progress(session, actor_of, round_, grid):
    """GRID: 8 of 12 sampled (tubes C1, C2), 1 away; OTHER_GRID: 2 of 5 sampled (single tubes D1, D2)."""
    lab = actor_of("lab")
    people, others = grid
    for i, pid in enumerate(people[:8]):
        sampling.record_sample(session=session, actor=lab, round_id=round_.id,
                               data=SampleCreate(person_id=pid, tube_code=f"C{i // 5 + 1}", collected_at=at(1)))
    for i, pid in enumerate(others[:2]):
        sampling.record_sample(session=session, actor=lab, round_id=round_.id,
                               data=SampleCreate(person_id=pid, tube_code=f"D{i + 1}", collected_at=at(2)))
    service.exempt(session=session, actor=actor_of("grid"), round_id=round_.id,
                   data=ExemptionCreate(person_id=people[11], reason="away", note="出差"))
    return people, others


def rows(cov):
    return {g.jurisdiction_code: g for g in cov.grids}


def test_coverage_by_grid_counts_roster_exemptions_and_samples(session, actor_of, round_, progress):
    cov = coverage.coverage(session=session, actor=actor_of("epi_district"), round_id=round_.id)
    g, o = rows(cov)[GRID], rows(cov)[OTHER_GRID]
    assert (g.roster, g.exempt, g.sampled, g.untested, g.coverage) == (12, 1, 8, 3, round(8 / 11, 6))
    assert (o.roster, o.exempt, o.sampled, o.untested, o.coverage) == (5, 0, 2, 3, 0.4)
    assert (g.tubes, o.tubes) == (2, 2)
    assert (cov.totals.roster, cov.totals.sampled, cov.totals.untested) == (17, 10, 6)
    community = coverage.coverage(session=session, actor=actor_of("epi_district"), round_id=round_.id,
                                  level="community")
    assert [(r.jurisdiction_code, r.roster, r.sampled, r.tubes) for r in community.grids] == [
        ("320102001001", 17, 10, 4)]


def test_tubes_pending_in_labs_turnaround_and_open_positive_pools(session, actor_of, tmp_path, round_, progress):
    lab = actor_of("lab")
    tubes, _ = sampling.list_tubes(session=session, actor=lab, round_id=round_.id)
    for tube in tubes:
        sampling.send_tube(session=session, actor=lab, tube_id=tube.id)
    assert rows(coverage.coverage(session=session, actor=lab, round_id=round_.id))[GRID].tubes_pending == 2
    # C1 positive after 5 h (06:00Z), D1 negative after 10 h, D2 after 30 h
    results.upload_file(session=session, actor=lab, path=csv_file(
        tmp_path, "r.csv", "C1,positive,30,31,LAB1,2022-05-01T06:00:00Z", "D1,negative,,,LAB1,2022-05-01T11:00:00Z",
        "D2,negative,,,LAB1,2022-05-02T08:00:00Z"))
    cov = coverage.coverage(session=session, actor=lab, round_id=round_.id)
    g, o = rows(cov)[GRID], rows(cov)[OTHER_GRID]
    assert (g.tubes_pending, g.positive_pools_open, g.cleared, g.recheck) == (1, 1, 0, 5)
    assert g.turnaround_within == {"6h": 1, "12h": 1, "24h": 1}
    assert o.turnaround_within == {"6h": 0, "12h": 1, "24h": 1} and o.cleared == 2
    assert cov.targets_hours == [6.0, 12.0, 24.0]
    assert cov.turnaround["reported_tubes"] == 3 and cov.turnaround["targets"]["24h"]["within"] == 2


def test_the_untested_list_is_masked_audited_and_scoped(session, actor_of, round_, progress):
    people, others = progress
    worker = actor_of("grid")
    items, nxt = coverage.untested(session=session, actor=worker, round_id=round_.id, jurisdiction_code=GRID)
    assert nxt is None and sorted(i.person.id for i in items) == people[8:11]  # the 12th is away
    assert items[0].person.masked and items[0].person.phone.startswith("138****")
    assert session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "screening.untested")) == \
        "3 untested residents"
    with pytest.raises(Forbidden):
        coverage.untested(session=session, actor=worker, round_id=round_.id, unmask=True)
    everyone, _ = coverage.untested(session=session, actor=actor_of("epi"), round_id=round_.id, unmask=True)
    assert len(everyone) == 6 and not everyone[0].person.masked
    with pytest.raises(NotFound):
        coverage.untested(session=session, actor=worker, round_id=round_.id, jurisdiction_code="320104")


def test_a_city_campaign_shows_each_district_only_its_own_grids(session, actor_of, grid):
    qinhuai_grid = session.scalar(select(Person.jurisdiction_code).where(Person.jurisdiction_code.startswith("320104"))
                                  .limit(1))
    admin = actor_of("admin")
    city = service.create_campaign(session=session, actor=admin, data=CampaignCreate(
        name="全市筛查", jurisdiction_code="320100",
        areas=[AreaIn(jurisdiction_code=GRID), AreaIn(jurisdiction_code=qinhuai_grid)]))
    rnd = service.launch_round(session=session, actor=admin, campaign_id=city.id, data=RoundCreate(starts_at=START))
    mine = coverage.coverage(session=session, actor=actor_of("epi_district"), round_id=rnd.id)
    assert [g.jurisdiction_code for g in mine.grids] == [GRID] and mine.turnaround is None
    assert {g.jurisdiction_code for g in coverage.coverage(session=session, actor=admin, round_id=rnd.id).grids} == {
        GRID, qinhuai_grid}
    # the grid worker sees the city's campaign that covers their community; not one only elsewhere
    assert service.get_campaign(session=session, actor=actor_of("grid"), campaign_id=city.id).id == city.id
    elsewhere = service.create_campaign(session=session, actor=admin, data=CampaignCreate(
        name="秦淮区筛查", jurisdiction_code="320104", areas=[AreaIn(jurisdiction_code=qinhuai_grid)]))
    with pytest.raises(NotFound):
        service.get_campaign(session=session, actor=actor_of("epi_district"), campaign_id=elsewhere.id)
    listed, _ = service.list_campaigns(session=session, actor=actor_of("epi_district"))
    assert city.id in [c.id for c in listed] and elsewhere.id not in [c.id for c in listed]
