"""Protocol profiles of jurisdictions: which profile a node follows, its overrides, the effective
profile at a time with where each value came from, and the history of both.

Resolution at time `at` for node N (docs/profiles.md):
- profile: the nearest selection on N or an ancestor that is in effect at `at` (a child's selection
  beats its parent's; among one node's selections the latest effective_from ≤ at wins); none
  anywhere → the FANGKONG_DEFAULT_PROFILE setting;
- overrides: for each node from the root down to N and each path, that node's latest override in
  effect at `at`; applied root first, so the deeper node wins.
Selections and overrides are never changed or deleted: a change is a new row. Decisions taken under
an earlier profile (a case's report deadline) are stored by the services that took them and are
never recomputed from here.
"""

from __future__ import annotations

import json
import threading
import time as monotonic
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timezone
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor, require
from fangkong.config import get_settings
from fangkong.db import utcnow
from fangkong.errors import Invalid, NotFound
from fangkong.geo import service as geo
from fangkong.protocols import effective, loader
from fangkong.protocols.diff import diff
from fangkong.protocols.effective import (  # noqa: F401 - the interface other domains import from here
    EffectiveProfile, Provenance, SlaBundle, SlaStep,
)
from fangkong.protocols.models import ProfileOverride, ProfileSelection

CACHE_SECONDS = 30.0
_CACHE_SIZE = 512
_cache: OrderedDict[tuple, tuple[float, EffectiveProfile]] = OrderedDict()
_builds: OrderedDict[str, EffectiveProfile] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class HistoryEntry:
    """One selection or override of the node or an ancestor, as it was recorded."""

    kind: str  # "selection" | "override"
    id: int
    jurisdiction_code: str
    profile_id: str | None
    path: str | None
    value: Any
    reason: str
    effective_from: datetime
    set_by: str
    set_at: datetime


# --- reading -------------------------------------------------------------------------------------

def effective_profile(*, session: Session, jurisdiction_code: str, at: datetime | None = None) -> EffectiveProfile:
    """The profile in force for the node at `at` (default now), overrides applied, with provenance."""
    at = _aware(session, jurisdiction_code, at) if at else utcnow()
    key = (_db_key(session), jurisdiction_code, at.replace(second=0, microsecond=0))
    with _lock:
        hit = _cache.get(key)
        if hit and hit[0] > monotonic.monotonic():
            return replace(hit[1], at=at)
    chain = _chain(session, jurisdiction_code)
    selections = session.scalars(select(ProfileSelection).where(
        ProfileSelection.jurisdiction_code.in_(chain), ProfileSelection.effective_from <= at)).all()
    overrides = session.scalars(select(ProfileOverride).where(
        ProfileOverride.jurisdiction_code.in_(chain), ProfileOverride.effective_from <= at)).all()
    result = _resolve(chain, at, selections, overrides)
    with _lock:
        _cache[key] = (monotonic.monotonic() + CACHE_SECONDS, result)
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return result


class ValueLookup:
    """One path's value for many (jurisdiction, time) pairs, for bulk work such as imports.

    Reads the selection and override tables once; nodes that share a basis and overrides share one
    resolved profile, so a file of 100,000 cases costs a handful of resolutions, not one per row.
    """

    def __init__(self, *, session: Session, path: str):
        self.session, self.path = session, path
        self.selections = session.scalars(select(ProfileSelection)).all()
        self.overrides = session.scalars(select(ProfileOverride)).all()
        self.chains: dict[str, list[str]] = {}
        self.values: dict[tuple, Any] = {}

    def __call__(self, jurisdiction_code: str, at: datetime) -> Any:
        chain = self.chains.get(jurisdiction_code)
        if chain is None:
            chain = self.chains[jurisdiction_code] = _chain(self.session, jurisdiction_code)
        codes = set(chain)
        selections = [s for s in self.selections if s.jurisdiction_code in codes and s.effective_from <= at]
        overrides = [o for o in self.overrides if o.jurisdiction_code in codes and o.effective_from <= at]
        key = (tuple(chain), tuple(r.id for r in selections), tuple(r.id for r in overrides))
        if key not in self.values:
            self.values[key] = _resolve(chain, at, selections, overrides).get(self.path)
        return self.values[key]


