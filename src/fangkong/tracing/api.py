"""JSON routes of investigations, itineraries, exposure searches, contacts and venues under
/api/v1/tracing; thin over the services (chains and clusters: `fangkong.tracing.chains_api`)."""

from __future__ import annotations

from fastapi import APIRouter, Body, Query, Response

from fangkong.deps import ApiActor, SessionDep, SettingsDep
from fangkong.tracing import (
    contact_bulk, contacts, exposures, investigations, itinerary, report, secondary, venues,
)
from fangkong.tracing.schemas import (
    BulkResult, Category, ContactBulk, ContactConvert, ContactCreate, ContactPage, ContactRead,
    ContactStatus, ContactStatusChange, ExpandResult, ExposurePage, ExposureRead, ExposureSearchRead,
    InvestigationAdvance, InvestigationCreate, InvestigationRead, InvestigationUpdate, ItineraryIn,
    ItineraryRead, ItineraryUpdate, PlacementRequestRead, SearchRun, UnregisteredVenue, VenuePage, VenueRead,
)

router = APIRouter(prefix="/tracing", tags=["tracing"])
Limit = Query(50, ge=1, le=1000)


# --- venues ----------------------------------------------------------------------------------

@router.get("/venues", response_model=VenuePage)
def list_venues(session: SessionDep, actor: ApiActor, settings: SettingsDep, q: str | None = None,
                kind: str | None = None, limit: int = Limit, cursor: str | None = None) -> VenuePage:
    items, nxt = venues.list_venues(session=session, actor=actor, q=q, kind=kind,
                                    limit=min(limit, settings.page_size_max), cursor=cursor)
    return VenuePage(items=[VenueRead.model_validate(v) for v in items], next=nxt)


@router.get("/venues/unregistered", response_model=list[UnregisteredVenue])
def unregistered_venues(session: SessionDep, actor: ApiActor, settings: SettingsDep,
                        limit: int = Query(100, ge=1, le=10000)) -> list[UnregisteredVenue]:
    """Venue ids with check-ins in the store and no venue record, most check-ins first."""
    return [UnregisteredVenue(**row) for row in venues.unregistered(session=session, actor=actor,
                                                                     data_dir=settings.data_dir, limit=limit)]


@router.get("/venues/{venue_id}", response_model=VenueRead)
def get_venue(venue_id: int, session: SessionDep, actor: ApiActor) -> VenueRead:
    return VenueRead.model_validate(venues.get_venue(session=session, actor=actor, venue_id=venue_id))


# --- investigations --------------------------------------------------------------------------

@router.get("/investigations", response_model=dict)
def list_investigations(session: SessionDep, actor: ApiActor, settings: SettingsDep, status: str | None = None,
                        limit: int = Limit, cursor: str | None = None) -> dict:
    items, nxt = investigations.list_investigations(session=session, actor=actor, status=status,
                                                    limit=min(limit, settings.page_size_max), cursor=cursor)
    return {"items": [report.read_model(i).model_dump() for i in items], "next": nxt}


@router.post("/investigations", response_model=InvestigationRead, status_code=201)
def create_investigation(data: InvestigationCreate, session: SessionDep, actor: ApiActor) -> InvestigationRead:
    return report.read_model(investigations.create(session=session, actor=actor, case_id=data.case_id))


@router.get("/investigations/{investigation_id}", response_model=InvestigationRead)
def get_investigation(investigation_id: int, session: SessionDep, actor: ApiActor) -> InvestigationRead:
    return report.read_model(investigations.get(session=session, actor=actor, investigation_id=investigation_id))


@router.get("/cases/{case_id}/investigation", response_model=InvestigationRead)
def investigation_of_case(case_id: int, session: SessionDep, actor: ApiActor) -> InvestigationRead:
    return report.read_model(investigations.get_by_case(session=session, actor=actor, case_id=case_id))


