"""/api/v1/screening: a round from campaign to positive pool through the API, errors and permissions."""

from __future__ import annotations

import json

import pytest

from fangkong.db import session_scope
from screenkit import GRID, HEADER, OTHER_GRID, add_grid

API = "/api/v1/screening"


@pytest.fixture
def residents(db_url):
    with session_scope(db_url) as s:
        return add_grid(s, GRID, 12), add_grid(s, OTHER_GRID, 5)


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


@pytest.fixture
def launched(api, residents):
    """A campaign of the lab over both test grids and its first round."""
    campaign = ok(api.post(f"{API}/campaigns", user="lab", json={
        "name": "玄武区第一轮", "jurisdiction_code": "320102", "assumed_prevalence": 0.001,
        "areas": [{"jurisdiction_code": GRID, "mode": "pooled", "pool_size": 5},
                  {"jurisdiction_code": OTHER_GRID, "mode": "by_risk", "risk_level": "high"}]}), 201)
    rnd = ok(api.post(f"{API}/campaigns/{campaign['id']}/rounds", user="lab",
                      json={"starts_at": "2022-05-01T00:00:00Z"}), 201)
    return campaign, rnd


def test_campaign_detail_plan_and_changes(api, launched):
    campaign, rnd = launched
    assert [(a["jurisdiction_code"], a["pool_size"]) for a in campaign["areas"]] == [(OTHER_GRID, 1), (GRID, 5)]
    assert campaign["plan"]["total"]["population"] == 17 and campaign["plan"]["total"]["tubes"] == 3 + 5
    assert (rnd["number"], rnd["ct_threshold"], rnd["profile_id"], rnd["deadline_at"]) == (
        1, 35.0, "ed9", "2022-05-02T00:00:00Z")
    detail = ok(api.get(f"{API}/campaigns/{campaign['id']}", user="epi"))
    assert detail["status"] == "active" and [r["id"] for r in detail["rounds"]] == [rnd["id"]]
    changed = ok(api.patch(f"{API}/campaigns/{campaign['id']}", user="lab", json={"name": "改名", "version": 1}))
    assert changed["name"] == "改名" and changed["version"] == 2
    r = api.patch(f"{API}/campaigns/{campaign['id']}", user="lab", json={"areas": [{"jurisdiction_code": GRID}]})
    assert r.status_code == 409 and r.json() == {
        "code": "conflict", "field": "areas", "message": "the areas of a campaign are fixed once a round was launched"}
    assert api.request("DELETE", f"{API}/campaigns/{campaign['id']}", user="lab").status_code == 409
    plan = ok(api.get(f"{API}/plan?population=100000&pool_size=10&prevalence=0.001", user="epi_district"))
    assert (plan["sites_min"], plan["sites_max"], plan["samplers"], round(plan["tests_per_person"], 4)) == (
        34, 50, 278, 0.1100)
    assert ok(api.get(f"{API}/campaigns/{campaign['id']}/plan?prevalence=0.01", user="epi"))["prevalence"] == 0.01


def test_an_empty_campaign_can_be_deleted_and_bad_areas_are_refused(api, residents):
    body = {"name": "x", "jurisdiction_code": "320102", "areas": [{"jurisdiction_code": GRID, "pool_size": 30}]}
    r = api.post(f"{API}/campaigns", user="lab", json=body)
    assert r.status_code == 422 and r.json()["field"] == "pool_size"
    body["areas"] = [{"jurisdiction_code": "320102001001"}, {"jurisdiction_code": GRID}]
    assert "overlap" in api.post(f"{API}/campaigns", user="lab", json=body).json()["message"]
    body["areas"] = [{"jurisdiction_code": GRID}]
    created = ok(api.post(f"{API}/campaigns", user="lab", json=body), 201)
    assert api.request("DELETE", f"{API}/campaigns/{created['id']}", user="lab").status_code == 204
    assert api.get(f"{API}/campaigns/{created['id']}", user="lab").status_code == 404
    assert api.post(f"{API}/campaigns", user="commander", json=body).status_code == 403


