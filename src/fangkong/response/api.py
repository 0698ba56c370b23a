"""JSON routes for teams, tasks, SLA bundles, supervision and notifications; thin over the services."""

from __future__ import annotations

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import FileResponse

from fangkong.deps import ApiActor, SessionDep, SettingsDep
from fangkong.notify import service as notify
from fangkong.response import attachments, bundles, queries, service, supervision, teams
from fangkong.response.schemas import (
    ApplyBundle, ApplyResult, AttachmentRead, BoardRead, BulkAssign, BulkClose, BulkResult, MarkRead,
    MarkReadResult, NotificationPage, NotificationRead, Outcome, Status, SupervisionReport, TaskAssign, TaskComplete,
    TaskCreate, TaskNote, TaskPage, TaskRead, TaskUpdate, TeamCreate, TeamMembersSet, TeamPage, TeamRead,
)

teams_router = APIRouter(prefix="/teams", tags=["teams"])
tasks_router = APIRouter(prefix="/tasks", tags=["tasks"])
supervision_router = APIRouter(prefix="/supervision", tags=["supervision"])
notifications_router = APIRouter(prefix="/notifications", tags=["notifications"])


@teams_router.get("", response_model=TeamPage)
def list_teams(session: SessionDep, actor: ApiActor, settings: SettingsDep, department: str | None = None,
               jurisdiction_code: str | None = None, limit: int = Query(200, ge=1, le=1000),
               cursor: str | None = None) -> TeamPage:
    items, nxt = teams.list_teams(session=session, actor=actor, department=department,
                                  jurisdiction_code=jurisdiction_code, limit=min(limit, settings.page_size_max),
                                  cursor=cursor)
    return TeamPage(items=items, next=nxt)


def _team(session, actor, team_id: int) -> TeamRead:
    team = teams.get_team(session=session, actor=actor, team_id=team_id)
    return teams.to_read(team, teams.members(session=session, team_ids=[team.id]).get(team.id, []))


@teams_router.post("", response_model=TeamRead, status_code=201)
def create_team(data: TeamCreate, session: SessionDep, actor: ApiActor) -> TeamRead:
    team = teams.create_team(session=session, actor=actor, data=data)
    return _team(session, actor, team.id)


@teams_router.get("/{team_id}", response_model=TeamRead)
def get_team(team_id: int, session: SessionDep, actor: ApiActor) -> TeamRead:
    return _team(session, actor, team_id)


@teams_router.put("/{team_id}/members", response_model=TeamRead)
def set_members(team_id: int, data: TeamMembersSet, session: SessionDep, actor: ApiActor) -> TeamRead:
    teams.set_members(session=session, actor=actor, team_id=team_id, user_ids=data.user_ids)
    return _team(session, actor, team_id)


@tasks_router.get("", response_model=TaskPage)
def list_tasks(
    session: SessionDep, actor: ApiActor, settings: SettingsDep, status: list[Status] | None = Query(None),
    team_id: int | None = None, assignee_id: int | None = None, department: str | None = None,
    overdue: bool | None = None, subject_type: str | None = None, subject_id: str | None = None,
    bundle_id: str | None = None, step_key: str | None = None, jurisdiction_code: str | None = None,
    limit: int = Query(50, ge=1, le=1000), cursor: str | None = None,
) -> TaskPage:
    """Tasks in the caller's jurisdiction, newest first; page on with `cursor` = the previous `next`."""
    items, nxt = queries.list_tasks(
        session=session, actor=actor, limit=min(limit, settings.page_size_max), cursor=cursor, status=status,
        team_id=team_id, assignee_id=assignee_id, department=department, overdue=overdue,
        subject_type=subject_type, subject_id=subject_id, bundle_id=bundle_id, step_key=step_key,
        jurisdiction_code=jurisdiction_code)
    return TaskPage(items=items, next=nxt)


