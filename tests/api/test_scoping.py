"""A district user never sees another district's records, through any API route.

Every route in the OpenAPI document must have a probe here: a new route without one fails
`test_every_route_has_a_probe`, so scoping cannot be forgotten.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fangkong.cases.models import Case
from fangkong.db import session_scope
from fangkong.people.models import DuplicateCandidate, Person

HOME = "320102"  # epi_district's district (fangkong.demo.seed)


@pytest.fixture
def foreign(db_url):
    """Ids of records outside the district user's subtree, and one inside it."""
    with session_scope(db_url) as s:
        case = s.scalar(select(Case).where(~Case.jurisdiction_code.startswith(HOME)).limit(1))
        person = s.scalar(select(Person).where(~Person.jurisdiction_code.startswith(HOME)).limit(1))
        other = s.scalar(select(Person).where(~Person.jurisdiction_code.startswith(HOME), Person.id != person.id).limit(1))
        dup = DuplicateCandidate(person_a_id=person.id, person_b_id=other.id, score=0.9, reasons="test",
                                 jurisdiction_code=person.jurisdiction_code[:6])
        s.add(dup)
        s.flush()
        return {"case": case.id, "person": person.id, "other": other.id, "dup": dup.id,
                "person_rid": person.resident_id, "node": person.jurisdiction_code[:6]}


def _all_inside(items, key="jurisdiction_code"):
    return all(item[key].startswith(HOME) for item in items)


def _list(api, url, key="jurisdiction_code"):
    r = api.get(url, user="epi_district")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert _all_inside(items, key), [i[key] for i in items]
    return r


def probe_health(api, f):
    assert api.get("/api/v1/health").status_code == 200


def probe_token(api, f):
    assert api.post("/api/v1/auth/token", data={"username": "epi_district", "password": "wrong-pass"}).status_code == 401


def probe_me(api, f):
    assert api.get("/api/v1/auth/me", user="epi_district").json()["jurisdiction_code"] == HOME


def probe_jurisdictions(api, f):
    items = _list(api, "/api/v1/jurisdictions", key="code").json()["items"]
    assert items and all(i["code"].startswith(HOME) for i in items)


def probe_jurisdiction(api, f):
    assert api.get(f"/api/v1/jurisdictions/{f['node']}", user="epi_district").status_code == 404
    assert api.get(f"/api/v1/jurisdictions/{HOME}", user="epi_district").status_code == 200


def probe_jurisdiction_geojson(api, f):
    assert api.get(f"/api/v1/jurisdictions/{f['node']}/geojson", user="epi_district").status_code == 404


def probe_persons(api, f):
    _list(api, "/api/v1/persons?limit=200")
    r = _list(api, f"/api/v1/persons?q={f['person_rid']}")
    assert r.json()["items"] == []
    assert api.get(f"/api/v1/persons?jurisdiction_code={f['node']}", user="epi_district").status_code == 404


def probe_person_create(api, f):
    body = {"name": "测试", "jurisdiction_code": f["node"]}
    assert api.post("/api/v1/persons", json=body, user="epi_district").status_code in (403, 404)


def probe_person(api, f):
    assert api.get(f"/api/v1/persons/{f['person']}", user="epi_district").status_code == 404
    assert api.get(f"/api/v1/persons/{f['person']}?unmask=true", user="epi_district").status_code == 404


def probe_person_update(api, f):
    r = api.patch(f"/api/v1/persons/{f['person']}", json={"address": "x"}, user="epi_district")
    assert r.status_code == 404


def probe_duplicates(api, f):
    r = api.get("/api/v1/persons/duplicates", user="epi_district")
    assert r.status_code == 200
    assert f["dup"] not in [i["id"] for i in r.json()["items"]]
    for item in r.json()["items"]:
        assert item["person_a"]["jurisdiction_code"].startswith(HOME)
        assert item["person_b"]["jurisdiction_code"].startswith(HOME)


def probe_dismiss(api, f):
    assert api.post(f"/api/v1/persons/duplicates/{f['dup']}/dismiss", user="epi_district").status_code == 404


def probe_merge(api, f):
    body = {"keep_id": f["person"], "merge_id": f["other"]}
    assert api.post("/api/v1/persons/merge", json=body, user="epi_district").status_code == 404


