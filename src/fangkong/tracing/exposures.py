"""Exposure searches: a case's look-back window searched in the bulk store of check-ins and grid
presence (`fangkong.tracing.engine.find_exposures`), the overlaps stored as exposures and turned
into contacts — venue co-presence → 涉疫场所暴露人员 (general where the profile lacks the category),
a shared grid cell → 时空伴随者 where the profile defines the companion rule.

Re-running a case's search replaces its exposures and adds only contacts it did not have; persons
unknown to the person index are counted and skipped.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow as pa
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor
from fangkong.cases.models import Case
from fangkong.db import utcnow
from fangkong.errors import Invalid, NotFound
from fangkong.kit.bulk import chunks, insert_rows
from fangkong.kit.pagination import keyset_page
from fangkong.people.models import Person
from fangkong.tracing.common import case_in_scope, case_start, contact_rules, zone
from fangkong.tracing.contacts import contact_row
from fangkong.tracing.investigations import window_of
from fangkong.tracing.models import Contact, Exposure, ExposureSearch, Investigation, ItineraryEntry
from fangkong.tracing.rules import ContactRules, aware, local_naive

log = logging.getLogger("fangkong.tracing")
RULE_BY = "rule:exposure_search"


def record_pending(*, session: Session, actor: Actor, case: Case, engine: str = "duckdb",
                   by: str = "rule:case") -> ExposureSearch | None:
    """A pending search for the case's window; None where the profile has no look-back.

    The rule (`by` "rule:…") records one search per case, however often the case is re-classified;
    a person asking gets a new one unless one is already pending."""
    stmt = select(ExposureSearch).where(ExposureSearch.case_id == case.id)
    if not by.startswith("rule:"):
        stmt = stmt.where(ExposureSearch.status == "pending")
    earlier = session.scalar(stmt.order_by(ExposureSearch.id.desc()).limit(1))
    if earlier is not None:
        return earlier
    rules = contact_rules(session=session, jurisdiction_code=case.jurisdiction_code, at=case_start(case))
    start, end = window_of(case, rules)
    if start is None:
        log.info("profile %s has no look-back: no exposure search for case %s", rules.profile_id, case.id)
        return None
    search = ExposureSearch(case_id=case.id, jurisdiction_code=case.jurisdiction_code, status="pending",
                            requested_at=utcnow(), requested_by=by, window_start=start, window_end=end,
                            engine=engine)
    session.add(search)
    session.flush()
    audit.record(session=session, actor=actor, action="exposure_search.request", resource_type="case",
                 resource_id=case.id, jurisdiction_code=case.jurisdiction_code, detail=f"search {search.id}")
    return search


def request(*, session: Session, actor: Actor, case_id: int, engine: str = "duckdb") -> ExposureSearch:
    case = case_in_scope(session=session, actor=actor, case_id=case_id, action="tracing.search")
    search = record_pending(session=session, actor=actor, case=case, engine=engine, by=actor.username)
    if search is None:
        raise Invalid(f"the profile of {case.jurisdiction_code} sets no look-back window", field="case_id")
    return search


def _index(search: ExposureSearch, case: Case) -> pa.Table:
    tz = zone()
    return pa.table({"person_id": pa.array([case.person_id], pa.int64()),
                     "window_start": pa.array([local_naive(search.window_start, tz)], pa.timestamp("us")),
                     "window_end": pa.array([local_naive(search.window_end, tz)], pa.timestamp("us"))})


# The profile's [contacts.companion] keys → CompanionRule fields; a key the profile lacks keeps the
# engine's default (the same published values, with their source, in `CompanionRule`).
COMPANION_FIELDS = {"min_overlap": "min_overlap_minutes", "window_days": "window_days",
                    "cumulative_stay_hours": "cumulative_stay_hours"}


def _companion(rules: ContactRules):
    if rules.companion is None:
        return None
    from fangkong.tracing.engine import CompanionRule

    return CompanionRule(**{COMPANION_FIELDS[k]: v for k, v in rules.companion.items()})


def run_search(*, session: Session, search_id: int, data_dir: Path, actor: Actor, margin_minutes: float = 0,
               spark=None) -> ExposureSearch:
    """Run one search now. Its work is all or nothing: a failure leaves the search `failed` with the error."""
    search = session.get(ExposureSearch, search_id)
    if search is None:
        raise NotFound(f"no exposure search {search_id}")
    case = session.get(Case, search.case_id)
    rules = contact_rules(session=session, jurisdiction_code=case.jurisdiction_code, at=case_start(case))
    try:
        with session.begin_nested():
            from fangkong.tracing.engine import find_exposures

            found = find_exposures(data_dir=data_dir, index=_index(search, case), engine=search.engine,
                                   margin_minutes=margin_minutes, companion=_companion(rules), spark=spark)
            found = _with_itinerary(session, case, found, data_dir, margin_minutes)
            search.rows = found.num_rows
            _store(session, search, case, found)
            search.contacts_created, search.unknown_persons = contacts_from(
                session=session, case=case, rules=rules, exposures=found)
            search.status, search.error = "done", None
    except Exception as exc:  # noqa: BLE001 - the search records why it failed; the job goes on
        log.exception("exposure search %s of case %s failed", search.id, case.id)
        search.status, search.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
    search.finished_at = utcnow()
    session.flush()
    audit.record(session=session, actor=actor, action="exposure_search.run", resource_type="case",
                 resource_id=case.id, jurisdiction_code=case.jurisdiction_code,
                 detail=f"search {search.id}: {search.status}, {search.rows or 0} exposures, "
                        f"{search.contacts_created or 0} new contacts, {search.unknown_persons or 0} unknown persons")
    return search


def _with_itinerary(session: Session, case: Case, found: pa.Table, data_dir: Path, margin_minutes: float) -> pa.Table:
    """Add the check-ins matching the case's itinerary visits to registered venues (the same overlap once)."""
    from fangkong.tracing.itinerary_match import match_visits

    tz = zone()
    visits = session.execute(select(ItineraryEntry.venue_id, ItineraryEntry.start_at, ItineraryEntry.end_at)
                             .join(Investigation, Investigation.id == ItineraryEntry.investigation_id)
                             .where(Investigation.case_id == case.id, ItineraryEntry.kind == "venue",
                                    ItineraryEntry.venue_id.is_not(None), ItineraryEntry.end_at.is_not(None))).all()
    if not visits:
        return found
    table = pa.table({"venue_id": pa.array([v[0] for v in visits], pa.int64()),
                      "start_at": pa.array([local_naive(v[1], tz) for v in visits], pa.timestamp("us")),
                      "end_at": pa.array([local_naive(v[2], tz) for v in visits], pa.timestamp("us"))})
    matched = match_visits(data_dir=data_dir, index_person_id=case.person_id, visits=table,
                           margin_minutes=margin_minutes)
    key = ("person_id", "kind", "place_id", "overlap_start", "overlap_end")
    seen = set(zip(*(found[k].to_pylist() for k in key))) if found.num_rows else set()
    extra = [i for i, row in enumerate(zip(*(matched[k].to_pylist() for k in key))) if row not in seen]
    if not extra:
        return found
    return pa.concat_tables([found.cast(matched.schema), matched.take(pa.array(sorted(set(extra)), pa.int64()))])


