"""Task pages: my tasks, the board with bulk actions, a task's detail; the supervision report; notifications.

Times are shown in the zone of the jurisdiction: the task's own on its page, the user's on lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, QueryParams, UploadFile

from fangkong.authz import Actor, require
from fangkong.deps import SettingsDep
from fangkong.errors import DomainError, Invalid
from fangkong.geo import service as geo
from fangkong.notify import service as notify
from fangkong.response import attachments, queries, rules, service, supervision, teams
from fangkong.response.schemas import TaskUpdate
from fangkong.web import forms, places
from fangkong.web.deps import WebActor, WebForm, WebSessionDep, safe_next
from fangkong.web.templating import local_input, render

router = APIRouter()
PAGE_SIZE = 50
PER_COLUMN = 60


def _places(request: Request, session: Session, actor: Actor, codes) -> dict[str, places.Place]:
    return places.labels(session=session, actor=actor, codes=codes, language=request.state.language)


def _to(url: str, flash: str) -> RedirectResponse:
    return RedirectResponse(url + ("&" if "?" in url else "?") + f"flash={flash}", status_code=303)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@router.get("/tasks")
def tasks_home() -> Response:
    return RedirectResponse("/tasks/board", status_code=303)


@router.get("/tasks/mine")
def my_tasks_page(request: Request, session: WebSessionDep, actor: WebActor) -> Response:
    closed = request.query_params.get("closed") == "1"
    items = queries.my_tasks(session=session, actor=actor, include_closed=closed)
    return render(request, "tasks/mine.html", {
        "nav": "tasks", "tab": "mine", "items": items, "closed": closed,
        "zone": geo.effective_timezone(session, actor.jurisdiction_code),
        "places": _places(request, session, actor, {i.jurisdiction_code for i in items})})


@dataclass
class BoardFilters:
    team_id: str = ""
    department: str = ""
    jurisdiction_code: str = ""

    @classmethod
    def parse(cls, params: QueryParams | FormData) -> BoardFilters:
        return cls(**{k: str(params.get(k) or "").strip() for k in ("team_id", "department", "jurisdiction_code")})

    def service_kwargs(self) -> dict[str, Any]:
        return {"team_id": _int(self.team_id), "department": self.department or None,
                "jurisdiction_code": self.jurisdiction_code or None}

    def url(self) -> str:
        pairs = [(k, v) for k, v in vars(self).items() if v]
        return "/tasks/board" + (f"?{urlencode(pairs)}" if pairs else "")


def _board(request: Request, session: Session, actor: Actor, filters: BoardFilters, *,
           errors: dict | None = None, status_code: int = 200) -> Response:
    errors = dict(errors or {})
    try:
        board = queries.board(session=session, actor=actor, per_column=PER_COLUMN, **filters.service_kwargs())
    except DomainError as exc:
        errors[exc.field or "form"] = exc.message
        board = queries.Board(columns={s: [] for s in rules.STATUSES}, counts=dict.fromkeys(rules.STATUSES, 0),
                              overdue=0)
    codes = {i.jurisdiction_code for column in board.columns.values() for i in column}
    return render(request, "tasks/board.html", {
        "nav": "tasks", "tab": "board", "filters": filters, "board": board, "errors": errors,
        "statuses": rules.STATUSES, "departments": rules.DEPARTMENTS,
        "zone": geo.effective_timezone(session, actor.jurisdiction_code),
        "places": _places(request, session, actor, codes), "teams": teams.choices(session=session, actor=actor),
        "jurisdictions": places.choices(session=session, actor=actor, language=request.state.language,
                                        deepest="street"),
    }, status_code=status_code)


@router.get("/tasks/board")
def board_page(request: Request, session: WebSessionDep, actor: WebActor) -> Response:
    return _board(request, session, actor, BoardFilters.parse(request.query_params))


def _selected(form: FormData) -> list[int]:
    ids = [i for i in (_int(v) for v in form.getlist("ids")) if i is not None]
    if not ids:
        raise Invalid("select at least one task", field="ids")
    return ids


def _bulk(request: Request, session: Session, actor: Actor, form: FormData, work, flash: str) -> Response:
    filters = BoardFilters.parse(form)
    try:
        work(_selected(form))
    except DomainError as exc:
        session.rollback()
        return _board(request, session, actor, filters, errors={exc.field or "form": exc.message},
                      status_code=exc.status_code)
    return _to(filters.url(), flash)


@router.post("/tasks/bulk-assign")
def bulk_assign_page(request: Request, session: WebSessionDep, actor: WebActor, form: WebForm) -> Response:
    team_id, user_id = _int(form.get("assign_team_id")), _int(form.get("assign_user_id"))

    def work(ids: list[int]) -> None:
        if team_id is None and user_id is None:
            raise Invalid("choose a team", field="assign_team_id")
        service.bulk_assign(session=session, actor=actor, ids=ids, team_id=team_id, assignee_id=user_id)

    return _bulk(request, session, actor, form, work, "bulk_assigned")


@router.post("/tasks/bulk-close")
def bulk_close_page(request: Request, session: WebSessionDep, actor: WebActor, form: WebForm) -> Response:
    def work(ids: list[int]) -> None:
        service.bulk_close(session=session, actor=actor, ids=ids, reason=str(form.get("reason") or ""))

    return _bulk(request, session, actor, form, work, "bulk_closed")


def _detail(request: Request, session: Session, actor: Actor, task_id: int, *, form_name: str = "",
            errors: dict | None = None, values: dict | None = None, status_code: int = 200) -> Response:
    task = queries.read(session=session, actor=actor, task_id=task_id)
    zone = ZoneInfo(task.time_zone)
    row = service.get(session=session, actor=actor, task_id=task_id)
    team_choices, user_choices = teams.assignable(session=session, actor=actor, code=task.jurisdiction_code)
    return render(request, "tasks/detail.html", {
        "nav": "tasks", "task": task, "zone": zone, "form_name": form_name, "errors": errors or {},
        "v": values or {}, "due_default": local_input(task.due_at, zone),
        "place": _places(request, session, actor, [task.jurisdiction_code]).get(task.jurisdiction_code),
        "can_work": service.may_work_on(session=session, actor=actor, task=row),
        "team_choices": team_choices, "user_choices": user_choices, "subject_url": _subject_url(task),
    }, status_code=status_code)


def _subject_url(task) -> str | None:
    if task.subject_type in ("case", "person") and (task.subject_id or "").isdigit():
        return f"/{task.subject_type}s/{task.subject_id}"
    return None


@router.get("/tasks/{task_id}")
def task_page(request: Request, task_id: int, session: WebSessionDep, actor: WebActor) -> Response:
    return _detail(request, session, actor, task_id)


def _act(request: Request, session: Session, actor: Actor, task_id: int, form: FormData, form_name: str,
         work, flash: str) -> Response:
    """Run one form's change; on a refusal show the page again with the message beside that form."""
    try:
        work()
    except (forms.FormInvalid, DomainError) as exc:
        session.rollback()
        errors = exc.errors if isinstance(exc, forms.FormInvalid) else {exc.field or "form": exc.message}
        return _detail(request, session, actor, task_id, form_name=form_name, errors=errors,
                       values=forms.posted(form), status_code=getattr(exc, "status_code", 422))
    return _to(f"/tasks/{task_id}", flash)


