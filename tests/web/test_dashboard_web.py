"""The dashboard page and the numbers behind it (fangkong.cases.stats)."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timezone

from sqlalchemy import select

from fangkong.auth import service as auth
from fangkong.auth.models import User
from fangkong.cases import stats
from fangkong.geo.models import Jurisdiction


def actor(session, username: str):
    return auth.actor_for(session=session, user=session.scalar(select(User).where(User.username == username)))


def page_data(page: str) -> dict:
    raw = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', page, re.S).group(1)
    return json.loads(html.unescape(raw))


def test_dashboard_shows_counts_curve_and_map(login, in_db):
    page = login("epi").get("/").text
    numbers = in_db(lambda s: stats.dashboard(session=s, actor=actor(s, "epi")))
    assert 'id="epi-curve"' in page and 'id="case-map"' in page
    assert f'classification=confirmed">{numbers.counts["confirmed"]}</a>' in page
    data = page_data(page)
    names = {f["properties"]["name"] for f in data["map"]["features"]}
    districts = in_db(lambda s: set(s.scalars(select(Jurisdiction.name_zh).where(Jurisdiction.level == "district"))))
    assert len(districts) >= 3 and names == districts
    assert data["curve"]["dates"] and {s["key"] for s in data["curve"]["series"]} <= set(stats.ACTIVE)
    assert data["map"]["tileUrl"] is None  # no tile layer unless configured


def test_district_dashboard_maps_its_streets(login):
    data = page_data(login("epi_district").get("/").text)
    assert len(data["map"]["features"]) == 3
    assert all(f["properties"]["code"].startswith("320102") for f in data["map"]["features"])


def test_supply_officer_sees_numbers_without_case_links(login):
    page = login("supply").get("/").text
    assert 'href="/cases?classification=' not in page and page_data(page)["linkCases"] is False


def test_stats_add_up_and_respect_the_jurisdiction(in_db):
    def check(session):
        city, district = actor(session, "epi"), actor(session, "epi_district")
        counts, new, severity = stats.classification_counts(session=session, actor=city)
        assert sum(severity.values()) == counts["confirmed"]
        areas = stats.area_counts(session=session, actor=city)
        assert sum(a.cases for a in areas) == sum(counts[c] for c in stats.ACTIVE)
        curve = stats.epi_curve(session=session, actor=city)
        assert len({len(v) for v in curve["series"].values()}) == 1
        d_counts, _, _ = stats.classification_counts(session=session, actor=district)
        by_code = {a.code: a for a in areas}
        assert sum(d_counts[c] for c in stats.ACTIVE) == by_code["320102"].cases
        timeliness = stats.report_timeliness(session=session, actor=city)
        assert 0 < sum(timeliness.values()) <= sum(counts.values())  # cases without a diagnosis time have no clock
        later = datetime(2022, 4, 30, 12, tzinfo=timezone.utc)
        assert sum(stats.classification_counts(session=session, actor=city, now=later)[1].values()) > 0

    in_db(check)


def test_dashboard_numbers_are_cached_briefly(in_db):
    stats.clear_cache()
    first = in_db(lambda s: stats.dashboard(session=s, actor=actor(s, "epi")))
    assert in_db(lambda s: stats.dashboard(session=s, actor=actor(s, "epi"))) is first
    assert in_db(lambda s: stats.dashboard(session=s, actor=actor(s, "epi_district"))) is not first
