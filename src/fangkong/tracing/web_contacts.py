"""The contact list: filters (category, status, source case, team), masked IDs and phones, and bulk
actions on the checked rows (confirm, re-categorise, assign to a team, hand over to quarantine),
the list swapped in place by HTMX.

Thin: `fangkong.tracing.contacts` lists (scoped, masked), `fangkong.tracing.contact_bulk` acts (all or
nothing, audited); the team pick list is `fangkong.response.teams.choices`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, QueryParams

from fangkong.authz import Actor
from fangkong.errors import DomainError
from fangkong.geo import service as geo
from fangkong.response import teams
from fangkong.tracing import contact_bulk, contacts
from fangkong.tracing.schemas import ContactBulk
from fangkong.tracing.web import is_htmx, translated
from fangkong.web import forms
from fangkong.web.deps import WebActor, WebForm, WebSessionDep, is_partial
from fangkong.web.templating import render

router = APIRouter()
PAGE_SIZE = 100


@dataclass
class ContactFilters:
    category: str = ""
    status: str = ""
    case_id: str = ""
    team_id: str = ""
    cursor: str = ""

    @classmethod
    def parse(cls, params: QueryParams | FormData, prefix: str = "") -> ContactFilters:
        get = lambda k: str(params.get(prefix + k) or "").strip()  # noqa: E731
        return cls(category=get("category"), status=get("status"), case_id=get("case_id"), team_id=get("team_id"),
                   cursor="" if prefix else get("cursor"))

    def service_kwargs(self) -> tuple[dict[str, Any], dict[str, str]]:
        out: dict[str, Any] = {"category": self.category or None, "status": self.status or None}
        errors: dict[str, str] = {}
        for key in ("case_id", "team_id"):
            value = getattr(self, key)
            if value and not value.isdigit():
                errors[key] = "not a number"
            out[key] = int(value) if value.isdigit() else None
        return out, errors

    def url(self, cursor: str | None = None) -> str:
        pairs = [(k, v) for k in ("category", "status", "case_id", "team_id") if (v := getattr(self, k))]
        if cursor:
            pairs.append(("cursor", cursor))
        return "/tracing/contacts" + (f"?{urlencode(pairs)}" if pairs else "")


def _context(request: Request, session: Session, actor: Actor, filters: ContactFilters, *,
             errors: dict | None = None, done: dict | None = None, picked: set[int] | None = None) -> dict[str, Any]:
    kwargs, problems = filters.service_kwargs()
    errors = {**problems, **(errors or {})}
    items, nxt = [], None
    if not problems:
        try:
            items, nxt = contacts.list_contacts(session=session, actor=actor, limit=PAGE_SIZE,
                                                cursor=filters.cursor or None, **kwargs)
        except DomainError as exc:
            if exc.status_code == 403:
                raise
            errors[exc.field or "form"] = exc.message
    team_list = teams.choices(session=session, actor=actor)
    rows = [{**c.model_dump(exclude={"person"}), "person_name": (c.person or {}).get("name", ""),
             "resident_id": (c.person or {}).get("resident_id"), "phone": (c.person or {}).get("phone")}
            for c in items]
    return {"nav": "tracing", "tab": "contacts", "filters": filters, "items": rows, "errors": errors,
            "done": done, "picked": picked or set(), "teams": team_list,
            "team_names": {t.id: t.name for t in team_list},
            "zone": geo.effective_timezone(session, actor.jurisdiction_code),
            "next_url": filters.url(nxt) if nxt else None}


@router.get("/tracing/contacts")
def contacts_page(request: Request, session: WebSessionDep, actor: WebActor) -> Response:
    ctx = _context(request, session, actor, ContactFilters.parse(request.query_params))
    if is_partial(request, "contact-results"):
        return render(request, "tracing/_contacts.html", ctx)
    return render(request, "tracing/contacts.html", ctx)


def _ids(form: FormData) -> list[int]:
    return [int(v) for v in form.getlist("ids") if str(v).isdigit()]


def _bulk_data(form: FormData) -> ContactBulk:
    action = str(form.get("action") or "")
    data: dict[str, Any] = {"ids": _ids(form), "action": action}
    if action == "recategorise":
        data["category"] = str(form.get("new_category") or "") or None
        data["reason"] = str(form.get("reason") or "").strip()
    if action == "assign":
        team = str(form.get("assign_team_id") or "")
        data["team_id"] = int(team) if team.isdigit() else None
    if not data["ids"]:
        raise forms.FormInvalid({"ids": "select at least one contact"})
    return forms.build(ContactBulk, data)


@router.post("/tracing/contacts/bulk")
def bulk_page(request: Request, session: WebSessionDep, actor: WebActor, form: WebForm) -> Response:
    """One bulk action on the checked contacts; the list comes back with what changed (or why not)."""
    filters = ContactFilters.parse(form, prefix="filter_")
    htmx = is_htmx(request)
    try:
        result = contact_bulk.bulk(session=session, actor=actor, data=_bulk_data(form))
    except (forms.FormInvalid, DomainError) as exc:
        if isinstance(exc, DomainError) and exc.status_code == 403:
            raise
        session.rollback()
        errors = exc.errors if isinstance(exc, forms.FormInvalid) else {exc.field or "form": exc.message}
        if "team_id" in errors and form.get("action") == "assign" and not form.get("assign_team_id"):
            errors["team_id"] = "choose a team"
        ctx = _context(request, session, actor, filters, errors=translated(request, errors), picked=set(_ids(form)))
        # HTMX swaps only 2xx answers: the list comes back with the message above it
        if htmx:
            return render(request, "tracing/_contacts.html", ctx)
        return render(request, "tracing/contacts.html", ctx, status_code=422)
    if not htmx:
        return RedirectResponse(filters.url(), status_code=303)
    return render(request, "tracing/_contacts.html",
                  _context(request, session, actor, filters, done=result.model_dump()))
