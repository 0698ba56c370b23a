"""Sampling and pooling: tubes and the swabs in them, under the pooling rules.

- A tube never holds more swabs than its pool size (5, 10 or 20 validated; 1 for single tubes and
  every re-check), and a household tube holds one household (the first member's address).
- Tubes are never re-pooled: a swab stays in the tube it was put in, and a tube is sealed once sent
  to the lab (NHC 2022-06-09: re-pooling 10-in-1 tubes into 30- or 50-in-1 is not validated and
  misses positives; shared/reference/protocols-china.md §3.3).
- A person is sampled once per round; a second sample needs a reason (a broken or rejected tube)
  and replaces the first for resolution. A re-check sample (单管复核) goes into its own single tube
  and only for a person isolated from a positive or indeterminate tube of the round.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor, require, scoped
from fangkong.db import utcnow
from fangkong.errors import Conflict, DomainError, Invalid
from fangkong.geo.levels import subtree_prefix
from fangkong.interop.importers import ImportRejected
from fangkong.interop.tabular import RowError
from fangkong.kit.pagination import keyset_page
from fangkong.people import service as people
from fangkong.people.models import Person
from fangkong.screening import progress, rules
from fangkong.screening.models import Area, Exemption, Isolation, Round, Sample, Site, Tube
from fangkong.screening.schemas import SampleCreate, TubeCreate
from fangkong.screening.service import area_of, areas_of, fetch, get_round, get_site

CLOCK_SKEW = timedelta(minutes=10)  # a collection time this far ahead of the server clock is refused


def get_tube(*, session: Session, actor: Actor, tube_id: int, action: str = "screening.read") -> Tube:
    return fetch(session, actor, Tube, tube_id, action, "tube")


def list_tubes(*, session: Session, actor: Actor, round_id: int, outcome: str | None = None,
               status: str | None = None, limit: int = 50, cursor: str | None = None) -> tuple[list[Tube], str | None]:
    rnd = get_round(session=session, actor=actor, round_id=round_id)
    stmt = scoped(select(Tube).where(Tube.round_id == rnd.id), actor, Tube.jurisdiction_code)
    if outcome:
        stmt = stmt.where(Tube.outcome == outcome)
    if status:
        stmt = stmt.where(Tube.status == status)
    return keyset_page(session, stmt, Tube.id, limit=limit, cursor=cursor)


def _open_round(session: Session, actor: Actor, round_id: int) -> Round:
    rnd = get_round(session=session, actor=actor, round_id=round_id, action="screening.sample")
    if rnd.status != "open":
        raise Conflict(f"round {rnd.number} is closed: no more samples", field="round_id")
    return rnd


def _new_tube(session: Session, actor: Actor, rnd: Round, *, code: str, kind: str, site: Site | None,
              area: Area | None, pool_size: int | None, holder: str) -> Tube:
    """A new open tube of the round; its pool size is fixed here, from the area's mode unless given."""
    if session.scalar(select(Tube.id).where(Tube.code == code)):
        raise Conflict(f"tube {code} already exists", field="code")
    found = rules.rules_for(session=session, jurisdiction_code=rnd.jurisdiction_code, at=rnd.starts_at)
    if kind == "recheck":
        if pool_size not in (None, 1):
            raise Invalid("a re-check is a single tube (pool size 1)", field="pool_size")
        size, mode = 1, "single"
    elif pool_size is not None:
        if pool_size != 1 and pool_size not in found.pool_sizes:
            sizes = ", ".join(map(str, (1, *found.pool_sizes)))
            raise Invalid(f"pool size {pool_size} is not validated in profile {found.profile_id}: use {sizes}",
                          field="pool_size")
        size, mode = pool_size, rules.tube_mode(area.mode if area else "pooled", pool_size)
    elif area is not None:
        size, mode = area.pool_size, rules.tube_mode(area.mode, area.pool_size)
    else:
        raise Invalid("no area gives this tube a pool size: give pool_size, or a site inside an area",
                      field="pool_size")
    tube = Tube(code=code, round_id=rnd.id, jurisdiction_code=holder,
                site_id=site.id if site else None, kind=kind, mode=mode, pool_size=size, members=0, status="open",
                outcome="pending", created_by=actor.username)
    session.add(tube)
    session.flush()
    return tube


def _site(session: Session, actor: Actor, rnd: Round, site_id: int | None) -> Site | None:
    if site_id is None:
        return None
    site = get_site(session=session, actor=actor, site_id=site_id)
    if site.campaign_id != rnd.campaign_id or not site.active:
        raise Invalid(f"site {site_id} is not an active site of this campaign", field="site_id")
    return site


