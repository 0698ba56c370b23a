"""Case pages: the filtered list, registration, the detail with its edit and classification forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, QueryParams

from fangkong.authz import Actor
from fangkong.cases import service as cases
from fangkong.cases.rules import CLASSIFICATIONS, ORIGINS, OUTCOMES, SEVERITIES
from fangkong.cases.schemas import CaseCreate, CaseUpdate, ClassifyRequest
from fangkong.errors import DomainError
from fangkong.people import service as people
from fangkong.web import forms, places
from fangkong.web.deps import WebActor, WebForm, WebSessionDep, is_partial
from fangkong.web.templating import local_input, render

router = APIRouter()
PAGE_SIZE = 50
EDIT_FIELDS = ("jurisdiction_code", "origin", "onset_date", "sampling_date", "diagnosed_at", "reported_at",
               "outcome", "outcome_date", "notes")
DATETIMES = ("diagnosed_at", "reported_at")
PERSON_FIELDS = ("name", "sex", "birth_date", "resident_id", "doc_type", "doc_number", "phone",
                 "jurisdiction_code", "address")
NEW_FIELDS = ("external_id", "jurisdiction_code", "classification", "severity", "origin", "onset_date",
              "sampling_date", "diagnosed_at", "reported_at", "notes")


@dataclass
class CaseFilters:
    """The list's filters as the query string carries them."""

    classification: list[str] = field(default_factory=list)
    jurisdiction_code: str = ""
    date_field: str = "onset"
    date_from: str = ""
    date_to: str = ""
    q: str = ""
    report_status: str = ""
    cursor: str = ""

    @classmethod
    def parse(cls, params: QueryParams) -> CaseFilters:
        get = lambda k: (params.get(k) or "").strip()  # noqa: E731
        return cls(classification=[c for c in params.getlist("classification") if c],
                   jurisdiction_code=get("jurisdiction_code"), date_field=get("date_field") or "onset",
                   date_from=get("date_from"), date_to=get("date_to"), q=get("q"),
                   report_status=get("report_status"), cursor=get("cursor"))

    def service_kwargs(self) -> tuple[dict[str, Any], dict[str, str]]:
        """Keyword arguments for cases.list_cases, and the messages for values that are not dates."""
        errors: dict[str, str] = {}
        dates: dict[str, date | None] = {}
        for key in ("date_from", "date_to"):
            try:
                dates[key] = date.fromisoformat(getattr(self, key)) if getattr(self, key) else None
            except ValueError:
                errors[key], dates[key] = "not a valid date", None
        return dict(classification=self.classification or None, jurisdiction_code=self.jurisdiction_code or None,
                    date_field=self.date_field, q=self.q or None, report_status=self.report_status or None,
                    **dates), errors

    def url(self, cursor: str | None = None) -> str:
        pairs = [("classification", c) for c in self.classification]
        pairs += [(k, v) for k in ("jurisdiction_code", "date_field", "date_from", "date_to", "q", "report_status")
                  if (v := getattr(self, k))]
        if cursor:
            pairs.append(("cursor", cursor))
        return "/cases" + (f"?{urlencode(pairs)}" if pairs else "")


def _places(request: Request, session: Session, actor: Actor, codes) -> dict[str, places.Place]:
    return places.labels(session=session, actor=actor, codes=codes, language=request.state.language)


@router.get("/cases")
def case_list(request: Request, session: WebSessionDep, actor: WebActor) -> Response:
    filters = CaseFilters.parse(request.query_params)
    kwargs, errors = filters.service_kwargs()
    items, nxt = [], None
    if not errors:
        try:
            items, nxt = cases.list_cases(session=session, actor=actor, limit=PAGE_SIZE,
                                          cursor=filters.cursor or None, **kwargs)
        except DomainError as exc:
            errors[exc.field or "form"] = exc.message
    ctx = {"nav": "cases", "filters": filters, "items": items, "errors": errors,
           "next_url": filters.url(nxt) if nxt else None, "first_page": not filters.cursor,
           "places": _places(request, session, actor, {i.jurisdiction_code for i in items}),
           "classifications": CLASSIFICATIONS}
    if is_partial(request, "case-results"):
        return render(request, "cases/_results.html", ctx)
    ctx["jurisdictions"] = places.choices(session=session, actor=actor, language=request.state.language)
    return render(request, "cases/list.html", ctx)


def case_form(case: Any) -> dict[str, str]:
    """The edit form's fields as shown: what a submitted form is compared with."""
    out = {k: local_input(getattr(case, k)) if k in DATETIMES or k.endswith("_date") else (getattr(case, k) or "")
           for k in EDIT_FIELDS}
    out["version"] = str(case.version)
    return out


def _detail(request: Request, session: Session, actor: Actor, case_id: int, *, unmask: bool = False,
            edit: dict | None = None, edit_errors: dict | None = None, classify: dict | None = None,
            classify_errors: dict | None = None, status_code: int = 200) -> Response:
    case = cases.read(session=session, actor=actor, case_id=case_id, unmask=unmask)
    return render(request, "cases/detail.html", {
        "nav": "cases", "case": case, "person": case.person,
        "place": _places(request, session, actor, [case.jurisdiction_code]).get(case.jurisdiction_code),
        "edit": edit or case_form(case), "edit_errors": edit_errors or {},
        "classify": classify or {"classification": case.classification, "severity": case.severity or ""},
        "classify_errors": classify_errors or {}, "choices_for": CHOICES,
    }, status_code=status_code)


