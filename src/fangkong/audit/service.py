"""Append-only audit trail: logins, field-level changes, reads of personal data, exports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.audit.models import AuditEntry
from fangkong.authz import Actor, scoped
from fangkong.kit.pagination import keyset_page


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list]:
    """Field-level changes as {field: [old, new]}, only for fields whose value changed."""
    return {k: [_plain(old.get(k)), _plain(v)] for k, v in new.items() if old.get(k) != v}


def record(
    *, session: Session, actor: Actor | None, action: str, resource_type: str = "",
    resource_id: Any = None, jurisdiction_code: str | None = None,
    changes: dict | None = None, detail: str = "", username: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor_username=(actor.username if actor else username) or "",
        action=action, resource_type=resource_type,
        resource_id=None if resource_id is None else str(resource_id),
        jurisdiction_code=jurisdiction_code or (actor.jurisdiction_code if actor else None),
        changes=changes or None, detail=detail, ip=actor.ip if actor else None,
    )
    session.add(entry)
    return entry


def list_entries(
    *, session: Session, actor: Actor, action: str | None = None, username: str | None = None,
    resource_type: str | None = None, resource_id: str | None = None,
    since: datetime | None = None, until: datetime | None = None,
    limit: int = 50, cursor: str | None = None,
) -> tuple[list[AuditEntry], str | None]:
    """Audit entries in the actor's subtree, newest first, by key."""
    stmt = scoped(select(AuditEntry), actor, AuditEntry.jurisdiction_code)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action))
    if username:
        stmt = stmt.where(AuditEntry.actor_username == username)
    if resource_type:
        stmt = stmt.where(AuditEntry.resource_type == resource_type)
    if resource_id:
        stmt = stmt.where(AuditEntry.resource_id == str(resource_id))
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    return keyset_page(session, stmt, AuditEntry.id, limit=limit, cursor=cursor)