def _text(form: FormData, name: str) -> str:
    return str(form.get(name) or "").replace("\r\n", "\n").strip()


@router.post("/tasks/{task_id}/start")
def start_page(request: Request, task_id: int, session: WebSessionDep, actor: WebActor, form: WebForm) -> Response:
    return _act(request, session, actor, task_id, form, "start", lambda: service.set_status(
        session=session, actor=actor, task_id=task_id, status="in_progress"), "task_started")


@router.post("/tasks/{task_id}/complete")
def complete_page(request: Request, task_id: int, session: WebSessionDep, actor: WebActor, form: WebForm,
                  settings: SettingsDep) -> Response:
    """Done, with an evidence note and/or a file (stored first, so it counts as the evidence)."""

    def work() -> None:
        upload = form.get("file")
        if isinstance(upload, UploadFile) and upload.filename:
            attachments.add(session=session, actor=actor, settings=settings, task_id=task_id,
                            file_name=upload.filename, content_type=upload.content_type, stream=upload.file)
        service.complete(session=session, actor=actor, task_id=task_id, note=_text(form, "note"))

    return _act(request, session, actor, task_id, form, "complete", work, "task_done")


@router.post("/tasks/{task_id}/reopen")
def reopen_page(request: Request, task_id: int, session: WebSessionDep, actor: WebActor, form: WebForm) -> Response:
    return _act(request, session, actor, task_id, form, "reopen", lambda: service.set_status(
        session=session, actor=actor, task_id=task_id, status="open", note=_text(form, "reason")), "task_reopened")


