"""Request and response bodies of the tracing API (investigations, itineraries, exposures, contacts, venues)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from fangkong.tracing.rules import EXPOSURES

InvestigationStatus = Literal["open", "on_site", "core_done", "reported", "closed"]
ItineraryKind = Literal["venue", "place", "transport", "home"]
TransportMode = Literal["flight", "train", "bus", "metro", "taxi", "car", "ship"]
Category = Literal["close", "secondary", "general", "venue_exposed", "companion"]
FoundBy = Literal["investigation", "venue", "grid", "household"]
Setting = Literal["household", "workplace", "school", "venue", "transport", "healthcare", "other"]
ContactStatus = Literal["identified", "notified", "quarantined", "released", "converted", "lost"]
Exposure = Literal[EXPOSURES]  # type: ignore[valid-type]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- venues ----------------------------------------------------------------------------------

class VenueRead(_Out):
    id: int
    place_code: str
    name: str
    kind: str
    address: str
    lon: float | None
    lat: float | None
    cell_id: int | None
    jurisdiction_code: str
    risk_flag: bool


class VenuePage(BaseModel):
    items: list[VenueRead]
    next: str | None = None


class UnregisteredVenue(BaseModel):
    venue_id: int
    checkins: int
    first_seen: datetime
    last_seen: datetime


# --- investigations and itineraries ----------------------------------------------------------

class InvestigationCreate(_In):
    case_id: int


class InvestigationUpdate(_In):
    exposure_source: str | None = Field(default=None, max_length=4000)
    source_kind: str | None = Field(default=None, max_length=24)
    notes: str | None = Field(default=None, max_length=20000)
    version: int | None = None


class InvestigationAdvance(_In):
    status: InvestigationStatus
    at: AwareDatetime | None = Field(default=None, description="When it happened; default now")
    version: int | None = None


class Clock(BaseModel):
    key: str
    due_at: datetime | None
    done_at: datetime | None
    met: bool | None = Field(description="None while neither done nor overdue, or without a due time")
    overdue: bool


class InvestigationRead(_Out):
    id: int
    case_id: int
    jurisdiction_code: str
    status: str
    started_at: datetime
    team_on_site_at: datetime | None
    core_info_at: datetime | None
    reported_at: datetime | None
    closed_at: datetime | None
    on_site_due_at: datetime | None
    core_due_at: datetime | None
    report_due_at: datetime | None
    profile_id: str | None
    window_start: datetime | None
    window_end: datetime | None
    exposure_source: str
    source_kind: str | None
    notes: str
    created_by: str
    version: int
    clocks: list[Clock] = []


class ItineraryIn(_In):
    kind: ItineraryKind
    start_at: AwareDatetime
    end_at: AwareDatetime | None = None
    venue_id: int | None = None
    place_name: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=1000)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    transport_mode: TransportMode | None = None
    transport_no: str | None = Field(default=None, max_length=32)
    carriage: str | None = Field(default=None, max_length=16)
    seat: str | None = Field(default=None, max_length=16)
    notes: str = Field(default="", max_length=4000)


class ItineraryUpdate(_In):
    kind: ItineraryKind | None = None
    start_at: AwareDatetime | None = None
    end_at: AwareDatetime | None = None
    venue_id: int | None = None
    place_name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=1000)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    transport_mode: TransportMode | None = None
    transport_no: str | None = Field(default=None, max_length=32)
    carriage: str | None = Field(default=None, max_length=16)
    seat: str | None = Field(default=None, max_length=16)
    notes: str | None = Field(default=None, max_length=4000)


class ItineraryRead(_Out):
    id: int
    investigation_id: int
    seq: int
    kind: str
    venue_id: int | None
    place_name: str
    address: str
    lon: float | None
    lat: float | None
    start_at: datetime
    end_at: datetime | None
    transport_mode: str | None
    transport_no: str | None
    carriage: str | None
    seat: str | None
    notes: str


# --- exposure searches -----------------------------------------------------------------------

class SearchRun(_In):
    engine: Literal["duckdb", "spark"] = "duckdb"
    margin_minutes: float = Field(default=0, ge=0, le=24 * 60)


class ExposureSearchRead(_Out):
    id: int
    case_id: int
    status: str
    requested_at: datetime
    requested_by: str
    finished_at: datetime | None
    window_start: datetime
    window_end: datetime
    engine: str
    rows: int | None
    contacts_created: int | None
    unknown_persons: int | None
    error: str | None


class ExposureRead(_Out):
    id: int
    search_id: int
    case_id: int
    person_id: int
    kind: str
    place_id: int
    overlap_start: datetime
    overlap_end: datetime
    overlap_minutes: float


class ExposurePage(BaseModel):
    items: list[ExposureRead]
    next: str | None = None


# --- contacts --------------------------------------------------------------------------------

class ContactCreate(_In):
    source_case_id: int
    person_id: int
    exposure: Exposure = Field(description="How the person was exposed; the profile decides the category")
    via_contact_id: int | None = Field(default=None, description="A close contact: this person is then its contact")
    exposure_date: date | None = None
    last_exposure_at: AwareDatetime | None = None
    proximity: str | None = Field(default=None, max_length=32)
    setting: Setting | None = Field(default=None, description="Default: the setting of the exposure kind")
    notes: str = Field(default="", max_length=4000)


class ContactStatusChange(_In):
    status: ContactStatus
    reason: str = Field(default="", max_length=1000)
    version: int | None = None


class ContactConvert(_In):
    case_id: int
    version: int | None = None


class ContactRead(_Out):
    id: int
    person_id: int
    source_case_id: int
    via_contact_id: int | None
    category: str
    found_by: str
    exposure_date: date | None
    last_exposure_at: datetime | None
    proximity: str | None
    setting: str
    status: str
    confirmed: bool
    team_id: int | None
    converted_case_id: int | None
    notes: str
    jurisdiction_code: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int
    person: dict | None = None


class ContactPage(BaseModel):
    items: list[ContactRead]
    next: str | None = None


class ContactBulk(_In):
    ids: list[int] = Field(min_length=1, max_length=5000)
    action: Literal["confirm", "recategorise", "assign", "handover"]
    category: Category | None = Field(default=None, description="For recategorise")
    reason: str = Field(default="", max_length=1000, description="Required for recategorise")
    team_id: int | None = Field(default=None, description="For assign")


class BulkResult(BaseModel):
    action: str
    changed: int
    unchanged: int
    placement_request_ids: list[int] = []


class ExpandResult(BaseModel):
    close_contacts: int
    created: int
    existing: int
    household: int
    venue: int
    determined: bool
    note: str = ""


class PlacementRequestRead(_Out):
    id: int
    contact_id: int
    person_id: int
    category: str
    clock_start: datetime
    status: str
    requested_by: str
    requested_at: datetime
    jurisdiction_code: str