def test_a_round_through_the_api(api, launched, residents):
    campaign, rnd = launched
    people, others = residents
    site = ok(api.post(f"{API}/campaigns/{campaign['id']}/sites", user="lab", json={
        "name": "湖南路采样点", "jurisdiction_code": GRID, "capacity_per_hour": 300, "samplers": 4}), 201)
    assert ok(api.get(f"{API}/campaigns/{campaign['id']}/sites", user="grid"))["items"][0]["id"] == site["id"]
    assert ok(api.patch(f"{API}/sites/{site['id']}", user="lab", json={"samplers": 6}))["samplers"] == 6
    one = ok(api.post(f"{API}/rounds/{rnd['id']}/samples", user="grid", json={
        "person_id": people[0], "tube_code": "A1", "site_id": site["id"], "collected_at": "2022-05-01T01:00:00Z"}), 201)
    assert (one["tube_code"], one["collector"], one["status"]) == ("A1", "grid", "pending")
    items = [{"person_id": p, "tube_code": "A1", "collected_at": "2022-05-01T01:00:00Z"} for p in people[1:5]]
    items += [{"person_id": p, "tube_code": f"B{i}", "collected_at": "2022-05-01T01:30:00Z"}
              for i, p in enumerate(others)]
    assert ok(api.post(f"{API}/rounds/{rnd['id']}/samples/bulk", user="lab", json={"items": items}), 201) == {
        "created": 9, "tubes_opened": 5}
    tubes = {t["code"]: t for t in ok(api.get(f"{API}/rounds/{rnd['id']}/tubes?limit=100", user="lab"))["items"]}
    assert (tubes["A1"]["members"], tubes["A1"]["pool_size"], tubes["B0"]["pool_size"]) == (5, 5, 1)
    sent = ok(api.post(f"{API}/tubes/{tubes['A1']['id']}/send", user="lab", json={"lab_id": "LAB1"}))
    assert sent["status"] == "sent"
    csv = HEADER + "A1,positive,29.5,30.2,LAB1,2022-05-01 17:00\nB0,negative,,,LAB1,2022-05-01 17:00\n"
    report = ok(api.post(f"{API}/results", user="lab", files={"file": ("结果.csv", csv.encode(), "text/csv")}), 201)
    assert (report["stored"], report["resolution"][0]["new_isolations"]) == (2, 5)
    fhir = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "Observation", "specimen": {"identifier": {"value": "B1"}},
        "issued": "2022-05-01T18:00:00+08:00",
        "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "260385009"}]},
        "performer": [{"display": "LAB2"}]}}]}
    assert ok(api.post(f"{API}/results/fhir", user="lab", json=fhir), 201)["stored"] == 1
    status = ok(api.get(f"{API}/rounds/{rnd['id']}/resolution", user="epi"))
    assert status["tubes_by_outcome"] == {"positive": 1, "negative": 2, "pending": 3}
    assert status["isolations_by_status"] == {"isolated": 5} and status["summary"]["tubes"] == 6
    again = ok(api.post(f"{API}/rounds/{rnd['id']}/resolve", user="lab"))
    assert again["new_isolations"] == 0 and again["new_tasks"] == 0
    pools = ok(api.get(f"{API}/rounds/{rnd['id']}/positive-pools?awaiting=true", user="epi"))["items"]
    assert [(p["tube"]["code"], p["awaiting_recheck"]) for p in pools] == [("A1", 5)]
    isolated = ok(api.get(f"{API}/isolations?status=isolated", user="epi_district"))["items"]
    assert sorted(i["person_id"] for i in isolated) == people[:5] and isolated[0]["recheck_due_at"]
    cov = ok(api.get(f"{API}/rounds/{rnd['id']}/coverage", user="grid"))
    grid = {g["jurisdiction_code"]: g for g in cov["grids"]}[GRID]
    assert (grid["roster"], grid["sampled"], grid["recheck"], grid["positive_pools_open"]) == (12, 5, 5, 1)
    untested = ok(api.get(f"{API}/rounds/{rnd['id']}/untested?jurisdiction_code={GRID}", user="grid"))["items"]
    assert len(untested) == 7 and untested[0]["person"]["masked"] and untested[0]["grid_code"] == GRID
    assert ok(api.post(f"{API}/rounds/{rnd['id']}/close", user="lab"))["status"] == "closed"


def test_errors_carry_code_message_field_and_every_bad_row(api, launched, residents):
    _, rnd = launched
    people, _ = residents
    bad = [{"person_id": p, "tube_code": "Z1", "collected_at": "2022-05-01T01:00:00Z"} for p in people[:6]]
    r = api.post(f"{API}/rounds/{rnd['id']}/samples/bulk", user="lab", json={"items": bad})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "import_rejected" and body["errors"] == [
        {"row": 6, "field": "tube_code", "message": "tube Z1 is full: 5 of 5 swabs"}]
    assert ok(api.get(f"{API}/rounds/{rnd['id']}/tubes", user="lab"))["items"] == []  # nothing stored
    r = api.post(f"{API}/results", user="lab",
                 files={"file": ("r.csv", (HEADER + "NOPE,negative,,,LAB1,2022-05-01 17:00\n").encode(), "text/csv")})
    assert r.status_code == 422 and r.json()["errors"][0] == {"row": 2, "field": "tube_id",
                                                              "message": "unknown tube 'NOPE'"}
    r = api.post(f"{API}/results/fhir", user="lab", content=json.dumps({"resourceType": "Patient"}),
                 headers={"Content-Type": "application/fhir+json"})
    assert r.status_code == 422 and r.json()["field"] == "resourceType"


def test_who_may_do_what(api, launched, residents):
    campaign, rnd = launched
    people, _ = residents
    sample = {"person_id": people[0], "tube_code": "Q1", "collected_at": "2022-05-01T01:00:00Z"}
    assert api.post(f"{API}/rounds/{rnd['id']}/samples", user="epi", json=sample).status_code == 403
    assert api.post(f"{API}/rounds/{rnd['id']}/samples", user="grid", json=sample).status_code == 201
    csv = (HEADER + "Q1,negative,,,LAB1,2022-05-01 17:00\n").encode()
    assert api.post(f"{API}/results", user="grid", files={"file": ("r.csv", csv, "text/csv")}).status_code == 403
    assert api.post(f"{API}/campaigns/{campaign['id']}/rounds", user="epi", json={}).status_code == 403
    assert api.get(f"{API}/rounds/{rnd['id']}/untested", user="supply").status_code == 403  # no personal data
    assert api.get(f"{API}/rounds/{rnd['id']}/coverage", user="supply").status_code == 200
