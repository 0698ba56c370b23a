"""Exposure searches of confirmed cases over the bulk store: stored exposures, contacts by profile,
idempotent re-runs, unknown persons, the job and failures."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tracing_corekit import confirmed_case, grids, person, use_profile, write_store

from fangkong.authz import SYSTEM
from fangkong.errors import NotFound
from fangkong.tracing import exposures
from fangkong.tracing.jobs import run_pending_searches
from fangkong.tracing.models import Contact, Exposure, ExposureSearch

UNKNOWN = 9_999_999


@pytest.fixture
def city(session, actor_of, settings):
    """A confirmed case, four persons around it, and their check-ins and grid presence on disk."""
    epi = actor_of("epi")
    inside, _ = grids(session, epi)
    people = [person(session, inside, f"P{i}") for i in range(5)]
    index, diner, late, companion, far = people
    write_store(settings.data_dir, "checkins", [
        (index.id, 901, "2022-07-07 12:00:00", "2022-07-07 13:00:00"),
        (diner.id, 901, "2022-07-07 12:30:00", "2022-07-07 14:00:00"),    # 30 min together
        (late.id, 901, "2022-07-07 13:00:00", "2022-07-07 14:00:00"),     # touching only: no exposure
        (UNKNOWN, 901, "2022-07-07 12:10:00", "2022-07-07 12:40:00"),     # not in the person index
        (far.id, 901, "2022-07-01 12:00:00", "2022-07-01 13:00:00"),      # before the look-back
    ])
    nights = [(index.id, 5, f"2022-07-0{d} 20:00:00", f"2022-07-0{d + 1} 08:00:00") for d in range(3, 8)]
    write_store(settings.data_dir, "presence", [
        *nights,  # the case's 60 h at home in cell 5 meet the cumulative-stay condition
        (companion.id, 5, "2022-07-08 07:30:00", "2022-07-08 09:00:00"),  # 30 min with the case
        (diner.id, 5, "2022-07-08 07:00:00", "2022-07-08 08:00:00")])
    return epi, inside, people


def _search(session, case_id):
    return session.scalar(select(ExposureSearch).where(ExposureSearch.case_id == case_id)
                          .order_by(ExposureSearch.id.desc()))


def test_search_stores_exposures_and_contacts_by_profile(session, settings, city):
    epi, inside, (index, diner, late, companion, far) = city
    case = confirmed_case(session, epi, inside, who=index)
    run = run_pending_searches(session=session, settings=settings)
    assert run.done == [_search(session, case.id).id] and not run.failed
    search = _search(session, case.id)
    assert search.status == "done" and search.unknown_persons == 1 and search.contacts_created == 2
    found = {(e.person_id, e.kind) for e in session.scalars(select(Exposure).where(Exposure.case_id == case.id))}
    assert found == {(diner.id, "venue"), (UNKNOWN, "venue"), (companion.id, "cell"), (diner.id, "cell")}
    venue_row = session.scalar(select(Exposure).where(Exposure.person_id == diner.id, Exposure.kind == "venue"))
    assert venue_row.overlap_minutes == 30 and venue_row.overlap_start.hour == 4  # 12:30 local = 04:30 UTC
    contacts = {c.person_id: c for c in session.scalars(select(Contact).where(Contact.source_case_id == case.id))}
    assert set(contacts) == {diner.id, companion.id}
    assert (contacts[diner.id].category, contacts[diner.id].found_by) == ("venue_exposed", "venue")
    assert (contacts[companion.id].category, contacts[companion.id].found_by) == ("companion", "grid")
    assert contacts[diner.id].exposure_date.isoformat() == "2022-07-07"
    assert contacts[diner.id].last_exposure_at.isoformat() == "2022-07-08T00:00:00+00:00"  # cell overlap end

    again = exposures.request(session=session, actor=epi, case_id=case.id)
    exposures.run_search(session=session, search_id=again.id, data_dir=settings.data_dir, actor=epi)
    assert again.status == "done" and again.contacts_created == 0
    assert session.query(Exposure).filter_by(case_id=case.id).count() == 4
    assert session.query(Contact).filter_by(source_case_id=case.id).count() == 2


def test_profiles_decide_the_categories(session, settings, city):
    epi, inside, (index, diner, late, companion, far) = city
    use_profile(session, inside, "ed8")  # no 涉疫场所暴露人员: venue co-presence is a general contact
    case = confirmed_case(session, epi, inside, who=index)
    run_pending_searches(session=session, settings=settings)
    cats = dict(session.execute(select(Contact.person_id, Contact.category)
                                .where(Contact.source_case_id == case.id)).all())
    assert cats == {diner.id: "general", companion.id: "companion"}


def test_without_companion_rule_no_cell_search(session, settings, city):
    epi, inside, (index, diner, *_rest) = city
    use_profile(session, inside, "twenty_measures")
    case = confirmed_case(session, epi, inside, who=index)
    run_pending_searches(session=session, settings=settings)
    assert {e.kind for e in session.scalars(select(Exposure).where(Exposure.case_id == case.id))} == {"venue"}
    assert session.scalars(select(Contact.person_id).where(Contact.source_case_id == case.id)).all() == [diner.id]


def test_a_failing_search_is_recorded_and_stores_nothing(session, settings, city, monkeypatch):
    epi, inside, (index, *_rest) = city
    case = confirmed_case(session, epi, inside, who=index)

    def broken(**kw):
        raise OSError("disk gone")

    monkeypatch.setattr("fangkong.tracing.engine.find_exposures", broken)
    run = run_pending_searches(session=session, settings=settings, actor=SYSTEM)
    search = _search(session, case.id)
    assert run.failed == [search.id] and search.status == "failed" and "disk gone" in search.error
    assert session.query(Exposure).filter_by(case_id=case.id).count() == 0
    assert session.query(Contact).filter_by(source_case_id=case.id).count() == 0


def test_lists_are_scoped_and_paginated(session, settings, city, actor_of):
    epi, _, (index, *_rest) = city
    district = actor_of("epi_district")
    _, outside = grids(session, district)
    index.jurisdiction_code = outside
    case = confirmed_case(session, epi, outside, who=index)
    run_pending_searches(session=session, settings=settings)
    page, nxt = exposures.list_exposures(session=session, actor=epi, case_id=case.id, limit=3)
    rest, end = exposures.list_exposures(session=session, actor=epi, case_id=case.id, limit=3, cursor=nxt)
    assert len(page) == 3 and len(rest) == 1 and end is None
    assert {e.id for e in page}.isdisjoint({e.id for e in rest})
    with pytest.raises(NotFound):
        exposures.list_exposures(session=session, actor=district, case_id=case.id)
    with pytest.raises(NotFound):
        exposures.request(session=session, actor=district, case_id=case.id)


def test_itinerary_visits_find_exposures_without_the_case_checking_in(session, settings, city):
    epi, inside, (index, diner, late, companion, far) = city
    from fangkong.tracing import itinerary
    from fangkong.tracing.models import Investigation, Venue
    from fangkong.tracing.schemas import ItineraryIn
    from tracing_corekit import local

    recalled = person(session, inside, "没扫码的病例")
    case = confirmed_case(session, epi, inside, who=recalled)
    session.add(Venue(id=901, place_code="P-901", name="面馆", kind="restaurant", address="", jurisdiction_code=inside))
    inv = session.scalar(select(Investigation).where(Investigation.case_id == case.id))
    for start, end in (("2022-07-07T12:20", "2022-07-07T12:50"), ("2022-07-07T12:40", "2022-07-07T13:00")):
        itinerary.add(session=session, actor=epi, investigation_id=inv.id,
                      data=ItineraryIn(kind="venue", venue_id=901, start_at=local(start), end_at=local(end)))
    run_pending_searches(session=session, settings=settings)
    rows = sorted((e.person_id, e.overlap_minutes) for e in session.scalars(
        select(Exposure).where(Exposure.case_id == case.id)))
    # index checked in 12:00–13:00, the diner 12:30–14:00, the unknown person 12:10–12:40; the late
    # arrival (13:00) only touches the visits
    assert rows == sorted([(index.id, 30.0), (index.id, 20.0), (diner.id, 20.0), (diner.id, 20.0),
                           (UNKNOWN, 20.0)])
    assert set(session.scalars(select(Contact.person_id).where(Contact.source_case_id == case.id))) == {
        index.id, diner.id}


def test_the_scheduler_runs_pending_searches(session, settings, city):
    from fangkong import scheduler

    epi, inside, (index, *_rest) = city
    case = confirmed_case(session, epi, inside, who=index)
    session.commit()  # the job runs in its own unit of work
    assert scheduler.run_once(settings)["exposure_searches"] == "1 exposure searches done, 0 failed, 2 new contacts"
    session.expire_all()
    assert _search(session, case.id).status == "done"
    assert scheduler.run_once(settings)["exposure_searches"].startswith("0 exposure searches done")
