from __future__ import annotations

import json

from fastapi import APIRouter

from fangkong.authz import require
from fangkong.deps import ApiActor, SessionDep
from fangkong.geo import service as geo
from fangkong.geo.levels import LEVELS
from fangkong.geo.schemas import JurisdictionPage, JurisdictionRead, to_read

router = APIRouter(prefix="/jurisdictions", tags=["jurisdictions"])


@router.get("", response_model=JurisdictionPage)
def list_jurisdictions(session: SessionDep, actor: ApiActor, level: str | None = None,
                       parent_code: str | None = None) -> JurisdictionPage:
    """The caller's subtree of the jurisdiction tree."""
    require(actor, "jurisdiction.read")
    if level and level not in LEVELS:
        from fangkong.errors import Invalid

        raise Invalid(f"level is one of {', '.join(LEVELS)}", field="level")
    nodes = geo.list_nodes(session=session, actor=actor, level=level, parent_code=parent_code)
    return JurisdictionPage(items=[to_read(n, actor.language) for n in nodes])


@router.get("/{code}", response_model=JurisdictionRead)
def get_jurisdiction(code: str, session: SessionDep, actor: ApiActor) -> JurisdictionRead:
    require(actor, "jurisdiction.read")
    return to_read(geo.get_in_scope(session=session, actor=actor, code=code), actor.language)


@router.get("/{code}/geojson")
def jurisdiction_geojson(code: str, session: SessionDep, actor: ApiActor) -> dict:
    """The node and its children as a GeoJSON FeatureCollection (for maps)."""
    require(actor, "jurisdiction.read")
    node = geo.get_in_scope(session=session, actor=actor, code=code)
    children = geo.list_nodes(session=session, actor=actor, parent_code=code, with_geometry=True)
    features = [{"type": "Feature", "geometry": json.loads(n.geometry) if n.geometry else None,
                 "properties": {"code": n.code, "level": n.level, "name_zh": n.name_zh, "name_en": n.name_en}}
                for n in children or [node]]
    return {"type": "FeatureCollection", "features": features}
