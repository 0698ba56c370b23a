"""Screening campaigns and rounds: create, change, plan, launch, close; sites; exemptions.

Who sees a campaign: users whose subtree holds the node it was launched at, and users inside one of
its areas (a grid worker sees the city's campaign that covers their community, and only their own
residents in it). Changes need the campaign's node in the user's subtree.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor, in_subtree, require, scoped
from fangkong.db import utcnow
from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.geo import service as geo
from fangkong.geo.levels import subtree_prefix
from fangkong.kit.pagination import keyset_page
from fangkong.people import service as people
from fangkong.people.models import Person
from fangkong.response import bundles
from fangkong.screening import planning, progress, rules
from fangkong.screening.models import Area, Campaign, Exemption, Round, Sample, Site
from fangkong.screening.schemas import (
    AreaIn, CampaignCreate, CampaignUpdate, ExemptionCreate, RoundCreate, SiteCreate, SiteUpdate,
)

ROUND_BUNDLE = "area_screening_round"  # the profile's SLA bundle started by a launched round


# --- visibility ------------------------------------------------------------------------------------

def _ancestor_codes(session: Session, actor: Actor) -> list[str]:
    if not actor.jurisdiction_code:
        return []
    return [n.code for n in geo.ancestors(session=session, code=actor.jurisdiction_code)]


def visible(session: Session, actor: Actor) -> ColumnElement[bool]:
    """Campaigns launched in the actor's subtree, or with an area in it or above the actor's node."""
    areas = select(Area.campaign_id).where(or_(in_subtree(Area.jurisdiction_code, actor.scope_prefix),
                                               Area.jurisdiction_code.in_(_ancestor_codes(session, actor))))
    return or_(in_subtree(Campaign.jurisdiction_code, actor.scope_prefix), Campaign.id.in_(areas))


def get_campaign(*, session: Session, actor: Actor, campaign_id: int, action: str = "screening.read") -> Campaign:
    """A campaign the actor may see (read) or change (any other action: its node in their subtree)."""
    require(actor, action)
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"no screening campaign {campaign_id}")
    if action != "screening.read":
        require(actor, action, campaign)
    elif not session.scalar(select(Campaign.id).where(Campaign.id == campaign.id, visible(session, actor))):
        raise NotFound(f"no screening campaign {campaign_id}")
    return campaign


def get_round(*, session: Session, actor: Actor, round_id: int, action: str = "screening.read") -> Round:
    """A round of a campaign the actor may see (sample, results: the action granted; they check their own
    records) or change (any other action: the campaign's node in their subtree)."""
    rnd = session.get(Round, round_id)
    if rnd is None:
        raise NotFound(f"no screening round {round_id}")
    get_campaign(session=session, actor=actor, campaign_id=rnd.campaign_id,
                 action="screening.read" if action in ("screening.sample", "screening.results") else action)
    require(actor, action)
    return rnd


def areas_of(session: Session, campaign_id: int) -> list[Area]:
    return list(session.scalars(select(Area).where(Area.campaign_id == campaign_id).order_by(Area.jurisdiction_code)))


def area_of(areas: list[Area], code: str) -> Area | None:
    """The area a node lies in (areas never overlap)."""
    return next((a for a in areas if code.startswith(subtree_prefix(a.jurisdiction_code))), None)


def rounds_of(session: Session, campaign_id: int) -> list[Round]:
    return list(session.scalars(select(Round).where(Round.campaign_id == campaign_id).order_by(Round.number)))


# --- campaigns -------------------------------------------------------------------------------------

def _areas(session: Session, actor: Actor, campaign_code: str, items: list[AreaIn]) -> list[Area]:
    """Checked areas: inside the campaign's node, in the actor's subtree, not overlapping, with a valid mode."""
    found = rules.rules_for(session=session, jurisdiction_code=campaign_code)
    areas: list[Area] = []
    for item in items:
        geo.get_in_scope(session=session, actor=actor, code=item.jurisdiction_code)
        if not item.jurisdiction_code.startswith(subtree_prefix(campaign_code)):
            raise Invalid(f"area {item.jurisdiction_code} is outside the campaign's node {campaign_code}",
                          field="areas")
        clash = area_of(areas, item.jurisdiction_code) or next(
            (a for a in areas if a.jurisdiction_code.startswith(subtree_prefix(item.jurisdiction_code))), None)
        if clash is not None:
            raise Invalid(f"areas {clash.jurisdiction_code} and {item.jurisdiction_code} overlap", field="areas")
        size = rules.pool_size_for(found, mode=item.mode, pool_size=item.pool_size, risk_level=item.risk_level)
        areas.append(Area(jurisdiction_code=item.jurisdiction_code, mode=item.mode, pool_size=size,
                          risk_level=item.risk_level if item.mode == "by_risk" else None))
    return areas


def _area_log(areas: list[Area]) -> list[str]:
    return [f"{a.jurisdiction_code}:{a.mode}:{a.pool_size}" for a in areas]


def create_campaign(*, session: Session, actor: Actor, data: CampaignCreate) -> Campaign:
    require(actor, "screening.manage", geo.get_in_scope(session=session, actor=actor, code=data.jurisdiction_code))
    areas = _areas(session, actor, data.jurisdiction_code, data.areas)
    campaign = Campaign(name=data.name, jurisdiction_code=data.jurisdiction_code, status="planned",
                        assumed_prevalence=data.assumed_prevalence, notes=data.notes, created_by=actor.username)
    session.add(campaign)
    session.flush()
    for area in areas:
        area.campaign_id = campaign.id
    session.add_all(areas)
    session.flush()
    audit.record(session=session, actor=actor, action="screening.campaign_create", resource_type="screening_campaign",
                 resource_id=campaign.id, jurisdiction_code=campaign.jurisdiction_code,
                 changes=audit.diff({}, {"name": campaign.name, "areas": _area_log(areas)}))
    return campaign


def update_campaign(*, session: Session, actor: Actor, campaign_id: int, data: CampaignUpdate) -> Campaign:
    campaign = get_campaign(session=session, actor=actor, campaign_id=campaign_id, action="screening.manage")
    if data.version is not None and data.version != campaign.version:
        raise Conflict("this campaign was changed by someone else; reload it", field="version")
    changes = data.model_dump(exclude_unset=True, exclude={"version", "areas"})
    old = {k: getattr(campaign, k) for k in changes}
    delta = audit.diff(old, changes)
    if data.areas is not None:
        if rounds_of(session, campaign.id):
            raise Conflict("the areas of a campaign are fixed once a round was launched", field="areas")
        new_areas = _areas(session, actor, campaign.jurisdiction_code, data.areas)
        delta["areas"] = [_area_log(areas_of(session, campaign.id)), _area_log(new_areas)]
        for area in areas_of(session, campaign.id):
            session.delete(area)
        session.flush()
        for area in new_areas:
            area.campaign_id = campaign.id
        session.add_all(new_areas)
    if not delta:
        return campaign
    for key in changes:
        setattr(campaign, key, changes[key])
    campaign.version += 1
    session.flush()
    audit.record(session=session, actor=actor, action="screening.campaign_update", resource_type="screening_campaign",
                 resource_id=campaign.id, jurisdiction_code=campaign.jurisdiction_code, changes=delta)
    return campaign


def delete_campaign(*, session: Session, actor: Actor, campaign_id: int) -> None:
    """Only a campaign without rounds can be deleted; close the others."""
    campaign = get_campaign(session=session, actor=actor, campaign_id=campaign_id, action="screening.manage")
    if rounds_of(session, campaign.id):
        raise Conflict("a campaign with rounds cannot be deleted; close it instead", field="status")
    for row in [*areas_of(session, campaign.id), *session.scalars(select(Site).where(Site.campaign_id == campaign.id))]:
        session.delete(row)
    session.delete(campaign)
    session.flush()
    audit.record(session=session, actor=actor, action="screening.campaign_delete", resource_type="screening_campaign",
                 resource_id=campaign_id, jurisdiction_code=campaign.jurisdiction_code, detail=campaign.name)


def list_campaigns(*, session: Session, actor: Actor, status: str | None = None, limit: int = 50,
                   cursor: str | None = None) -> tuple[list[Campaign], str | None]:
    require(actor, "screening.read")
    stmt = select(Campaign).where(visible(session, actor))
    if status:
        stmt = stmt.where(Campaign.status == status)
    return keyset_page(session, stmt, Campaign.id, limit=limit, cursor=cursor)


# --- planning --------------------------------------------------------------------------------------

def residents(session: Session, code: str) -> int:
    """Live residents registered in the node's subtree."""
    return session.scalar(select(func.count()).select_from(Person).where(
        in_subtree(Person.jurisdiction_code, subtree_prefix(code)), Person.merged_into_id.is_(None))) or 0


def plan_for(found: rules.ScreeningRules, *, population: int, pool_size: int, prevalence: float,
             round_hours: float | None = None) -> planning.Plan:
    """The calculator with the profile's site, staff and round-length values."""
    return planning.plan(population=population, pool_size=pool_size, prevalence=prevalence,
                         round_hours=round_hours or found.round_hours, people_per_site_min=found.people_per_site_min,
                         people_per_site_max=found.people_per_site_max, people_per_sampler=found.people_per_sampler)


def plan_at(*, session: Session, actor: Actor, jurisdiction_code: str | None, population: int | None,
            pool_size: int, prevalence: float, round_hours: float | None = None) -> dict:
    """The calculator with the profile of a node (default the actor's); population default its residents."""
    require(actor, "screening.read")
    code = jurisdiction_code or actor.jurisdiction_code
    geo.get_in_scope(session=session, actor=actor, code=code)
    found = rules.rules_for(session=session, jurisdiction_code=code)
    people_count = residents(session, code) if population is None else population
    result = plan_for(found, population=people_count, pool_size=pool_size, prevalence=prevalence,
                      round_hours=round_hours)
    return {"jurisdiction_code": code, "profile_id": found.profile_id, **result.as_dict()}


def campaign_plan(*, session: Session, actor: Actor, campaign_id: int, prevalence: float | None = None,
                  round_hours: float | None = None) -> dict:
    """The calculator for each area (its residents, its pool size) and the totals."""
    campaign = get_campaign(session=session, actor=actor, campaign_id=campaign_id)
    found = rules.rules_for(session=session, jurisdiction_code=campaign.jurisdiction_code)
    p = campaign.assumed_prevalence if prevalence is None else prevalence
    plans = [(a, plan_for(found, population=residents(session, a.jurisdiction_code), pool_size=a.pool_size,
                          prevalence=p, round_hours=round_hours)) for a in areas_of(session, campaign.id)]
    return {"profile_id": found.profile_id, "prevalence": p, "round_hours": round_hours or found.round_hours,
            "areas": [{"jurisdiction_code": a.jurisdiction_code, "mode": a.mode, **pl.as_dict()} for a, pl in plans],
            "total": planning.total([pl for _, pl in plans])}


# --- rounds ----------------------------------------------------------------------------------------

def launch_round(*, session: Session, actor: Actor, campaign_id: int, data: RoundCreate,
                 now: datetime | None = None) -> Round:
    """A new round: the deadline, Ct threshold and profile of its start, and the roster at launch."""
    campaign = get_campaign(session=session, actor=actor, campaign_id=campaign_id, action="screening.manage")
    if campaign.status == "closed":
        raise Conflict("the campaign is closed", field="status")
    starts = (data.starts_at or now or utcnow()).astimezone(timezone.utc)
    found = rules.rules_for(session=session, jurisdiction_code=campaign.jurisdiction_code, at=starts)
    number = (session.scalar(select(func.max(Round.number)).where(Round.campaign_id == campaign.id)) or 0) + 1
    rnd = Round(campaign_id=campaign.id, number=number, jurisdiction_code=campaign.jurisdiction_code, status="open",
                starts_at=starts, deadline_at=starts + timedelta(hours=data.hours or found.round_hours),
                ct_threshold=found.ct_threshold, profile_id=found.profile_id, created_by=actor.username)
    session.add(rnd)
    session.flush()
    roster = progress.snapshot(session, round_id=rnd.id, area_codes=[a.jurisdiction_code for a in areas_of(
        session, campaign.id)])
    campaign.status = "active"
    audit.record(session=session, actor=actor, action="screening.round_launch", resource_type="screening_round",
                 resource_id=rnd.id, jurisdiction_code=rnd.jurisdiction_code,
                 detail=f"campaign {campaign.id} round {number}: {roster} residents, "
                        f"deadline {rnd.deadline_at:%Y-%m-%d %H:%M}Z, Ct < {rnd.ct_threshold:g} ({rnd.profile_id})")
    _round_tasks(session, actor, rnd)
    return rnd


def _round_tasks(session: Session, actor: Actor, rnd: Round) -> None:
    """The profile's round bundle (sampling of the delineated area done in 24 h), if it has one."""
    try:
        bundle, profile_id = bundles.profile_bundle(session=session, jurisdiction_code=rnd.jurisdiction_code,
                                                    bundle_id=ROUND_BUNDLE, at=rnd.starts_at)
    except NotFound:
        return
    bundles.apply_bundle(session=session, actor=actor, subject_type="screening_round", subject_id=rnd.id,
                         jurisdiction_code=rnd.jurisdiction_code, bundle_id=ROUND_BUNDLE, start_at=rnd.starts_at,
                         rule="screening_round", bundle=bundle, profile_id=profile_id)


def close_round(*, session: Session, actor: Actor, round_id: int, now: datetime | None = None) -> Round:
    """No more samples; results may still arrive and be resolved."""
    rnd = get_round(session=session, actor=actor, round_id=round_id, action="screening.manage")
    if rnd.status == "closed":
        raise Conflict(f"round {rnd.number} is already closed", field="status")
    rnd.status, rnd.closed_at = "closed", now or utcnow()
    rnd.version += 1
    audit.record(session=session, actor=actor, action="screening.round_close", resource_type="screening_round",
                 resource_id=rnd.id, jurisdiction_code=rnd.jurisdiction_code)
    return rnd


# --- sites -----------------------------------------------------------------------------------------

def create_site(*, session: Session, actor: Actor, campaign_id: int, data: SiteCreate) -> Site:
    campaign = get_campaign(session=session, actor=actor, campaign_id=campaign_id, action="screening.manage")
    node = geo.get_in_scope(session=session, actor=actor, code=data.jurisdiction_code)
    if not node.code.startswith(subtree_prefix(campaign.jurisdiction_code)):
        raise Invalid(f"{node.code} is outside the campaign's node {campaign.jurisdiction_code}",
                      field="jurisdiction_code")
    if session.scalar(select(Site.id).where(Site.campaign_id == campaign.id, Site.name == data.name)):
        raise Conflict(f"the campaign already has a site named {data.name}", field="name")
    site = Site(campaign_id=campaign.id, **data.model_dump())
    session.add(site)
    session.flush()
    audit.record(session=session, actor=actor, action="screening.site_create", resource_type="screening_site",
                 resource_id=site.id, jurisdiction_code=site.jurisdiction_code,
                 changes=audit.diff({}, data.model_dump()))
    return site


def fetch(session: Session, actor: Actor, model: type, key: int, action: str, noun: str):
    """A site, tube… by id, in the actor's subtree and with the action granted (else not found / forbidden)."""
    row = session.get(model, key)
    if row is None:
        raise NotFound(f"no {noun} {key}")
    require(actor, action, row)
    return row


def get_site(*, session: Session, actor: Actor, site_id: int, action: str = "screening.read") -> Site:
    return fetch(session, actor, Site, site_id, action, "sampling site")


def update_site(*, session: Session, actor: Actor, site_id: int, data: SiteUpdate) -> Site:
    site = get_site(session=session, actor=actor, site_id=site_id, action="screening.manage")
    changes = data.model_dump(exclude_unset=True)
    delta = audit.diff({k: getattr(site, k) for k in changes}, changes)
    for key in delta:
        setattr(site, key, changes[key])
    if delta:
        audit.record(session=session, actor=actor, action="screening.site_update", resource_type="screening_site",
                     resource_id=site.id, jurisdiction_code=site.jurisdiction_code, changes=delta)
    return site


def list_sites(*, session: Session, actor: Actor, campaign_id: int, limit: int = 200,
               cursor: str | None = None) -> tuple[list[Site], str | None]:
    """The campaign's sites in the actor's subtree."""
    campaign = get_campaign(session=session, actor=actor, campaign_id=campaign_id)
    stmt = scoped(select(Site).where(Site.campaign_id == campaign.id), actor, Site.jurisdiction_code)
    return keyset_page(session, stmt, Site.id, limit=limit, cursor=cursor)


# --- exemptions ------------------------------------------------------------------------------------

def exempt(*, session: Session, actor: Actor, round_id: int, data: ExemptionCreate) -> Exemption:
    """Leave a resident of the round's areas out of its denominator, with the reason."""
    rnd = get_round(session=session, actor=actor, round_id=round_id, action="screening.sample")
    person = people.get(session=session, actor=actor, person_id=data.person_id, audit_read=False)
    require(actor, "screening.sample", person)
    if area_of(areas_of(session, rnd.campaign_id), person.jurisdiction_code) is None:
        raise Invalid(f"person {person.id} lives outside the campaign's areas", field="person_id")
    if session.scalar(select(Sample.id).where(Sample.round_id == rnd.id, Sample.person_id == person.id).limit(1)):
        raise Conflict(f"person {person.id} was already sampled in round {rnd.number}", field="person_id")
    if session.scalar(select(Exemption.id).where(Exemption.round_id == rnd.id, Exemption.person_id == person.id)):
        raise Conflict(f"person {person.id} is already exempt from round {rnd.number}", field="person_id")
    row = Exemption(round_id=rnd.id, person_id=person.id, jurisdiction_code=person.jurisdiction_code,
                    reason=data.reason, note=data.note, created_by=actor.username)
    session.add(row)
    progress.bump(session, round_id=rnd.id, code=person.jurisdiction_code, exempt=1)
    session.flush()
    audit.record(session=session, actor=actor, action="screening.exempt", resource_type="person", resource_id=person.id,
                 jurisdiction_code=person.jurisdiction_code,
                 detail=f"round {rnd.id}: {data.reason} {data.note}".strip())
    return row


def list_exemptions(*, session: Session, actor: Actor, round_id: int, limit: int = 50,
                    cursor: str | None = None) -> tuple[list[Exemption], str | None]:
    rnd = get_round(session=session, actor=actor, round_id=round_id)
    require(actor, "person.read")
    stmt = scoped(select(Exemption).where(Exemption.round_id == rnd.id), actor, Exemption.jurisdiction_code)
    rows, nxt = keyset_page(session, stmt, Exemption.id, limit=limit, cursor=cursor)
    audit.record(session=session, actor=actor, action="screening.exemptions_read", resource_type="screening_round",
                 resource_id=rnd.id, jurisdiction_code=actor.jurisdiction_code, detail=f"{len(rows)} rows")
    return rows, nxt