def open_tube(*, session: Session, actor: Actor, round_id: int, data: TubeCreate) -> Tube:
    """Open an empty tube at a site (or in the actor's own node inside the campaign)."""
    rnd = _open_round(session, actor, round_id)
    site = _site(session, actor, rnd, data.site_id)
    inside = actor.jurisdiction_code and actor.jurisdiction_code.startswith(subtree_prefix(rnd.jurisdiction_code))
    holder = site.jurisdiction_code if site else (actor.jurisdiction_code if inside else rnd.jurisdiction_code)
    area = area_of(areas_of(session, rnd.campaign_id), holder)
    tube = _new_tube(session, actor, rnd, code=data.code, kind=data.kind, area=area, pool_size=data.pool_size,
                     holder=holder, site=site)
    require(actor, "screening.sample", tube)
    audit.record(session=session, actor=actor, action="screening.tube_open", resource_type="screening_tube",
                 resource_id=tube.id, jurisdiction_code=tube.jurisdiction_code,
                 detail=f"{tube.code}: {tube.mode}, pool size {tube.pool_size}")
    return tube


def send_tube(*, session: Session, actor: Actor, tube_id: int, lab_id: str | None = None,
              now: datetime | None = None) -> Tube:
    """Seal the tube and hand it to the lab: no swab is added afterwards."""
    tube = get_tube(session=session, actor=actor, tube_id=tube_id, action="screening.sample")
    if tube.status == "sent":
        raise Conflict(f"tube {tube.code} was already sent to the lab at {tube.sent_at:%Y-%m-%d %H:%M}Z",
                       field="status")
    if tube.members == 0:
        raise Invalid(f"tube {tube.code} holds no swab", field="tube_id")
    tube.status, tube.sent_at, tube.lab_id = "sent", now or utcnow(), lab_id or tube.lab_id
    audit.record(session=session, actor=actor, action="screening.tube_send", resource_type="screening_tube",
                 resource_id=tube.id, jurisdiction_code=tube.jurisdiction_code, detail=f"{tube.code} → {lab_id or '-'}")
    return tube


def _counted(session: Session, rnd: Round, person_id: int, kind: str) -> tuple[Sample, Tube] | None:
    """The person's sample of this kind that counts in the round (the latest), with its tube."""
    row = session.execute(select(Sample, Tube).join(Tube, Tube.id == Sample.tube_id).where(
        Sample.round_id == rnd.id, Sample.person_id == person_id, Sample.kind == kind,
        Sample.replaced_by_id.is_(None))).first()
    return (row[0], row[1]) if row else None


def _check_repeat(session: Session, rnd: Round, person: Person, data: SampleCreate) -> Sample | None:
    """The earlier sample this one replaces, or None; Conflict when a repeat has no reason."""
    earlier = _counted(session, rnd, person.id, data.kind)
    if data.kind == "recheck" and not session.scalar(select(Isolation.id).where(
            Isolation.round_id == rnd.id, Isolation.person_id == person.id, Isolation.status == "isolated")):
        raise Conflict(f"person {person.id} is not awaiting a single-tube re-check in round {rnd.number}",
                       field="kind")
    if earlier is None:
        return None
    sample, tube = earlier
    if tube.code == data.tube_code:
        raise Conflict(f"person {person.id} is already in tube {tube.code}", field="tube_code")
    if data.kind == "recheck" and tube.outcome == "indeterminate":
        return sample  # an indeterminate re-check is sampled again: that is its reason
    if not data.repeat_reason:
        raise Conflict(f"person {person.id} was already sampled in round {rnd.number} (tube {tube.code}); "
                       "a swab never moves to another tube, and a second sample needs a reason",
                       field="repeat_reason")
    return sample


def _tube_for(session: Session, actor: Actor, rnd: Round, person: Person, data: SampleCreate,
              site: Site | None) -> tuple[Tube, bool]:
    """The open tube the swab goes into (or a new one), checked against the pooling rules."""
    tube = session.scalar(select(Tube).where(Tube.code == data.tube_code))
    if tube is None:
        area = area_of(areas_of(session, rnd.campaign_id), site.jurisdiction_code if site else person.jurisdiction_code)
        if area is None and site is None and data.kind != "recheck":
            raise Invalid(f"person {person.id} lives outside the campaign's areas: give a site or an open tube",
                          field="tube_code")
        holder = site.jurisdiction_code if site else person.jurisdiction_code
        return _new_tube(session, actor, rnd, code=data.tube_code, kind=data.kind, site=site, area=area,
                         pool_size=None, holder=holder), True
    require(actor, "screening.sample", tube)
    if tube.round_id != rnd.id:
        raise Conflict(f"tube {tube.code} belongs to another round", field="tube_code")
    if tube.kind != data.kind:
        raise Conflict(f"tube {tube.code} is a {tube.kind} tube, not a {data.kind} one", field="tube_code")
    if tube.status == "sent":
        raise Conflict(f"tube {tube.code} was sent to the lab and is sealed; use a new tube", field="tube_code")
    if tube.members >= tube.pool_size:
        raise Conflict(f"tube {tube.code} is full: {tube.members} of {tube.pool_size} swabs", field="tube_code")
    if tube.mode == "household" and tube.members:
        first = session.scalar(select(Person.address).join(Sample, Sample.person_id == Person.id)
                               .where(Sample.tube_id == tube.id).order_by(Sample.id).limit(1))
        if first and (person.address or "") != first:
            raise Conflict(f"tube {tube.code} holds one household; person {person.id} lives at another address",
                           field="tube_code")
    return tube, False


