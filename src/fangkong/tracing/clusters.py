"""Clusters (聚集性疫情) around a venue, household, workplace or school: signal → cluster → closed,
their member cases, and the automatic signal.

Automatic signal (docs/chains.md, "Clusters"): when at least the profile's
`case_definitions.cluster_min_cases` cases linked to one venue (through a transmission link at the
venue or an itinerary entry there) or one household (`Person.household_code`) fall within
`case_definitions.cluster_window_days` of each other, a cluster in status `signal` is opened with
them; later cases of the place within the window of an open cluster join it. The values come from
the effective profile of the place's jurisdiction; a profile without them raises no signal.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor, in_subtree, require, scoped
from fangkong.cases.models import Case
from fangkong.cases.service import local_date
from fangkong.db import utcnow
from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.geo import service as geo
from fangkong.geo.levels import subtree_prefix
from fangkong.kit.pagination import keyset_page
from fangkong.protocols import service as protocols
from fangkong.tracing.chains_schemas import ClusterCreate, ClusterRead, ClusterUpdate
from fangkong.tracing.common import case_in_scope
from fangkong.tracing.models import Cluster, ClusterCase, Venue

TRANSITIONS = {"signal": {"cluster", "closed"}, "cluster": {"closed"}, "closed": set()}
OPEN = ("signal", "cluster")
MIN_CASES = "case_definitions.cluster_min_cases"
WINDOW_DAYS = "case_definitions.cluster_window_days"
# A venue's kind → the kind of a cluster there (anything else: a venue cluster).
VENUE_KINDS = {"office": "workplace", "factory": "workplace", "workplace": "workplace", "construction": "workplace",
               "school": "school", "kindergarten": "school", "university": "school"}


def get(*, session: Session, actor: Actor, cluster_id: int, action: str = "tracing.read") -> Cluster:
    cluster = session.get(Cluster, cluster_id)
    if cluster is None:
        raise NotFound(f"no cluster {cluster_id}")
    require(actor, action, cluster)
    return cluster


def case_day(case: Case) -> date | None:
    """The date a case counts on in a cluster window: onset, else sampling, diagnosis, report."""
    return case.onset_date or case.sampling_date or local_date(case.diagnosed_at) or case.report_date


def member_ids(session: Session, cluster_id: int) -> list[int]:
    return list(session.scalars(select(ClusterCase.case_id).where(ClusterCase.cluster_id == cluster_id)
                                .order_by(ClusterCase.case_id)))


def to_reads(session: Session, clusters: list[Cluster], *, actor: Actor) -> list[ClusterRead]:
    """The clusters with their member cases inside the actor's subtree (a venue's cluster holds visitors'
    cases from other districts: those stay hidden, as in a cross-district chain); one query for all."""
    members: dict[int, list[Case]] = {c.id: [] for c in clusters}
    if members:
        stmt = scoped(select(ClusterCase.cluster_id, Case).join(Case, Case.id == ClusterCase.case_id)
                      .where(ClusterCase.cluster_id.in_(list(members))), actor, Case.jurisdiction_code)
        for cluster_id, case in session.execute(stmt):
            members[cluster_id].append(case)
    out = []
    for cluster in clusters:
        days = [d for d in map(case_day, members[cluster.id]) if d]
        ids = sorted(c.id for c in members[cluster.id])
        out.append(ClusterRead.model_validate(cluster).model_copy(update={
            "case_count": len(ids), "case_ids": ids, "first_case_date": min(days, default=None),
            "last_case_date": max(days, default=None)}))
    return out


def to_read(session: Session, cluster: Cluster, *, actor: Actor) -> ClusterRead:
    return to_reads(session, [cluster], actor=actor)[0]


def read(*, session: Session, actor: Actor, cluster_id: int) -> ClusterRead:
    return to_read(session, get(session=session, actor=actor, cluster_id=cluster_id), actor=actor)


def list_clusters(*, session: Session, actor: Actor, status: str | None = None, kind: str | None = None,
                  jurisdiction_code: str | None = None, case_id: int | None = None, limit: int = 50,
                  cursor: str | None = None) -> tuple[list[ClusterRead], str | None]:
    require(actor, "tracing.read")
    stmt = scoped(select(Cluster), actor, Cluster.jurisdiction_code)
    if status:
        stmt = stmt.where(Cluster.status == status)
    if kind:
        stmt = stmt.where(Cluster.kind == kind)
    if jurisdiction_code:
        if not actor.covers(jurisdiction_code):
            raise NotFound("no such jurisdiction in your jurisdiction", field="jurisdiction_code")
        stmt = stmt.where(in_subtree(Cluster.jurisdiction_code, subtree_prefix(jurisdiction_code)))
    if case_id is not None:
        stmt = stmt.where(Cluster.id.in_(select(ClusterCase.cluster_id).where(ClusterCase.case_id == case_id)))
    rows, nxt = keyset_page(session, stmt, Cluster.id, limit=limit, cursor=cursor)
    return to_reads(session, rows, actor=actor), nxt


def rule(*, session: Session, jurisdiction_code: str, at: datetime | None = None) -> tuple[int, int] | None:
    """(cluster_min_cases, cluster_window_days) of the jurisdiction's profile, or None without them."""
    profile = protocols.effective_profile(session=session, jurisdiction_code=jurisdiction_code, at=at)
    if not (profile.has(MIN_CASES) and profile.has(WINDOW_DAYS)):
        return None
    return int(profile.get(MIN_CASES)), int(profile.get(WINDOW_DAYS))


