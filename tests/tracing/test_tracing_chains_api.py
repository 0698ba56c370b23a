"""/api/v1/tracing links, chains, graph, timeline, serial intervals, attack rates and clusters:
through the API, with errors, permissions and jurisdiction scoping."""

from __future__ import annotations

import pytest

from fangkong.db import session_scope
from tracing_chainkit import OTHER, case, cases, contact

API = "/api/v1/tracing"


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


@pytest.fixture
def outbreak(db_url):
    """A chain of four cases in the district (one with two candidate infectors), one in another district."""
    with session_scope(db_url) as s:
        mine = cases(s, [0, 3, 4, 8])
        theirs = cases(s, [0, 2], district=OTHER)
        source = mine[0]
        for status in ["converted", "released", "released", "released", "quarantined"]:
            contact(s, source, setting="household", status=status)
        contact(s, theirs[0], setting="household", status="converted")
    return mine, theirs


def test_links_chains_graph_timeline(api, outbreak):
    (a, b, c, d), _ = outbreak
    made = ok(api.post(f"{API}/links", user="epi_district", json={
        "infector_case_id": a, "infectee_case_id": b, "certainty": "confirmed", "setting": "household"}), 201)
    assert (made["infector_case_id"], made["certainty"], made["created_by"]) == (a, "confirmed", "epi_district")
    for s, t in [(a, c), (b, d)]:
        ok(api.post(f"{API}/links", user="epi", json={"infector_case_id": s, "infectee_case_id": t,
                                                      "certainty": "probable"}), 201)
    r = api.post(f"{API}/links", user="epi", json={"infector_case_id": c, "infectee_case_id": d, "certainty": "possible"})
    assert r.status_code == 409 and r.json()["field"] == "second_infector"
    ok(api.post(f"{API}/links", user="epi", json={"infector_case_id": c, "infectee_case_id": d,
                                                  "certainty": "possible", "second_infector": True}), 201)
    r = api.post(f"{API}/links", user="epi", json={"infector_case_id": d, "infectee_case_id": a, "certainty": "possible"})
    assert r.status_code == 409 and "cycle" in r.json()["message"]
    r = api.post(f"{API}/links", user="epi", json={"infector_case_id": a, "infectee_case_id": a, "certainty": "possible"})
    assert r.status_code == 422 and r.json()["field"] == "infectee_case_id"
    r = api.post(f"{API}/links", user="epi", json={"infector_case_id": a, "infectee_case_id": b, "certainty": "sure"})
    assert r.status_code == 422 and r.json()["field"] == "certainty"
    assert ok(api.patch(f"{API}/links/{made['id']}", user="epi", json={"notes": "同住"}))["notes"] == "同住"
    page = ok(api.get(f"{API}/chains", user="epi_district"))
    assert [(ch["key"], ch["size"], ch["links"], ch["depth"]) for ch in page["items"]] == [(a, 4, 4, 2)]
    assert ok(api.get(f"{API}/cases/{d}/chain", user="epi"))["key"] == a
    assert ok(api.get(f"{API}/chains/{a}", user="epi"))["roots"] == [a]
    timeline = ok(api.get(f"{API}/chains/{a}/timeline", user="epi"))
    assert [(m["case_id"], m["generation"], m["infector_case_id"]) for m in timeline["items"]] == [
        (a, 0, None), (b, 1, a), (c, 1, a), (d, 2, b)]
    assert timeline["items"][3]["candidate_infectors"] == [b, c]
    graph = ok(api.get(f"{API}/graph?node_limit=100", user="epi_district"))
    assert graph["mode"] == "full" and graph["total_cases"] == 4 and len(graph["links"]) == 4
    assert {n["id"] for n in graph["nodes"]} == {f"c{i}" for i in (a, b, c, d)}
    secondary = [lk for lk in graph["links"] if lk["primary"] is False]
    assert secondary == [{"source": f"c{c}", "target": f"c{d}", "value": 1, "certainty": "possible", "primary": False}]
    assert api.get(f"{API}/graph?node_limit=10", user="epi").status_code == 422
    assert ok(api.get(f"{API}/graph?chain={a}", user="epi"))["total_chains"] == 1
    assert api.request("DELETE", f"{API}/links/{made['id']}", user="epi").status_code == 204
    assert api.get(f"{API}/links/{made['id']}", user="epi").status_code == 404


def test_serial_intervals_and_attack_rates(api, outbreak):
    (a, b, c, d), _ = outbreak
    for s, t in [(a, b), (a, c), (b, d)]:
        ok(api.post(f"{API}/links", user="epi", json={"infector_case_id": s, "infectee_case_id": t,
                                                      "certainty": "confirmed"}), 201)
    si = ok(api.get(f"{API}/serial-intervals", user="epi_district"))
    assert (si["pairs"], si["mean"], si["minimum"], si["maximum"]) == (3, 4.0, 3, 5)  # 3, 4 and 5 days
    assert si["fit"]["family"] == "normal" and len(si["mean_ci"]) == 2
    rates = ok(api.get(f"{API}/attack-rates", user="epi_district"))
    household = rates["rows"][0]
    assert (household["group"], household["followed"], household["converted"], household["rate"]) == (
        "household", 4, 1, 0.25)
    assert rates["still_followed"] == 1
    city = ok(api.get(f"{API}/attack-rates?method=exact", user="epi"))
    assert city["rows"][-1]["followed"] == 5 and city["method"] == "exact"
    assert api.get(f"{API}/attack-rates?method=wald", user="epi").status_code == 422


