"""The automatic cluster signal (see fangkong.tracing.clusters): cases linked to one venue or one
household, dense enough in time under the place's profile, open a cluster in status `signal`.

A case is linked to a venue by a transmission link recorded at the venue (both its cases) or by an
itinerary entry at the venue in the case's investigation; to a household by its person's
`household_code`. Only confirmed and asymptomatic cases count. Cases already in a cluster of the
place (of any status) are not signalled again; a later case of the place dated within the window of
an open cluster's cases joins that cluster.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.analytics.clusters import dense_groups
from fangkong.authz import Actor, require, scoped
from fangkong.cases.models import Case
from fangkong.db import utcnow
from fangkong.errors import NotFound
from fangkong.geo.levels import subtree_prefix
from fangkong.people.models import Person
from fangkong.kit.bulk import chunks
from fangkong.tracing.chains_schemas import DetectResult
from fangkong.tracing.clusters import OPEN, VENUE_KINDS, case_day, insert, rule
from fangkong.tracing.common import TRACED_CLASSIFICATIONS
from fangkong.tracing.models import Cluster, ClusterCase, Investigation, ItineraryEntry, TransmissionLink, Venue

Place = tuple[str, str]  # ("venue", "17") or ("household", "H-0001")


@dataclass
class _Candidates:
    cases: dict[int, Case]
    places: dict[Place, set[int]]


def _candidates(session: Session, actor: Actor, venue_ids: list[int] | None,
                household_codes: list[str] | None) -> _Candidates:
    everything = venue_ids is None and household_codes is None
    pairs: set[tuple[Place, int]] = set()
    if everything or venue_ids:
        links = select(TransmissionLink.venue_id, TransmissionLink.infector_case_id, TransmissionLink.infectee_case_id
                       ).where(TransmissionLink.venue_id.is_not(None))
        visits = (select(ItineraryEntry.venue_id, Investigation.case_id)
                  .join(Investigation, Investigation.id == ItineraryEntry.investigation_id)
                  .where(ItineraryEntry.venue_id.is_not(None)))
        if venue_ids:
            links = links.where(TransmissionLink.venue_id.in_(venue_ids))
            visits = visits.where(ItineraryEntry.venue_id.in_(venue_ids))
        for venue_id, a, b in session.execute(links):
            pairs.update({(("venue", str(venue_id)), a), (("venue", str(venue_id)), b)})
        pairs.update((("venue", str(v)), c) for v, c in session.execute(visits))
    if everything or household_codes:
        homes = (select(Person.household_code, Case.id).join(Case, Case.person_id == Person.id)
                 .where(Person.household_code.is_not(None)))
        homes = scoped(homes, actor, Case.jurisdiction_code)
        if household_codes:
            homes = homes.where(Person.household_code.in_(household_codes))
        pairs.update((("household", h), c) for h, c in session.execute(homes))
    cases: dict[int, Case] = {}
    for part in chunks(sorted({c for _, c in pairs})):
        stmt = scoped(select(Case).where(Case.id.in_(part),
                                         Case.classification.in_(TRACED_CLASSIFICATIONS)),
                      actor, Case.jurisdiction_code)
        cases.update((c.id, c) for c in session.scalars(stmt) if case_day(c) is not None)
    places: dict[Place, set[int]] = defaultdict(set)
    for place, case_id in pairs:
        if case_id in cases:
            places[place].add(case_id)
    return _Candidates(cases=cases, places=dict(places))


def _existing(session: Session, places: list[Place]) -> tuple[dict[Place, Cluster], dict[Place, set[int]]]:
    """Per place: its open cluster (the latest) and the cases in any of its clusters."""
    venue_ids = [int(k) for kind, k in places if kind == "venue"]
    homes = [k for kind, k in places if kind == "household"]
    clusters = []
    for column, values in ((Cluster.venue_id, venue_ids), (Cluster.household_code, homes)):
        for part in chunks(values):
            clusters += list(session.scalars(select(Cluster).where(column.in_(part)).order_by(Cluster.id)))
    open_: dict[Place, Cluster] = {}
    members: dict[Place, set[int]] = defaultdict(set)
    ids = {c.id: c for c in clusters}
    by_cluster: dict[int, set[int]] = defaultdict(set)
    for part in chunks(ids):
        for cid, case_id in session.execute(select(ClusterCase.cluster_id, ClusterCase.case_id)
                                            .where(ClusterCase.cluster_id.in_(part))):
            by_cluster[cid].add(case_id)
    for c in clusters:
        place = ("venue", str(c.venue_id)) if c.venue_id is not None else ("household", c.household_code)
        members[place] |= by_cluster[c.id]
        if c.status in OPEN:
            open_[place] = c  # ordered by id: the latest open one wins
    return open_, members


def _place_info(session: Session, place: Place, cases: list[Case]) -> tuple[str, str, str] | None:
    """(jurisdiction, name, kind) of a place; None for a venue that is not registered."""
    kind, key = place
    if kind == "venue":
        venue = session.get(Venue, int(key))
        if venue is None:
            return None
        return venue.jurisdiction_code, venue.name, VENUE_KINDS.get(venue.kind, "venue")
    first = min(cases, key=lambda c: c.id)
    return first.jurisdiction_code, key, "household"


def detect_signals(*, session: Session, actor: Actor, jurisdiction_code: str | None = None,
                   venue_ids: list[int] | None = None, household_codes: list[str] | None = None) -> DetectResult:
    """Open signals and extend open clusters for the places in the actor's scope (all, or those given)."""
    require(actor, "chain.manage")
    wanted = None
    if jurisdiction_code:
        if not actor.covers(jurisdiction_code):
            raise NotFound("no such jurisdiction in your jurisdiction", field="jurisdiction_code")
        wanted = subtree_prefix(jurisdiction_code)
    found = _candidates(session, actor, venue_ids, household_codes)
    open_, members = _existing(session, list(found.places))
    created, extended, added = [], [], 0
    fresh: dict[tuple[int, int], list[tuple[Place, list[Case], tuple[str, str, str]]]] = defaultdict(list)
    for place in sorted(found.places):
        cases = [found.cases[i] for i in sorted(found.places[place] - members.get(place, set()))]
        info = _place_info(session, place, [found.cases[i] for i in found.places[place]])
        if not cases or info is None or not actor.covers(info[0]):
            continue
        if wanted and not info[0].startswith(wanted):
            continue
        limits = rule(session=session, jurisdiction_code=info[0])
        if limits is None:
            continue
        if place in open_ and not actor.covers(open_[place].jurisdiction_code):
            continue  # the place's open cluster belongs to another jurisdiction: only its users extend it
        if place in open_:
            n = _extend(session, actor, open_[place], cases, limits[1])
            if n:
                extended.append(open_[place].id)
                added += n
        else:
            fresh[limits].append((place, cases, info))
    for limits, entries in fresh.items():
        for cluster, n in _signal(session, actor, limits, entries):
            created.append(cluster.id)
            added += n
    return DetectResult(created=created, extended=extended, cases_added=added)