def _place(session: Session, kind: str, venue_id: int | None, household_code: str | None) -> Venue | None:
    if kind == "household" and not household_code:
        raise Invalid("a household cluster needs the household code", field="household_code")
    if kind == "venue" and venue_id is None:
        raise Invalid("a venue cluster needs the venue", field="venue_id")
    if venue_id is None:
        return None
    venue = session.get(Venue, venue_id)
    if venue is None:
        raise NotFound(f"no venue {venue_id}", field="venue_id")
    return venue


def insert(session: Session, cluster: Cluster, case_ids: list[int]) -> None:
    """A new cluster and its member cases (the callers check and audit)."""
    session.add(cluster)
    session.flush()
    session.add_all(ClusterCase(cluster_id=cluster.id, case_id=i) for i in case_ids)
    session.flush()


def create(*, session: Session, actor: Actor, data: ClusterCreate) -> Cluster:
    """A cluster opened by hand, in status signal, with its first cases."""
    venue = _place(session, data.kind, data.venue_id, data.household_code)
    cases = [case_in_scope(session=session, actor=actor, case_id=i, action="chain.manage")
             for i in dict.fromkeys(data.case_ids)]
    code = data.jurisdiction_code or (venue.jurisdiction_code if venue else None) or (
        cases[0].jurisdiction_code if cases else None)
    if code is None:
        raise Invalid("give the jurisdiction, a venue or a case", field="jurisdiction_code")
    geo.get_in_scope(session=session, actor=actor, code=code)
    cluster = Cluster(name=data.name, kind=data.kind, venue_id=data.venue_id, household_code=data.household_code,
                      jurisdiction_code=code, status="signal", opened_at=utcnow(), notes=data.notes)
    require(actor, "chain.manage", cluster)
    insert(session, cluster, [c.id for c in cases])
    audit.record(session=session, actor=actor, action="cluster.create", resource_type="cluster",
                 resource_id=cluster.id, jurisdiction_code=code,
                 changes=audit.diff({}, {"name": data.name, "kind": data.kind, "venue_id": data.venue_id,
                                         "household_code": data.household_code, "case_ids": [c.id for c in cases]}))
    return cluster


