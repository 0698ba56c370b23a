"""Transmission chain pages: the graph (ECharts; the service aggregates beyond the node limit, a node
opens its chain), the timeline of onset and diagnosis by chain and generation, and the clusters.

Thin: `fangkong.tracing.chains` builds chains, graph views and timelines in the actor's scope;
`fangkong.tracing.clusters` lists clusters and moves their status; a cluster's cases are read through
the cases' own scoped statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from fangkong.authz import Actor, allowed
from fangkong.errors import DomainError
from fangkong.geo import service as geo
from fangkong.cases import service as cases
from fangkong.cases.models import Case
from fangkong.tracing import chains, clusters, venues
from fangkong.tracing.chains_schemas import ChainSummary, Graph
from fangkong.tracing.web import translated
from fangkong.web import places
from fangkong.web.deps import WebActor, WebForm, WebSessionDep
from fangkong.web.templating import render

router = APIRouter()
NODE_LIMITS = (500, 2_000, 5_000, 20_000)
DEFAULT_LIMIT = 5_000
CHAIN_CHOICES = 50
TIMELINE_CASES = 400  # cases on one timeline page
TIMELINE_CHAINS = 12  # chains on the timeline of all chains


@dataclass
class ChainFilters:
    chain: str = ""
    case: str = ""
    color: str = "classification"
    limit: str = ""
    cursor: str = ""

    @classmethod
    def parse(cls, params: QueryParams) -> ChainFilters:
        get = lambda k: str(params.get(k) or "").strip()  # noqa: E731
        return cls(chain=get("chain"), case=get("case"), color=get("color") or "classification", limit=get("limit"),
                   cursor=get("cursor"))

    def node_limit(self) -> int:
        value = int(self.limit) if self.limit.isdigit() else DEFAULT_LIMIT
        return min(max(value, 1), chains.MAX_NODE_LIMIT)

    def key(self, session: Session, actor: Actor) -> tuple[int | None, dict[str, str]]:
        """The chain asked for, by its key or by one of its cases; errors beside the fields."""
        for name in ("chain", "case"):
            value = getattr(self, name)
            if value and not value.isdigit():
                return None, {name: "not a number"}
        try:
            if self.case:
                return chains.chain_of_case(session=session, actor=actor, case_id=int(self.case)).key, {}
            return (int(self.chain) if self.chain else None), {}
        except DomainError as exc:
            if exc.status_code == 403:
                raise
            return None, {"case": exc.message}


def graph_json(view: Graph) -> dict[str, Any]:
    """The graph for tracing.js: the service's nodes and links, and its totals."""
    # Empty fields are left out: at 20,000 nodes the page carries a third less.
    nodes = [{k: v for k, v in (("id", n.id), ("kind", n.kind), ("case_id", n.case_id), ("chain", n.chain_key),
                                ("generation", n.generation), ("generation_max", n.generation_max),
                                ("cases", n.value), ("chains", n.chains), ("size_min", n.size_min),
                                ("size_max", n.size_max), ("classification", n.classification),
                                ("onset", n.onset_date.isoformat() if n.onset_date else None)) if v is not None}
             for n in view.nodes]
    links = [{k: v for k, v in (("source", lk.source), ("target", lk.target), ("links", lk.value),
                                ("certainty", lk.certainty)) if v is not None} for lk in view.links]
    return {"mode": view.mode, "nodes": nodes, "links": links}


def _choices(session: Session, actor: Actor, scope: chains.LinkSet) -> list[ChainSummary]:
    return chains.list_chains(session=session, actor=actor, limit=CHAIN_CHOICES, links=scope).items


@router.get("/tracing/chains")
def chains_page(request: Request, session: WebSessionDep, actor: WebActor) -> Response:
    filters = ChainFilters.parse(request.query_params)
    key, errors = filters.key(session, actor)
    scope = chains.load_scope(session=session, actor=actor)  # one read serves the chain list and the graph
    view = None
    if not errors:
        try:
            view = chains.graph(session=session, actor=actor, chain_key=key, node_limit=filters.node_limit(),
                                links=scope)
        except DomainError as exc:
            if exc.status_code == 403:
                raise
            errors = {"chain" if key is not None else "form": exc.message}
    if view is None:
        view = chains.graph(session=session, actor=actor, chain_key=None, node_limit=filters.node_limit(),
                            links=scope)
        key = None
    summary = _choices(session, actor, scope)
    return render(request, "tracing/chains.html", {
        "nav": "tracing", "tab": "chains", "filters": filters, "errors": translated(request, errors), "view": view,
        "key": key, "data": graph_json(view), "chain_choices": summary, "summary": summary[:20] if key is None else [],
        "limits": NODE_LIMITS, "node_limit": filters.node_limit()})


# --- timeline ----------------------------------------------------------------------------------

def _timeline_rows(page, zone) -> list[dict]:
    """One row per case: chain, generation, onset and diagnosis days; ordered by generation then onset."""
    rows = [{"id": m.case_id, "chain": page.chain.key, "generation": m.generation,
             "infector": m.infector_case_id, "classification": m.classification,
             "onset": m.onset_date.isoformat() if m.onset_date else None,
             "diagnosed": m.diagnosed_at.astimezone(zone).date().isoformat() if m.diagnosed_at else None}
            for m in page.items]
    return sorted(rows, key=lambda r: (r["generation"] if r["generation"] >= 0 else 1 << 30, r["onset"] or "9999",
                                       r["id"]))


