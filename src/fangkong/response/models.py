"""Teams, tasks, their timelines and attachments (the notifications table is in fangkong.notify)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fangkong.db import Base, UTCDateTime, utcnow


class Team(Base):
    """A working group of one department (CDC, public security, community…) at one jurisdiction node."""

    __tablename__ = "teams"
    __table_args__ = (
        UniqueConstraint("jurisdiction_code", "name", name="uq_teams_jurisdiction_name"),
        Index("ix_teams_department_jurisdiction", "department", "jurisdiction_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(32))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class Task(Base):
    """One piece of work with a deadline. Overdue is computed from due_at, never stored as truth.

    Tasks from an SLA bundle keep the bundle, step and profile they were made under: a later change
    of the jurisdiction's profile never rewrites their due times.
    """

    __tablename__ = "tasks"
    __table_args__ = (
        # Applying the same bundle to the same subject and start event twice creates nothing new.
        UniqueConstraint("subject_type", "subject_id", "bundle_id", "step_key", "start_at",
                         name="uq_tasks_bundle_step"),
        Index("ix_tasks_jurisdiction_status_due", "jurisdiction_code", "status", "due_at"),
        Index("ix_tasks_assignee_status", "assignee_id", "status"),
        Index("ix_tasks_team_status", "team_id", "status"),
        Index("ix_tasks_status_due", "status", "due_at"),
        Index("ix_tasks_due_jurisdiction", "due_at", "jurisdiction_code"),
        Index("ix_tasks_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_type: Mapped[str] = mapped_column(String(48), default="general")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    subject_type: Mapped[str | None] = mapped_column(String(24))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    department: Mapped[str | None] = mapped_column(String(32))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A user name, or "rule:<name>" when a trigger rule made the task.
    created_by: Mapped[str] = mapped_column(String(64))
    bundle_id: Mapped[str | None] = mapped_column(String(48))
    step_key: Mapped[str | None] = mapped_column(String(48))
    profile_id: Mapped[str | None] = mapped_column(String(64))
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    status: Mapped[str] = mapped_column(String(16), default="open")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completion_note: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class TaskEvent(Base):
    """The task's timeline: who did what and when (created, assigned, status, note, evidence, overdue…)."""

    __tablename__ = "task_events"
    __table_args__ = (Index("ix_task_events_task_id", "task_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_username: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    changes: Mapped[dict | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")


class TaskAttachment(Base):
    """Completion evidence: a file kept under the data folder's attachments/, named by its id."""

    __tablename__ = "task_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    # Path relative to the data folder; never built from the uploaded name.
    stored_path: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
