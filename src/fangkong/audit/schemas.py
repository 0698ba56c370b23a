from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_username: str
    action: str
    resource_type: str
    resource_id: str | None
    jurisdiction_code: str | None
    changes: dict | None
    detail: str
    ip: str | None


class AuditPage(BaseModel):
    items: list[AuditRead]
    next: str | None