def _collected_at(rnd: Round, value: datetime | None, now: datetime) -> datetime:
    moment = (value or now).astimezone(timezone.utc)
    if moment < rnd.starts_at:
        raise Invalid(f"collected before round {rnd.number} started ({rnd.starts_at:%Y-%m-%d %H:%M}Z)",
                      field="collected_at")
    if moment > now + CLOCK_SKEW:
        raise Invalid("the collection time is in the future", field="collected_at")
    return moment


def _lift_exemption(session: Session, rnd: Round, person: Person, now: datetime) -> None:
    row = session.scalar(select(Exemption).where(Exemption.round_id == rnd.id, Exemption.person_id == person.id,
                                                 Exemption.lifted_at.is_(None)))
    if row is not None:
        row.lifted_at = now
        progress.bump(session, round_id=rnd.id, code=row.jurisdiction_code, exempt=-1)


def add_sample(session: Session, actor: Actor, rnd: Round, data: SampleCreate, now: datetime) -> tuple[Sample, bool]:
    """One swab into a tube under every rule; (the sample, whether a new tube was opened). Not audited."""
    person = people.get(session=session, actor=actor, person_id=data.person_id, audit_read=False)
    require(actor, "screening.sample", person)
    if person.merged_into_id:
        raise Conflict(f"person {person.id} was merged into {person.merged_into_id}", field="person_id")
    collected = _collected_at(rnd, data.collected_at, now)
    earlier = _check_repeat(session, rnd, person, data)
    tube, opened = _tube_for(session, actor, rnd, person, data, _site(session, actor, rnd, data.site_id))
    sample = Sample(round_id=rnd.id, person_id=person.id, tube_id=tube.id, site_id=data.site_id or tube.site_id,
                    jurisdiction_code=person.jurisdiction_code, kind=data.kind, collected_at=collected,
                    collector=data.collector or actor.username, repeat_reason=data.repeat_reason, status="pending",
                    created_by=actor.username)
    session.add(sample)
    session.flush()
    tube.members += 1
    tube.first_collected_at = min(filter(None, (tube.first_collected_at, collected)))
    if earlier is not None:
        earlier.replaced_by_id = sample.id
    elif data.kind == "screening":
        _lift_exemption(session, rnd, person, now)
        progress.bump(session, round_id=rnd.id, code=person.jurisdiction_code, sampled=1)
    session.flush()
    return sample, opened


def record_sample(*, session: Session, actor: Actor, round_id: int, data: SampleCreate,
                  now: datetime | None = None) -> Sample:
    rnd = _open_round(session, actor, round_id)
    sample, _ = add_sample(session, actor, rnd, data, now or utcnow())
    tube = session.get(Tube, sample.tube_id)
    repeat = f" (repeat: {data.repeat_reason})" if data.repeat_reason else ""
    audit.record(session=session, actor=actor, action="screening.sample", resource_type="person",
                 resource_id=sample.person_id, jurisdiction_code=sample.jurisdiction_code,
                 detail=f"round {rnd.id}, tube {tube.code}{repeat}")
    return sample


def record_many(*, session: Session, actor: Actor, round_id: int, items: list[SampleCreate],
                now: datetime | None = None) -> tuple[int, int]:
    """Several samples, all or nothing: every refused item is listed (row = its 1-based position), and the
    caller's unit of work rolls back the others."""
    rnd = _open_round(session, actor, round_id)
    now = now or utcnow()
    errors: list[RowError] = []
    opened = 0
    for index, item in enumerate(items, start=1):
        try:  # add_sample writes nothing until every check of the item has passed
            _, new_tube = add_sample(session, actor, rnd, item, now)
            opened += new_tube
        except DomainError as exc:
            errors.append(RowError(index, exc.field, exc.message))
    if errors:
        raise ImportRejected("samples", errors)
    audit.record(session=session, actor=actor, action="screening.sample_bulk", resource_type="screening_round",
                 resource_id=rnd.id, jurisdiction_code=actor.jurisdiction_code,
                 detail=f"{len(items)} samples, {opened} tubes opened")
    return len(items), opened
