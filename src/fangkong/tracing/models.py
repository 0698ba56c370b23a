"""Venues, investigations and itineraries, exposure searches and their exposures, contacts and
placement requests, transmission links and clusters (migration 0006).

Every row a list shows carries a `jurisdiction_code` so lists are scoped with `fangkong.authz.scoped`:
an investigation and a contact the node of their source case, a venue where it stands.
All instants are stored as UTC (`UTCDateTime`); the bulk store's naive local times are converted
at the boundary (`fangkong.tracing.exposures`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from fangkong.db import Base, UTCDateTime, utcnow


class Venue(Base):
    """A place with a place code (场所码); its id is the `venue_id` of check-ins, given on import."""

    __tablename__ = "tracing_venues"
    __table_args__ = (Index("ix_tracing_venues_jurisdiction_id", "jurisdiction_code", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    place_code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24), default="other")
    address: Mapped[str] = mapped_column(Text, default="")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    cell_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    risk_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Investigation(Base):
    """The field investigation (流调) of one case, its three clocks and its look-back window."""

    __tablename__ = "tracing_investigations"
    __table_args__ = (Index("ix_tracing_investigations_jurisdiction_id", "jurisdiction_code", "id"),
                      Index("ix_tracing_investigations_status", "status", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open|on_site|core_done|reported|closed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    team_on_site_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    core_info_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # From the profile's `investigation` SLA bundle at the case's diagnosis; None when it has none.
    on_site_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    core_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    profile_id: Mapped[str | None] = mapped_column(String(64))
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exposure_source: Mapped[str] = mapped_column(Text, default="")
    source_kind: Mapped[str | None] = mapped_column(String(24))  # local|imported|household|venue|unknown…
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ItineraryEntry(Base):
    """One stop or journey of a case's itinerary (活动轨迹)."""

    __tablename__ = "tracing_itinerary"
    __table_args__ = (Index("ix_tracing_itinerary_investigation_seq", "investigation_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    investigation_id: Mapped[int] = mapped_column(ForeignKey("tracing_investigations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))  # venue|place|transport|home
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("tracing_venues.id"))
    place_name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transport_mode: Mapped[str | None] = mapped_column(String(12))  # flight|train|bus|metro|taxi|car|ship
    transport_no: Mapped[str | None] = mapped_column(String(32))
    carriage: Mapped[str | None] = mapped_column(String(16))
    seat: Mapped[str | None] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExposureSearch(Base):
    """One run (or pending run) of the bulk exposure search for a case's look-back window."""

    __tablename__ = "tracing_exposure_searches"
    __table_args__ = (Index("ix_tracing_exposure_searches_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    status: Mapped[str] = mapped_column(String(8), default="pending")  # pending|done|failed
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(64), default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    engine: Mapped[str] = mapped_column(String(8), default="duckdb")
    rows: Mapped[int | None] = mapped_column(Integer)
    contacts_created: Mapped[int | None] = mapped_column(Integer)
    unknown_persons: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class Exposure(Base):
    """One overlap found by a search: the exposed person shared a venue or a grid cell with the case."""

    __tablename__ = "tracing_exposures"
    __table_args__ = (Index("ix_tracing_exposures_case_id", "case_id", "id"),
                      Index("ix_tracing_exposures_person", "person_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("tracing_exposure_searches.id", ondelete="CASCADE"),
                                           index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(Integer)  # may be unknown to the person index: no foreign key
    kind: Mapped[str] = mapped_column(String(8))  # venue|cell
    place_id: Mapped[int] = mapped_column(BigInteger)  # venue id or cell id
    overlap_start: Mapped[datetime] = mapped_column(UTCDateTime)
    overlap_end: Mapped[datetime] = mapped_column(UTCDateTime)
    overlap_minutes: Mapped[float] = mapped_column(Float)


class Contact(Base):
    """A person exposed to a source case (or, with `via_contact_id`, to one of its close contacts)."""

    __tablename__ = "tracing_contacts"
    __table_args__ = (
        UniqueConstraint("person_id", "source_case_id", "via_contact_id", name="uq_tracing_contacts_person_case_via"),
        Index("ix_tracing_contacts_jurisdiction_id", "jurisdiction_code", "id"),
        Index("ix_tracing_contacts_case_id", "source_case_id", "id"),
        Index("ix_tracing_contacts_person", "person_id"),
        Index("ix_tracing_contacts_via", "via_contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    source_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    via_contact_id: Mapped[int | None] = mapped_column(ForeignKey("tracing_contacts.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(16))  # close|secondary|general|venue_exposed|companion
    found_by: Mapped[str] = mapped_column(String(16))  # investigation|venue|grid|household
    exposure_date: Mapped[date | None] = mapped_column(Date)
    last_exposure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proximity: Mapped[str | None] = mapped_column(String(32))
    setting: Mapped[str] = mapped_column(String(16), default="other")
    status: Mapped[str] = mapped_column(String(12), default="identified")
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    converted_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class PlacementRequest(Base):
    """A contact handed over to quarantine; the quarantine domain places it (it does not exist yet)."""

    __tablename__ = "tracing_placement_requests"
    __table_args__ = (Index("ix_tracing_placement_requests_jurisdiction_id", "jurisdiction_code", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("tracing_contacts.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    category: Mapped[str] = mapped_column(String(16))
    clock_start: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="requested")  # requested|placed|cancelled
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))


class TransmissionLink(Base):
    """Infector case → infectee case, with how certain the link is."""

    __tablename__ = "tracing_links"
    __table_args__ = (UniqueConstraint("infector_case_id", "infectee_case_id", name="uq_tracing_links_pair"),
                      Index("ix_tracing_links_infectee", "infectee_case_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    infector_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    infectee_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    certainty: Mapped[str] = mapped_column(String(10))  # confirmed|probable|possible
    setting: Mapped[str | None] = mapped_column(String(16))
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("tracing_venues.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Cluster(Base):
    """A cluster (聚集性疫情) around a venue, household, workplace or school, with its own status."""

    __tablename__ = "tracing_clusters"
    __table_args__ = (Index("ix_tracing_clusters_jurisdiction_id", "jurisdiction_code", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12))  # venue|household|workplace|school|other
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("tracing_venues.id"))
    household_code: Mapped[str | None] = mapped_column(String(40))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    status: Mapped[str] = mapped_column(String(8), default="signal")  # signal|cluster|closed
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(Text, default="")


class ClusterCase(Base):
    __tablename__ = "tracing_cluster_cases"
    __table_args__ = (UniqueConstraint("cluster_id", "case_id", name="uq_tracing_cluster_cases_cluster_case"),
                      Index("ix_tracing_cluster_cases_case", "case_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("tracing_clusters.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