@router.post("/tasks/{task_id}/note")
def note_page(request: Request, task_id: int, session: WebSessionDep, actor: WebActor, form: WebForm) -> Response:
    def work() -> None:
        if not _text(form, "comment"):
            raise Invalid("this field is required", field="comment")
        service.add_note(session=session, actor=actor, task_id=task_id, note=_text(form, "comment"))

    return _act(request, session, actor, task_id, form, "note", work, "note_added")


@router.post("/tasks/{task_id}/assign")
def assign_page(request: Request, task_id: int, session: WebSessionDep, actor: WebActor, form: WebForm) -> Response:
    return _act(request, session, actor, task_id, form, "assign", lambda: service.assign(
        session=session, actor=actor, task_id=task_id, team_id=_int(form.get("team_id")),
        assignee_id=_int(form.get("assignee_id")), reason=_text(form, "reason")), "task_assigned")


@router.post("/tasks/{task_id}/due")
def due_page(request: Request, task_id: int, session: WebSessionDep, actor: WebActor, form: WebForm) -> Response:
    """A new due time, typed in the task's jurisdiction's zone, with a reason."""

    def work() -> None:
        zone = geo.effective_timezone(session, service.get(session=session, actor=actor, task_id=task_id)
                                      .jurisdiction_code)
        try:
            due = datetime.fromisoformat(_text(form, "due_at")).replace(tzinfo=zone)
        except ValueError as exc:
            raise forms.FormInvalid({"due_at": "not a valid date and time"}) from exc
        try:
            service.update(session=session, actor=actor, task_id=task_id,
                           data=TaskUpdate(due_at=due, reason=_text(form, "due_reason")))
        except Invalid as exc:  # the form calls its reason field due_reason (another form has a reason)
            field = "due_reason" if exc.field == "reason" else exc.field or "form"
            raise forms.FormInvalid({field: exc.message}) from exc

    return _act(request, session, actor, task_id, form, "due", work, "due_changed")


@router.get("/tasks/{task_id}/attachments/{attachment_id}")
def attachment_page(task_id: int, attachment_id: int, session: WebSessionDep, actor: WebActor,
                    settings: SettingsDep) -> Response:
    row, path = attachments.open_file(session=session, actor=actor, settings=settings, task_id=task_id,
                                      attachment_id=attachment_id)
    return attachments.response(row, path)


