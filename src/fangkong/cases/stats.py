"""Dashboard numbers for the actor's jurisdiction: counts, the epi curve, cases by area, report timeliness.

Pure queries (no writes, no audit): every statement goes through `scoped` / `in_subtree`. The
dashboard's full set is cached for a short while per jurisdiction, so a wall screen refreshing
every few seconds does not recompute it on each request.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case as when, func, select
from sqlalchemy.orm import Session

from fangkong.authz import Actor, require, scoped
from fangkong.cases.models import Case
from fangkong.cases.rules import CLASSIFICATIONS, SEVERITIES
from fangkong.db import utcnow
from fangkong.geo import service as geo
from fangkong.geo.levels import prefix

CACHE_SECONDS = 30.0
# Classifications that count as a case on the map and the curve; "excluded" (排除) is not a case.
ACTIVE = ("suspected", "confirmed", "asymptomatic", "repositive")


@dataclass(frozen=True)
class AreaCount:
    code: str
    name_zh: str
    name_en: str
    geometry: dict | None
    cases: int
    confirmed: int
    asymptomatic: int


@dataclass
class Dashboard:
    counts: dict[str, int]
    new_24h: dict[str, int]
    severity: dict[str, int]
    curve: dict = field(default_factory=dict)
    areas: list[AreaCount] = field(default_factory=list)
    timeliness: dict[str, int] = field(default_factory=dict)
    computed_at: datetime | None = None


def classification_counts(*, session: Session, actor: Actor, now: datetime | None = None) -> tuple[dict, dict, dict]:
    """(total by classification, new in the last 24 h by diagnosis time, confirmed by severity)."""
    require(actor, "dashboard.read")
    since = (now or utcnow()) - timedelta(hours=24)
    is_new = func.sum(when((Case.diagnosed_at >= since, 1), else_=0))
    stmt = scoped(select(Case.classification, Case.severity, func.count(), is_new), actor, Case.jurisdiction_code)
    counts = dict.fromkeys(CLASSIFICATIONS, 0)
    new = dict.fromkeys(CLASSIFICATIONS, 0)
    severity = dict.fromkeys(SEVERITIES, 0)
    for classification, sev, total, fresh in session.execute(stmt.group_by(Case.classification, Case.severity)):
        counts[classification] = counts.get(classification, 0) + total
        new[classification] = new.get(classification, 0) + int(fresh or 0)
        if classification == "confirmed" and sev:
            severity[sev] = severity.get(sev, 0) + total
    return counts, new, severity


def epi_curve(*, session: Session, actor: Actor) -> dict:
    """Cases per onset day and classification, every day from the first onset to the last filled in.

    Returns {"dates": [iso...], "series": {classification: [count per date]}}. Cases without an onset
    date (asymptomatic infections) cannot be placed on an onset curve and are left out.
    """
    require(actor, "dashboard.read")
    stmt = scoped(select(Case.onset_date, Case.classification, func.count()), actor, Case.jurisdiction_code)
    stmt = stmt.where(Case.onset_date.is_not(None), Case.classification.in_(ACTIVE))
    rows = session.execute(stmt.group_by(Case.onset_date, Case.classification)).all()
    if not rows:
        return {"dates": [], "series": {}}
    first, last = min(r[0] for r in rows), max(r[0] for r in rows)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    index = {d: i for i, d in enumerate(days)}
    series: dict[str, list[int]] = {}
    for onset, classification, n in rows:
        series.setdefault(classification, [0] * len(days))[index[onset]] += n
    ordered = {c: series[c] for c in ACTIVE if c in series}
    return {"dates": [d.isoformat() for d in days], "series": ordered}


def area_counts(*, session: Session, actor: Actor) -> list[AreaCount]:
    """Cases (not excluded) in each child node of the actor's node, with the child's boundary.

    A user at the bottom of the tree (a grid) has no children: their own node is the one area.
    """
    require(actor, "dashboard.read")
    nodes = geo.list_nodes(session=session, actor=actor, parent_code=actor.jurisdiction_code, with_geometry=True)
    if not nodes:
        nodes = [geo.get_in_scope(session=session, actor=actor, code=actor.jurisdiction_code)]
    width = len(prefix(nodes[0].code, nodes[0].level))
    key = func.substr(Case.jurisdiction_code, 1, width)
    confirmed = func.sum(when((Case.classification == "confirmed", 1), else_=0))
    asymptomatic = func.sum(when((Case.classification == "asymptomatic", 1), else_=0))
    stmt = scoped(select(key, func.count(), confirmed, asymptomatic), actor, Case.jurisdiction_code)
    stmt = stmt.where(Case.classification.in_(ACTIVE)).group_by(key)
    by_prefix = {k: (n, c or 0, a or 0) for k, n, c, a in session.execute(stmt)}
    out = []
    for node in nodes:
        n, c, a = by_prefix.get(prefix(node.code, node.level), (0, 0, 0))
        geometry = json.loads(node.geometry) if node.geometry else None
        out.append(AreaCount(node.code, node.name_zh, node.name_en, geometry, n, int(c), int(a)))
    return out


def report_timeliness(*, session: Session, actor: Actor, now: datetime | None = None) -> dict[str, int]:
    """The 2-hour online report: reported in time (met), late or unreported past the deadline, still open."""
    require(actor, "dashboard.read")
    now = now or utcnow()
    status = when(
        (Case.reported_at.is_not(None) & (Case.reported_at <= Case.report_deadline_at), "met"),
        (Case.reported_at.is_not(None), "late"),
        (Case.report_deadline_at < now, "late"),
        else_="open",
    )
    stmt = scoped(select(status, func.count()), actor, Case.jurisdiction_code)
    stmt = stmt.where(Case.report_deadline_at.is_not(None)).group_by(status)
    out = {"met": 0, "late": 0, "open": 0}
    out.update({s: n for s, n in session.execute(stmt)})
    return out


_cache: dict[tuple, tuple[float, Dashboard]] = {}
_lock = threading.Lock()


def dashboard(*, session: Session, actor: Actor, now: datetime | None = None) -> Dashboard:
    """Everything the dashboard shows, cached for CACHE_SECONDS per database and jurisdiction."""
    require(actor, "dashboard.read")
    key = (str(session.get_bind().url), actor.jurisdiction_code, actor.scope_prefix)
    if now is None:
        with _lock:
            hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
    moment = now or utcnow()
    counts, new, severity = classification_counts(session=session, actor=actor, now=moment)
    result = Dashboard(counts=counts, new_24h=new, severity=severity,
                       curve=epi_curve(session=session, actor=actor),
                       areas=area_counts(session=session, actor=actor),
                       timeliness=report_timeliness(session=session, actor=actor, now=moment),
                       computed_at=moment)
    if now is None:
        with _lock:
            _cache[key] = (time.monotonic(), result)
    return result


def clear_cache() -> None:
    with _lock:
        _cache.clear()

