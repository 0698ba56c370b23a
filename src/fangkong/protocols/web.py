"""Profile pages: the shipped profiles, one profile's values with sources, a side-by-side diff, and a
jurisdiction's effective profile with where each value came from, its history and the change forms."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from fangkong.authz import Actor, require
from fangkong.errors import DomainError, Invalid
from fangkong.geo import service as geo
from fangkong.i18n import translations
from fangkong.protocols import loader, service
from fangkong.protocols.diff import diff
from fangkong.protocols.display import text
from fangkong.protocols.schemas import read, summary
from fangkong.web import places
from fangkong.web.deps import WebActor, WebForm, WebSessionDep
from fangkong.web.labels import N_
from fangkong.web.templating import render

router = APIRouter()

SECTIONS = {
    "case_reporting": N_("Case reporting"), "case_definitions": N_("Case definitions"),
    "contacts": N_("Contacts and look-back windows"), "categories": N_("Management of person categories"),
    "risk_areas": N_("Risk areas"), "screening": N_("Screening"),
    "quarantine_capacity": N_("Quarantine capacity"), "sla_bundles": N_("SLA bundles"),
}
UNITS = {
    "hour": N_("h"), "day": N_("d"), "minute": N_("min"), "m": N_("m"), "ct": N_("Ct"), "test": N_("tests"),
    "case": N_("cases"), "swab": N_("swabs"), "floor": N_("floors"), "room": N_("rooms"), "site": N_("sites"),
    "person": N_("persons"), "round": N_("rounds"), "fraction": N_("share"),
    "person_per_site": N_("persons per site"), "person_per_sampler": N_("persons per sampler"),
    "room_per_10k_people": N_("rooms per 10,000 people"), "isolee_per_team": N_("isolees per team"),
}
YES_NO = {True: N_("yes"), False: N_("no")}
FLASH = {"profile_selected": N_("Profile selected."), "value_overridden": N_("Value overridden.")}


@dataclass(frozen=True)
class Shown:
    """One row of a values table, ready for the template."""

    path: str
    section: str
    value: str
    confirmed: bool
    citation: str
    note: str
    origin: Any = None  # Provenance on the jurisdiction page


def _labels(request: Request):
    catalogue = translations(getattr(request.state, "language", None) or "zh_Hans")

    def show(value: Any, unit: str | None) -> str:
        if isinstance(value, bool):
            return catalogue.gettext(YES_NO[value])
        shown = text(value, None)
        return f"{shown} {catalogue.gettext(UNITS[unit])}" if unit in UNITS and value is not None else shown

    return catalogue, show


@router.get("/profiles")
def profile_list(request: Request, actor: WebActor) -> Response:
    require(actor, "profile.read")
    return render(request, "profiles/list.html", {
        "nav": "profiles", "profiles": [summary(p) for p in loader.list_profiles()],
        "home": actor.jurisdiction_code if actor.jurisdiction_code else None})


@router.get("/profiles/diff")
def profile_diff(request: Request, actor: WebActor, a: str = "ed8", b: str = "ed9", changed: str = "") -> Response:
    require(actor, "profile.read")
    catalogue, show = _labels(request)
    rows = diff(loader.get_profile(a), loader.get_profile(b), changed_only=changed == "1")
    shown = [dict(path=r.path, section=r.path.split(".")[0], a=show(r.a, r.unit), b=show(r.b, r.unit),
                  changed=r.changed) for r in rows]
    return render(request, "profiles/diff.html", {
        "nav": "profiles", "a": a, "b": b, "changed_only": changed == "1", "rows": shown,
        "count": sum(r.changed for r in rows), "profiles": loader.list_profiles(),
        "sections": {k: catalogue.gettext(v) for k, v in SECTIONS.items()}})


@router.get("/profiles/{profile_id}")
def profile_detail(request: Request, profile_id: str, actor: WebActor) -> Response:
    require(actor, "profile.read")
    catalogue, show = _labels(request)
    profile = read(loader.get_profile(profile_id))
    rows = [Shown(r.path, r.path.split(".")[0], show(r.value, r.unit), r.confirmed, r.citation, r.note)
            for r in profile.rows]
    return render(request, "profiles/detail.html", {
        "nav": "profiles", "profile": profile, "rows": rows,
        "sections": {k: catalogue.gettext(v) for k, v in SECTIONS.items()}})


@router.get("/jurisdictions/{code}/profile")
def jurisdiction_profile(request: Request, code: str, session: WebSessionDep, actor: WebActor,
                         at: str = "") -> Response:
    return _jurisdiction_page(request, session, actor, code, at=at)


@router.post("/jurisdictions/{code}/profile/select")
def jurisdiction_select(request: Request, code: str, session: WebSessionDep, actor: WebActor,
                        form: WebForm) -> Response:
    values = {k: str(form.get(k, "")).strip() for k in ("profile_id", "effective_from", "reason")}
    try:
        service.select_profile(session=session, actor=actor, jurisdiction_code=code, profile_id=values["profile_id"],
                               effective_from=_date(values["effective_from"]), reason=values["reason"])
    except DomainError as exc:
        session.rollback()
        return _jurisdiction_page(request, session, actor, code, select=values,
                                  select_errors={exc.field or "form": exc.message}, status_code=exc.status_code)
    return RedirectResponse(f"/jurisdictions/{code}/profile?flash=profile_selected", status_code=303)


@router.post("/jurisdictions/{code}/profile/override")
def jurisdiction_override(request: Request, code: str, session: WebSessionDep, actor: WebActor,
                          form: WebForm) -> Response:
    values = {k: str(form.get(k, "")).strip() for k in ("path", "value", "unit", "effective_from", "reason")}
    withdraw = form.get("withdraw") == "1"
    try:
        service.override_value(session=session, actor=actor, jurisdiction_code=code, path=values["path"],
                               value=None if withdraw else _posted_value(values["value"], values["unit"]),
                               reason=values["reason"], effective_from=_date(values["effective_from"]))
    except DomainError as exc:
        session.rollback()
        return _jurisdiction_page(request, session, actor, code, override={**values, "withdraw": withdraw},
                                  override_errors={exc.field or "form": exc.message}, status_code=exc.status_code)
    return RedirectResponse(f"/jurisdictions/{code}/profile?flash=value_overridden", status_code=303)


def _jurisdiction_page(request: Request, session: Session, actor: Actor, code: str, *, at: str = "",
                       select: dict | None = None, select_errors: dict | None = None, override: dict | None = None,
                       override_errors: dict | None = None, status_code: int = 200) -> Response:
    node = geo.get_in_scope(session=session, actor=actor, code=code)
    require(actor, "profile.read", node)
    catalogue, show = _labels(request)
    errors = {}
    try:
        day = _date(at)
    except DomainError as exc:
        day, errors = None, {"at": exc.message}
    moment = datetime.combine(day, time(23, 59), tzinfo=geo.effective_timezone(session, code)) if day else None
    current = service.effective_profile(session=session, jurisdiction_code=code, at=moment)
    rows = [Shown(p, p.split(".")[0], show(v, current.leaf(p).unit),
                  current.leaf(p).confirmed or prov.source.startswith("override:"), prov.citation,
                  current.leaf(p).note, prov) for p, v, prov in current.rows()]
    place = places.labels(session=session, actor=actor, codes=[code], language=request.state.language).get(code)
    return render(request, "profiles/jurisdiction.html", {
        "nav": "profiles", "node": node, "place": place, "profile": current, "rows": rows, "at": at, "day": day,
        "at_errors": errors, "history": service.history(session=session, actor=actor, jurisdiction_code=code),
        "profiles": loader.list_profiles(), "zone": str(geo.effective_timezone(session, code)),
        "select": select or {"profile_id": current.profile_id}, "select_errors": select_errors or {},
        "override": override or {}, "override_errors": override_errors or {},
        "flash_note": _flash(catalogue, request.query_params.get("flash")),
        "sections": {k: catalogue.gettext(v) for k, v in SECTIONS.items()}, "show_value": show,
    }, status_code=status_code)


def _flash(catalogue, key: str | None) -> str:
    message = FLASH.get(key or "")
    return catalogue.gettext(message) if message else ""


def _date(raw: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid("not a valid date", field="effective_from") from None


def _posted_value(raw: str, unit: str) -> Any:
    """A value typed in a form: JSON where it parses (7, 2.5, [1, 3], true, "text"), else the text itself."""
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return {"value": value, "unit": unit} if unit else value
