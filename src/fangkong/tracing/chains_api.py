"""/api/v1/tracing: transmission links, chains, the chain graph and timeline, serial intervals, secondary
attack rates and clusters; thin over fangkong.tracing.chains and fangkong.tracing.clusters."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Query, Response

from fangkong.deps import ApiActor, SessionDep, SettingsDep
from fangkong.tracing import chains, clusters
from fangkong.tracing.chains_schemas import (
    AttackRates, ChainPage, ChainSummary, Certainty, ClusterCases, ClusterCreate, ClusterKind, ClusterPage,
    ClusterRead, ClusterStatus, ClusterStatusChange, ClusterUpdate, DetectResult, Graph, LinkCreate, LinkPage,
    LinkRead, LinkUpdate, SerialIntervals, TimelinePage,
)
from fangkong.tracing.schemas import Category

router = APIRouter(prefix="/tracing", tags=["tracing: chains and clusters"])


# --- links -------------------------------------------------------------------------------------

@router.get("/links", response_model=LinkPage)
def list_links(session: SessionDep, actor: ApiActor, settings: SettingsDep, case_id: int | None = None,
               limit: int = Query(50, ge=1, le=1000), cursor: str | None = None) -> LinkPage:
    """Links whose two cases lie in the caller's jurisdiction, newest first."""
    items, nxt = chains.list_links(session=session, actor=actor, case_id=case_id,
                                   limit=min(limit, settings.page_size_max), cursor=cursor)
    return LinkPage(items=items, next=nxt)


@router.post("/links", response_model=LinkRead, status_code=201)
def create_link(data: LinkCreate, session: SessionDep, actor: ApiActor) -> LinkRead:
    return LinkRead.model_validate(chains.create_link(session=session, actor=actor, data=data))


@router.get("/links/{link_id}", response_model=LinkRead)
def get_link(link_id: int, session: SessionDep, actor: ApiActor) -> LinkRead:
    return LinkRead.model_validate(chains.get_link(session=session, actor=actor, link_id=link_id))


@router.patch("/links/{link_id}", response_model=LinkRead)
def update_link(link_id: int, data: LinkUpdate, session: SessionDep, actor: ApiActor) -> LinkRead:
    return LinkRead.model_validate(chains.update_link(session=session, actor=actor, link_id=link_id, data=data))


@router.delete("/links/{link_id}", status_code=204, response_class=Response)
def delete_link(link_id: int, session: SessionDep, actor: ApiActor) -> Response:
    chains.delete_link(session=session, actor=actor, link_id=link_id)
    return Response(status_code=204)


# --- chains ------------------------------------------------------------------------------------

@router.get("/chains", response_model=ChainPage)
def list_chains(session: SessionDep, actor: ApiActor, jurisdiction_code: str | None = None,
                min_size: int = Query(2, ge=1), limit: int = Query(50, ge=1, le=1000),
                cursor: str | None = None) -> ChainPage:
    """Chains in the caller's jurisdiction, largest first."""
    return chains.list_chains(session=session, actor=actor, jurisdiction_code=jurisdiction_code,
                              min_size=min_size, limit=limit, cursor=cursor)


@router.get("/chains/{key}", response_model=ChainSummary)
def get_chain(key: int, session: SessionDep, actor: ApiActor) -> ChainSummary:
    """A chain by its key (its smallest case id)."""
    return chains.get_chain(session=session, actor=actor, key=key)


@router.get("/chains/{key}/timeline", response_model=TimelinePage)
def chain_timeline(key: int, session: SessionDep, actor: ApiActor, limit: int = Query(1000, ge=1, le=20_000),
                   cursor: str | None = None) -> TimelinePage:
    """The chain's cases by onset, with generations and infectors."""
    return chains.timeline(session=session, actor=actor, key=key, limit=limit, cursor=cursor)


@router.get("/cases/{case_id}/chain", response_model=ChainSummary)
def chain_of_case(case_id: int, session: SessionDep, actor: ApiActor) -> ChainSummary:
    return chains.chain_of_case(session=session, actor=actor, case_id=case_id)


@router.get("/graph", response_model=Graph)
def chain_graph(session: SessionDep, actor: ApiActor, jurisdiction_code: str | None = None,
                chain: int | None = Query(None, description="A chain key: only that chain"),
                node_limit: int = Query(chains.DEFAULT_NODE_LIMIT, ge=100, le=chains.MAX_NODE_LIMIT)) -> Graph:
    """Nodes and links for an ECharts graph: every case up to `node_limit`, aggregated beyond it."""
    return chains.graph(session=session, actor=actor, jurisdiction_code=jurisdiction_code, chain_key=chain,
                        node_limit=node_limit)


