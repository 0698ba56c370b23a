"""Investigation pages: the list with its clocks, one investigation (case summary, status and clocks,
itinerary table and map edited with HTMX, exposure source and notes, contacts by category, the
exposure search) and its printable report in zh-Hans or English.

Thin: `fangkong.tracing.investigations`, `.itinerary`, `.contacts`, `.exposures` decide what the user
sees and may change (permissions, jurisdiction). The contact list with its bulk actions lives in
`fangkong.tracing.web_contacts`, the chain graph, timeline and clusters in `fangkong.tracing.web_chains`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from fangkong.authz import Actor, allowed
from fangkong.cases import service as cases
from fangkong.cases.models import Case
from fangkong.db import utcnow
from fangkong.deps import SettingsDep
from fangkong.errors import DomainError, NotFound
from fangkong.geo import service as geo
from fangkong.i18n import LANGUAGES
from fangkong.tracing import contacts, exposures, investigations, itinerary, report, venues
from fangkong.tracing.models import Investigation, ItineraryEntry, Venue
from fangkong.tracing.schemas import InvestigationUpdate, ItineraryIn, ItineraryUpdate
from fangkong.web import forms, places
from fangkong.web.deps import WebActor, WebForm, WebSessionDep, is_partial
from fangkong.web.labels import N_
from fangkong.web.templating import gettext, local_input, render

router = APIRouter()
PAGE_SIZE = 50
CASE_CONTACTS = 500  # contacts listed on an investigation page; the contact list pages through the rest
CATEGORY_ORDER = ("close", "secondary", "general", "venue_exposed", "companion")
SOURCE_KINDS = ("household", "workplace", "venue", "community", "imported", "healthcare", "unknown")
ENTRY_FIELDS = ("kind", "start_at", "end_at", "place_name", "address", "lon", "lat", "transport_mode",
                "transport_no", "carriage", "seat", "notes")
ENTRY_TEXT = ("place_name", "address", "notes")
CLOCK_KEYS = {"team_on_site": "on_site", "core_information": "core", "investigation_report": "report"}

# Messages of the tracing services (and these pages) with fixed wording, shown in the user's language.
MESSAGES = frozenset((
    N_("select at least one contact"),
    N_("give the new category"),
    N_("say why the category changes"),
    N_("the end must be after the start"),
    N_("a journey needs its mode (flight, train, bus, metro, taxi, car, ship)"),
    N_("transport details belong to a transport entry"),
    N_("a venue entry names a registered venue or a place"),
    N_("only a venue entry refers to a venue"),
    N_("a place needs a name, an address or coordinates"),
    N_("give both lon and lat, or neither"),
    N_("this investigation was changed by someone else; reload it"),
    N_("this contact was changed by someone else; reload it"),
    N_("contacts of contacts are traced from close contacts only"),
    N_("no venue with this place code"),
))


def translated(request: Request, errors: dict[str, str]) -> dict[str, str]:
    """Errors for a form, the tracing messages above in the user's language (others as `msg()` shows them)."""
    return {k: gettext(request, v) if v in MESSAGES else v for k, v in errors.items()}


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _zone(session: Session, code: str):
    return geo.effective_timezone(session, code)


def clock_states(inv: Investigation, now: datetime | None = None) -> list[dict]:
    return display_clocks(investigations.clocks(inv, now))


def display_clocks(clocks: list[dict]) -> list[dict]:
    """The service's clocks with one display state each: met, late, overdue, open or none."""
    out = []
    for c in clocks:
        if c["due_at"] is None:
            state = "none"
        elif c["overdue"]:
            state = "overdue"
        elif c["met"] is None:
            state = "open"
        else:
            state = "met" if c["met"] else "late"
        out.append({**c, "key": CLOCK_KEYS.get(c["key"], c["key"]), "state": state})
    return out


def next_statuses(inv: Investigation) -> list[str]:
    """Forward steps from the current status (the service refuses going back)."""
    order = investigations.STATUSES
    return list(order[order.index(inv.status) + 1:]) if inv.status in order else []


# --- the list ---------------------------------------------------------------------------------