def _chain(session: Session, code: str) -> list[str]:
    return [node.code for node in geo.ancestors(session=session, code=code)]


def _resolve(chain: list[str], at: datetime, selections: Iterable[ProfileSelection],
             overrides: Iterable[ProfileOverride]) -> EffectiveProfile:
    basis = _basis(chain, selections)
    specs = _override_specs(chain, overrides)
    built = _build(basis, specs)
    return replace(built, jurisdiction_code=chain[-1], at=at)


def _basis(chain: list[str], selections: Iterable[ProfileSelection]) -> effective.Basis:
    latest: dict[str, ProfileSelection] = {}
    for row in sorted(selections, key=lambda r: (r.effective_from, r.id)):
        latest[row.jurisdiction_code] = row
    default = get_settings().default_profile
    for code in reversed(chain):
        row = latest.get(code)
        if row is None:
            continue
        if row.profile_id not in loader.profile_ids():
            return effective.Basis(default, None, None, f"profile {row.profile_id} is no longer shipped; default used")
        return effective.Basis(row.profile_id, code, row.effective_from, row.reason)
    return effective.Basis(default, None, None, "default (FANGKONG_DEFAULT_PROFILE)")


def _override_specs(chain: list[str], overrides: Iterable[ProfileOverride]) -> list[effective.OverrideSpec]:
    latest: dict[tuple[str, str], ProfileOverride] = {}
    for row in sorted(overrides, key=lambda r: (r.effective_from, r.id)):
        latest[(row.jurisdiction_code, row.path)] = row
    depth = {code: i for i, code in enumerate(chain)}
    rows = sorted(latest.values(), key=lambda r: (depth[r.jurisdiction_code], r.id))
    return [effective.OverrideSpec(r.jurisdiction_code, r.path, r.value, r.reason, r.effective_from)
            for r in rows if r.value is not None]


def _build(basis: effective.Basis, specs: list[effective.OverrideSpec]) -> EffectiveProfile:
    """Resolved profiles depend only on the basis and the overrides: shared by every node that has them."""
    signature = json.dumps([basis.profile_id, basis.jurisdiction_code, str(basis.effective_from), basis.reason,
                            [[s.jurisdiction_code, s.path, s.value, s.reason, str(s.effective_from)] for s in specs]],
                           default=str, ensure_ascii=False)
    with _lock:
        found = _builds.get(signature)
    if found is not None:
        return found
    built = effective.build(base=loader.get_profile(basis.profile_id), basis=basis, overrides=specs,
                            jurisdiction_code="", at=utcnow())
    with _lock:
        _builds[signature] = built
        while len(_builds) > _CACHE_SIZE:
            _builds.popitem(last=False)
    return built


def history(*, session: Session, actor: Actor, jurisdiction_code: str) -> list[HistoryEntry]:
    """Selections and overrides of the node and its ancestors, newest first (by when they were set)."""
    node = geo.get_in_scope(session=session, actor=actor, code=jurisdiction_code)
    require(actor, "profile.read", node)
    chain = _chain(session, jurisdiction_code)
    rows = [*session.scalars(select(ProfileSelection).where(ProfileSelection.jurisdiction_code.in_(chain))),
            *session.scalars(select(ProfileOverride).where(ProfileOverride.jurisdiction_code.in_(chain)))]
    return sorted(map(as_entry, rows), key=lambda e: (e.set_at, e.kind, e.id), reverse=True)


def as_entry(row: ProfileSelection | ProfileOverride) -> HistoryEntry:
    if isinstance(row, ProfileSelection):
        return HistoryEntry("selection", row.id, row.jurisdiction_code, row.profile_id, None, None, row.reason,
                            row.effective_from, row.set_by, row.set_at)
    return HistoryEntry("override", row.id, row.jurisdiction_code, None, row.path, row.value, row.reason,
                        row.effective_from, row.set_by, row.set_at)


# --- writing -------------------------------------------------------------------------------------