def _store(session: Session, search: ExposureSearch, case: Case, found: pa.Table) -> None:
    """The case's exposures are those of its latest search: earlier rows go."""
    session.execute(delete(Exposure).where(Exposure.case_id == case.id))
    tz = zone()
    rows = [{"search_id": search.id, "case_id": case.id, "person_id": r["person_id"], "kind": r["kind"],
             "place_id": r["place_id"], "overlap_start": aware(r["overlap_start"], tz),
             "overlap_end": aware(r["overlap_end"], tz), "overlap_minutes": r["overlap_minutes"]}
            for r in found.select(["person_id", "kind", "place_id", "overlap_start", "overlap_end",
                                   "overlap_minutes"]).to_pylist()]
    insert_rows(session, Exposure.__table__, rows)


def _by_person(exposures: pa.Table) -> dict[int, dict]:
    """Per exposed person: kinds met, first overlap start, last overlap end (naive local)."""
    grouped = exposures.group_by(["person_id", "kind"]).aggregate([("overlap_start", "min"), ("overlap_end", "max")])
    out: dict[int, dict] = {}
    for r in grouped.to_pylist():
        seen = out.setdefault(r["person_id"], {"kinds": set(), "first": r["overlap_start_min"],
                                               "last": r["overlap_end_max"]})
        seen["kinds"].add(r["kind"])
        seen["first"] = min(seen["first"], r["overlap_start_min"])
        seen["last"] = max(seen["last"], r["overlap_end_max"])
    return out