@dataclass
class Period:
    """The supervision form: local dates, `to` included (the service's end is the next midnight)."""

    date_from: date
    date_to: date
    jurisdiction_code: str

    @classmethod
    def parse(cls, params: QueryParams, actor: Actor, today: date) -> tuple[Period, dict[str, str]]:
        errors, values = {}, {}
        for key, default in (("from", today - timedelta(days=6)), ("to", today)):
            try:
                values[key] = date.fromisoformat(params[key]) if params.get(key) else default
            except ValueError:
                errors[key], values[key] = "not a valid date", default
        code = (params.get("jurisdiction_code") or "").strip() or actor.jurisdiction_code
        return cls(values["from"], values["to"], code), errors

    def query(self, **cell: str | None) -> str:
        pairs = [("from", self.date_from.isoformat()), ("to", self.date_to.isoformat()),
                 ("jurisdiction_code", self.jurisdiction_code)]
        return urlencode(pairs + [(k, v) for k, v in cell.items() if v is not None])

    def bounds(self, session: Session) -> tuple[datetime, datetime]:
        return (supervision.parse_bound(session, self.jurisdiction_code, self.date_from, "from"),
                supervision.parse_bound(session, self.jurisdiction_code, self.date_to + timedelta(days=1), "to"))


def _period(request: Request, session: Session, actor: Actor) -> tuple[Period, dict[str, str]]:
    require(actor, "task.supervise")
    today = datetime.now(geo.effective_timezone(session, actor.jurisdiction_code)).date()
    return Period.parse(request.query_params, actor, today)


@router.get("/supervision")
def supervision_page(request: Request, session: WebSessionDep, actor: WebActor) -> Response:
    period, errors = _period(request, session, actor)
    report = None
    if not errors:
        try:
            start, end = period.bounds(session)
            report = supervision.report(session=session, actor=actor, start=start, end=end,
                                        jurisdiction_code=period.jurisdiction_code)
        except DomainError as exc:
            errors[exc.field or "form"] = exc.message
    return render(request, "supervision/report.html", {
        "nav": "supervision", "period": period, "report": report, "errors": errors,
        "outcomes": supervision.OUTCOMES,
        "jurisdictions": places.choices(session=session, actor=actor, language=request.state.language,
                                        deepest="street"),
    }, status_code=200 if not errors else 422)


@router.get("/supervision/tasks")
def supervision_tasks_page(request: Request, session: WebSessionDep, actor: WebActor) -> Response:
    period, errors = _period(request, session, actor)
    params = request.query_params
    cell = {k: params[k] if k in params else None for k in ("department", "bundle_id", "step_key")}
    outcome = params.get("outcome") or "due"
    if errors:
        raise Invalid(next(iter(errors.values())), field=next(iter(errors)))
    start, end = period.bounds(session)
    items, nxt = supervision.drill_down(session=session, actor=actor, start=start, end=end, limit=PAGE_SIZE,
                                        cursor=params.get("cursor") or None, outcome=outcome,
                                        jurisdiction_code=period.jurisdiction_code, **cell)
    here = "/supervision/tasks?" + period.query(**cell, outcome=outcome)
    return render(request, "supervision/tasks.html", {
        "nav": "supervision", "period": period, "items": items, "outcome": outcome, "cell": cell,
        "next_url": f"{here}&cursor={nxt}" if nxt else None, "first_url": here if params.get("cursor") else None,
        "zone": geo.effective_timezone(session, period.jurisdiction_code),
        "places": _places(request, session, actor, {i.jurisdiction_code for i in items}),
    })


@router.get("/notifications")
def notifications_page(request: Request, session: WebSessionDep, actor: WebActor) -> Response:
    rows, nxt = notify.list_mine(session=session, actor=actor, limit=PAGE_SIZE,
                                 cursor=request.query_params.get("cursor") or None)
    return render(request, "notifications/list.html", {
        "nav": "notifications", "items": rows, "next_url": f"/notifications?cursor={nxt}" if nxt else None,
        "zone": geo.effective_timezone(session, actor.jurisdiction_code)})


@router.post("/notifications/read")
def notifications_read(request: Request, session: WebSessionDep, actor: WebActor, form: WebForm) -> Response:
    ids = [i for i in (_int(v) for v in form.getlist("ids")) if i is not None]
    notify.mark_read(session=session, actor=actor, ids=ids, all_=not ids)
    target = safe_next(str(form.get("next") or ""), "/notifications")
    return _to(target, "notifications_read")