@router.get("/serial-intervals", response_model=SerialIntervals)
def serial_intervals(session: SessionDep, actor: ApiActor, jurisdiction_code: str | None = None,
                     certainty: list[Certainty] | None = Query(None), date_from: date | None = None,
                     date_to: date | None = None, primary_only: bool = True,
                     bootstrap: int = Query(0, ge=0, le=10_000)) -> SerialIntervals:
    """Serial intervals of the linked onset pairs in the caller's jurisdiction."""
    return chains.serial_intervals(session=session, actor=actor, jurisdiction_code=jurisdiction_code,
                                   certainty=certainty, date_from=date_from, date_to=date_to,
                                   primary_only=primary_only, bootstrap=bootstrap)


@router.get("/attack-rates", response_model=AttackRates)
def attack_rates(session: SessionDep, actor: ApiActor, by: Literal["setting", "category"] = "setting",
                 jurisdiction_code: str | None = None, category: list[Category] | None = Query(None),
                 date_from: date | None = None, date_to: date | None = None, confirmed: bool | None = None,
                 direct_only: bool = True, method: Literal["wilson", "exact"] = "wilson",
                 confidence: float = Query(0.95, ge=0.5, lt=1)) -> AttackRates:
    """Secondary attack rates: contacts converted to cases ÷ contacts followed to an outcome."""
    return chains.attack_rates(session=session, actor=actor, by=by, jurisdiction_code=jurisdiction_code,
                               categories=category, date_from=date_from, date_to=date_to, confirmed=confirmed,
                               direct_only=direct_only, method=method, confidence=confidence)


# --- clusters ----------------------------------------------------------------------------------

@router.get("/clusters", response_model=ClusterPage)
def list_clusters(session: SessionDep, actor: ApiActor, settings: SettingsDep, status: ClusterStatus | None = None,
                  kind: ClusterKind | None = None, jurisdiction_code: str | None = None, case_id: int | None = None,
                  limit: int = Query(50, ge=1, le=1000), cursor: str | None = None) -> ClusterPage:
    items, nxt = clusters.list_clusters(session=session, actor=actor, status=status, kind=kind,
                                        jurisdiction_code=jurisdiction_code, case_id=case_id,
                                        limit=min(limit, settings.page_size_max), cursor=cursor)
    return ClusterPage(items=items, next=nxt)


@router.post("/clusters", response_model=ClusterRead, status_code=201)
def create_cluster(data: ClusterCreate, session: SessionDep, actor: ApiActor) -> ClusterRead:
    cluster = clusters.create(session=session, actor=actor, data=data)
    return clusters.to_read(session, cluster, actor=actor)


@router.post("/clusters/detect", response_model=DetectResult)
def detect_clusters(session: SessionDep, actor: ApiActor, jurisdiction_code: str | None = None) -> DetectResult:
    """Run the automatic signal over the caller's jurisdiction now."""
    return clusters.detect_signals(session=session, actor=actor, jurisdiction_code=jurisdiction_code)


@router.get("/clusters/{cluster_id}", response_model=ClusterRead)
def get_cluster(cluster_id: int, session: SessionDep, actor: ApiActor) -> ClusterRead:
    return clusters.read(session=session, actor=actor, cluster_id=cluster_id)


@router.patch("/clusters/{cluster_id}", response_model=ClusterRead)
def update_cluster(cluster_id: int, data: ClusterUpdate, session: SessionDep, actor: ApiActor) -> ClusterRead:
    return clusters.to_read(session, clusters.update(session=session, actor=actor, cluster_id=cluster_id,
                                                      data=data), actor=actor)


@router.post("/clusters/{cluster_id}/status", response_model=ClusterRead)
def change_cluster_status(cluster_id: int, data: ClusterStatusChange, session: SessionDep,
                          actor: ApiActor) -> ClusterRead:
    cluster = clusters.change_status(session=session, actor=actor, cluster_id=cluster_id, status=data.status,
                                     reason=data.reason)
    return clusters.to_read(session, cluster, actor=actor)


@router.post("/clusters/{cluster_id}/cases", response_model=ClusterRead)
def add_cluster_cases(cluster_id: int, data: ClusterCases, session: SessionDep, actor: ApiActor) -> ClusterRead:
    cluster = clusters.add_cases(session=session, actor=actor, cluster_id=cluster_id, case_ids=data.case_ids)
    return clusters.to_read(session, cluster, actor=actor)


@router.delete("/clusters/{cluster_id}/cases/{case_id}", response_model=ClusterRead)
def remove_cluster_case(cluster_id: int, case_id: int, session: SessionDep, actor: ApiActor) -> ClusterRead:
    cluster = clusters.remove_case(session=session, actor=actor, cluster_id=cluster_id, case_id=case_id)
    return clusters.to_read(session, cluster, actor=actor)