@tasks_router.post("", response_model=TaskRead, status_code=201)
def create_task(data: TaskCreate, session: SessionDep, actor: ApiActor) -> TaskRead:
    task = service.create_task(session=session, actor=actor, data=data)
    return queries.read(session=session, actor=actor, task_id=task.id)


@tasks_router.get("/mine", response_model=TaskPage)
def my_tasks(session: SessionDep, actor: ApiActor, include_closed: bool = False) -> TaskPage:
    """Tasks assigned to the caller or their teams, most urgent first (at most 200)."""
    return TaskPage(items=queries.my_tasks(session=session, actor=actor, include_closed=include_closed), next=None)


@tasks_router.get("/board", response_model=BoardRead)
def board(session: SessionDep, actor: ApiActor, team_id: int | None = None, department: str | None = None,
          jurisdiction_code: str | None = None, per_column: int = Query(50, ge=1, le=200)) -> BoardRead:
    """Tasks by status: open work by due time (most urgent first), closed work latest first; with counts."""
    result = queries.board(session=session, actor=actor, per_column=per_column, team_id=team_id,
                           department=department, jurisdiction_code=jurisdiction_code)
    return BoardRead(columns=result.columns, counts=result.counts, overdue=result.overdue)


@tasks_router.post("/apply-bundle", response_model=ApplyResult, status_code=201)
def apply_bundle(data: ApplyBundle, session: SessionDep, actor: ApiActor) -> ApplyResult:
    """Create the tasks of an SLA bundle of the jurisdiction's profile; applying it again creates nothing."""
    created, existing = bundles.apply_bundle(session=session, actor=actor, **data.model_dump())
    return ApplyResult(created=queries.items(session=session, actor=actor, ids=[t.id for t in created]),
                       existing=existing)


@tasks_router.post("/bulk-assign", response_model=BulkResult)
def bulk_assign(data: BulkAssign, session: SessionDep, actor: ApiActor) -> BulkResult:
    changed, skipped = service.bulk_assign(session=session, actor=actor, ids=data.ids, team_id=data.team_id,
                                           assignee_id=data.assignee_id)
    return BulkResult(changed=changed, skipped=skipped)


@tasks_router.post("/bulk-close", response_model=BulkResult)
def bulk_close(data: BulkClose, session: SessionDep, actor: ApiActor) -> BulkResult:
    """Cancel open tasks with a reason; tasks already done or cancelled are skipped."""
    changed, skipped = service.bulk_close(session=session, actor=actor, ids=data.ids, reason=data.reason)
    return BulkResult(changed=changed, skipped=skipped)


@tasks_router.get("/{task_id}", response_model=TaskRead)
def get_task(task_id: int, session: SessionDep, actor: ApiActor) -> TaskRead:
    return queries.read(session=session, actor=actor, task_id=task_id)


@tasks_router.patch("/{task_id}", response_model=TaskRead)
def update_task(task_id: int, data: TaskUpdate, session: SessionDep, actor: ApiActor) -> TaskRead:
    """Status (start, reopen, cancel with a reason), priority, or the due time by hand (with a reason)."""
    service.update(session=session, actor=actor, task_id=task_id, data=data)
    return queries.read(session=session, actor=actor, task_id=task_id)


@tasks_router.post("/{task_id}/assign", response_model=TaskRead)
def assign_task(task_id: int, data: TaskAssign, session: SessionDep, actor: ApiActor) -> TaskRead:
    service.assign(session=session, actor=actor, task_id=task_id, team_id=data.team_id,
                   assignee_id=data.assignee_id, reason=data.reason)
    return queries.read(session=session, actor=actor, task_id=task_id)


@tasks_router.post("/{task_id}/complete", response_model=TaskRead)
def complete_task(task_id: int, data: TaskComplete, session: SessionDep, actor: ApiActor) -> TaskRead:
    """Mark done with an evidence note (or after uploading an attachment)."""
    service.complete(session=session, actor=actor, task_id=task_id, note=data.note)
    return queries.read(session=session, actor=actor, task_id=task_id)


