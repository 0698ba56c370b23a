"""The dashboard: counts by classification, the epi curve, the map of cases by area, report timeliness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fangkong.authz import allowed
from fangkong.cases import stats
from fangkong.deps import SettingsDep
from fangkong.i18n import translations
from fangkong.web.deps import WebActor, WebSessionDep
from fangkong.web.labels import LABELS, N_
from fangkong.web.templating import render

router = APIRouter()


def _area_name(language: str):
    def name(area: stats.AreaCount) -> str:
        return area.name_en if language == "en" and area.name_en else area.name_zh
    return name


def _chart_data(result: stats.Dashboard, language: str, tile_url: str | None, link_cases: bool) -> dict:
    """What app.js draws: the curve's series and the areas as GeoJSON, with the words it shows."""
    tr = translations(language).gettext
    area_name = _area_name(language)
    features = [{"type": "Feature", "geometry": a.geometry,
                 "properties": {"code": a.code, "name": area_name(a), "cases": a.cases,
                                "confirmed": a.confirmed, "asymptomatic": a.asymptomatic}}
                for a in result.areas if a.geometry]
    series = [{"key": key, "name": tr(LABELS["classification"][key]), "data": counts}
              for key, counts in result.curve.get("series", {}).items()]
    return {
        "curve": {"dates": result.curve.get("dates", []), "series": series},
        "map": {"type": "FeatureCollection", "features": features, "tileUrl": tile_url}, "linkCases": link_cases,
        "words": {"cases": tr(N_("Cases")), "confirmed": tr(LABELS["classification"]["confirmed"]),
                  "asymptomatic": tr(LABELS["classification"]["asymptomatic"]), "legend": tr(N_("Cases by area")),
                  "onset": tr(N_("Onset date")), "noData": tr(N_("No cases with an onset date yet."))},
    }


@router.get("/")
def dashboard(request: Request, session: WebSessionDep, actor: WebActor, settings: SettingsDep) -> Response:
    result = stats.dashboard(session=session, actor=actor)
    language = request.state.language
    return render(request, "dashboard.html", {
        "nav": "dashboard", "stats": result, "area_name": _area_name(language), "tile_url": settings.map_tile_url,
        "data": _chart_data(result, language, settings.map_tile_url, bool(allowed(actor, "case.read"))),
    })
