"""Itinerary entries (活动轨迹) of an investigation: add, change, remove, list in time order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor
from fangkong.errors import Invalid, NotFound
from fangkong.tracing import investigations
from fangkong.tracing.models import Investigation, ItineraryEntry, Venue
from fangkong.tracing.schemas import ItineraryIn, ItineraryUpdate

FIELDS = tuple(ItineraryIn.model_fields)


def problems(session: Session, values: dict[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with an entry, as (field, message)."""
    out = []
    if values.get("end_at") is not None and values["end_at"] <= values["start_at"]:
        out.append(("end_at", "the end must be after the start"))
    kind = values["kind"]
    if kind == "transport" and not values.get("transport_mode"):
        out.append(("transport_mode", "a journey needs its mode (flight, train, bus, metro, taxi, car, ship)"))
    if kind != "transport" and any(values.get(f) for f in ("transport_mode", "transport_no", "carriage", "seat")):
        out.append(("transport_mode", "transport details belong to a transport entry"))
    if kind == "venue":
        if values.get("venue_id") is not None:
            if session.get(Venue, values["venue_id"]) is None:
                out.append(("venue_id", f"no venue {values['venue_id']}; import it or give the place instead"))
        elif not values.get("place_name"):
            out.append(("venue_id", "a venue entry names a registered venue or a place"))
    elif values.get("venue_id") is not None:
        out.append(("venue_id", "only a venue entry refers to a venue"))
    if kind == "place" and not (values.get("place_name") or values.get("address")
                                or values.get("lon") is not None):
        out.append(("place_name", "a place needs a name, an address or coordinates"))
    if (values.get("lon") is None) != (values.get("lat") is None):
        out.append(("lat" if values.get("lat") is None else "lon", "give both lon and lat, or neither"))
    return out


def _check(session: Session, values: dict[str, Any]) -> None:
    found = problems(session, values)
    if found:
        field, message = found[0]
        raise Invalid(message, field=field)


def _renumber(session: Session, investigation_id: int) -> None:
    entries = session.scalars(select(ItineraryEntry).where(ItineraryEntry.investigation_id == investigation_id)
                              .order_by(ItineraryEntry.start_at, ItineraryEntry.id))
    for seq, entry in enumerate(entries, start=1):
        entry.seq = seq


def _touch(session: Session, actor: Actor, inv: Investigation, action: str, entry_id: int, changes: dict) -> None:
    inv.version += 1
    session.flush()
    audit.record(session=session, actor=actor, action=f"itinerary.{action}", resource_type="investigation",
                 resource_id=inv.id, jurisdiction_code=inv.jurisdiction_code, changes=changes,
                 detail=f"entry {entry_id}")


def entries(session: Session, investigation_id: int) -> list[ItineraryEntry]:
    return list(session.scalars(select(ItineraryEntry).where(ItineraryEntry.investigation_id == investigation_id)
                                .order_by(ItineraryEntry.seq, ItineraryEntry.id)))


def list_entries(*, session: Session, actor: Actor, investigation_id: int) -> list[ItineraryEntry]:
    investigations.get(session=session, actor=actor, investigation_id=investigation_id)
    return entries(session, investigation_id)


def add(*, session: Session, actor: Actor, investigation_id: int, data: ItineraryIn) -> ItineraryEntry:
    inv = investigations.get(session=session, actor=actor, investigation_id=investigation_id,
                             action="tracing.investigate", audit_read=False)
    values = data.model_dump()
    _check(session, values)
    entry = ItineraryEntry(investigation_id=inv.id, seq=0, created_by=actor.username, **values)
    session.add(entry)
    session.flush()
    _renumber(session, inv.id)
    _touch(session, actor, inv, "add", entry.id, audit.diff({}, values))
    return entry


def _entry(session: Session, actor: Actor, investigation_id: int,
           entry_id: int) -> tuple[Investigation, ItineraryEntry]:
    inv = investigations.get(session=session, actor=actor, investigation_id=investigation_id,
                             action="tracing.investigate", audit_read=False)
    entry = session.get(ItineraryEntry, entry_id)
    if entry is None or entry.investigation_id != inv.id:
        raise NotFound(f"no itinerary entry {entry_id} in investigation {inv.id}")
    return inv, entry


def update(*, session: Session, actor: Actor, investigation_id: int, entry_id: int,
           data: ItineraryUpdate) -> ItineraryEntry:
    inv, entry = _entry(session, actor, investigation_id, entry_id)
    old = {f: getattr(entry, f) for f in FIELDS}
    values = {**old, **data.model_dump(exclude_unset=True)}
    _check(session, values)
    delta = audit.diff(old, values)
    if not delta:
        return entry
    for key in delta:
        setattr(entry, key, values[key])
    session.flush()
    _renumber(session, inv.id)
    _touch(session, actor, inv, "update", entry.id, delta)
    return entry


def delete(*, session: Session, actor: Actor, investigation_id: int, entry_id: int) -> None:
    inv, entry = _entry(session, actor, investigation_id, entry_id)
    gone = {f: getattr(entry, f) for f in FIELDS}
    session.delete(entry)
    session.flush()
    _renumber(session, inv.id)
    _touch(session, actor, inv, "delete", entry_id, audit.diff(gone, dict.fromkeys(gone)))