@tasks_router.post("/{task_id}/notes", response_model=TaskRead)
def add_note(task_id: int, data: TaskNote, session: SessionDep, actor: ApiActor) -> TaskRead:
    service.add_note(session=session, actor=actor, task_id=task_id, note=data.note)
    return queries.read(session=session, actor=actor, task_id=task_id)


@tasks_router.post("/{task_id}/attachments", response_model=AttachmentRead, status_code=201)
def upload(task_id: int, session: SessionDep, actor: ApiActor, settings: SettingsDep,
           file: UploadFile = File(...)) -> AttachmentRead:
    """Upload completion evidence (multipart field `file`; at most FANGKONG_ATTACHMENT_MAX_MB)."""
    row = attachments.add(session=session, actor=actor, settings=settings, task_id=task_id,
                          file_name=file.filename, content_type=file.content_type, stream=file.file)
    return AttachmentRead.model_validate(row, from_attributes=True)


@tasks_router.get("/{task_id}/attachments/{attachment_id}", response_class=FileResponse)
def download(task_id: int, attachment_id: int, session: SessionDep, actor: ApiActor,
             settings: SettingsDep) -> FileResponse:
    row, path = attachments.open_file(session=session, actor=actor, settings=settings, task_id=task_id,
                                      attachment_id=attachment_id)
    return attachments.response(row, path)


@supervision_router.get("", response_model=SupervisionReport)
def supervision_report(session: SessionDep, actor: ApiActor, from_: str = Query(alias="from"),
                       to: str = Query(...), jurisdiction_code: str | None = None) -> SupervisionReport:
    """Per department and SLA step: tasks due in [from, to) and how they went. Dates are local midnight."""
    code = jurisdiction_code or actor.jurisdiction_code
    return supervision.report(session=session, actor=actor, jurisdiction_code=code,
                              start=supervision.parse_bound(session, code, from_, "from"),
                              end=supervision.parse_bound(session, code, to, "to"))


@supervision_router.get("/tasks", response_model=TaskPage)
def supervision_tasks(
    session: SessionDep, actor: ApiActor, settings: SettingsDep, from_: str = Query(alias="from"),
    to: str = Query(...), jurisdiction_code: str | None = None, department: str | None = None,
    bundle_id: str | None = None, step_key: str | None = None,
    outcome: Outcome = "due",
    limit: int = Query(50, ge=1, le=1000), cursor: str | None = None,
) -> TaskPage:
    """The tasks behind one count of the report; an empty department/bundle_id/step_key means none."""
    code = jurisdiction_code or actor.jurisdiction_code
    items, nxt = supervision.drill_down(
        session=session, actor=actor, limit=min(limit, settings.page_size_max), cursor=cursor,
        start=supervision.parse_bound(session, code, from_, "from"),
        end=supervision.parse_bound(session, code, to, "to"),
        jurisdiction_code=code, department=department, bundle_id=bundle_id, step_key=step_key, outcome=outcome)
    return TaskPage(items=items, next=nxt)


@notifications_router.get("", response_model=NotificationPage)
def list_notifications(session: SessionDep, actor: ApiActor, unread: bool = False,
                       limit: int = Query(50, ge=1, le=200), cursor: str | None = None) -> NotificationPage:
    """The caller's own notifications, newest first."""
    rows, nxt = notify.list_mine(session=session, actor=actor, unread_only=unread, limit=limit, cursor=cursor)
    return NotificationPage(items=[NotificationRead.model_validate(r, from_attributes=True) for r in rows], next=nxt,
                            unread=notify.unread_count(session=session, user_id=actor.id))


@notifications_router.post("/read", response_model=MarkReadResult)
def mark_read(data: MarkRead, session: SessionDep, actor: ApiActor) -> MarkReadResult:
    marked = notify.mark_read(session=session, actor=actor, ids=data.ids, all_=data.all)
    return MarkReadResult(marked=marked, unread=notify.unread_count(session=session, user_id=actor.id))


routers = (teams_router, tasks_router, supervision_router, notifications_router)