def _rows(session: Session, actor: Actor, items: list[Investigation], now: datetime) -> list[dict]:
    """What a list row shows: the case's classification and diagnosis beside the investigation's clocks.
    No names: a list read is not audited (the investigation page, an audited read, shows the person)."""
    ids = [i.case_id for i in items]
    found = session.execute(cases.list_statement(actor=actor).where(Case.id.in_(ids))) if ids else []
    by_case = {c.id: (c.diagnosed_at, c.classification, c.severity) for c, _ in found}
    rows = []
    for inv in items:
        states = clock_states(inv, now)
        due = [c["due_at"] for c in states if c["state"] in ("open", "overdue")]
        diagnosed, classification, severity = by_case.get(inv.case_id, (None, "", None))
        rows.append({"id": inv.id, "case_id": inv.case_id, "status": inv.status,
                     "jurisdiction_code": inv.jurisdiction_code,
                     "classification": classification, "severity": severity, "diagnosed_at": diagnosed,
                     "clocks": states,
                     "overdue": any(c["state"] == "overdue" for c in states), "next_due": min(due) if due else None})
    return rows


@router.get("/tracing")
def tracing_home() -> Response:
    return RedirectResponse("/tracing/investigations", status_code=303)


@router.get("/tracing/investigations")
def investigations_page(request: Request, session: WebSessionDep, actor: WebActor) -> Response:
    status = (request.query_params.get("status") or "").strip()
    cursor = request.query_params.get("cursor") or None
    errors: dict[str, str] = {}
    items, nxt = [], None
    try:
        items, nxt = investigations.list_investigations(session=session, actor=actor, status=status or None,
                                                        limit=PAGE_SIZE, cursor=cursor)
    except DomainError as exc:
        if exc.status_code == 403:
            raise
        errors[exc.field or "form"] = exc.message
    rows = _rows(session, actor, items, utcnow())
    query = {"status": status} if status else {}
    ctx = {"nav": "tracing", "tab": "investigations", "items": rows, "errors": errors,
           "filters": {"status": status}, "overdue": sum(r["overdue"] for r in rows),
           "zone": _zone(session, actor.jurisdiction_code),
           "next_url": "/tracing/investigations?" + urlencode({**query, "cursor": nxt}) if nxt else None,
           "places": places.labels(session=session, actor=actor, codes={r["jurisdiction_code"] for r in rows},
                                   language=request.state.language)}
    if is_partial(request, "inv-results"):
        return render(request, "tracing/_investigations.html", ctx)
    return render(request, "tracing/investigations.html", ctx)


@router.get("/tracing/cases/{case_id}/investigation")
def case_investigation(request: Request, case_id: int, session: WebSessionDep, actor: WebActor) -> Response:
    """The case's investigation; a case without one offers to open it (to those who may)."""
    try:
        inv = investigations.get_by_case(session=session, actor=actor, case_id=case_id)
    except NotFound:
        case = cases.read(session=session, actor=actor, case_id=case_id)  # 404 outside the jurisdiction
        return render(request, "tracing/no_investigation.html", {"nav": "tracing", "case": case})
    return RedirectResponse(f"/tracing/investigations/{inv.id}", status_code=303)


@router.post("/tracing/cases/{case_id}/investigation")
def open_investigation(case_id: int, session: WebSessionDep, actor: WebActor, form: WebForm) -> Response:
    inv = investigations.create(session=session, actor=actor, case_id=case_id)
    return RedirectResponse(f"/tracing/investigations/{inv.id}?flash=saved", status_code=303)


# --- one investigation ------------------------------------------------------------------------

def _venues(session: Session, entries: list[ItineraryEntry]) -> dict[int, Venue]:
    ids = {e.venue_id for e in entries if e.venue_id is not None}
    return {v.id: v for v in session.scalars(select(Venue).where(Venue.id.in_(ids)))} if ids else {}


