"""What a round has reached, for the actor's own subtree: coverage and turnaround by grid, the
untested residents (for grid workers: masked, audited), positive pools and isolations, resolution.

Grid rows are keyed by jurisdiction code, the same codes as /api/v1/jurisdictions/{code}/geojson,
so a map joins them directly; `level` rolls them up to streets, communities or districts.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor, in_subtree, require, scoped
from fangkong.errors import Invalid, NotFound
from fangkong.geo.levels import CODE_LENGTH, LEVELS, PREFIX_LENGTH, subtree_prefix
from fangkong.kit.pagination import keyset_page
from fangkong.people import service as people
from fangkong.people.models import Person
from fangkong.screening import rules
from fangkong.screening.models import Exemption, GridCount, Isolation, Round, Sample, Tube
from fangkong.screening.schemas import (
    CoverageRead, GridRow, IsolationRead, PositivePool, ResolutionRead, TubeRead, UntestedItem,
)
from fangkong.screening.service import areas_of, get_round

FLAGGED = ("positive", "indeterminate")


def at_level(code: str, level: str | None) -> str:
    """The code of the node at `level` above `code` (the code itself when it is not deeper)."""
    if level is None or len(code) < CODE_LENGTH[level]:
        return code
    head = code[:PREFIX_LENGTH[level]]
    return head + "0" * (CODE_LENGTH[level] - len(head))


def _within(actor: Actor, column, jurisdiction_code: str | None):
    if jurisdiction_code is None:
        return True
    if not actor.covers(jurisdiction_code):
        raise NotFound("no such jurisdiction in your jurisdiction", field="jurisdiction_code")
    return in_subtree(column, subtree_prefix(jurisdiction_code))


def _tube_stats(session: Session, actor: Actor, rnd: Round, where, targets: list[float]) -> dict[str, dict]:
    within = [func.sum(case((Tube.turnaround_hours <= t, 1), else_=0)) for t in targets]
    stmt = scoped(select(Tube.jurisdiction_code, func.count(), func.sum(case(
        (and_(Tube.status == "sent", Tube.outcome == "pending"), 1), else_=0)), *within), actor, Tube.jurisdiction_code)
    stmt = stmt.where(Tube.round_id == rnd.id, Tube.kind == "screening", _within(actor, Tube.jurisdiction_code, where))
    out = {}
    for code, n, pending, *inside in session.execute(stmt.group_by(Tube.jurisdiction_code)):
        out[code] = {"tubes": n, "tubes_pending": int(pending or 0),
                     "turnaround_within": {f"{t:g}h": int(v or 0) for t, v in zip(targets, inside)}}
    open_pools = scoped(select(Tube.jurisdiction_code, func.count(func.distinct(Tube.id))).join(
        Isolation, Isolation.tube_id == Tube.id), actor, Tube.jurisdiction_code).where(
        Tube.round_id == rnd.id, Isolation.status == "isolated", _within(actor, Tube.jurisdiction_code, where))
    for code, n in session.execute(open_pools.group_by(Tube.jurisdiction_code)):
        out.setdefault(code, {"tubes": 0, "tubes_pending": 0, "turnaround_within": {}})["positive_pools_open"] = n
    return out


def _row(code: str, counts: dict, tubes: dict, targets: list[float]) -> GridRow:
    base = counts["roster"] - counts["exempt"]
    within = {f"{t:g}h": tubes.get("turnaround_within", {}).get(f"{t:g}h", 0) for t in targets}
    return GridRow(jurisdiction_code=code, **counts, untested=max(base - counts["sampled"], 0),
                   coverage=round(counts["sampled"] / base, 6) if base > 0 else None,
                   tubes=tubes.get("tubes", 0), tubes_pending=tubes.get("tubes_pending", 0),
                   turnaround_within=within, positive_pools_open=tubes.get("positive_pools_open", 0))


def _add(into: dict, other: dict) -> None:
    for key, value in other.items():
        if isinstance(value, dict):
            _add(into.setdefault(key, {}), value)
        else:
            into[key] = into.get(key, 0) + value


def coverage(*, session: Session, actor: Actor, round_id: int, jurisdiction_code: str | None = None,
             level: str | None = None) -> CoverageRead:
    """Per node (grid, or rolled up to `level`): roster, exempt, sampled, coverage, results, tubes, turnaround."""
    rnd = get_round(session=session, actor=actor, round_id=round_id)
    if level is not None and level not in LEVELS:
        raise Invalid(f"unknown level {level!r}; use {', '.join(LEVELS)}", field="level")
    found = rules.rules_for(session=session, jurisdiction_code=rnd.jurisdiction_code, at=rnd.starts_at)
    targets = found.targets()
    stmt = scoped(select(GridCount), actor, GridCount.jurisdiction_code).where(
        GridCount.round_id == rnd.id, _within(actor, GridCount.jurisdiction_code, jurisdiction_code))
    counts: dict[str, dict] = defaultdict(dict)
    for row in session.scalars(stmt):
        _add(counts[at_level(row.jurisdiction_code, level)],
             {k: getattr(row, k) for k in ("roster", "exempt", "sampled", "cleared", "recheck")})
    tubes: dict[str, dict] = defaultdict(dict)
    for code, stats in _tube_stats(session, actor, rnd, jurisdiction_code, targets).items():
        _add(tubes[at_level(code, level)], stats)
    empty = dict.fromkeys(("roster", "exempt", "sampled", "cleared", "recheck"), 0)
    grids = [_row(code, {**empty, **counts.get(code, {})}, tubes.get(code, {}), targets)
             for code in sorted(set(counts) | set(tubes))]
    totals: dict = {}
    for code in set(counts) | set(tubes):
        _add(totals, {**empty, **counts.get(code, {})})
    all_tubes: dict = {}
    for stats in tubes.values():
        _add(all_tubes, stats)
    whole = actor.covers(rnd.jurisdiction_code) and jurisdiction_code is None
    turnaround = ((rnd.summary or {}).get("screening") or {}).get("turnaround_hours") if whole else None
    totals_row = _row(jurisdiction_code or actor.jurisdiction_code, {**empty, **totals}, all_tubes, targets)
    return CoverageRead(round_id=rnd.id, level=level, targets_hours=targets, grids=grids, totals=totals_row,
                        turnaround=turnaround)


def untested(*, session: Session, actor: Actor, round_id: int, jurisdiction_code: str | None = None,
             unmask: bool = False, limit: int = 50, cursor: str | None = None) -> tuple[list[UntestedItem], str | None]:
    """Residents of the round's areas in the actor's subtree with no sample and no exemption (audited)."""
    rnd = get_round(session=session, actor=actor, round_id=round_id)
    require(actor, "person.read")
    if unmask:
        require(actor, "person.unmask")
    areas = areas_of(session, rnd.campaign_id)
    sampled = exists().where(Sample.round_id == rnd.id, Sample.person_id == Person.id, Sample.kind == "screening")
    exempt = exists().where(Exemption.round_id == rnd.id, Exemption.person_id == Person.id,
                            Exemption.lifted_at.is_(None))
    stmt = scoped(select(Person), actor, Person.jurisdiction_code).where(
        or_(*[in_subtree(Person.jurisdiction_code, subtree_prefix(a.jurisdiction_code)) for a in areas]),
        Person.merged_into_id.is_(None), ~sampled, ~exempt, _within(actor, Person.jurisdiction_code, jurisdiction_code))
    rows, nxt = keyset_page(session, stmt, Person.id, limit=limit, cursor=cursor)
    audit.record(session=session, actor=actor, action="person.unmask" if unmask else "screening.untested",
                 resource_type="screening_round", resource_id=rnd.id,
                 jurisdiction_code=jurisdiction_code or actor.jurisdiction_code,
                 detail=f"{len(rows)} untested residents")
    return [UntestedItem(person=people.to_read(p, unmask=unmask), grid_code=p.jurisdiction_code) for p in rows], nxt


def _isolation_rows(session: Session, stmt) -> list[IsolationRead]:
    rows = session.execute(stmt.add_columns(Person.name, Tube.code).join(Person, Person.id == Isolation.person_id)
                           .join(Tube, Tube.id == Isolation.tube_id).order_by(Isolation.id)).all()
    return [IsolationRead(id=i.id, round_id=i.round_id, person_id=i.person_id, person_name=name,
                          jurisdiction_code=i.jurisdiction_code, tube_id=i.tube_id, tube_code=code, reason=i.reason,
                          status=i.status, started_at=i.started_at, recheck_due_at=i.recheck_due_at,
                          ended_at=i.ended_at, case_id=i.case_id) for i, name, code in rows]


def list_isolations(*, session: Session, actor: Actor, round_id: int | None = None, status: str | None = None,
                    limit: int = 50, cursor: str | None = None) -> tuple[list[IsolationRead], str | None]:
    """Members of positive or indeterminate tubes under temporary isolation (or since released / cases)."""
    require(actor, "screening.read")
    require(actor, "person.read")
    stmt = scoped(select(Isolation.id), actor, Isolation.jurisdiction_code)
    if round_id is not None:
        stmt = stmt.where(Isolation.round_id == get_round(session=session, actor=actor, round_id=round_id).id)
    if status:
        stmt = stmt.where(Isolation.status == status)
    ids, nxt = keyset_page(session, stmt, Isolation.id, limit=limit, cursor=cursor)
    items = _isolation_rows(session, select(Isolation).where(Isolation.id.in_(ids or [0])))[::-1]
    audit.record(session=session, actor=actor, action="screening.isolations_read", resource_type="screening_isolation",
                 jurisdiction_code=actor.jurisdiction_code, detail=f"{len(items)} rows")
    return items, nxt


def positive_pools(*, session: Session, actor: Actor, round_id: int, awaiting: bool = False, limit: int = 50,
                   cursor: str | None = None) -> tuple[list[PositivePool], str | None]:
    """Positive and indeterminate tubes with their members' isolation and re-check state."""
    rnd = get_round(session=session, actor=actor, round_id=round_id)
    require(actor, "person.read")
    stmt = scoped(select(Tube), actor, Tube.jurisdiction_code).where(Tube.round_id == rnd.id, Tube.outcome.in_(FLAGGED))
    if awaiting:
        stmt = stmt.where(exists().where(Isolation.tube_id == Tube.id, Isolation.status == "isolated"))
    tubes, nxt = keyset_page(session, stmt, Tube.id, limit=limit, cursor=cursor)
    members = _isolation_rows(session, scoped(select(Isolation), actor, Isolation.jurisdiction_code).where(
        Isolation.tube_id.in_([t.id for t in tubes] or [0])))
    by_tube: dict[int, list[IsolationRead]] = defaultdict(list)
    for member in members:
        by_tube[member.tube_id].append(member)
    audit.record(session=session, actor=actor, action="screening.positive_pools_read", resource_type="screening_round",
                 resource_id=rnd.id, jurisdiction_code=actor.jurisdiction_code, detail=f"{len(tubes)} tubes")
    return [PositivePool(tube=TubeRead.model_validate(t, from_attributes=True), members=by_tube[t.id],
                         awaiting_recheck=sum(m.status == "isolated" for m in by_tube[t.id])) for t in tubes], nxt


def _counts(session: Session, actor: Actor, column, model, *where) -> dict[str, int]:
    stmt = scoped(select(column, func.count()), actor, model.jurisdiction_code).where(*where).group_by(column)
    return {str(k): int(n) for k, n in session.execute(stmt)}


def resolution_status(*, session: Session, actor: Actor, round_id: int) -> ResolutionRead:
    """Where the round's resolution stands, counted in the actor's subtree."""
    rnd = get_round(session=session, actor=actor, round_id=round_id)
    summary = rnd.summary or {}
    whole = actor.covers(rnd.jurisdiction_code)
    return ResolutionRead(
        round_id=rnd.id, resolved_at=rnd.resolved_at,
        summary=summary.get("screening") if whole else None, recheck_summary=summary.get("recheck") if whole else None,
        tubes_by_outcome=_counts(session, actor, Tube.outcome, Tube, Tube.round_id == rnd.id),
        samples_by_status=_counts(session, actor, Sample.status, Sample, Sample.round_id == rnd.id,
                                  Sample.kind == "screening", Sample.replaced_by_id.is_(None)),
        isolations_by_status=_counts(session, actor, Isolation.status, Isolation, Isolation.round_id == rnd.id))