def _live_persons(session: Session, ids: list[int]) -> dict[int, int]:
    """Known person ids → the live record (a merged record points to the one it was merged into)."""
    out: dict[int, int] = {}
    for part in chunks(ids):
        for pid, merged in session.execute(select(Person.id, Person.merged_into_id).where(Person.id.in_(part))):
            out[pid] = merged or pid
    return out


def contacts_from(*, session: Session, case: Case, rules: ContactRules, exposures: pa.Table) -> tuple[int, int]:
    """Contacts for the exposed persons the case does not have yet: (created, unknown persons skipped)."""
    people = _by_person(exposures)
    live = _live_persons(session, sorted(people))
    unknown = len(people) - len(live)
    existing = set(session.scalars(select(Contact.person_id).where(Contact.source_case_id == case.id,
                                                                   Contact.via_contact_id.is_(None))))
    tz, now = zone(), utcnow()
    rows: dict[int, dict] = {}
    for pid, seen in people.items():
        person = live.get(pid)
        if person is None or person == case.person_id or person in existing or person in rows:
            continue
        if "venue" in seen["kinds"]:
            category, found_by, setting = rules.venue_category(), "venue", "venue"
        elif "companion" in rules.determined:
            category, found_by, setting = "companion", "grid", "other"
        else:
            continue
        rows[person] = contact_row(person_id=person, case=case, category=category, found_by=found_by,
                                   setting=setting, created_by=RULE_BY, now=now, exposure_date=seen["first"].date(),
                                   last_exposure_at=aware(seen["last"], tz))
    insert_rows(session, Contact.__table__, list(rows.values()))
    return len(rows), unknown


def list_searches(*, session: Session, actor: Actor, case_id: int) -> list[ExposureSearch]:
    case = case_in_scope(session=session, actor=actor, case_id=case_id)
    return list(session.scalars(select(ExposureSearch).where(ExposureSearch.case_id == case.id)
                                .order_by(ExposureSearch.id.desc())))


def list_exposures(*, session: Session, actor: Actor, case_id: int, kind: str | None = None,
                   person_id: int | None = None, limit: int = 50,
                   cursor: str | None = None) -> tuple[list[Exposure], str | None]:
    """The case's exposures from its latest search, by key (newest id first)."""
    case = case_in_scope(session=session, actor=actor, case_id=case_id)
    stmt = select(Exposure).where(Exposure.case_id == case.id)
    if kind:
        stmt = stmt.where(Exposure.kind == kind)
    if person_id is not None:
        stmt = stmt.where(Exposure.person_id == person_id)
    audit.record(session=session, actor=actor, action="exposure.read", resource_type="case", resource_id=case.id,
                 jurisdiction_code=case.jurisdiction_code)
    return keyset_page(session, stmt, Exposure.id, limit=limit, cursor=cursor)