def probe_cases(api, f):
    _list(api, "/api/v1/cases?limit=200")
    _list(api, "/api/v1/cases?limit=200&classification=confirmed&date_field=report")
    assert api.get(f"/api/v1/cases?jurisdiction_code={f['node']}", user="epi_district").status_code == 404
    _list(api, f"/api/v1/cases?q={f['person_rid']}")
    assert f["case"] not in [i["id"] for i in _list(api, f"/api/v1/cases?q={f['case']}").json()["items"]]


def probe_case_export(api, f):
    r = api.get("/api/v1/cases/export.csv?unmask=true", user="epi_district")
    assert r.status_code == 200
    rows = [line.split(",") for line in r.text.lstrip("\ufeff").splitlines()]
    code_col = rows[0].index("jurisdiction_code")
    assert len(rows) > 1 and all(row[code_col].startswith(HOME) for row in rows[1:])
    assert api.get(f"/api/v1/cases/export.csv?jurisdiction_code={f['node']}", user="epi_district").status_code == 404


def probe_case_create(api, f):
    body = {"person_id": f["person"], "classification": "suspected"}
    assert api.post("/api/v1/cases", json=body, user="epi_district").status_code == 404


def probe_case(api, f):
    assert api.get(f"/api/v1/cases/{f['case']}", user="epi_district").status_code == 404


def probe_case_update(api, f):
    assert api.patch(f"/api/v1/cases/{f['case']}", json={"notes": "x"}, user="epi_district").status_code == 404


def probe_case_classify(api, f):
    body = {"classification": "excluded", "reason": "x"}
    assert api.post(f"/api/v1/cases/{f['case']}/classification", json=body, user="epi_district").status_code == 404


def probe_audit(api, f):
    api.get(f"/api/v1/cases/{f['case']}", user="epi")  # a city user's read in another district
    r = api.get("/api/v1/audit?limit=500", user="admin")
    assert any(e["jurisdiction_code"] and not e["jurisdiction_code"].startswith(HOME) for e in r.json()["items"])
    api.get("/api/v1/cases", user="epi_district")
    assert api.get("/api/v1/audit", user="epi_district").status_code == 403
    # the auditor of the city sees all; scoping of an auditor below city level is in test_audit.py


PROBES = {
    "GET /api/v1/health": probe_health,
    "POST /api/v1/auth/token": probe_token,
    "GET /api/v1/auth/me": probe_me,
    "GET /api/v1/jurisdictions": probe_jurisdictions,
    "GET /api/v1/jurisdictions/{code}": probe_jurisdiction,
    "GET /api/v1/jurisdictions/{code}/geojson": probe_jurisdiction_geojson,
    "GET /api/v1/persons": probe_persons,
    "POST /api/v1/persons": probe_person_create,
    "GET /api/v1/persons/duplicates": probe_duplicates,
    "POST /api/v1/persons/duplicates/{candidate_id}/dismiss": probe_dismiss,
    "POST /api/v1/persons/merge": probe_merge,
    "GET /api/v1/persons/{person_id}": probe_person,
    "PATCH /api/v1/persons/{person_id}": probe_person_update,
    "GET /api/v1/cases": probe_cases,
    "POST /api/v1/cases": probe_case_create,
    "GET /api/v1/cases/export.csv": probe_case_export,
    "GET /api/v1/cases/{case_id}": probe_case,
    "PATCH /api/v1/cases/{case_id}": probe_case_update,
    "POST /api/v1/cases/{case_id}/classification": probe_case_classify,
    "GET /api/v1/audit": probe_audit,
}


def api_routes(app) -> set[str]:
    return {f"{method.upper()} {path}" for path, ops in app.openapi()["paths"].items() for method in ops}


def test_every_route_has_a_probe(api):
    assert api_routes(api.app) == set(PROBES), "add a scoping probe for each new API route"


@pytest.mark.parametrize("route", sorted(PROBES))
def test_route_is_scoped(route, api, foreign):
    PROBES[route](api, foreign)


def test_unauthenticated_requests_are_refused(api):
    for route in PROBES:
        method, path = route.split(" ", 1)
        if path in ("/api/v1/health", "/api/v1/auth/token"):
            continue
        url = path.replace("{code}", "320102").replace("{person_id}", "1").replace("{case_id}", "1").replace("{candidate_id}", "1")
        r = api.request(method, url, json={} if method != "GET" else None)
        assert r.status_code == 401, route
        assert r.json()["code"] == "unauthorized"
