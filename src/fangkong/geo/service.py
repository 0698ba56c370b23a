"""The jurisdiction tree: lookups within the actor's subtree, and imports from CSV or GeoJSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from fangkong.audit import service as audit
from fangkong.authz import Actor, scoped
from fangkong.config import get_settings
from fangkong.errors import Invalid, NotFound
from fangkong.geo.levels import LEVELS, check_code, level_rank
from fangkong.geo.models import Jurisdiction


def get(*, session: Session, code: str) -> Jurisdiction:
    node = session.get(Jurisdiction, code)
    if node is None:
        raise NotFound(f"no jurisdiction with code {code}", field="jurisdiction_code")
    return node


def ancestors(*, session: Session, code: str) -> list[Jurisdiction]:
    """The node and its ancestors, root first (a short walk up parent_code; nodes come from the identity map)."""
    chain = [get(session=session, code=code)]
    while chain[-1].parent_code:
        chain.append(get(session=session, code=chain[-1].parent_code))
    return chain[::-1]


def effective_timezone(session: Session, code: str) -> ZoneInfo:
    """The zone a node's times are shown in: its own, else the nearest ancestor's, else FANGKONG_TIMEZONE."""
    for node in reversed(ancestors(session=session, code=code)):
        if node.timezone:
            return ZoneInfo(node.timezone)
    return ZoneInfo(get_settings().timezone)


def get_in_scope(*, session: Session, actor: Actor, code: str) -> Jurisdiction:
    """A node the actor may see; one outside the subtree does not exist for them."""
    if not actor.covers(code):
        raise NotFound(f"no jurisdiction with code {code} in your jurisdiction", field="jurisdiction_code")
    return get(session=session, code=code)


def get_many(*, session: Session, actor: Actor, codes: set[str] | list[str]) -> dict[str, Jurisdiction]:
    """Several nodes by code in one query (labels for a page of rows); codes outside the subtree are left out."""
    wanted = sorted({c for c in codes if c and actor.covers(c)})
    if not wanted:
        return {}
    return {n.code: n for n in session.scalars(
        select(Jurisdiction).options(defer(Jurisdiction.geometry)).where(Jurisdiction.code.in_(wanted)))}


def list_nodes(
    *, session: Session, actor: Actor, level: str | None = None, parent_code: str | None = None,
    with_geometry: bool = False,
) -> list[Jurisdiction]:
    """The actor's subtree, ordered by code (a few thousand nodes at most per city)."""
    stmt = scoped(select(Jurisdiction), actor, Jurisdiction.code)
    if level:
        stmt = stmt.where(Jurisdiction.level == level)
    if parent_code:
        stmt = stmt.where(Jurisdiction.parent_code == parent_code)
    nodes = list(session.scalars(stmt.order_by(Jurisdiction.code)))
    if not with_geometry:
        for node in nodes:
            session.expunge(node)
            node.geometry = None
    return nodes


def count(*, session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Jurisdiction)) or 0


@dataclass
class NodeRow:
    code: str
    level: str
    name_zh: str
    name_en: str = ""
    parent_code: str | None = None
    geometry: dict | None = None
    row: int = 0
    timezone: str | None = None  # IANA zone; None leaves a stored node's zone as it is


@dataclass
class TreeImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def import_nodes(*, session: Session, actor: Actor | None, nodes: list[NodeRow], source: str) -> TreeImportReport:
    """Insert or update nodes, parents before children; any bad node rejects the whole file."""
    report = TreeImportReport()
    known = {n.code: n.level for n in session.execute(select(Jurisdiction.code, Jurisdiction.level))}
    incoming = {n.code: n for n in nodes}
    for node in sorted(nodes, key=lambda n: level_rank(n.level) if n.level in LEVELS else -1):
        parent_level = incoming[node.parent_code].level if node.parent_code in incoming else known.get(node.parent_code or "")
        problem = check_code(node.code, node.level, node.parent_code, parent_level)
        if problem is None and not node.name_zh:
            problem = "name_zh is empty"
        if problem is None and node.parent_code is None and node.level != "province":
            problem = f"a {node.level} needs a parent_code"
        if problem is None and node.timezone:
            problem = _zone_problem(node.timezone)
        if problem:
            report.errors.append(f"{source}: row {node.row}, code {node.code or '?'}: {problem}")
    if report.errors:
        raise Invalid("; ".join(report.errors[:20]) + (f" … and {len(report.errors) - 20} more" if len(report.errors) > 20 else ""))
    for node in sorted(nodes, key=lambda n: level_rank(n.level)):
        _upsert(session, node, report)
    session.flush()
    audit.record(session=session, actor=actor, action="jurisdiction.import", resource_type="jurisdiction",
                 detail=f"{source}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged",
                 jurisdiction_code=min(incoming, key=len) if incoming else None, username="system")
    return report


def _zone_problem(zone: str) -> str | None:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {zone!r} (use an IANA name such as Asia/Shanghai)"
    return None


def _upsert(session: Session, node: NodeRow, report: TreeImportReport) -> None:
    geometry = json.dumps(node.geometry, ensure_ascii=False, separators=(",", ":")) if node.geometry else None
    existing = session.get(Jurisdiction, node.code)
    values = dict(level=node.level, name_zh=node.name_zh, name_en=node.name_en, parent_code=node.parent_code)
    if node.timezone:
        values["timezone"] = node.timezone
    if existing is None:
        session.add(Jurisdiction(code=node.code, geometry=geometry, **values))
        session.flush()
        report.created += 1
        return
    if geometry is None:
        geometry = existing.geometry
    if all(getattr(existing, k) == v for k, v in values.items()) and existing.geometry == geometry:
        report.unchanged += 1
        return
    for k, v in values.items():
        setattr(existing, k, v)
    existing.geometry = geometry
    report.updated += 1


def read_tree_file(path: Path) -> list[NodeRow]:
    """Nodes from a GeoJSON FeatureCollection (properties code, level, name_zh, name_en, parent_code) or CSV."""
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Invalid(f"{path.name}: not a UTF-8 GeoJSON file ({exc})") from exc
        if data.get("type") != "FeatureCollection":
            raise Invalid(f"{path.name}: expected a GeoJSON FeatureCollection")
        out = []
        for i, feature in enumerate(data.get("features", []), start=1):
            p = feature.get("properties") or {}
            out.append(NodeRow(code=str(p.get("code", "")), level=str(p.get("level", "")),
                               name_zh=str(p.get("name_zh") or p.get("name") or ""), name_en=str(p.get("name_en") or ""),
                               parent_code=(str(p["parent_code"]) if p.get("parent_code") else None),
                               geometry=feature.get("geometry"), row=i, timezone=p.get("timezone") or None))
        return out
    from fangkong.interop.tabular import TableError, read_table

    try:
        table = read_table(path, required=("code", "level", "name_zh"))
    except TableError as exc:
        raise Invalid(str(exc)) from exc
    out = []
    for row_no, row in table.rows:
        geometry = json.loads(row["geometry"]) if row.get("geometry") else None
        out.append(NodeRow(code=row["code"], level=row["level"], name_zh=row["name_zh"],
                           name_en=row.get("name_en", ""), parent_code=row.get("parent_code") or None,
                           geometry=geometry, row=row_no, timezone=row.get("timezone") or None))
    return out