@router.patch("/investigations/{investigation_id}", response_model=InvestigationRead)
def update_investigation(investigation_id: int, data: InvestigationUpdate, session: SessionDep,
                         actor: ApiActor) -> InvestigationRead:
    return report.read_model(investigations.update(session=session, actor=actor, investigation_id=investigation_id,
                                                   data=data))


@router.post("/investigations/{investigation_id}/status", response_model=InvestigationRead)
def advance_investigation(investigation_id: int, data: InvestigationAdvance, session: SessionDep,
                          actor: ApiActor) -> InvestigationRead:
    """Move forward (open → on_site → core_done → reported → closed), stamping the clocks."""
    return report.read_model(investigations.advance(session=session, actor=actor, investigation_id=investigation_id,
                                                    status=data.status, at=data.at, version=data.version))


@router.get("/investigations/{investigation_id}/report")
def investigation_report(investigation_id: int, session: SessionDep, actor: ApiActor, unmask: bool = False) -> dict:
    """Everything the investigation report shows (person masked unless `unmask`, audited)."""
    return report.report_data(session=session, actor=actor, investigation_id=investigation_id, unmask=unmask)


@router.get("/investigations/{investigation_id}/itinerary", response_model=list[ItineraryRead])
def list_itinerary(investigation_id: int, session: SessionDep, actor: ApiActor) -> list[ItineraryRead]:
    return [ItineraryRead.model_validate(e) for e in
            itinerary.list_entries(session=session, actor=actor, investigation_id=investigation_id)]


@router.post("/investigations/{investigation_id}/itinerary", response_model=ItineraryRead, status_code=201)
def add_itinerary(investigation_id: int, data: ItineraryIn, session: SessionDep, actor: ApiActor) -> ItineraryRead:
    return ItineraryRead.model_validate(itinerary.add(session=session, actor=actor,
                                                      investigation_id=investigation_id, data=data))


@router.patch("/investigations/{investigation_id}/itinerary/{entry_id}", response_model=ItineraryRead)
def update_itinerary(investigation_id: int, entry_id: int, data: ItineraryUpdate, session: SessionDep,
                     actor: ApiActor) -> ItineraryRead:
    return ItineraryRead.model_validate(itinerary.update(session=session, actor=actor, entry_id=entry_id,
                                                         investigation_id=investigation_id, data=data))


@router.delete("/investigations/{investigation_id}/itinerary/{entry_id}", status_code=204)
def delete_itinerary(investigation_id: int, entry_id: int, session: SessionDep, actor: ApiActor) -> Response:
    itinerary.delete(session=session, actor=actor, investigation_id=investigation_id, entry_id=entry_id)
    return Response(status_code=204)


# --- exposure searches -----------------------------------------------------------------------

@router.post("/cases/{case_id}/exposure-search", response_model=ExposureSearchRead)
def run_exposure_search(case_id: int, session: SessionDep, actor: ApiActor, settings: SettingsDep,
                        data: SearchRun = Body(default_factory=SearchRun)) -> ExposureSearchRead:
    """Search the case's look-back window now; its exposures become contacts."""
    search = exposures.request(session=session, actor=actor, case_id=case_id, engine=data.engine)
    search = exposures.run_search(session=session, search_id=search.id, data_dir=settings.data_dir, actor=actor,
                                  margin_minutes=data.margin_minutes)
    return ExposureSearchRead.model_validate(search)


@router.get("/cases/{case_id}/exposure-searches", response_model=list[ExposureSearchRead])
def list_exposure_searches(case_id: int, session: SessionDep, actor: ApiActor) -> list[ExposureSearchRead]:
    return [ExposureSearchRead.model_validate(s) for s in
            exposures.list_searches(session=session, actor=actor, case_id=case_id)]


@router.get("/cases/{case_id}/exposures", response_model=ExposurePage)
def list_exposures(case_id: int, session: SessionDep, actor: ApiActor, settings: SettingsDep,
                   kind: str | None = Query(None, pattern="^(venue|cell)$"), person_id: int | None = None,
                   limit: int = Limit, cursor: str | None = None) -> ExposurePage:
    items, nxt = exposures.list_exposures(session=session, actor=actor, case_id=case_id, kind=kind,
                                          person_id=person_id, limit=min(limit, settings.page_size_max),
                                          cursor=cursor)
    return ExposurePage(items=[ExposureRead.model_validate(e) for e in items], next=nxt)


