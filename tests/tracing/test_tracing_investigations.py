"""Investigations: opened by the case rule, clocks and window from the profile, status, itinerary, report data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from tracing_corekit import DIAGNOSED, confirmed_case, grids, local, person, use_profile

from fangkong.audit.models import AuditEntry
from fangkong.cases import service as cases
from fangkong.cases.schemas import ClassifyRequest
from fangkong.errors import Conflict, Forbidden, Invalid, NotFound
from fangkong.tracing import investigations, itinerary
from fangkong.tracing.models import ExposureSearch, Investigation, Venue
from fangkong.tracing.report import report_data
from fangkong.tracing.schemas import InvestigationUpdate, ItineraryIn, ItineraryUpdate


def _inv(session, case) -> Investigation:
    return session.scalar(select(Investigation).where(Investigation.case_id == case.id))


def test_confirmed_case_opens_investigation_with_profile_clocks_and_window(session, actor_of):
    epi = actor_of("epi")
    inside, _ = grids(session, epi)
    case = confirmed_case(session, epi, inside)  # default profile ed9: 2 + 4 + 24 h, 4-day look-back
    inv = _inv(session, case)
    assert inv.status == "open" and inv.profile_id == "ed9" and inv.created_by == "rule:case"
    assert inv.on_site_due_at == DIAGNOSED + timedelta(hours=2)
    assert inv.core_due_at == DIAGNOSED + timedelta(hours=4)
    assert inv.report_due_at == DIAGNOSED + timedelta(hours=24)
    assert inv.window_start == local("2022-07-04T00:00") and inv.window_end == DIAGNOSED
    search = session.scalar(select(ExposureSearch).where(ExposureSearch.case_id == case.id))
    assert search.status == "pending" and search.window_start == inv.window_start
    # Classifying again (a severity change) neither duplicates the investigation nor the search.
    cases.classify(session=session, actor=epi, case_id=case.id,
                   data=ClassifyRequest(classification="confirmed", severity="moderate", reason="worse"))
    assert session.query(ExposureSearch).filter_by(case_id=case.id).count() == 1
    with pytest.raises(Conflict):
        investigations.create(session=session, actor=epi, case_id=case.id)


def test_ed8_asymptomatic_looks_back_two_days_before_sampling(session, actor_of):
    epi = actor_of("epi")
    inside, _ = grids(session, epi)
    use_profile(session, inside, "ed8")
    case = confirmed_case(session, epi, inside, classification="asymptomatic", onset=None,
                          sampling=DIAGNOSED.date() - timedelta(days=1))
    inv = _inv(session, case)
    assert inv.profile_id == "ed8" and inv.window_start == local("2022-07-07T00:00")


def test_suspected_case_waits_until_classified_and_profile_without_bundle_has_no_clocks(session, actor_of):
    epi = actor_of("epi")
    inside, _ = grids(session, epi)
    use_profile(session, inside, "who_generic")
    case = confirmed_case(session, epi, inside, classification="suspected")
    assert _inv(session, case) is None
    cases.classify(session=session, actor=epi, case_id=case.id,
                   data=ClassifyRequest(classification="confirmed", severity="mild", reason="PCR positive"))
    inv = _inv(session, case)
    assert inv.profile_id == "who_generic"
    assert (inv.on_site_due_at, inv.core_due_at, inv.report_due_at) == (None, None, None)
    assert inv.window_start == local("2022-07-06T00:00")  # WHO: 2 days before onset
    assert all(c["met"] is None and not c["overdue"] for c in investigations.clocks(inv))


def test_status_moves_forward_and_stamps_the_clocks(session, actor_of):
    epi = actor_of("epi")
    inside, _ = grids(session, epi)
    inv = _inv(session, confirmed_case(session, epi, inside))
    on_site = DIAGNOSED + timedelta(hours=1)
    inv = investigations.advance(session=session, actor=epi, investigation_id=inv.id, status="on_site", at=on_site,
                                 version=inv.version)
    with pytest.raises(Conflict):
        investigations.advance(session=session, actor=epi, investigation_id=inv.id, status="core_done", version=1)
    late = DIAGNOSED + timedelta(hours=30)
    investigations.advance(session=session, actor=epi, investigation_id=inv.id, status="reported", at=late)
    assert inv.team_on_site_at == on_site and inv.core_info_at == late and inv.reported_at == late
    clocks = {c["key"]: c for c in investigations.clocks(inv)}
    assert clocks["team_on_site"]["met"] is True
    assert clocks["core_information"]["met"] is False and clocks["investigation_report"]["met"] is False
    with pytest.raises(Invalid):
        investigations.advance(session=session, actor=epi, investigation_id=inv.id, status="on_site")
    with pytest.raises(Forbidden):  # grid workers read investigations but do not edit them
        investigations.advance(session=session, actor=actor_of("auditor"), investigation_id=inv.id, status="closed")


def test_update_is_versioned_audited_and_scoped(session, actor_of):
    epi, district = actor_of("epi"), actor_of("epi_district")
    _, outside = grids(session, district)
    inv = _inv(session, confirmed_case(session, epi, outside))
    investigations.update(session=session, actor=epi, investigation_id=inv.id,
                          data=InvestigationUpdate(exposure_source="family dinner", notes="n", version=1))
    assert inv.version == 2 and inv.exposure_source == "family dinner"
    with pytest.raises(Conflict):
        investigations.update(session=session, actor=epi, investigation_id=inv.id,
                              data=InvestigationUpdate(notes="x", version=1))
    with pytest.raises(NotFound):
        investigations.get(session=session, actor=district, investigation_id=inv.id)
    actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.resource_type == "investigation",
                                                                  AuditEntry.resource_id == str(inv.id))))
    assert {"investigation.create", "investigation.update"} <= actions


def test_itinerary_validation_and_order(session, actor_of):
    epi = actor_of("epi")
    inside, _ = grids(session, epi)
    inv = _inv(session, confirmed_case(session, epi, inside))
    session.add(Venue(id=901, place_code="P-901", name="老王面馆", kind="restaurant", address="",
                      jurisdiction_code=inside))
    session.flush()

    def add(**kw):
        return itinerary.add(session=session, actor=epi, investigation_id=inv.id, data=ItineraryIn(**kw))

    second = add(kind="venue", venue_id=901, start_at=local("2022-07-07T12:00"), end_at=local("2022-07-07T13:00"))
    first = add(kind="transport", transport_mode="metro", transport_no="2号线", carriage="5",
                start_at=local("2022-07-07T08:00"), end_at=local("2022-07-07T08:40"))
    assert (first.seq, second.seq) == (1, 2)
    for bad, field in ((dict(kind="transport", start_at=local("2022-07-07T09:00")), "transport_mode"),
                       (dict(kind="venue", venue_id=999, start_at=local("2022-07-07T09:00")), "venue_id"),
                       (dict(kind="venue", start_at=local("2022-07-07T09:00")), "venue_id"),
                       (dict(kind="place", place_name="公园", start_at=local("2022-07-07T09:00"),
                             end_at=local("2022-07-07T08:00")), "end_at")):
        with pytest.raises(Invalid) as err:
            add(**bad)
        assert err.value.field == field
    itinerary.update(session=session, actor=epi, investigation_id=inv.id, entry_id=second.id,
                     data=ItineraryUpdate(start_at=local("2022-07-07T07:00")))
    assert [e.id for e in itinerary.entries(session, inv.id)] == [second.id, first.id]
    itinerary.delete(session=session, actor=epi, investigation_id=inv.id, entry_id=second.id)
    assert [(e.id, e.seq) for e in itinerary.entries(session, inv.id)] == [(first.id, 1)]
    assert inv.version == 5  # every itinerary change counts as a change of the investigation


def test_report_data_masks_the_person_unless_unmasked(session, actor_of):
    epi = actor_of("epi")
    inside, _ = grids(session, epi)
    who = person(session, inside, "张三")
    who.resident_id = "110101199003074514"
    case = confirmed_case(session, epi, inside, who=who)
    inv = _inv(session, case)
    data = report_data(session=session, actor=actor_of("grid") if actor_of("grid").covers(inside) else epi,
                       investigation_id=inv.id)
    assert data["person"]["phone"] == "138****5678" and data["person"]["masked"] is True
    assert data["case"]["id"] == case.id and {c["key"] for c in data["investigation"]["clocks"]} == {
        "team_on_site", "core_information", "investigation_report"}
    assert data["exposures"]["search"]["status"] == "pending"
    assert set(data["contacts"]) >= {"close", "secondary", "general", "venue_exposed", "companion"}
    full = report_data(session=session, actor=epi, investigation_id=inv.id, unmask=True)
    assert full["person"]["resident_id"] == "110101199003074514"
    assert session.scalar(select(AuditEntry.id).where(AuditEntry.action == "person.unmask",
                                                      AuditEntry.resource_id == str(inv.id)))
    with pytest.raises(Forbidden):
        report_data(session=session, actor=actor_of("auditor"), investigation_id=inv.id, unmask=True)
