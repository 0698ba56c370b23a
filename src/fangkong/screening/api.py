"""JSON routes of area-wide screening under /api/v1/screening; thin over the services."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Body, File, Query, Response, UploadFile

from fangkong.deps import ApiActor, SessionDep, SettingsDep
from fangkong.kit.files import copy_limited
from fangkong.response.attachments import clean_name
from fangkong.screening import coverage, results, resolution, sampling, service
from fangkong.screening.models import Tube
from fangkong.screening.schemas import (
    AreaRead, CampaignCreate, CampaignListItem, CampaignPage, CampaignRead, CampaignUpdate, CoverageRead,
    ExemptionCreate, ExemptionPage, ExemptionRead, IsolationPage, PositivePoolPage, ResolutionRead, RoundCreate,
    RoundRead, SampleBulk, SampleBulkResult, SampleCreate, SampleRead, SiteCreate, SitePage, SiteRead, SiteUpdate,
    TubeCreate, TubePage, TubeRead, TubeSend, UntestedPage, UploadReport,
)

router = APIRouter(prefix="/screening", tags=["screening"])
Limit = Query(50, ge=1, le=1000)


def _campaign(session, actor, campaign_id: int) -> CampaignRead:
    campaign = service.get_campaign(session=session, actor=actor, campaign_id=campaign_id)
    return CampaignRead(
        **CampaignListItem.model_validate(campaign, from_attributes=True).model_dump(), notes=campaign.notes,
        version=campaign.version,
        areas=[AreaRead.model_validate(a, from_attributes=True) for a in service.areas_of(session, campaign.id)],
        rounds=[RoundRead.model_validate(r, from_attributes=True) for r in service.rounds_of(session, campaign.id)],
        plan=service.campaign_plan(session=session, actor=actor, campaign_id=campaign.id))


def _sample(session, sample) -> SampleRead:
    fields = {name: getattr(sample, name) for name in SampleRead.model_fields if name != "tube_code"}
    return SampleRead(**fields, tube_code=session.get(Tube, sample.tube_id).code)


@router.get("/plan")
def plan(session: SessionDep, actor: ApiActor, jurisdiction_code: str | None = None,
         population: int | None = Query(None, ge=0), pool_size: int = Query(10, ge=1, le=20),
         prevalence: float = Query(0.001, ge=0, lt=1), round_hours: float | None = Query(None, gt=0)) -> dict:
    """The planning calculator: sites, samplers, swabs, tubes, lab work and Dorfman's expected tests.

    Values from the profile of `jurisdiction_code` (default the caller's node); `population` defaults
    to its registered residents."""
    return service.plan_at(session=session, actor=actor, jurisdiction_code=jurisdiction_code, population=population,
                           pool_size=pool_size, prevalence=prevalence, round_hours=round_hours)


@router.get("/campaigns", response_model=CampaignPage)
def list_campaigns(session: SessionDep, actor: ApiActor, settings: SettingsDep, status: str | None = None,
                   limit: int = Limit, cursor: str | None = None) -> CampaignPage:
    """Campaigns in the caller's jurisdiction, and those whose areas cover it; newest first."""
    items, nxt = service.list_campaigns(session=session, actor=actor, status=status,
                                        limit=min(limit, settings.page_size_max), cursor=cursor)
    return CampaignPage(items=[CampaignListItem.model_validate(c, from_attributes=True) for c in items], next=nxt)


@router.post("/campaigns", response_model=CampaignRead, status_code=201)
def create_campaign(data: CampaignCreate, session: SessionDep, actor: ApiActor) -> CampaignRead:
    campaign = service.create_campaign(session=session, actor=actor, data=data)
    return _campaign(session, actor, campaign.id)


@router.get("/campaigns/{campaign_id}", response_model=CampaignRead)
def get_campaign(campaign_id: int, session: SessionDep, actor: ApiActor) -> CampaignRead:
    """The campaign with its areas, rounds and the planning calculator for its residents."""
    return _campaign(session, actor, campaign_id)


@router.patch("/campaigns/{campaign_id}", response_model=CampaignRead)
def update_campaign(campaign_id: int, data: CampaignUpdate, session: SessionDep, actor: ApiActor) -> CampaignRead:
    service.update_campaign(session=session, actor=actor, campaign_id=campaign_id, data=data)
    return _campaign(session, actor, campaign_id)


@router.delete("/campaigns/{campaign_id}", status_code=204, response_class=Response)
def delete_campaign(campaign_id: int, session: SessionDep, actor: ApiActor) -> Response:
    """Delete a campaign that has no rounds yet."""
    service.delete_campaign(session=session, actor=actor, campaign_id=campaign_id)
    return Response(status_code=204)


@router.get("/campaigns/{campaign_id}/plan")
def campaign_plan(campaign_id: int, session: SessionDep, actor: ApiActor,
                  prevalence: float | None = Query(None, ge=0, lt=1),
                  round_hours: float | None = Query(None, gt=0)) -> dict:
    """The planning calculator per area and in total (prevalence default: the campaign's assumption)."""
    return service.campaign_plan(session=session, actor=actor, campaign_id=campaign_id, prevalence=prevalence,
                                 round_hours=round_hours)


@router.get("/campaigns/{campaign_id}/sites", response_model=SitePage)
def list_sites(campaign_id: int, session: SessionDep, actor: ApiActor, limit: int = Query(200, ge=1, le=1000),
               cursor: str | None = None) -> SitePage:
    items, nxt = service.list_sites(session=session, actor=actor, campaign_id=campaign_id, limit=limit, cursor=cursor)
    return SitePage(items=[SiteRead.model_validate(s, from_attributes=True) for s in items], next=nxt)


@router.post("/campaigns/{campaign_id}/sites", response_model=SiteRead, status_code=201)
def create_site(campaign_id: int, data: SiteCreate, session: SessionDep, actor: ApiActor) -> SiteRead:
    site = service.create_site(session=session, actor=actor, campaign_id=campaign_id, data=data)
    return SiteRead.model_validate(site, from_attributes=True)


@router.patch("/sites/{site_id}", response_model=SiteRead)
def update_site(site_id: int, data: SiteUpdate, session: SessionDep, actor: ApiActor) -> SiteRead:
    return SiteRead.model_validate(service.update_site(session=session, actor=actor, site_id=site_id, data=data),
                                   from_attributes=True)


@router.post("/campaigns/{campaign_id}/rounds", response_model=RoundRead, status_code=201)
def launch_round(campaign_id: int, data: RoundCreate, session: SessionDep, actor: ApiActor) -> RoundRead:
    """Launch a round: deadline from the profile (24 h), Ct threshold fixed, roster counted per grid."""
    rnd = service.launch_round(session=session, actor=actor, campaign_id=campaign_id, data=data)
    return RoundRead.model_validate(rnd, from_attributes=True)


@router.get("/rounds/{round_id}", response_model=RoundRead)
def get_round(round_id: int, session: SessionDep, actor: ApiActor) -> RoundRead:
    return RoundRead.model_validate(service.get_round(session=session, actor=actor, round_id=round_id),
                                    from_attributes=True)


@router.post("/rounds/{round_id}/close", response_model=RoundRead)
def close_round(round_id: int, session: SessionDep, actor: ApiActor) -> RoundRead:
    """No more samples in the round; results may still arrive."""
    return RoundRead.model_validate(service.close_round(session=session, actor=actor, round_id=round_id),
                                    from_attributes=True)


@router.get("/rounds/{round_id}/exemptions", response_model=ExemptionPage)
def list_exemptions(round_id: int, session: SessionDep, actor: ApiActor, limit: int = Limit,
                    cursor: str | None = None) -> ExemptionPage:
    items, nxt = service.list_exemptions(session=session, actor=actor, round_id=round_id, limit=limit, cursor=cursor)
    return ExemptionPage(items=[ExemptionRead.model_validate(e, from_attributes=True) for e in items], next=nxt)


@router.post("/rounds/{round_id}/exemptions", response_model=ExemptionRead, status_code=201)
def exempt(round_id: int, data: ExemptionCreate, session: SessionDep, actor: ApiActor) -> ExemptionRead:
    """Leave a resident out of the round's denominator: in quarantine, hospitalised, away, other."""
    return ExemptionRead.model_validate(service.exempt(session=session, actor=actor, round_id=round_id, data=data),
                                        from_attributes=True)


@router.post("/rounds/{round_id}/samples", response_model=SampleRead, status_code=201)
def record_sample(round_id: int, data: SampleCreate, session: SessionDep, actor: ApiActor) -> SampleRead:
    """One swab into a tube (opened on first use with the area's pool size); the pooling rules apply."""
    return _sample(session, sampling.record_sample(session=session, actor=actor, round_id=round_id, data=data))


@router.post("/rounds/{round_id}/samples/bulk", response_model=SampleBulkResult, status_code=201)
def record_samples(round_id: int, data: SampleBulk, session: SessionDep, actor: ApiActor) -> SampleBulkResult:
    """Many swabs at once, all or nothing: a refused item lists its position as `row`."""
    created, opened = sampling.record_many(session=session, actor=actor, round_id=round_id, items=data.items)
    return SampleBulkResult(created=created, tubes_opened=opened)


@router.get("/rounds/{round_id}/tubes", response_model=TubePage)
def list_tubes(round_id: int, session: SessionDep, actor: ApiActor, settings: SettingsDep,
               outcome: Literal["pending", "negative", "positive", "indeterminate"] | None = None,
               status: Literal["open", "sent"] | None = None, limit: int = Limit,
               cursor: str | None = None) -> TubePage:
    items, nxt = sampling.list_tubes(session=session, actor=actor, round_id=round_id, outcome=outcome, status=status,
                                     limit=min(limit, settings.page_size_max), cursor=cursor)
    return TubePage(items=[TubeRead.model_validate(t, from_attributes=True) for t in items], next=nxt)


@router.post("/rounds/{round_id}/tubes", response_model=TubeRead, status_code=201)
def open_tube(round_id: int, data: TubeCreate, session: SessionDep, actor: ApiActor) -> TubeRead:
    return TubeRead.model_validate(sampling.open_tube(session=session, actor=actor, round_id=round_id, data=data),
                                   from_attributes=True)


@router.get("/tubes/{tube_id}", response_model=TubeRead)
def get_tube(tube_id: int, session: SessionDep, actor: ApiActor) -> TubeRead:
    return TubeRead.model_validate(sampling.get_tube(session=session, actor=actor, tube_id=tube_id),
                                   from_attributes=True)


@router.post("/tubes/{tube_id}/send", response_model=TubeRead)
def send_tube(tube_id: int, data: TubeSend, session: SessionDep, actor: ApiActor) -> TubeRead:
    """Seal the tube and send it to the lab: it takes no more swabs."""
    return TubeRead.model_validate(sampling.send_tube(session=session, actor=actor, tube_id=tube_id,
                                                      lab_id=data.lab_id), from_attributes=True)


@router.post("/results", response_model=UploadReport, status_code=201)
def upload_results(session: SessionDep, actor: ApiActor, settings: SettingsDep,
                   file: UploadFile = File(...)) -> UploadReport:
    """Tube results as CSV/XLSX (tube_id, result, ct_orf1ab, ct_n, lab_id, reported_at) or a .json FHIR
    bundle; all or nothing (422 lists every problem by row and field); the same file again stores nothing."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / clean_name(file.filename or "results.csv")
        copy_limited(file.file, path, settings.attachment_max_bytes)
        return results.upload_file(session=session, actor=actor, path=path)


@router.post("/results/fhir", response_model=UploadReport, status_code=201)
def upload_fhir(session: SessionDep, actor: ApiActor, bundle: dict[str, Any] = Body(...)) -> UploadReport:
    """Tube results as a FHIR R4 Bundle of Observation resources (application/json or application/fhir+json)."""
    raw = json.dumps(bundle, ensure_ascii=False, sort_keys=True).encode()
    return results.upload_fhir(session=session, actor=actor, raw=raw, file_name="bundle.json")


@router.post("/rounds/{round_id}/resolve", response_model=ResolutionRead)
def resolve_round(round_id: int, session: SessionDep, actor: ApiActor) -> ResolutionRead:
    """Resolve the round again over its stored samples and results (uploads resolve it already)."""
    done = resolution.resolve(session=session, actor=actor, round_id=round_id)
    status = coverage.resolution_status(session=session, actor=actor, round_id=round_id)
    return status.model_copy(update=done.as_dict())


@router.get("/rounds/{round_id}/resolution", response_model=ResolutionRead)
def resolution_status(round_id: int, session: SessionDep, actor: ApiActor) -> ResolutionRead:
    """Tubes by outcome, persons by status, isolations, and the engine's summary (turnaround, positivity)."""
    return coverage.resolution_status(session=session, actor=actor, round_id=round_id)


@router.get("/rounds/{round_id}/coverage", response_model=CoverageRead)
def round_coverage(round_id: int, session: SessionDep, actor: ApiActor, jurisdiction_code: str | None = None,
                   level: Literal["district", "street", "community", "grid"] | None = None) -> CoverageRead:
    """Per grid (or rolled up to `level`) in the caller's jurisdiction: roster, exempt, sampled, coverage,
    cleared, re-checks, tubes pending in labs, turnaround within the 6/12/24 h targets, open positive pools.
    Codes join the GeoJSON of /api/v1/jurisdictions/{code}/geojson."""
    return coverage.coverage(session=session, actor=actor, round_id=round_id, jurisdiction_code=jurisdiction_code,
                             level=level)


@router.get("/rounds/{round_id}/untested", response_model=UntestedPage)
def untested(round_id: int, session: SessionDep, actor: ApiActor, settings: SettingsDep,
             jurisdiction_code: str | None = None, unmask: bool = False, limit: int = Limit,
             cursor: str | None = None) -> UntestedPage:
    """Residents not yet sampled and not exempt, for door-to-door follow-up; masked unless `unmask`; audited."""
    items, nxt = coverage.untested(session=session, actor=actor, round_id=round_id, jurisdiction_code=jurisdiction_code,
                                   unmask=unmask, limit=min(limit, settings.page_size_max), cursor=cursor)
    return UntestedPage(items=items, next=nxt)


@router.get("/rounds/{round_id}/positive-pools", response_model=PositivePoolPage)
def positive_pools(round_id: int, session: SessionDep, actor: ApiActor, awaiting: bool = False,
                   limit: int = Limit, cursor: str | None = None) -> PositivePoolPage:
    """Positive and indeterminate tubes with their isolated members; `awaiting` keeps those not all re-checked."""
    items, nxt = coverage.positive_pools(session=session, actor=actor, round_id=round_id, awaiting=awaiting,
                                         limit=limit, cursor=cursor)
    return PositivePoolPage(items=items, next=nxt)


@router.get("/isolations", response_model=IsolationPage)
def list_isolations(session: SessionDep, actor: ApiActor, round_id: int | None = None,
                    status: Literal["isolated", "released", "case"] | None = None, limit: int = Limit,
                    cursor: str | None = None) -> IsolationPage:
    """Temporary isolations of positive-pool members in the caller's jurisdiction, newest first."""
    items, nxt = coverage.list_isolations(session=session, actor=actor, round_id=round_id, status=status,
                                          limit=limit, cursor=cursor)
    return IsolationPage(items=items, next=nxt)
