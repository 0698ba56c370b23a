"""Everything an investigation report (初步流调报告) shows, as plain data for the web page to render."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor
from fangkong.cases.models import Case
from fangkong.people.models import Person
from fangkong.tracing import investigations, itinerary
from fangkong.tracing.common import audit_unmask, may_unmask, person_view
from fangkong.tracing.models import Contact, Exposure, ExposureSearch, Venue
from fangkong.tracing.rules import CATEGORIES
from fangkong.tracing.schemas import Clock, InvestigationRead, ItineraryRead


def report_data(*, session: Session, actor: Actor, investigation_id: int, unmask: bool = False,
                now: datetime | None = None) -> dict:
    """Case, person (masked unless unmasked: permission needed, audited), clocks and whether met,
    itinerary with venue names, contacts by category and status, the latest exposure search."""
    inv = investigations.get(session=session, actor=actor, investigation_id=investigation_id)
    unmask = may_unmask(actor, unmask, inv)
    audit_unmask(session=session, actor=actor, resource_type="investigation", resource_id=inv.id,
                 jurisdiction_code=inv.jurisdiction_code, unmask=unmask)
    case = session.get(Case, inv.case_id)
    entries = itinerary.entries(session, inv.id)
    venues = {v.id: v for v in session.scalars(select(Venue).where(
        Venue.id.in_({e.venue_id for e in entries if e.venue_id is not None})))}
    audit.record(session=session, actor=actor, action="investigation.report", resource_type="investigation",
                 resource_id=inv.id, jurisdiction_code=inv.jurisdiction_code)
    return {
        "investigation": read_model(inv, now=now).model_dump(),
        "case": {k: getattr(case, k) for k in ("id", "external_id", "classification", "severity", "origin",
                                               "onset_date", "sampling_date", "diagnosed_at", "reported_at",
                                               "jurisdiction_code")},
        "person": person_view(session.get(Person, case.person_id), unmask=unmask),
        "itinerary": [{**ItineraryRead.model_validate(e).model_dump(),
                       "venue": _venue(venues.get(e.venue_id))} for e in entries],
        "contacts": _contact_counts(session, case.id),
        "exposures": _exposure_summary(session, case.id),
    }


def read_model(inv, *, now: datetime | None = None) -> InvestigationRead:
    clocks = [Clock(**c) for c in investigations.clocks(inv, now)]
    return InvestigationRead.model_validate(inv).model_copy(update={"clocks": clocks})


def _venue(venue: Venue | None) -> dict | None:
    if venue is None:
        return None
    return {"id": venue.id, "place_code": venue.place_code, "name": venue.name, "kind": venue.kind,
            "address": venue.address, "lon": venue.lon, "lat": venue.lat}


def _contact_counts(session: Session, case_id: int) -> dict:
    """Per category: total and by status; secondary contacts (of close contacts) included."""
    out = {c: {"total": 0, "by_status": {}} for c in CATEGORIES}
    for category, status, n in session.execute(
            select(Contact.category, Contact.status, func.count()).where(Contact.source_case_id == case_id)
            .group_by(Contact.category, Contact.status)):
        slot = out.setdefault(category, {"total": 0, "by_status": {}})
        slot["total"] += n
        slot["by_status"][status] = n
    return out


def _exposure_summary(session: Session, case_id: int) -> dict:
    search = session.scalar(select(ExposureSearch).where(ExposureSearch.case_id == case_id)
                            .order_by(ExposureSearch.id.desc()).limit(1))
    by_kind = {kind: {"exposures": n, "persons": p, "places": pl} for kind, n, p, pl in session.execute(
        select(Exposure.kind, func.count(), func.count(Exposure.person_id.distinct()),
               func.count(Exposure.place_id.distinct())).where(Exposure.case_id == case_id).group_by(Exposure.kind))}
    return {"search": None if search is None else {
        "id": search.id, "status": search.status, "finished_at": search.finished_at, "rows": search.rows,
        "contacts_created": search.contacts_created, "unknown_persons": search.unknown_persons,
        "window_start": search.window_start, "window_end": search.window_end, "error": search.error},
        "by_kind": by_kind}
