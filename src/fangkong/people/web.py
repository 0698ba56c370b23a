"""Person pages: search, detail and edit, and the duplicate review queue with merge and dismiss."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from fangkong.authz import Actor, allowed
from fangkong.cases import service as cases
from fangkong.errors import DomainError
from fangkong.people import dedup, service as people
from fangkong.people.schemas import PersonUpdate
from fangkong.web import forms, places
from fangkong.web.deps import WebActor, WebForm, WebSessionDep, is_partial
from fangkong.web.templating import render

router = APIRouter()
PAGE_SIZE = 50
PLAIN_FIELDS = ("name", "sex", "birth_date", "doc_type", "jurisdiction_code", "address")
# Shown masked, so the form leaves them blank: a blank field keeps the stored value.
SENSITIVE_FIELDS = ("resident_id", "doc_number", "phone")
SEXES = ("male", "female", "unknown")
DOC_TYPES = ("passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent_id", "other")


@router.get("/persons")
def person_list(request: Request, session: WebSessionDep, actor: WebActor, q: str = "",
                cursor: str = "") -> Response:
    q = q.strip()
    errors: dict[str, str] = {}
    items, nxt = [], None
    try:
        items, nxt = people.search(session=session, actor=actor, q=q or None, limit=PAGE_SIZE, cursor=cursor or None)
    except DomainError as exc:
        errors[exc.field or "form"] = exc.message
    base = {"q": q} if q else {}
    ctx = {"nav": "persons", "q": q, "items": items, "errors": errors, "first_page": not cursor,
           "first_url": "/persons" + (f"?{urlencode(base)}" if base else ""),
           "next_url": f"/persons?{urlencode({**base, 'cursor': nxt})}" if nxt else None,
           "places": places.labels(session=session, actor=actor, codes={p.jurisdiction_code for p in items},
                                   language=request.state.language)}
    if is_partial(request, "person-results"):
        return render(request, "persons/_results.html", ctx)
    return render(request, "persons/list.html", ctx)


@router.get("/persons/pick")
def person_pick(request: Request, session: WebSessionDep, actor: WebActor, q: str = "",
                person_q: str = "") -> Response:
    """Candidates for the new-case form: a short, masked list to choose the person from."""
    text = (q or person_q).strip()
    items = people.search(session=session, actor=actor, q=text, limit=10)[0] if text else []
    return render(request, "persons/_pick.html", {"items": items, "q": text})


@router.get("/persons/duplicates")
def duplicates(request: Request, session: WebSessionDep, actor: WebActor, cursor: str = "") -> Response:
    return _duplicates_page(request, session, actor, cursor=cursor)


def _duplicates_page(request: Request, session: Session, actor: Actor, *, cursor: str = "", error: str = "",
                     status_code: int = 200) -> Response:
    rows, nxt = dedup.list_candidates(session=session, actor=actor, limit=20, cursor=cursor or None)
    pairs = [(cand, people.to_read(a), people.to_read(b)) for cand, a, b in rows]
    return render(request, "persons/duplicates.html", {
        "nav": "duplicates", "pairs": pairs, "first_page": not cursor, "error": error,
        "next_url": f"/persons/duplicates?{urlencode({'cursor': nxt})}" if nxt else None,
    }, status_code=status_code)


def _decide(request: Request, session: Session, actor: Actor, decision, flash: str) -> Response:
    """Run a merge or dismissal; a refusal (already merged, same person) is shown on the queue."""
    try:
        decision()
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        session.rollback()
        return _duplicates_page(request, session, actor, error=exc.message, status_code=exc.status_code)
    return RedirectResponse(f"/persons/duplicates?flash={flash}", status_code=303)


@router.post("/persons/merge")
def merge(request: Request, session: WebSessionDep, actor: WebActor, form: WebForm) -> Response:
    try:
        keep_id, merge_id = int(str(form.get("keep_id"))), int(str(form.get("merge_id")))
    except ValueError:
        return _duplicates_page(request, session, actor, error="not a number", status_code=422)
    return _decide(request, session, actor, lambda: dedup.merge(
        session=session, actor=actor, keep_id=keep_id, merge_id=merge_id), "merged")


@router.post("/persons/duplicates/{candidate_id}/dismiss")
def dismiss(request: Request, candidate_id: int, session: WebSessionDep, actor: WebActor) -> Response:
    return _decide(request, session, actor, lambda: dedup.dismiss(
        session=session, actor=actor, candidate_id=candidate_id), "dismissed")


def person_form(person) -> dict[str, str]:
    out = {k: getattr(person, k) or "" for k in PLAIN_FIELDS}
    out["birth_date"] = person.birth_date.isoformat() if person.birth_date else ""
    return out | {k: "" for k in SENSITIVE_FIELDS} | {"version": str(person.version)}


def _detail(request: Request, session: Session, actor: Actor, person_id: int, *, unmask: bool = False,
            edit: dict | None = None, errors: dict | None = None, status_code: int = 200) -> Response:
    person = people.read(session=session, actor=actor, person_id=person_id, unmask=unmask)
    person_cases = []
    if allowed(actor, "case.read"):
        person_cases = cases.list_cases(session=session, actor=actor, person_id=person_id, limit=50)[0]
    codes = {person.jurisdiction_code} | {c.jurisdiction_code for c in person_cases}
    return render(request, "persons/detail.html", {
        "nav": "persons", "person": person, "cases": person_cases, "edit": edit or person_form(person),
        "errors": errors or {}, "sexes": SEXES, "doc_types": DOC_TYPES,
        "places": places.labels(session=session, actor=actor, codes=codes, language=request.state.language),
    }, status_code=status_code)


@router.get("/persons/{person_id}")
def person_detail(request: Request, person_id: int, session: WebSessionDep, actor: WebActor) -> Response:
    return _detail(request, session, actor, person_id)


@router.post("/persons/{person_id}/unmask")
def person_unmask(request: Request, person_id: int, session: WebSessionDep, actor: WebActor) -> Response:
    return _detail(request, session, actor, person_id, unmask=True)


@router.post("/persons/{person_id}/edit")
def person_edit(request: Request, person_id: int, session: WebSessionDep, actor: WebActor,
                form: WebForm) -> Response:
    original = person_form(people.get(session=session, actor=actor, person_id=person_id, audit_read=False))
    try:
        fields = forms.changed(form, {k: original[k] for k in PLAIN_FIELDS})
        fields += [k for k in SENSITIVE_FIELDS if str(form.get(k, "")).strip()]
        data = forms.values(form, tuple(fields))
        data["version"] = form.get("version") or None
        people.update(session=session, actor=actor, person_id=person_id, data=forms.build(PersonUpdate, data))
    except (forms.FormInvalid, DomainError) as exc:
        session.rollback()
        errors = exc.errors if isinstance(exc, forms.FormInvalid) else {exc.field or "form": exc.message}
        return _detail(request, session, actor, person_id, edit=forms.posted(form), errors=errors,
                       status_code=getattr(exc, "status_code", 422))
    return RedirectResponse(f"/persons/{person_id}?flash=saved", status_code=303)
