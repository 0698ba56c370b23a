"""Builders for the chain and cluster tests: cases with chosen onsets (stored directly, without the
case service's tasks and triggers), venues, contacts, itinerary visits.

The demo city's districts: 320102 (the `epi_district` user's), 320104 and 320105; `epi` sees the city.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from fangkong.cases.models import Case
from fangkong.geo.models import Jurisdiction
from fangkong.people.models import Person
from fangkong.tracing.models import Contact, Investigation, ItineraryEntry, Venue

DISTRICT, OTHER = "320102", "320104"
DAY0 = date(2022, 7, 1)


def node(session, district: str) -> str:
    """A community node of the district (cases and persons live on such nodes)."""
    return session.scalar(select(Jurisdiction.code).where(Jurisdiction.code.startswith(district),
                                                          Jurisdiction.level == "community")
                          .order_by(Jurisdiction.code))


def person(session, district: str = DISTRICT, household: str | None = None) -> int:
    p = Person(name="链测试", sex="unknown", jurisdiction_code=node(session, district), address="",
               household_code=household)
    session.add(p)
    session.flush()
    return p.id


def case(session, *, district: str = DISTRICT, onset: int | None = 0, classification: str = "confirmed",
         household: str | None = None, person_id: int | None = None) -> int:
    """A case whose onset is `onset` days after DAY0 (None: no onset; sampled that day instead)."""
    pid = person_id or person(session, district, household)
    day = DAY0 + timedelta(days=onset if onset is not None else 0)
    c = Case(person_id=pid, jurisdiction_code=node(session, district), classification=classification,
             severity="mild" if classification == "confirmed" else None, origin="local",
             onset_date=day if onset is not None else None, sampling_date=day,
             diagnosed_at=datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc) + timedelta(days=1),
             report_date=day + timedelta(days=1), outcome="under_treatment", created_by="test")
    session.add(c)
    session.flush()
    return c.id


def cases(session, onsets: list[int | None], **kw) -> list[int]:
    return [case(session, onset=o, **kw) for o in onsets]


def venue(session, venue_id: int, *, district: str = DISTRICT, kind: str = "restaurant") -> int:
    session.add(Venue(id=venue_id, place_code=f"P{venue_id:08d}", name=f"测试场所{venue_id}", kind=kind,
                      jurisdiction_code=node(session, district)))
    session.flush()
    return venue_id


def visit(session, case_id: int, venue_id: int) -> None:
    """An itinerary entry of the case at the venue (its investigation opened if needed)."""
    c = session.get(Case, case_id)
    inv = session.scalar(select(Investigation).where(Investigation.case_id == case_id))
    if inv is None:
        inv = Investigation(case_id=case_id, jurisdiction_code=c.jurisdiction_code, created_by="test")
        session.add(inv)
        session.flush()
    session.add(ItineraryEntry(investigation_id=inv.id, seq=1, kind="venue", venue_id=venue_id,
                               start_at=datetime(2022, 7, 1, 12, tzinfo=timezone.utc)))
    session.flush()


def contact(session, source_case_id: int, *, setting: str, status: str, category: str = "close",
            confirmed: bool = True, via: int | None = None) -> int:
    c = session.get(Case, source_case_id)
    row = Contact(person_id=person(session, c.jurisdiction_code[:6]), source_case_id=source_case_id,
                  via_contact_id=via, category=category, found_by="investigation", setting=setting, status=status,
                  confirmed=confirmed, exposure_date=DAY0, jurisdiction_code=c.jurisdiction_code, created_by="test")
    session.add(row)
    session.flush()
    return row.id