# --- contacts --------------------------------------------------------------------------------

@router.get("/contacts", response_model=ContactPage)
def list_contacts(session: SessionDep, actor: ApiActor, settings: SettingsDep, case_id: int | None = None,
                  category: Category | None = None, status: ContactStatus | None = None, team_id: int | None = None,
                  found_by: str | None = None, via_contact_id: int | None = None, confirmed: bool | None = None,
                  person_id: int | None = None, unmask: bool = False, limit: int = Limit,
                  cursor: str | None = None) -> ContactPage:
    """Contacts in the caller's jurisdiction, newest first; persons masked unless `unmask` (audited)."""
    items, nxt = contacts.list_contacts(
        session=session, actor=actor, limit=min(limit, settings.page_size_max), cursor=cursor, unmask=unmask,
        case_id=case_id, category=category, status=status, team_id=team_id, found_by=found_by,
        via_contact_id=via_contact_id, confirmed=confirmed, person_id=person_id)
    return ContactPage(items=items, next=nxt)


@router.post("/contacts", response_model=ContactRead, status_code=201)
def create_contact(data: ContactCreate, session: SessionDep, actor: ApiActor) -> ContactRead:
    """A contact from the investigation; the jurisdiction's profile decides its category."""
    contact = contacts.create(session=session, actor=actor, data=data)
    return contacts.read(session=session, actor=actor, contact_id=contact.id)


@router.post("/contacts/bulk", response_model=BulkResult)
def bulk_contacts(data: ContactBulk, session: SessionDep, actor: ApiActor) -> BulkResult:
    """confirm | recategorise (category, reason) | assign (team_id) | handover (placement requests)."""
    return contact_bulk.bulk(session=session, actor=actor, data=data)


@router.get("/contacts/{contact_id}", response_model=ContactRead)
def get_contact(contact_id: int, session: SessionDep, actor: ApiActor, unmask: bool = False) -> ContactRead:
    return contacts.read(session=session, actor=actor, contact_id=contact_id, unmask=unmask)


@router.post("/contacts/{contact_id}/status", response_model=ContactRead)
def change_contact_status(contact_id: int, data: ContactStatusChange, session: SessionDep,
                          actor: ApiActor) -> ContactRead:
    contacts.change_status(session=session, actor=actor, contact_id=contact_id, status=data.status,
                           reason=data.reason, version=data.version)
    return contacts.read(session=session, actor=actor, contact_id=contact_id)


@router.post("/contacts/{contact_id}/convert", response_model=ContactRead)
def convert_contact(contact_id: int, data: ContactConvert, session: SessionDep, actor: ApiActor) -> ContactRead:
    """The contact became a case of the same person."""
    contacts.convert(session=session, actor=actor, contact_id=contact_id, case_id=data.case_id, version=data.version)
    return contacts.read(session=session, actor=actor, contact_id=contact_id)


@router.get("/contacts/{contact_id}/placements", response_model=list[PlacementRequestRead])
def contact_placements(contact_id: int, session: SessionDep, actor: ApiActor) -> list[PlacementRequestRead]:
    return [PlacementRequestRead.model_validate(p) for p in
            contact_bulk.placement_requests(session=session, actor=actor, contact_id=contact_id)]


@router.post("/cases/{case_id}/contacts/expand", response_model=ExpandResult)
def expand_contacts(case_id: int, session: SessionDep, actor: ApiActor, settings: SettingsDep,
                    contact_ids: list[int] | None = Body(default=None, embed=True)) -> ExpandResult:
    """Contacts of the case's close contacts (household, shared venues), where the profile determines them."""
    return secondary.expand(session=session, actor=actor, case_id=case_id, data_dir=settings.data_dir,
                            contact_ids=contact_ids)