def test_clusters_through_the_api(api, outbreak):
    (a, b, c, _), (x, y) = outbreak
    made = ok(api.post(f"{API}/clusters", user="epi_district", json={
        "name": "某小区家庭聚集", "kind": "household", "household_code": "H-77", "case_ids": [a]}), 201)
    assert (made["status"], made["case_ids"], made["case_count"]) == ("signal", [a], 1)
    r = api.post(f"{API}/clusters/{made['id']}/status", user="epi_district", json={"status": "cluster"})
    assert r.status_code == 422 and "at least 2" in r.json()["message"]
    ok(api.post(f"{API}/clusters/{made['id']}/cases", user="epi_district", json={"case_ids": [b, c]}))
    assert ok(api.request("DELETE", f"{API}/clusters/{made['id']}/cases/{c}", user="epi"))["case_ids"] == [a, b]
    promoted = ok(api.post(f"{API}/clusters/{made['id']}/status", user="epi", json={"status": "cluster"}))
    assert promoted["status"] == "cluster"
    assert ok(api.patch(f"{API}/clusters/{made['id']}", user="epi", json={"name": "改名"}))["name"] == "改名"
    listed = ok(api.get(f"{API}/clusters?status=cluster", user="epi_district"))["items"]
    assert [i["id"] for i in listed] == [made["id"]]
    closed = ok(api.post(f"{API}/clusters/{made['id']}/status", user="epi", json={"status": "closed"}))
    assert closed["closed_at"] is not None
    ok(api.post(f"{API}/clusters/detect", user="epi"))  # the demo city's households, if any
    assert ok(api.post(f"{API}/clusters/detect", user="epi")) == {"created": [], "extended": [], "cases_added": 0}


def test_another_district_sees_nothing(api, outbreak, db_url):
    _, (x, y) = outbreak
    link = ok(api.post(f"{API}/links", user="epi", json={"infector_case_id": x, "infectee_case_id": y,
                                                         "certainty": "confirmed"}), 201)
    cluster = ok(api.post(f"{API}/clusters", user="epi", json={
        "name": "外区聚集", "kind": "household", "household_code": "H-88", "case_ids": [x, y]}), 201)
    for url in (f"{API}/links/{link['id']}", f"{API}/chains/{x}", f"{API}/chains/{x}/timeline",
                f"{API}/cases/{y}/chain", f"{API}/clusters/{cluster['id']}", f"{API}/graph?chain={x}"):
        r = api.get(url, user="epi_district")
        assert r.status_code == 404, url
    assert api.patch(f"{API}/links/{link['id']}", user="epi_district", json={"notes": "x"}).status_code == 404
    assert api.request("DELETE", f"{API}/links/{link['id']}", user="epi_district").status_code == 404
    r = api.post(f"{API}/clusters/{cluster['id']}/status", user="epi_district", json={"status": "cluster"})
    assert r.status_code == 404
    assert ok(api.get(f"{API}/chains", user="epi_district"))["items"] == []
    assert ok(api.get(f"{API}/graph", user="epi_district"))["total_cases"] == 0
    assert ok(api.get(f"{API}/clusters", user="epi_district"))["items"] == []
    assert ok(api.get(f"{API}/serial-intervals", user="epi_district"))["pairs"] == 0
    assert api.get(f"{API}/chains?jurisdiction_code={OTHER}", user="epi_district").status_code == 404
    assert ok(api.get(f"{API}/chains?jurisdiction_code={OTHER}", user="epi"))["items"][0]["key"] == x
    # reading is not managing: the grid worker sees chains but records no link
    with session_scope(db_url) as s:
        mine = case(s, onset=0), case(s, onset=2)
    r = api.post(f"{API}/links", user="grid", json={"infector_case_id": mine[0], "infectee_case_id": mine[1],
                                                     "certainty": "possible"})
    assert r.status_code == 403
    assert api.get(f"{API}/chains").status_code == 401


def test_link_list_pages(api, outbreak):
    (a, b, c, d), _ = outbreak
    for s, t in [(a, b), (a, c), (b, d)]:
        ok(api.post(f"{API}/links", user="epi", json={"infector_case_id": s, "infectee_case_id": t,
                                                      "certainty": "probable"}), 201)
    first = ok(api.get(f"{API}/links?limit=2", user="epi_district"))
    rest = ok(api.get(f"{API}/links?limit=2&cursor={first['next']}", user="epi_district"))
    assert [lk["infectee_case_id"] for lk in first["items"] + rest["items"]] == [d, c, b] and rest["next"] is None
    assert [lk["infector_case_id"] for lk in ok(api.get(f"{API}/links?case_id={d}", user="epi"))["items"]] == [b]