def itinerary_context(session: Session, inv: Investigation, zone, settings, *, entry: dict | None = None,
                      entry_id: int | None = None, entry_errors: dict | None = None) -> dict[str, Any]:
    """The itinerary table's rows (with venue names and coordinates filled in) and the map's points."""
    entries = itinerary.entries(session, inv.id)
    by_id = _venues(session, entries)
    rows, points = [], []
    for seq, e in enumerate(entries, start=1):
        venue = by_id.get(e.venue_id) if e.venue_id is not None else None
        lat = e.lat if e.lat is not None else (venue.lat if venue else None)
        lon = e.lon if e.lon is not None else (venue.lon if venue else None)
        label = e.place_name or (venue.name if venue else "") or (e.transport_no or "") or e.address or "—"
        rows.append({**{k: getattr(e, k) for k in ("id", "kind", "address", "start_at", "end_at", "transport_mode",
                                                  "transport_no", "carriage", "seat", "notes")},
                     "lat": lat, "lon": lon, "place_label": label})
        if lat is not None and lon is not None:
            points.append({"seq": seq, "lat": lat, "lon": lon, "name": label,
                           "when": e.start_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")})
    return {"entries": rows, "entry": entry or {"kind": "place"}, "entry_id": entry_id,
            "entry_errors": entry_errors or {},
            "itinerary_data": {"points": points, "tileUrl": settings.map_tile_url}}


def _search_context(session: Session, actor: Actor, case_id: int) -> dict[str, Any]:
    searches = exposures.list_searches(session=session, actor=actor, case_id=case_id)
    latest = max(searches, key=lambda s: s.id) if searches else None
    return {"search": latest, "can_search": bool(allowed(actor, "tracing.search"))}


def _contact_groups(session: Session, actor: Actor, case_id: int) -> tuple[list, int, bool]:
    items, nxt = contacts.list_contacts(session=session, actor=actor, case_id=case_id, limit=CASE_CONTACTS)
    groups: dict[str, list] = {}
    for c in items:
        groups.setdefault(c.category, []).append({**c.model_dump(), "person_name": (c.person or {}).get("name", "")})
    ordered = [(k, groups[k]) for k in CATEGORY_ORDER if k in groups]
    ordered += [(k, v) for k, v in groups.items() if k not in CATEGORY_ORDER]
    return ordered, len(items), nxt is not None


def edit_values(inv: Investigation) -> dict[str, str]:
    return {"exposure_source": inv.exposure_source or "", "source_kind": inv.source_kind or "",
            "notes": inv.notes or ""}


def _page(request: Request, session: Session, actor: Actor, settings, investigation_id: int, *,
          form_name: str = "", errors: dict | None = None, edit: dict | None = None, entry: dict | None = None,
          status_code: int = 200) -> Response:
    inv = investigations.get(session=session, actor=actor, investigation_id=investigation_id)
    case = cases.read(session=session, actor=actor, case_id=inv.case_id)
    zone = _zone(session, inv.jurisdiction_code)
    groups, shown, more = _contact_groups(session, actor, inv.case_id)
    labels = places.labels(session=session, actor=actor, codes=[case.jurisdiction_code],
                           language=request.state.language)
    return render(request, "tracing/investigation.html", {
        "nav": "tracing", "inv": inv, "case": case, "zone": zone, "clocks": clock_states(inv),
        "transitions": next_statuses(inv), "can_investigate": bool(allowed(actor, "tracing.investigate", inv)),
        "place": labels.get(case.jurisdiction_code), "form_name": form_name, "errors": errors or {},
        "edit": edit or edit_values(inv), "source_kinds": [(k, k) for k in SOURCE_KINDS],
        "contact_groups": groups, "contacts_shown": shown, "contacts_more": more,
        **itinerary_context(session, inv, zone, settings, **(entry or {})),
        **_search_context(session, actor, inv.case_id),
    }, status_code=status_code)


@router.get("/tracing/investigations/{investigation_id}")
def investigation_page(request: Request, investigation_id: int, session: WebSessionDep, actor: WebActor,
                       settings: SettingsDep) -> Response:
    return _page(request, session, actor, settings, investigation_id)


@router.post("/tracing/investigations/{investigation_id}/status")
def status_page(request: Request, investigation_id: int, session: WebSessionDep, actor: WebActor, form: WebForm,
                settings: SettingsDep) -> Response:
    try:
        investigations.advance(session=session, actor=actor, investigation_id=investigation_id,
                               status=str(form.get("status") or ""), version=_int(form.get("version")))
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        session.rollback()
        return _page(request, session, actor, settings, investigation_id, form_name="status",
                     errors=translated(request, {"form": exc.message}), status_code=exc.status_code)
    return RedirectResponse(f"/tracing/investigations/{investigation_id}?flash=saved", status_code=303)


@router.post("/tracing/investigations/{investigation_id}/edit")
def edit_page(request: Request, investigation_id: int, session: WebSessionDep, actor: WebActor, form: WebForm,
              settings: SettingsDep) -> Response:
    try:
        data = forms.values(form, ("exposure_source", "source_kind", "notes", "version"),
                            keep_blank=("exposure_source", "notes"))
        investigations.update(session=session, actor=actor, investigation_id=investigation_id,
                              data=forms.build(InvestigationUpdate, data))
    except (forms.FormInvalid, DomainError) as exc:
        if isinstance(exc, DomainError) and exc.status_code in (403, 404):
            raise
        session.rollback()
        errors = exc.errors if isinstance(exc, forms.FormInvalid) else {exc.field or "form": exc.message}
        return _page(request, session, actor, settings, investigation_id, form_name="edit",
                     errors=translated(request, errors),
                     edit=forms.posted(form), status_code=getattr(exc, "status_code", 422))
    return RedirectResponse(f"/tracing/investigations/{investigation_id}?flash=saved", status_code=303)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# --- itinerary (HTMX fragments) ---------------------------------------------------------------

def _fragment(request: Request, session: Session, actor: Actor, settings, investigation_id: int, *,
              status_code: int = 200, **kw) -> Response:
    inv = investigations.get(session=session, actor=actor, investigation_id=investigation_id, audit_read=False)
    zone = _zone(session, inv.jurisdiction_code)
    return render(request, "tracing/_itinerary.html", {
        "inv": inv, "zone": zone, "can_investigate": bool(allowed(actor, "tracing.investigate", inv)),
        **itinerary_context(session, inv, zone, settings, **kw)}, status_code=status_code)


def _after_change(request: Request, session: Session, actor: Actor, settings, investigation_id: int) -> Response:
    if is_htmx(request):
        return _fragment(request, session, actor, settings, investigation_id)
    return RedirectResponse(f"/tracing/investigations/{investigation_id}?flash=saved", status_code=303)


def _entry_values(session: Session, actor: Actor, form: FormData) -> dict[str, Any]:
    """The posted entry as the schema wants it; a venue's place code becomes its id."""
    data = forms.values(form, ENTRY_FIELDS, datetimes=("start_at", "end_at"), keep_blank=ENTRY_TEXT)
    code = str(form.get("venue_place_code") or "").strip()
    data["venue_id"] = None
    if code:
        found, _ = venues.list_venues(session=session, actor=actor, q=code, limit=5)
        match = next((v for v in found if v.place_code == code), None)
        if match is None:
            raise forms.FormInvalid({"venue_place_code": "no venue with this place code"})
        data["venue_id"] = match.id
    return data


def entry_form(entry: ItineraryEntry, venue: Venue | None, zone) -> dict[str, str]:
    out = {k: "" if getattr(entry, k) is None else str(getattr(entry, k)) for k in ENTRY_FIELDS}
    out["start_at"], out["end_at"] = local_input(entry.start_at, zone), local_input(entry.end_at, zone)
    out["venue_place_code"] = venue.place_code if venue else ""
    return out


def _entry_change(request: Request, session: Session, actor: Actor, settings, investigation_id: int, form: FormData,
                  entry_id: int | None) -> Response:
    try:
        data = _entry_values(session, actor, form)
        if entry_id is None:
            itinerary.add(session=session, actor=actor, investigation_id=investigation_id,
                          data=forms.build(ItineraryIn, data))
        else:
            itinerary.update(session=session, actor=actor, investigation_id=investigation_id, entry_id=entry_id,
                             data=forms.build(ItineraryUpdate, data))
    except (forms.FormInvalid, DomainError) as exc:
        if isinstance(exc, DomainError) and exc.status_code in (403, 404):
            raise
        session.rollback()
        errors = exc.errors if isinstance(exc, forms.FormInvalid) else {exc.field or "form": exc.message}
        if "venue_id" in errors:
            errors["venue_place_code"] = errors.pop("venue_id")
        errors = translated(request, errors)
        entry = {"entry": forms.posted(form), "entry_id": entry_id, "entry_errors": errors}
        if is_htmx(request):  # HTMX swaps only 2xx answers: the form comes back with its messages
            return _fragment(request, session, actor, settings, investigation_id, **entry)
        return _page(request, session, actor, settings, investigation_id, entry=entry,
                     status_code=getattr(exc, "status_code", 422))
    return _after_change(request, session, actor, settings, investigation_id)


@router.get("/tracing/investigations/{investigation_id}/itinerary")
def itinerary_fragment(request: Request, investigation_id: int, session: WebSessionDep, actor: WebActor,
                       settings: SettingsDep) -> Response:
    return _fragment(request, session, actor, settings, investigation_id)


@router.post("/tracing/investigations/{investigation_id}/itinerary")
def add_entry(request: Request, investigation_id: int, session: WebSessionDep, actor: WebActor, form: WebForm,
              settings: SettingsDep) -> Response:
    return _entry_change(request, session, actor, settings, investigation_id, form, None)


@router.get("/tracing/investigations/{investigation_id}/itinerary/{entry_id}/edit")
def edit_entry_form(request: Request, investigation_id: int, entry_id: int, session: WebSessionDep, actor: WebActor,
                    settings: SettingsDep) -> Response:
    inv = investigations.get(session=session, actor=actor, investigation_id=investigation_id, audit_read=False)
    entry = next((e for e in itinerary.entries(session, inv.id) if e.id == entry_id), None)
    if entry is None:
        raise NotFound(f"no itinerary entry {entry_id}")
    venue = session.get(Venue, entry.venue_id) if entry.venue_id is not None else None
    return _fragment(request, session, actor, settings, investigation_id, entry_id=entry_id,
                     entry=entry_form(entry, venue, _zone(session, inv.jurisdiction_code)))


@router.post("/tracing/investigations/{investigation_id}/itinerary/{entry_id}")
def update_entry(request: Request, investigation_id: int, entry_id: int, session: WebSessionDep, actor: WebActor,
                 form: WebForm, settings: SettingsDep) -> Response:
    return _entry_change(request, session, actor, settings, investigation_id, form, entry_id)


# --- exposure search --------------------------------------------------------------------------

def _search_fragment(request: Request, session: Session, actor: Actor, investigation_id: int, *,
                     error: str = "", status_code: int = 200) -> Response:
    inv = investigations.get(session=session, actor=actor, investigation_id=investigation_id, audit_read=False)
    return render(request, "tracing/_search.html", {
        "inv": inv, "zone": _zone(session, inv.jurisdiction_code), "search_error": error,
        **_search_context(session, actor, inv.case_id)}, status_code=status_code)


@router.get("/tracing/investigations/{investigation_id}/search")
def search_fragment(request: Request, investigation_id: int, session: WebSessionDep, actor: WebActor) -> Response:
    return _search_fragment(request, session, actor, investigation_id)


@router.post("/tracing/investigations/{investigation_id}/search")
def run_search_page(request: Request, investigation_id: int, session: WebSessionDep, actor: WebActor,
                    form: WebForm, settings: SettingsDep) -> Response:
    """Record the search and run it now: DuckDB over one case's window takes seconds."""
    inv = investigations.get(session=session, actor=actor, investigation_id=investigation_id, audit_read=False)
    try:
        search = exposures.request(session=session, actor=actor, case_id=inv.case_id)
        exposures.run_search(session=session, search_id=search.id, data_dir=settings.data_dir, actor=actor)
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        session.rollback()
        return _search_fragment(request, session, actor, investigation_id,
                                error=translated(request, {"form": exc.message})["form"],
                                status_code=200 if is_htmx(request) else exc.status_code)
    if is_htmx(request):
        return _search_fragment(request, session, actor, investigation_id)
    return RedirectResponse(f"/tracing/investigations/{investigation_id}?flash=saved", status_code=303)


# --- the report -------------------------------------------------------------------------------

def report_itinerary(rows: list[dict], zone) -> list[dict]:
    """The report's itinerary rows with the place named by the entry, else its venue."""
    out = []
    for e in rows:
        venue = e.get("venue") or {}
        out.append({**e, "place_label": e["place_name"] or venue.get("name") or e.get("transport_no") or "—",
                    "address": e["address"] or venue.get("address") or ""})
    return out


@router.get("/tracing/investigations/{investigation_id}/report")
def report_page(request: Request, investigation_id: int, session: WebSessionDep, actor: WebActor) -> Response:
    """The investigation report from `tracing.report.report_data`, in the user's language or `?lang=`."""
    lang = (request.query_params.get("lang") or "").replace("-", "_")
    if lang in LANGUAGES:
        request.state.language = lang
    data = report.report_data(session=session, actor=actor, investigation_id=investigation_id)
    inv, case = data["investigation"], data["case"]
    zone = _zone(session, inv["jurisdiction_code"])
    labels = places.labels(session=session, actor=actor, codes=[case["jurisdiction_code"]],
                           language=request.state.language)
    contacts_by = [(k, v) for k, v in data["contacts"].items() if v["total"]]
    return render(request, "tracing/report.html", {
        "nav": "tracing", "inv": inv, "case": case, "person": data["person"] or {}, "zone": zone,
        "clocks": display_clocks(inv["clocks"]), "entries": report_itinerary(data["itinerary"], zone),
        "contacts_by": contacts_by, "exposures": data["exposures"], "generated_at": utcnow(),
        "place": labels.get(case["jurisdiction_code"]), "report_lang": request.state.language})
