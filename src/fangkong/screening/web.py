"""Screening pages: the campaigns the user sees with their rounds, and a round's progress (numbers, a map
of grids coloured by coverage, a table by grid), the progress part refreshed by HTMX while results arrive.

Thin: the screening service decides what the user sees (permission `screening.read`, the jurisdiction).
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.authz import Actor
from fangkong.deps import SettingsDep
from fangkong.geo import service as geo
from fangkong.geo.levels import LEVELS
from fangkong.geo.models import Jurisdiction
from fangkong.i18n import translations
from fangkong.screening import coverage, service
from fangkong.screening.schemas import CoverageRead
from fangkong.web import places
from fangkong.web.deps import WebActor, WebSessionDep
from fangkong.web.labels import N_
from fangkong.web.templating import render

router = APIRouter()
PAGE_SIZE = 50
REFRESH_SECONDS = 5
STATUSES = {"planned": N_("Planned"), "active": N_("Active"), "closed": N_("Closed"), "open": N_("Round open")}


@router.get("/screening")
def campaigns_page(request: Request, session: WebSessionDep, actor: WebActor) -> Response:
    cursor = request.query_params.get("cursor") or None
    campaigns, nxt = service.list_campaigns(session=session, actor=actor, limit=PAGE_SIZE, cursor=cursor)
    items = [(c, service.rounds_of(session, c.id)) for c in campaigns]
    return render(request, "screening/list.html", {
        "nav": "screening", "items": items, "statuses": STATUSES,
        "zone": geo.effective_timezone(session, actor.jurisdiction_code),
        "next_url": f"/screening?cursor={nxt}" if nxt else None,
        "places": places.labels(session=session, actor=actor, codes={c.jurisdiction_code for c in campaigns},
                                language=request.state.language)})


def _progress(request: Request, session: Session, actor: Actor, round_id: int) -> dict:
    cov = coverage.coverage(session=session, actor=actor, round_id=round_id)
    return {"cov": cov, "refresh": REFRESH_SECONDS,
            "places": places.labels(session=session, actor=actor, codes={g.jurisdiction_code for g in cov.grids},
                                    language=request.state.language),
            "shares": {g.jurisdiction_code: g.coverage for g in cov.grids}}


def _child_level(session: Session, actor: Actor) -> str | None:
    node = session.get(Jurisdiction, actor.jurisdiction_code) if actor.jurisdiction_code else None
    if node is None or node.level not in LEVELS or node.level == LEVELS[-1]:
        return None
    return LEVELS[LEVELS.index(node.level) + 1]


def _map(request: Request, session: Session, actor: Actor, cov: CoverageRead, tile_url: str | None) -> dict:
    """The grids of the round as GeoJSON coloured by coverage; where the grids have no boundaries, the
    user's child jurisdictions (the coverage rolled up to them)."""
    rows = cov.grids
    shapes = _shapes(session, [g.jurisdiction_code for g in rows])
    if rows and len(shapes) < len(rows):
        level = _child_level(session, actor)
        if level is not None:
            rows = coverage.coverage(session=session, actor=actor, round_id=cov.round_id, level=level).grids
            shapes = _shapes(session, [g.jurisdiction_code for g in rows])
    names = places.labels(session=session, actor=actor, codes={g.jurisdiction_code for g in rows},
                          language=request.state.language)
    tr = translations(request.state.language).gettext
    features = [{"type": "Feature", "geometry": shapes[g.jurisdiction_code],
                 "properties": {"code": g.jurisdiction_code, "name": names[g.jurisdiction_code].short,
                                "coverage": g.coverage, "sampled": g.sampled, "roster": g.roster}}
                for g in rows if g.jurisdiction_code in shapes]
    return {"map": {"type": "FeatureCollection", "features": features, "tileUrl": tile_url},
            "words": {"coverage": tr(N_("Coverage")), "sampled": tr(N_("Sampled")), "roster": tr(N_("Roster")),
                      "legend": tr(N_("Coverage by area")), "none": tr(N_("No residents"))}}


def _shapes(session: Session, codes: list[str]) -> dict[str, dict]:
    if not codes:
        return {}
    rows = session.execute(select(Jurisdiction.code, Jurisdiction.geometry).where(
        Jurisdiction.code.in_(codes), Jurisdiction.geometry.is_not(None)))
    return {code: json.loads(shape) for code, shape in rows}


@router.get("/screening/rounds/{round_id}")
def round_page(request: Request, round_id: int, session: WebSessionDep, actor: WebActor,
               settings: SettingsDep) -> Response:
    rnd = service.get_round(session=session, actor=actor, round_id=round_id)
    campaign = service.get_campaign(session=session, actor=actor, campaign_id=rnd.campaign_id)
    progress = _progress(request, session, actor, round_id)
    return render(request, "screening/round.html", {
        "nav": "screening", "round": rnd, "campaign": campaign, "statuses": STATUSES, **progress,
        "zone": geo.effective_timezone(session, rnd.jurisdiction_code),
        "data": _map(request, session, actor, progress["cov"], settings.map_tile_url)})


@router.get("/screening/rounds/{round_id}/progress")
def progress_fragment(request: Request, round_id: int, session: WebSessionDep, actor: WebActor) -> Response:
    return render(request, "screening/_progress.html", _progress(request, session, actor, round_id))
