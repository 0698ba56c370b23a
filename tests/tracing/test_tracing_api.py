"""The tracing API: investigations, itinerary, report data, exposure searches, contacts, venues, and
jurisdiction scoping (a user of another district gets 404, not the record)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tracing_corekit import confirmed_case, grids, person, write_store

from fangkong.auth.models import User
from fangkong.auth import service as auth
from fangkong.db import session_scope
from fangkong.tracing.models import Venue

API = "/api/v1/tracing"


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def _actor(s, username):
    return auth.actor_for(session=s, user=s.scalar(select(User).where(User.username == username)))


@pytest.fixture
def world(settings):
    """A case inside the district of `epi_district` with a co-resident, and one outside it; check-ins on disk."""
    with session_scope(settings.url) as s:
        epi, district = _actor(s, "epi"), _actor(s, "epi_district")
        inside, _ = grids(s, district)
        _, outside = grids(s, district)
        index, diner = person(s, inside, "病例甲"), person(s, inside, "食客")
        case = confirmed_case(s, epi, inside, who=index)
        far_case = confirmed_case(s, epi, outside)
        s.add(Venue(id=701, place_code="PC-701", name="面馆", kind="restaurant", address="", jurisdiction_code=inside))
        ids = {"case": case.id, "far": far_case.id, "index": index.id, "diner": diner.id, "inside": inside,
               "outside": outside, "housemate": person(s, inside, "室友", household="H-1").id,
               "spouse": person(s, inside, "配偶", household="H-1").id}
    write_store(settings.data_dir, "checkins", [(ids["index"], 701, "2022-07-07 12:00:00", "2022-07-07 13:00:00"),
                                                (ids["diner"], 701, "2022-07-07 12:20:00", "2022-07-07 12:50:00"),
                                                (ids["diner"], 702, "2022-07-07 18:00:00", "2022-07-07 19:00:00")])
    return ids


def test_investigation_itinerary_and_report(api, world):
    inv = ok(api.get(f"{API}/cases/{world['case']}/investigation", user="epi_district"))
    assert inv["status"] == "open" and [c["key"] for c in inv["clocks"]] == [
        "team_on_site", "core_information", "investigation_report"]
    url = f"{API}/investigations/{inv['id']}"
    changed = ok(api.patch(url, user="epi_district", json={"exposure_source": "家庭聚餐", "version": inv["version"]}))
    assert changed["version"] == inv["version"] + 1
    assert api.patch(url, user="epi_district", json={"notes": "x", "version": inv["version"]}).status_code == 409
    moved = ok(api.post(f"{url}/status", user="epi_district", json={"status": "on_site"}))
    assert moved["status"] == "on_site" and moved["team_on_site_at"]
    entry = ok(api.post(f"{url}/itinerary", user="epi_district", json={
        "kind": "venue", "venue_id": 701, "start_at": "2022-07-07T12:00:00+08:00",
        "end_at": "2022-07-07T13:00:00+08:00"}), 201)
    bad = api.post(f"{url}/itinerary", user="epi_district", json={
        "kind": "transport", "start_at": "2022-07-07T14:00:00+08:00"})
    assert bad.status_code == 422 and bad.json()["field"] == "transport_mode"
    ok(api.patch(f"{url}/itinerary/{entry['id']}", user="epi_district", json={"notes": "靠窗"}))
    report = ok(api.get(f"{url}/report", user="epi_district"))
    assert report["itinerary"][0]["venue"]["name"] == "面馆" and report["person"]["masked"] is True
    assert report["case"]["id"] == world["case"]
    assert api.request("DELETE", f"{url}/itinerary/{entry['id']}", user="epi_district").status_code == 204
    assert ok(api.get(f"{url}/itinerary", user="epi")) == []
    assert api.post(f"{url}/status", user="auditor", json={"status": "closed"}).status_code == 403


def test_other_district_gets_404(api, world):
    inv = ok(api.get(f"{API}/cases/{world['far']}/investigation", user="epi"))
    for method, url, body in (("GET", f"{API}/investigations/{inv['id']}", None),
                              ("GET", f"{API}/cases/{world['far']}/investigation", None),
                              ("GET", f"{API}/investigations/{inv['id']}/report", None),
                              ("PATCH", f"{API}/investigations/{inv['id']}", {"notes": "x"}),
                              ("POST", f"{API}/cases/{world['far']}/exposure-search", {}),
                              ("GET", f"{API}/cases/{world['far']}/exposures", None),
                              ("POST", f"{API}/contacts", {"source_case_id": world["far"], "person_id": world["diner"],
                                                          "exposure": "household"})):
        r = api.request(method, url, user="epi_district", json=body)
        assert r.status_code == 404, (method, url, r.text)
    listed = ok(api.get(f"{API}/investigations?limit=500", user="epi_district"))["items"]
    assert inv["id"] not in {i["id"] for i in listed}


def test_exposure_search_and_contacts_through_the_api(api, world):
    search = ok(api.post(f"{API}/cases/{world['case']}/exposure-search", user="epi_district", json={}))
    assert search["status"] == "done" and search["rows"] == 1 and search["contacts_created"] == 1
    assert api.post(f"{API}/cases/{world['case']}/exposure-search", user="grid", json={}).status_code in (403, 404)
    exposures = ok(api.get(f"{API}/cases/{world['case']}/exposures?kind=venue", user="epi_district"))
    assert [(e["person_id"], e["overlap_minutes"]) for e in exposures["items"]] == [(world["diner"], 30.0)]
    assert [s["id"] for s in ok(api.get(f"{API}/cases/{world['case']}/exposure-searches", user="epi"))] == [
        search["id"]]  # the rule's pending search was the one run
    found = ok(api.get(f"{API}/contacts?case_id={world['case']}&category=venue_exposed", user="epi_district"))
    assert [c["person_id"] for c in found["items"]] == [world["diner"]]
    assert found["items"][0]["person"]["phone"] == "138****5678"

    spouse = ok(api.post(f"{API}/contacts", user="epi_district", json={
        "source_case_id": world["case"], "person_id": world["spouse"], "exposure": "household",
        "last_exposure_at": "2022-07-09T22:00:00+08:00"}), 201)
    assert spouse["category"] == "close" and spouse["setting"] == "household"
    assert api.post(f"{API}/contacts", user="auditor", json={
        "source_case_id": world["case"], "person_id": world["housemate"], "exposure": "household"}).status_code == 403
    expanded = ok(api.post(f"{API}/cases/{world['case']}/contacts/expand", user="epi_district", json={}))
    assert expanded["created"] == 1 and expanded["household"] == 1
    page = ok(api.get(f"{API}/contacts?case_id={world['case']}&limit=2", user="epi_district"))
    rest = ok(api.get(f"{API}/contacts?case_id={world['case']}&limit=2&cursor={page['next']}", user="epi_district"))
    assert len(page["items"]) == 2 and len(rest["items"]) == 1 and rest["next"] is None
    secondary = ok(api.get(f"{API}/contacts?via_contact_id={spouse['id']}", user="epi"))["items"]
    assert [(c["person_id"], c["category"]) for c in secondary] == [(world["housemate"], "secondary")]

    moved = ok(api.post(f"{API}/contacts/{spouse['id']}/status", user="commander", json={"status": "notified"}))
    assert moved["status"] == "notified"
    bulk = ok(api.post(f"{API}/contacts/bulk", user="commander", json={"ids": [spouse["id"]], "action": "handover"}))
    assert bulk["changed"] == 1
    placements = ok(api.get(f"{API}/contacts/{spouse['id']}/placements", user="epi"))
    assert placements[0]["clock_start"] == "2022-07-09T14:00:00Z"
    full = ok(api.get(f"{API}/contacts/{spouse['id']}?unmask=true", user="epi"))
    assert full["person"]["phone"] == "13812345678"
    assert api.get(f"{API}/contacts/{spouse['id']}?unmask=true", user="auditor").status_code == 403


def test_venues_through_the_api(api, world):
    listed = ok(api.get(f"{API}/venues?q=PC-701", user="epi_district"))
    assert [v["id"] for v in listed["items"]] == [701]
    assert ok(api.get(f"{API}/venues/unregistered", user="epi"))[0]["venue_id"] == 702
