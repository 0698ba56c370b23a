from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

Department = Literal["headquarters", "cdc", "health", "public_security", "industry_it", "community", "lab",
                     "quarantine", "supplies"]
Priority = Literal["high", "normal", "low"]
Status = Literal["open", "in_progress", "done", "cancelled"]
SubjectType = Literal["case", "contact", "person", "facility", "area", "campaign", "jurisdiction"]
Outcome = Literal["due", "on_time", "late", "open_overdue", "open_not_due", "cancelled"]

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TeamCreate(BaseModel):
    model_config = _STRICT

    name: str = Field(min_length=1, max_length=100)
    department: Department
    jurisdiction_code: str
    member_ids: list[int] = Field(default_factory=list, max_length=500)


class TeamMembersSet(BaseModel):
    model_config = _STRICT

    user_ids: list[int] = Field(max_length=500)


class TeamMemberRead(BaseModel):
    id: int
    username: str
    display_name: str


class TeamRead(BaseModel):
    id: int
    name: str
    department: str
    jurisdiction_code: str
    members: list[TeamMemberRead] = []


class TeamPage(BaseModel):
    items: list[TeamRead]
    next: str | None


class TaskCreate(BaseModel):
    model_config = _STRICT

    title: str = Field(min_length=1, max_length=200)
    task_type: str = Field(default="general", min_length=1, max_length=48)
    description: str = Field(default="", max_length=4000)
    subject_type: SubjectType | None = None
    subject_id: str | None = Field(default=None, max_length=64)
    jurisdiction_code: str
    department: Department | None = Field(default=None, description="Defaults to the team's department")
    team_id: int | None = None
    assignee_id: int | None = None
    due_at: AwareDatetime | None = None
    due_in_hours: float | None = Field(default=None, gt=0, le=24 * 365)
    priority: Priority = "normal"

    @model_validator(mode="after")
    def _one_due(self) -> TaskCreate:
        if (self.due_at is None) == (self.due_in_hours is None):
            raise ValueError("give due_at or due_in_hours")
        if (self.subject_type is None) != (self.subject_id is None):
            raise ValueError("give subject_type and subject_id together")
        return self


class TaskUpdate(BaseModel):
    model_config = _STRICT

    status: Status | None = None
    priority: Priority | None = None
    due_at: AwareDatetime | None = None
    reason: str = Field(default="", max_length=1000, description="Required to change the due time or to cancel")
    version: int | None = Field(default=None, description="The version read; a stale one is refused (409)")


class TaskAssign(BaseModel):
    model_config = _STRICT

    team_id: int | None = None
    assignee_id: int | None = None
    reason: str = Field(default="", max_length=1000)


class BulkAssign(BaseModel):
    model_config = _STRICT

    ids: list[int] = Field(min_length=1, max_length=500)
    team_id: int | None = None
    assignee_id: int | None = None

    @model_validator(mode="after")
    def _someone(self) -> BulkAssign:
        if self.team_id is None and self.assignee_id is None:
            raise ValueError("give team_id or assignee_id")
        return self


class BulkClose(BaseModel):
    model_config = _STRICT

    ids: list[int] = Field(min_length=1, max_length=500)
    reason: str = Field(min_length=1, max_length=1000)


class BulkResult(BaseModel):
    changed: list[int]
    skipped: list[int]


class TaskComplete(BaseModel):
    model_config = _STRICT

    note: str = Field(default="", max_length=4000)


class TaskNote(BaseModel):
    model_config = _STRICT

    note: str = Field(min_length=1, max_length=4000)


class ApplyBundle(BaseModel):
    model_config = _STRICT

    bundle_id: str = Field(min_length=1, max_length=48)
    subject_type: SubjectType
    subject_id: str = Field(min_length=1, max_length=64)
    jurisdiction_code: str
    start_at: AwareDatetime


class TaskListItem(BaseModel):
    id: int
    title: str
    task_type: str
    subject_type: str | None
    subject_id: str | None
    jurisdiction_code: str
    department: str | None
    team_id: int | None
    team_name: str | None
    assignee_id: int | None
    assignee_name: str | None
    bundle_id: str | None
    step_key: str | None
    due_at: datetime
    priority: str
    status: str
    overdue: bool
    completed_at: datetime | None


class TaskEventRead(BaseModel):
    at: datetime
    actor_username: str
    kind: str
    changes: dict | None
    note: str


class AttachmentRead(BaseModel):
    id: int
    file_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


class TaskRead(TaskListItem):
    description: str
    created_by: str
    profile_id: str | None
    start_at: datetime | None
    started_at: datetime | None
    completion_note: str
    cancel_reason: str
    overdue_notified_at: datetime | None
    created_at: datetime
    version: int
    time_zone: str = Field(description="Zone of the task's jurisdiction, in which its times are shown")
    timeline: list[TaskEventRead]
    attachments: list[AttachmentRead]


class TaskPage(BaseModel):
    items: list[TaskListItem]
    next: str | None


class ApplyResult(BaseModel):
    created: list[TaskListItem]
    existing: list[int] = Field(description="Tasks this bundle had already made for the subject and start")


class SupervisionRow(BaseModel):
    department: str
    bundle_id: str | None
    step_key: str | None
    title: str
    due: int
    on_time: int
    late: int
    open_overdue: int
    open_not_due: int
    cancelled: int


class SupervisionReport(BaseModel):
    start: datetime
    end: datetime
    jurisdiction_code: str
    time_zone: str
    now: datetime
    rows: list[SupervisionRow]
    totals: SupervisionRow


class NotificationRead(BaseModel):
    id: int
    task_id: int | None
    kind: str
    message: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationRead]
    next: str | None
    unread: int


class MarkRead(BaseModel):
    model_config = _STRICT

    ids: list[int] = Field(default_factory=list, max_length=500)
    all: bool = False


class BoardRead(BaseModel):
    columns: dict[str, list[TaskListItem]]
    counts: dict[str, int]
    overdue: int


class MarkReadResult(BaseModel):
    marked: int
    unread: int