def update(*, session: Session, actor: Actor, cluster_id: int, data: ClusterUpdate) -> Cluster:
    cluster = get(session=session, actor=actor, cluster_id=cluster_id, action="chain.manage")
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    if cluster.status == "closed" and set(changes) - {"notes"}:
        raise Conflict("a closed cluster keeps its name and kind; only notes change", field="status")
    if "kind" in changes:
        _place(session, changes["kind"], cluster.venue_id, cluster.household_code)
    delta = audit.diff({k: getattr(cluster, k) for k in changes}, changes)
    for key, (_, new) in delta.items():
        setattr(cluster, key, new)
    if delta:
        session.flush()
        audit.record(session=session, actor=actor, action="cluster.update", resource_type="cluster",
                     resource_id=cluster.id, jurisdiction_code=cluster.jurisdiction_code, changes=delta)
    return cluster


def change_status(*, session: Session, actor: Actor, cluster_id: int, status: str, reason: str = "",
                  now: datetime | None = None) -> Cluster:
    """signal → cluster (with at least the profile's cluster_min_cases cases), signal → closed (dismissed,
    with a reason), cluster → closed."""
    cluster = get(session=session, actor=actor, cluster_id=cluster_id, action="chain.manage")
    if status not in TRANSITIONS:
        raise Invalid(f"unknown status {status!r}", field="status")
    if status not in TRANSITIONS[cluster.status]:
        raise Conflict(f"a cluster in status {cluster.status} cannot become {status}", field="status")
    now = now or utcnow()
    if status == "cluster":
        limits = rule(session=session, jurisdiction_code=cluster.jurisdiction_code, at=now)
        count = len(member_ids(session, cluster.id))
        if limits and count < limits[0]:
            raise Invalid(f"a cluster needs at least {limits[0]} cases under the jurisdiction's profile; "
                          f"this one has {count}", field="status")
    if status == "closed" and cluster.status == "signal" and not reason.strip():
        raise Invalid("say why the signal is dismissed", field="reason")
    before = cluster.status
    cluster.status = status
    if status == "closed":
        cluster.closed_at = now
    session.flush()
    audit.record(session=session, actor=actor, action="cluster.status", resource_type="cluster",
                 resource_id=cluster.id, jurisdiction_code=cluster.jurisdiction_code,
                 changes={"status": [before, status]}, detail=reason)
    return cluster


def add_cases(*, session: Session, actor: Actor, cluster_id: int, case_ids: list[int]) -> Cluster:
    cluster = get(session=session, actor=actor, cluster_id=cluster_id, action="chain.manage")
    if cluster.status == "closed":
        raise Conflict("a closed cluster takes no more cases", field="status")
    present = set(member_ids(session, cluster.id))
    new = [case_in_scope(session=session, actor=actor, case_id=i, action="chain.manage").id
           for i in dict.fromkeys(case_ids) if i not in present]
    session.add_all(ClusterCase(cluster_id=cluster.id, case_id=i) for i in new)
    session.flush()
    if new:
        audit.record(session=session, actor=actor, action="cluster.cases", resource_type="cluster",
                     resource_id=cluster.id, jurisdiction_code=cluster.jurisdiction_code,
                     changes={"added": [None, new]})
    return cluster


def remove_case(*, session: Session, actor: Actor, cluster_id: int, case_id: int) -> Cluster:
    cluster = get(session=session, actor=actor, cluster_id=cluster_id, action="chain.manage")
    if cluster.status == "closed":
        raise Conflict("the cases of a closed cluster are kept", field="status")
    case_in_scope(session=session, actor=actor, case_id=case_id, action="chain.manage")
    member = session.scalar(select(ClusterCase).where(ClusterCase.cluster_id == cluster.id,
                                                      ClusterCase.case_id == case_id))
    if member is None:
        raise NotFound(f"case {case_id} is not in cluster {cluster.id}", field="case_id")
    session.delete(member)
    session.flush()
    audit.record(session=session, actor=actor, action="cluster.cases", resource_type="cluster",
                 resource_id=cluster.id, jurisdiction_code=cluster.jurisdiction_code,
                 changes={"removed": [case_id, None]})
    return cluster


from fangkong.tracing.cluster_signals import detect_signals  # noqa: E402,F401 - re-exported