def select_profile(*, session: Session, actor: Actor, jurisdiction_code: str, profile_id: str,
                   effective_from: date | datetime | None, reason: str) -> ProfileSelection:
    """Make the node (and the nodes below it without their own selection) follow `profile_id`."""
    node = geo.get_in_scope(session=session, actor=actor, code=jurisdiction_code)
    require(actor, "profile.manage", node)
    reason = _reason(reason)
    if profile_id not in loader.profile_ids():
        raise Invalid(f"no protocol profile {profile_id!r}; shipped: {', '.join(loader.profile_ids())}",
                      field="profile_id")
    moment = _moment(session, jurisdiction_code, effective_from)
    before = effective_profile(session=session, jurisdiction_code=jurisdiction_code, at=moment).profile_id
    row = ProfileSelection(jurisdiction_code=jurisdiction_code, profile_id=profile_id, effective_from=moment,
                           reason=reason, set_by=actor.username, set_at=utcnow())
    session.add(row)
    session.flush()
    _invalidate(session)
    changed = len(diff(loader.get_profile(before), loader.get_profile(profile_id), changed_only=True))
    audit.record(session=session, actor=actor, action="profile.select", resource_type="jurisdiction",
                 resource_id=jurisdiction_code, jurisdiction_code=jurisdiction_code,
                 changes={"profile_id": [before, profile_id], "effective_from": [None, moment.isoformat()]},
                 detail=f"{reason} ({changed} values differ from {before})")
    return row


def override_value(*, session: Session, actor: Actor, jurisdiction_code: str, path: str, value: Any, reason: str,
                   effective_from: date | datetime | None) -> ProfileOverride:
    """Override one value for the node and below, checked against the schema at that path.

    `value` is in the field's canonical unit, or {"value": …, "unit": …}; None withdraws the node's
    own override of the path (the inherited value applies again). Unknown path → Invalid(field="path").
    """
    node = geo.get_in_scope(session=session, actor=actor, code=jurisdiction_code)
    require(actor, "profile.manage", node)
    reason = _reason(reason)
    path = (path or "").strip()
    if not path:
        raise Invalid("give the path of the value to override", field="path")
    moment = _moment(session, jurisdiction_code, effective_from)
    current = effective_profile(session=session, jurisdiction_code=jurisdiction_code, at=moment)
    try:
        old = current.leaf(path).value
    except NotFound:
        old = None
    if value is None:
        if old is None or current.provenance(path).source != f"override:{jurisdiction_code}":
            raise Invalid(f"{jurisdiction_code} has no override of {path} to withdraw", field="path")
        canonical = None
    else:
        canonical = current.check_override(path, value)
    row = ProfileOverride(jurisdiction_code=jurisdiction_code, path=path, value=canonical, reason=reason,
                          effective_from=moment, set_by=actor.username, set_at=utcnow())
    session.add(row)
    session.flush()
    _invalidate(session)
    audit.record(session=session, actor=actor, action="profile.override", resource_type="jurisdiction",
                 resource_id=jurisdiction_code, jurisdiction_code=jurisdiction_code,
                 changes={path: [old, canonical]}, detail=f"{reason} (effective {moment.isoformat()})")
    return row


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("give the reason (the notice or decision behind the change)", field="reason")
    return reason


def _moment(session: Session, code: str, value: date | datetime | None) -> datetime:
    """When a change takes effect, in UTC to the minute: a date means local midnight of the node's zone."""
    if value is None:
        moment = utcnow()
    elif isinstance(value, datetime):
        moment = _aware(session, code, value)
    else:
        moment = datetime.combine(value, time(), tzinfo=geo.effective_timezone(session, code))
    return moment.astimezone(timezone.utc).replace(second=0, microsecond=0)


def _aware(session: Session, code: str, moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=geo.effective_timezone(session, code))
    return moment.astimezone(timezone.utc)


# --- the cache -----------------------------------------------------------------------------------

def _db_key(session: Session) -> str:
    return str(session.get_bind().url)


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _invalidate(session: Session) -> None:
    """A write: forget cached profiles now, and again when the transaction ends (commit or rollback),
    so that no profile computed from uncommitted rows outlives them."""
    clear_cache()
    for name in ("after_commit", "after_rollback"):
        event.listen(session, name, lambda *_: clear_cache(), once=True)
