"""Completion evidence files: streamed to the data folder's attachments/, hashed, size-limited."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor
from fangkong.config import Settings
from fangkong.errors import Invalid, NotFound
from fangkong.kit.files import copy_limited
from fangkong.response.models import TaskAttachment
from fangkong.response.service import event, get, require_worker

FOLDER = "attachments"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def clean_name(name: str | None) -> str:
    """The uploaded file's own name, without any path or control characters (only ever shown, never a path)."""
    base = _UNSAFE.sub("_", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return base[:255] or "attachment"


def add(*, session: Session, actor: Actor, settings: Settings, task_id: int, file_name: str | None,
        content_type: str | None, stream: BinaryIO) -> TaskAttachment:
    """Store an evidence file for the task (copied in chunks; refused past FANGKONG_ATTACHMENT_MAX_MB)."""
    task = get(session=session, actor=actor, task_id=task_id)
    require_worker(session=session, actor=actor, task=task)
    relative = Path(FOLDER) / str(task.id) / secrets.token_hex(16)
    target = settings.data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        size, sha256 = copy_limited(stream, target, settings.attachment_max_bytes)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if size == 0:
        target.unlink(missing_ok=True)
        raise Invalid("the file is empty", field="file")
    name = clean_name(file_name)
    row = TaskAttachment(task_id=task.id, file_name=name,
                         content_type=(content_type or "application/octet-stream")[:100], stored_path=relative.as_posix(), size=size, sha256=sha256, uploaded_by=actor.username)
    session.add(row)
    session.flush()
    event(session=session, task=task, by=actor.username, kind="evidence", changes={"attachment": [None, name]},
          note=f"{name} ({size} bytes, sha256 {sha256[:12]}…)")
    audit.record(session=session, actor=actor, action="task.attach", resource_type="task", resource_id=task.id,
                 jurisdiction_code=task.jurisdiction_code, changes={"attachment": [None, name]},
                 detail=f"sha256 {sha256}, {size} bytes")
    return row


def open_file(*, session: Session, actor: Actor, settings: Settings, task_id: int,
              attachment_id: int) -> tuple[TaskAttachment, Path]:
    """An attachment of a task in the actor's jurisdiction and its file on disk; the download is audited."""
    task = get(session=session, actor=actor, task_id=task_id)
    row = session.get(TaskAttachment, attachment_id)
    path = settings.data_dir / row.stored_path if row is not None and row.task_id == task.id else None
    if path is None or not path.is_file() or not os.path.realpath(path).startswith(os.path.realpath(settings.data_dir)):
        raise NotFound(f"no attachment {attachment_id} on task {task_id}")
    audit.record(session=session, actor=actor, action="task.attachment_read", resource_type="task",
                 resource_id=task.id, jurisdiction_code=task.jurisdiction_code, detail=row.file_name)
    return row, path


def response(row: TaskAttachment, path: Path):
    """The file as a download (never shown inline: an uploaded page cannot run in the platform's origin)."""
    from fastapi.responses import FileResponse

    return FileResponse(path, media_type=row.content_type, filename=row.file_name,
                        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
