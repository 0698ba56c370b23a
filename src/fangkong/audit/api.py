from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query

from fangkong.audit import service as audit
from fangkong.audit.schemas import AuditPage, AuditRead
from fangkong.authz import require
from fangkong.deps import ApiActor, SessionDep

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=AuditPage)
def list_audit(session: SessionDep, actor: ApiActor, action: str | None = None, username: str | None = None,
               resource_type: str | None = None, resource_id: str | None = None,
               since: datetime | None = None, until: datetime | None = None,
               limit: int = Query(50, ge=1, le=500), cursor: str | None = None) -> AuditPage:
    """The audit trail of the caller's jurisdiction, newest first (auditors, commanders, admins)."""
    require(actor, "audit.read")
    rows, nxt = audit.list_entries(session=session, actor=actor, action=action, username=username,
                                   resource_type=resource_type, resource_id=resource_id,
                                   since=since, until=until, limit=limit, cursor=cursor)
    return AuditPage(items=[AuditRead.model_validate(r) for r in rows], next=nxt)