CHOICES = {"classification": CLASSIFICATIONS, "severity": SEVERITIES, "origin": ORIGINS, "outcome": OUTCOMES}


@router.get("/cases/new")
def case_new_form(request: Request, session: WebSessionDep, actor: WebActor) -> Response:
    return _new_page(request, session, actor, {"mode": "existing", "origin": "local"}, {})


@router.post("/cases/new")
def case_new(request: Request, session: WebSessionDep, actor: WebActor, form: WebForm) -> Response:
    mode = "new" if form.get("mode") == "new" else "existing"
    try:
        data = forms.values(form, NEW_FIELDS, datetimes=DATETIMES, keep_blank=("notes",))
        if mode == "new":
            person = forms.values(form, tuple(f"person.{f}" for f in PERSON_FIELDS))
            data["person"] = {k.removeprefix("person."): v for k, v in person.items() if v is not None}
        else:
            data["person_id"] = form.get("person_id") or None
        case = cases.create(session=session, actor=actor, data=forms.build(CaseCreate, data))
    except (forms.FormInvalid, DomainError) as exc:
        session.rollback()
        errors = exc.errors if isinstance(exc, forms.FormInvalid) else _new_case_error(exc, mode, form)
        return _new_page(request, session, actor, forms.posted(form), errors, status_code=422)
    return RedirectResponse(f"/cases/{case.id}?flash=created", status_code=303)


def _new_case_error(exc: DomainError, mode: str, form: FormData) -> dict[str, str]:
    """A service error on the new-case form: person fields belong to the person part in 'new' mode."""
    name = exc.field or "form"
    if mode == "new" and name in PERSON_FIELDS and not (name == "jurisdiction_code" and form.get("jurisdiction_code")):
        name = f"person.{name}"
    return {name: exc.message}


def _new_page(request: Request, session: Session, actor: Actor, values: dict, errors: dict,
              status_code: int = 200) -> Response:
    picked = None
    if values.get("person_id"):
        try:
            picked = people.to_read(people.get(session=session, actor=actor, person_id=int(values["person_id"]),
                                               audit_read=False))
        except (DomainError, ValueError):
            picked = None
    return render(request, "cases/new.html", {
        "nav": "cases", "v": values, "errors": errors, "picked": picked, "choices_for": CHOICES,
    }, status_code=status_code)


@router.get("/cases/{case_id}")
def case_detail(request: Request, case_id: int, session: WebSessionDep, actor: WebActor) -> Response:
    return _detail(request, session, actor, case_id)


@router.post("/cases/{case_id}/unmask")
def case_unmask(request: Request, case_id: int, session: WebSessionDep, actor: WebActor) -> Response:
    """Re-render with the person's ID number and phone in full (the service checks and audits it)."""
    if is_partial(request, "person-card"):
        case = cases.read(session=session, actor=actor, case_id=case_id, unmask=True)
        return render(request, "cases/_person.html", {"case": case, "person": case.person})
    return _detail(request, session, actor, case_id, unmask=True)


@router.post("/cases/{case_id}/edit")
def case_edit(request: Request, case_id: int, session: WebSessionDep, actor: WebActor, form: WebForm) -> Response:
    original = case_form(cases.get(session=session, actor=actor, case_id=case_id, action="case.update"))
    try:
        changed = forms.changed(form, {k: v for k, v in original.items() if k != "version"})
        data = forms.values(form, tuple(changed), datetimes=DATETIMES, keep_blank=("notes",))
        data["version"] = form.get("version") or None
        cases.update(session=session, actor=actor, case_id=case_id, data=forms.build(CaseUpdate, data))
    except (forms.FormInvalid, DomainError) as exc:
        session.rollback()
        errors = exc.errors if isinstance(exc, forms.FormInvalid) else {exc.field or "form": exc.message}
        status = getattr(exc, "status_code", 422)
        return _detail(request, session, actor, case_id, edit=forms.posted(form), edit_errors=errors,
                       status_code=status)
    return RedirectResponse(f"/cases/{case_id}?flash=saved", status_code=303)


@router.post("/cases/{case_id}/classify")
def case_classify(request: Request, case_id: int, session: WebSessionDep, actor: WebActor,
                  form: WebForm) -> Response:
    try:
        data = forms.values(form, ("classification", "severity", "reason"), keep_blank=("reason",))
        cases.classify(session=session, actor=actor, case_id=case_id, data=forms.build(ClassifyRequest, data))
    except (forms.FormInvalid, DomainError) as exc:
        session.rollback()
        errors = exc.errors if isinstance(exc, forms.FormInvalid) else {exc.field or "form": exc.message}
        return _detail(request, session, actor, case_id, classify=forms.posted(form), classify_errors=errors,
                       status_code=getattr(exc, "status_code", 422))
    return RedirectResponse(f"/cases/{case_id}?flash=classified", status_code=303)