@router.get("/tracing/chains/timeline")
def timeline_page(request: Request, session: WebSessionDep, actor: WebActor) -> Response:
    filters = ChainFilters.parse(request.query_params)
    key, errors = filters.key(session, actor)
    zone = geo.effective_timezone(session, actor.jurisdiction_code)
    scope = chains.load_scope(session=session, actor=actor)
    summary = _choices(session, actor, scope)
    rows: list[dict] = []
    total, nxt = 0, None
    if not errors:
        try:
            keys = [key] if key is not None else [c.key for c in summary[:TIMELINE_CHAINS]]
            for k in keys:
                room = TIMELINE_CASES - len(rows)
                if room <= 0:
                    break
                # One chain asked for: walked from its case (out of scope answers as before); all chains:
                # found in the scope already read, not walked twelve times.
                page = chains.timeline(session=session, actor=actor, key=k, limit=room,
                                       cursor=filters.cursor or None if key is not None else None,
                                       links=scope if key is None else None)
                rows += _timeline_rows(page, zone)
                total += page.chain.size
                nxt = page.next if key is not None else None
        except DomainError as exc:
            if exc.status_code == 403:
                raise
            errors = {"chain": exc.message}
    if key is None:
        total = sum(c.size for c in summary[:TIMELINE_CHAINS])
    next_url = ("/tracing/chains/timeline?" + urlencode({"chain": key, "cursor": nxt})) if nxt else None
    return render(request, "tracing/timeline.html", {
        "nav": "tracing", "tab": "timeline", "filters": filters, "errors": translated(request, errors),
        "chain_choices": summary, "data": {"cases": rows}, "shown": len(rows), "total": total, "next_url": next_url})


# --- clusters ----------------------------------------------------------------------------------

def _members(session: Session, actor: Actor, ids: list[int]) -> list[dict]:
    """The cluster's cases the actor may see (the cases' scoped statement); ids and dates, no names, as on
    the chain pages (each case's page, an audited read, shows the person)."""
    if not ids:
        return []
    rows = session.execute(cases.list_statement(actor=actor).where(Case.id.in_(ids)).order_by(Case.id))
    return [{"id": c.id, "jurisdiction_code": c.jurisdiction_code, "classification": c.classification,
             "severity": c.severity, "onset_date": c.onset_date, "diagnosed_at": c.diagnosed_at} for c, _ in rows]


@router.get("/tracing/clusters")
def clusters_page(request: Request, session: WebSessionDep, actor: WebActor) -> Response:
    status = str(request.query_params.get("status") or "").strip()
    cursor = request.query_params.get("cursor") or None
    items, nxt = clusters.list_clusters(session=session, actor=actor, status=status or None, limit=50, cursor=cursor)
    query = {"status": status} if status else {}
    return render(request, "tracing/clusters.html", {
        "nav": "tracing", "tab": "clusters", "items": items, "filters": {"status": status},
        "zone": geo.effective_timezone(session, actor.jurisdiction_code),
        "next_url": "/tracing/clusters?" + urlencode({**query, "cursor": nxt}) if nxt else None,
        "places": places.labels(session=session, actor=actor, codes={c.jurisdiction_code for c in items},
                                language=request.state.language)})


def _cluster_page(request: Request, session: Session, actor: Actor, cluster_id: int, *,
                  errors: dict | None = None, status_code: int = 200) -> Response:
    cluster = clusters.read(session=session, actor=actor, cluster_id=cluster_id)
    venue = venues.get_venue(session=session, actor=actor, venue_id=cluster.venue_id) if cluster.venue_id else None
    return render(request, "tracing/cluster.html", {
        "nav": "tracing", "tab": "clusters", "cluster": cluster, "venue": venue,
        "cases": _members(session, actor, cluster.case_ids), "errors": translated(request, errors or {}),
        "transitions": sorted(clusters.TRANSITIONS.get(cluster.status, ()), key=["signal", "cluster", "closed"].index),
        "can_manage": bool(allowed(actor, "chain.manage", cluster)),
        "chain_key": cluster.case_ids[0] if cluster.case_ids else None,
        "zone": geo.effective_timezone(session, cluster.jurisdiction_code),
        "place": places.labels(session=session, actor=actor, codes=[cluster.jurisdiction_code],
                               language=request.state.language).get(cluster.jurisdiction_code),
    }, status_code=status_code)


@router.get("/tracing/clusters/{cluster_id}")
def cluster_page(request: Request, cluster_id: int, session: WebSessionDep, actor: WebActor) -> Response:
    return _cluster_page(request, session, actor, cluster_id)


@router.post("/tracing/clusters/{cluster_id}/status")
def cluster_status(request: Request, cluster_id: int, session: WebSessionDep, actor: WebActor,
                   form: WebForm) -> Response:
    try:
        clusters.change_status(session=session, actor=actor, cluster_id=cluster_id,
                               status=str(form.get("status") or ""), reason=str(form.get("reason") or ""))
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        session.rollback()
        return _cluster_page(request, session, actor, cluster_id, errors={exc.field or "form": exc.message},
                             status_code=exc.status_code)
    return RedirectResponse(f"/tracing/clusters/{cluster_id}?flash=saved", status_code=303)