def _extend(session: Session, actor: Actor, cluster: Cluster, cases: list[Case], window: int) -> int:
    days = [case_day(c) for c in session.scalars(select(Case).join(ClusterCase, ClusterCase.case_id == Case.id)
                                                 .where(ClusterCase.cluster_id == cluster.id))]
    days = [d.toordinal() for d in days if d]
    if not days:
        return 0
    low, high = min(days) - window + 1, max(days) + window - 1
    joining = [c.id for c in cases if low <= case_day(c).toordinal() <= high]
    session.add_all(ClusterCase(cluster_id=cluster.id, case_id=i) for i in joining)
    if joining:
        session.flush()
        audit.record(session=session, actor=actor, action="cluster.cases", resource_type="cluster",
                     resource_id=cluster.id, jurisdiction_code=cluster.jurisdiction_code,
                     changes={"added": [None, joining]}, detail="automatic: within the window of the cluster")
    return len(joining)


def _signal(session: Session, actor: Actor, limits: tuple[int, int], entries) -> list[tuple[Cluster, int]]:
    min_cases, window = limits
    group = np.concatenate([np.full(len(cases), i) for i, (_, cases, _) in enumerate(entries)])
    day = np.array([case_day(c).toordinal() for _, cases, _ in entries for c in cases], dtype=np.int64)
    mask = dense_groups(group, day, min_cases=min_cases, window_days=window)
    out, start = [], 0
    for place, cases, (code, name, kind) in entries:
        chosen = [c for c, m in zip(cases, mask[start:start + len(cases)]) if m]
        start += len(cases)
        if chosen:
            out.append((_open(session, actor, place, chosen, code, name, kind, limits), len(chosen)))
    return out


def _open(session: Session, actor: Actor, place: Place, cases: list[Case], code: str, name: str, kind: str,
          limits: tuple[int, int]) -> Cluster:
    venue_id = int(place[1]) if place[0] == "venue" else None
    household = place[1] if place[0] == "household" else None
    first, last = min(case_day(c) for c in cases), max(case_day(c) for c in cases)
    cluster = Cluster(name=name, kind=kind, venue_id=venue_id, household_code=household, jurisdiction_code=code,
                      status="signal", opened_at=utcnow(),
                      notes=f"automatic signal: {len(cases)} cases from {first} to {last} "
                            f"(profile: at least {limits[0]} cases within {limits[1]} days)")
    insert(session, cluster, [c.id for c in cases])
    audit.record(session=session, actor=actor, action="cluster.signal", resource_type="cluster",
                 resource_id=cluster.id, jurisdiction_code=code,
                 changes={"case_ids": [None, [c.id for c in cases]]}, detail=cluster.notes)
    return cluster
