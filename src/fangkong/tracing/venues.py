"""Venues with their place codes (场所码): import from CSV/XLSX, list, and the venues seen in the
check-in store that nobody has registered yet."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fangkong.authz import Actor, require, scoped
from fangkong.db import utcnow
from fangkong.errors import NotFound
from fangkong.geo.cells import cell_id
from fangkong.interop.importers import (
    ImportRejected, ImportReport, _finish, check_jurisdictions, load_table, previous_batch,
)
from fangkong.interop.tabular import RowError
from fangkong.kit.bulk import chunks, insert_rows
from fangkong.kit.pagination import keyset_page
from fangkong.tracing.models import Venue

REQUIRED = ("venue_id", "place_code", "name", "jurisdiction_code")
FIELDS = ("place_code", "name", "kind", "address", "lon", "lat", "cell_id", "jurisdiction_code")
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,23}$")


def _number(text: str, field: str, low: float, high: float, problems: list) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        problems.append((field, f"{text!r} is not a number"))
        return None
    if not math.isfinite(value) or not low <= value <= high:
        problems.append((field, f"{value} is outside {low}…{high}"))
        return None
    return value


def venue_values(row: dict[str, str]) -> tuple[dict, list[tuple[str, str]]]:
    """One row as Venue fields (without cell_id), and its problems as (field, message)."""
    problems: list[tuple[str, str]] = []
    raw_id = row.get("venue_id", "")
    venue_id = int(raw_id) if raw_id.isdigit() and 0 < int(raw_id) < 2**31 else None
    if venue_id is None:
        problems.append(("venue_id", f"{raw_id!r} is not a positive whole number below 2^31"))
    for field, limit in (("place_code", 64), ("name", 200)):
        if not row.get(field):
            problems.append((field, "required"))
        elif len(row[field]) > limit:
            problems.append((field, f"longer than {limit} characters"))
    kind = (row.get("kind") or "other").lower()
    if not _KIND.match(kind):
        problems.append(("kind", f"{kind!r} is not a kind (lower-case letters, digits, _)"))
    lon = _number(row.get("lon", ""), "lon", -180, 180, problems)
    lat = _number(row.get("lat", ""), "lat", -90, 90, problems)
    if (lon is None) != (lat is None) and not any(f in ("lon", "lat") for f, _ in problems):
        problems.append(("lat" if lat is None else "lon", "give both lon and lat, or neither"))
    return {"id": venue_id, "place_code": row.get("place_code", ""), "name": row.get("name", ""), "kind": kind,
            "address": row.get("address", ""), "lon": lon, "lat": lat,
            "jurisdiction_code": row.get("jurisdiction_code", "")}, problems


def _with_cells(rows: list[dict]) -> None:
    located = [r for r in rows if r["lon"] is not None and r["lat"] is not None]
    if located:
        cells = cell_id(np.array([r["lon"] for r in located]), np.array([r["lat"] for r in located]))
        for r, c in zip(located, cells.tolist()):
            r["cell_id"] = int(c)
    for r in rows:
        r.setdefault("cell_id", None)


def import_venues(*, session: Session, actor: Actor, path: Path) -> ImportReport:
    """All rows valid → new venues stored and changed ones updated; any bad row → nothing stored.

    Idempotent: the same file again is recognised and skipped; a venue already stored with the same
    values counts as existing."""
    require(actor, "venue.import")
    table = load_table(path, REQUIRED)
    report = ImportReport(file=path.name, kind="venues", encoding=table.encoding, rows=len(table.rows))
    if previous_batch(session, "venues", table.sha256):
        report.already_imported, report.existing = True, len(table.rows)
        return report
    errors: list[RowError] = []
    parsed: list[tuple[int, dict]] = []
    for row_no, row in table.rows:
        values, problems = venue_values(row)
        errors.extend(RowError(row_no, f, m) for f, m in problems)
        parsed.append((row_no, values))
    check_jurisdictions(session, actor, parsed, errors)
    rows = _unique_rows(parsed, errors)
    _with_cells([r for _, r in rows])
    new, changed = _split(session, rows, errors)
    if errors:
        raise ImportRejected(str(path), sorted(errors, key=lambda e: (e.row, e.field or "")))
    _store(session, new, changed)
    report.created, report.existing = len(new), len(rows) - len(new) - len(changed)
    if changed:
        report.notes.append(f"{len(changed)} venues updated")
    _finish(session, actor, report, table)
    return report


def _unique_rows(parsed: list[tuple[int, dict]], errors: list[RowError]) -> list[tuple[int, dict]]:
    """Rows by venue id and place code; a repeat with the same values counts once, a different one is an error."""
    by_id: dict[int, tuple[int, dict]] = {}
    by_code: dict[str, int] = {}
    for row_no, values in parsed:
        if values["id"] is None:
            continue
        first = by_id.get(values["id"])
        if first is not None:
            if first[1] != values:
                errors.append(RowError(row_no, "venue_id", f"venue {values['id']} is also on row {first[0]} "
                                                           "with different values"))
            continue
        other = by_code.get(values["place_code"])
        if other is not None:
            errors.append(RowError(row_no, "place_code", f"place code {values['place_code']!r} is also on row {other}"))
            continue
        by_id[values["id"]] = (row_no, values)
        by_code[values["place_code"]] = row_no
    return list(by_id.values())


def _split(session: Session, rows: list[tuple[int, dict]],
           errors: list[RowError]) -> tuple[list[dict], list[tuple[Venue, dict]]]:
    """New venues and changed ones (with their stored record); a place code held by another stored
    venue is an error."""
    ids = [r["id"] for _, r in rows]
    stored: dict[int, Venue] = {}
    for part in chunks(ids):
        stored.update({v.id: v for v in session.scalars(select(Venue).where(Venue.id.in_(part)))})
    codes = [r["place_code"] for _, r in rows]
    holders: dict[str, int] = {}
    for part in chunks(codes):
        holders.update(dict(session.execute(
            select(Venue.place_code, Venue.id).where(Venue.place_code.in_(part))).all()))
    new, changed = [], []
    for row_no, values in rows:
        holder = holders.get(values["place_code"])
        if holder is not None and holder != values["id"]:
            errors.append(RowError(row_no, "place_code",
                                   f"place code {values['place_code']!r} belongs to venue {holder}"))
            continue
        venue = stored.get(values["id"])
        if venue is None:
            new.append(values)
        elif any(getattr(venue, f) != values[f] for f in FIELDS):
            changed.append((venue, values))
    return new, changed


def _store(session: Session, new: list[dict], changed: list[tuple[Venue, dict]]) -> None:
    now = utcnow()
    for venue, values in changed:
        for f in FIELDS:
            setattr(venue, f, values[f])
        venue.updated_at = now
    session.flush()
    insert_rows(session, Venue.__table__, [{**v, "risk_flag": False, "created_at": now, "updated_at": now}
                                           for v in new])


def get_venue(*, session: Session, actor: Actor, venue_id: int) -> Venue:
    venue = session.get(Venue, venue_id)
    if venue is None:
        raise NotFound(f"no venue {venue_id}")
    require(actor, "tracing.read", venue)
    return venue


def list_venues(*, session: Session, actor: Actor, q: str | None = None, kind: str | None = None,
                limit: int = 50, cursor: str | None = None) -> tuple[list[Venue], str | None]:
    """Venues in the actor's subtree, highest id first; `q` matches a place code or a name prefix."""
    require(actor, "tracing.read")
    stmt = scoped(select(Venue), actor, Venue.jurisdiction_code)
    if q:
        stmt = stmt.where(or_(Venue.place_code == q, Venue.name.startswith(q)))
    if kind:
        stmt = stmt.where(Venue.kind == kind)
    return keyset_page(session, stmt, Venue.id, limit=limit, cursor=cursor)


def unregistered(*, session: Session, actor: Actor, data_dir: Path, limit: int = 100) -> list[dict]:
    """Venue ids with check-ins in the bulk store but no venue record, most check-ins first."""
    require(actor, "tracing.read")
    from fangkong.tracing.engine import venue_summary  # the engine is heavy: load it when needed

    summary: pa.Table = venue_summary(data_dir=data_dir)
    if summary.num_rows == 0:
        return []
    known = pa.array(list(session.scalars(select(Venue.id))), type=pa.int64())
    missing = summary.filter(pc.invert(pc.is_in(summary["venue_id"], value_set=known)))
    missing = missing.sort_by([("checkins", "descending"), ("venue_id", "ascending")]).slice(0, limit)
    return missing.to_pylist()
