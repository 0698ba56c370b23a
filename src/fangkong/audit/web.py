"""The audit log page: filters, keyset paging and field-level diffs (auditors, commanders, admins)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fangkong.audit import service as audit
from fangkong.authz import require
from fangkong.deps import SettingsDep
from fangkong.errors import DomainError
from fangkong.web.deps import WebActor, WebSessionDep, is_partial
from fangkong.web.templating import render

router = APIRouter()
PAGE_SIZE = 50
RESOURCE_TYPES = ("case", "person", "person_duplicate", "user", "jurisdiction")
LINKS = {"case": "/cases/{}", "person": "/persons/{}"}


@dataclass
class AuditFilters:
    action: str = ""
    username: str = ""
    resource_type: str = ""
    resource_id: str = ""
    date_from: str = ""
    date_to: str = ""

    def url(self, cursor: str | None = None) -> str:
        pairs = [(k, v) for k, v in asdict(self).items() if v] + ([("cursor", cursor)] if cursor else [])
        return "/audit" + (f"?{urlencode(pairs)}" if pairs else "")


def _bounds(filters: AuditFilters, zone: ZoneInfo) -> tuple[dict, dict[str, str]]:
    """Local calendar days → the UTC instants the service filters on (the end day is included)."""
    out, errors = {}, {}
    for key, name, shift in (("date_from", "since", 0), ("date_to", "until", 1)):
        raw = getattr(filters, key)
        if not raw:
            continue
        try:
            day = date.fromisoformat(raw) + timedelta(days=shift)
        except ValueError:
            errors[key] = "not a valid date"
            continue
        out[name] = datetime.combine(day, time.min, tzinfo=zone)
    return out, errors


@router.get("/audit")
def audit_log(request: Request, session: WebSessionDep, actor: WebActor, settings: SettingsDep,
              action: str = "", username: str = "", resource_type: str = "", resource_id: str = "",
              date_from: str = "", date_to: str = "", cursor: str = "") -> Response:
    require(actor, "audit.read")
    filters = AuditFilters(action.strip(), username.strip(), resource_type.strip(), resource_id.strip(),
                           date_from.strip(), date_to.strip())
    bounds, errors = _bounds(filters, ZoneInfo(settings.timezone))
    rows, nxt = [], None
    if not errors:
        try:
            rows, nxt = audit.list_entries(
                session=session, actor=actor, action=filters.action or None, username=filters.username or None,
                resource_type=filters.resource_type or None, resource_id=filters.resource_id or None,
                limit=PAGE_SIZE, cursor=cursor or None, **bounds)
        except DomainError as exc:
            errors[exc.field or "form"] = exc.message
    ctx = {"nav": "audit", "filters": filters, "rows": rows, "errors": errors, "first_page": not cursor,
           "next_url": filters.url(nxt) if nxt else None, "resource_types": RESOURCE_TYPES, "links": LINKS}
    if is_partial(request, "audit-results"):
        return render(request, "audit/_results.html", ctx)
    return render(request, "audit/list.html", ctx)
