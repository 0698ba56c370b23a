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


# --- protocol profiles: the shipped files are public to every role; a jurisdiction's rules are not ---

def probe_profiles(api, f):
    assert api.get("/api/v1/profiles", user="epi_district").status_code == 200


def probe_profile(api, f):
    assert api.get("/api/v1/profiles/ed9", user="epi_district").status_code == 200


def probe_profile_diff(api, f):
    assert api.get("/api/v1/profiles/diff?a=ed8&b=ed9", user="epi_district").status_code == 200


def probe_profile_effective(api, f):
    assert api.get(f"/api/v1/profiles/effective?jurisdiction_code={f['node']}", user="epi_district").status_code == 404
    assert api.get(f"/api/v1/profiles/effective?jurisdiction_code={HOME}", user="epi_district").status_code == 200


def probe_profile_history(api, f):
    body = {"jurisdiction_code": f["node"], "profile_id": "ed8", "reason": "probe"}
    assert api.post("/api/v1/profiles/selections", json=body, user="commander").status_code == 201
    assert api.get(f"/api/v1/profiles/history?jurisdiction_code={f['node']}", user="epi_district").status_code == 404
    items = api.get(f"/api/v1/profiles/history?jurisdiction_code={HOME}", user="epi_district").json()["items"]
    assert all(HOME.startswith(i["jurisdiction_code"]) for i in items) and f["node"] not in {
        i["jurisdiction_code"] for i in items}


def probe_profile_select(api, f):
    body = {"jurisdiction_code": f["node"], "profile_id": "ed8", "reason": "probe"}
    assert api.post("/api/v1/profiles/selections", json=body, user="epi_district").status_code == 404


def probe_profile_override(api, f):
    body = {"jurisdiction_code": f["node"], "path": "case_reporting.report_deadline_hours", "value": 4,
            "reason": "probe"}
    assert api.post("/api/v1/profiles/overrides", json=body, user="epi_district").status_code == 404



# --- response: teams, tasks, supervision, notifications (records made through the API by city users) ---

OTHER = "320104"  # another district of the same city


def _user_id(api, username):
    from fangkong.auth.models import User

    with session_scope(api.app.state.settings.url) as s:
        return s.scalar(select(User.id).where(User.username == username))


def _task(api, code, user="epi", **kw):
    body = {"title": "探针任务", "jurisdiction_code": code, "due_at": "2022-05-01T00:00:00+00:00", **kw}
    r = api.post("/api/v1/tasks", json=body, user=user)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _team(api, code, name):
    r = api.post("/api/v1/teams", json={"name": name, "department": "cdc", "jurisdiction_code": code}, user="admin")
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _attachment(api, task_id):
    r = api.post(f"/api/v1/tasks/{task_id}/attachments", files={"file": ("e.txt", b"evidence", "text/plain")},
                 user="epi")
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _no_entry(api, method, url, **kw):
    r = api.request(method, url, user="epi_district", **kw)
    assert r.status_code == 404, (url, r.status_code, r.text)


def probe_teams(api, f):
    foreign = _team(api, OTHER, "秦淮探针组")
    _team(api, HOME, "玄武探针组")
    items = _list(api, "/api/v1/teams").json()["items"]
    assert items and foreign not in [t["id"] for t in items]
    _no_entry(api, "GET", f"/api/v1/teams?jurisdiction_code={OTHER}")


def probe_team_create(api, f):
    body = {"name": "x", "department": "cdc", "jurisdiction_code": OTHER}
    assert api.post("/api/v1/teams", json=body, user="epi_district").status_code in (403, 404)
    assert api.post("/api/v1/teams", json=body, user="admin").status_code == 201


def probe_team(api, f):
    _no_entry(api, "GET", f"/api/v1/teams/{_team(api, OTHER, '秦淮探针组2')}")


def probe_team_members(api, f):
    foreign = _team(api, OTHER, "秦淮探针组3")
    r = api.request("PUT", f"/api/v1/teams/{foreign}/members", json={"user_ids": []}, user="epi_district")
    assert r.status_code in (403, 404)
    home = _team(api, HOME, "玄武探针组3")
    r = api.request("PUT", f"/api/v1/teams/{home}/members", json={"user_ids": [_user_id(api, "epi")]}, user="admin")
    assert r.status_code == 200  # the admin sees the whole city


def probe_tasks(api, f):
    foreign, home = _task(api, OTHER), _task(api, HOME)
    ids = [t["id"] for t in _list(api, "/api/v1/tasks?limit=200").json()["items"]]
    assert home in ids and foreign not in ids
    _list(api, "/api/v1/tasks?overdue=true&status=open")
    _no_entry(api, "GET", f"/api/v1/tasks?jurisdiction_code={OTHER}")


def probe_task_create(api, f):
    body = {"title": "x", "jurisdiction_code": OTHER, "due_in_hours": 2}
    _no_entry(api, "POST", "/api/v1/tasks", json=body)


def probe_my_tasks(api, f):
    me = _user_id(api, "epi_district")
    mine = _task(api, HOME, assignee_id=me)
    _task(api, OTHER, assignee_id=_user_id(api, "epi"))
    items = _list(api, "/api/v1/tasks/mine").json()["items"]
    assert mine in [i["id"] for i in items]


def probe_board(api, f):
    _task(api, OTHER)
    r = api.get("/api/v1/tasks/board", user="epi_district")
    assert r.status_code == 200
    cards = [t for column in r.json()["columns"].values() for t in column]
    assert all(t["jurisdiction_code"].startswith(HOME) for t in cards)
    _no_entry(api, "GET", f"/api/v1/tasks/board?jurisdiction_code={OTHER}")


def probe_apply_bundle(api, f):
    body = {"bundle_id": "investigation", "subject_type": "case", "subject_id": str(f["case"]),
            "jurisdiction_code": OTHER, "start_at": "2022-05-01T00:00:00+00:00"}
    _no_entry(api, "POST", "/api/v1/tasks/apply-bundle", json=body)


def probe_bulk_assign(api, f):
    home = _team(api, HOME, "玄武探针组4")
    _no_entry(api, "POST", "/api/v1/tasks/bulk-assign", json={"ids": [_task(api, OTHER)], "team_id": home})
    foreign_team = _team(api, OTHER, "秦淮探针组4")
    _no_entry(api, "POST", "/api/v1/tasks/bulk-assign", json={"ids": [_task(api, HOME)], "team_id": foreign_team})


def probe_bulk_close(api, f):
    foreign = _task(api, OTHER)
    _no_entry(api, "POST", "/api/v1/tasks/bulk-close", json={"ids": [_task(api, HOME), foreign], "reason": "x"})
    assert api.get(f"/api/v1/tasks/{foreign}", user="epi").json()["status"] == "open"


def probe_task(api, f):
    _no_entry(api, "GET", f"/api/v1/tasks/{_task(api, OTHER)}")


def probe_task_update(api, f):
    _no_entry(api, "PATCH", f"/api/v1/tasks/{_task(api, OTHER)}", json={"priority": "high"})


def probe_task_assign(api, f):
    _no_entry(api, "POST", f"/api/v1/tasks/{_task(api, OTHER)}/assign", json={"team_id": None})
    foreign_team = _team(api, OTHER, "秦淮探针组5")
    _no_entry(api, "POST", f"/api/v1/tasks/{_task(api, HOME)}/assign", json={"team_id": foreign_team})


def probe_task_complete(api, f):
    _no_entry(api, "POST", f"/api/v1/tasks/{_task(api, OTHER)}/complete", json={"note": "x"})


def probe_task_notes(api, f):
    _no_entry(api, "POST", f"/api/v1/tasks/{_task(api, OTHER)}/notes", json={"note": "x"})


def probe_task_upload(api, f):
    _no_entry(api, "POST", f"/api/v1/tasks/{_task(api, OTHER)}/attachments",
              files={"file": ("e.txt", b"x", "text/plain")})


def probe_task_download(api, f):
    foreign = _task(api, OTHER)
    attachment = _attachment(api, foreign)
    _no_entry(api, "GET", f"/api/v1/tasks/{foreign}/attachments/{attachment}")
    _no_entry(api, "GET", f"/api/v1/tasks/{_task(api, HOME)}/attachments/{attachment}")


def probe_supervision(api, f):
    _no_entry(api, "GET", f"/api/v1/supervision?from=2022-05-01&to=2022-05-08&jurisdiction_code={OTHER}")
    r = api.get("/api/v1/supervision?from=2022-05-01&to=2022-05-08", user="auditor")
    assert r.status_code == 200 and r.json()["jurisdiction_code"] == "320100"


def probe_supervision_tasks(api, f):
    _no_entry(api, "GET", f"/api/v1/supervision/tasks?from=2022-05-01&to=2022-05-08&jurisdiction_code={OTHER}")


def _foreign_notification(api):
    epi = _user_id(api, "epi")
    _task(api, OTHER, user="admin", assignee_id=epi)
    return api.get("/api/v1/notifications", user="epi").json()["items"][0]["id"]


def probe_notifications(api, f):
    theirs = _foreign_notification(api)
    r = api.get("/api/v1/notifications", user="epi_district")
    assert r.status_code == 200 and theirs not in [n["id"] for n in r.json()["items"]]


def probe_notifications_read(api, f):
    _no_entry(api, "POST", "/api/v1/notifications/read", json={"ids": [_foreign_notification(api)]})


# --- screening: a campaign of the city lab in another district (320104), probed by district users ---

SCREENING = "/api/v1/screening"
ROW = "tube_id,result,ct_orf1ab,ct_n,lab_id,reported_at\n{tube},positive,30,31,LAB1,2022-05-01 17:00\n"


def _lab_district(api):
    """A lab operator of the home district (who may write, so that a refusal is about scope, not role)."""
    from fangkong.auth import service as auth
    from fangkong.auth.models import User
    from fangkong.demo.seed import DEMO_PASSWORD

    with session_scope(api.app.state.settings.url) as s:
        if not s.scalar(select(User.id).where(User.username == "lab_district")):
            auth.create_user(session=s, actor=None, username="lab_district", password=DEMO_PASSWORD,
                             role="lab_operator", jurisdiction_code=HOME)
    return "lab_district"


def _screening(api, code=OTHER):
    """Campaign, site, round, a positive 5-in-1 tube of 3 residents of one grid of `code`, an exemption."""
    with session_scope(api.app.state.settings.url) as s:
        rows = s.execute(select(Person.id, Person.jurisdiction_code).where(Person.jurisdiction_code.startswith(code))
                         .order_by(Person.jurisdiction_code, Person.id)).all()
    grid = rows[0][1]
    members = [pid for pid, c in rows if c == grid]

    def ok(r):
        assert r.status_code in (200, 201), r.text
        return r.json()
    campaign = ok(api.post(f"{SCREENING}/campaigns", user="lab", json={
        "name": f"探针筛查{code}", "jurisdiction_code": code, "areas": [{"jurisdiction_code": grid, "pool_size": 5}]}))
    site = ok(api.post(f"{SCREENING}/campaigns/{campaign['id']}/sites", user="lab", json={
        "name": "探针采样点", "jurisdiction_code": grid, "capacity_per_hour": 100}))
    rnd = ok(api.post(f"{SCREENING}/campaigns/{campaign['id']}/rounds", user="lab",
                      json={"starts_at": "2022-05-01T00:00:00Z"}))
    tube = f"T-{code}"
    for pid in members[:3]:
        sample = ok(api.post(f"{SCREENING}/rounds/{rnd['id']}/samples", user="lab", json={
            "person_id": pid, "tube_code": tube, "collected_at": "2022-05-01T01:00:00Z"}))
    ok(api.post(f"{SCREENING}/rounds/{rnd['id']}/exemptions", user="lab",
                json={"person_id": members[3], "reason": "away"}))
    ok(api.post(f"{SCREENING}/results", user="lab",
                files={"file": (f"{code}.csv", ROW.format(tube=tube).encode(), "text/csv")}))
    return {"campaign": campaign["id"], "site": site["id"], "round": rnd["id"], "tube": sample["tube_id"],
            "tube_code": tube, "grid": grid, "spare": members[4]}


def _foreign_screening(api):
    return _screening(api, OTHER)


def _refused(api, method, url, user="epi_district", **kw):
    r = api.request(method, url, user=user, **kw)
    assert r.status_code == 404, (method, url, r.status_code, r.text)


def probe_screening_plan(api, f):
    _refused(api, "GET", f"{SCREENING}/plan?jurisdiction_code={OTHER}")
    assert api.get(f"{SCREENING}/plan", user="epi_district").json()["jurisdiction_code"] == HOME


def probe_screening_campaigns(api, f):
    foreign, home = _foreign_screening(api), _screening(api, HOME)
    ids = [c["id"] for c in _list(api, f"{SCREENING}/campaigns").json()["items"]]
    assert home["campaign"] in ids and foreign["campaign"] not in ids


def probe_screening_campaign_create(api, f):
    body = {"name": "x", "jurisdiction_code": OTHER, "areas": [{"jurisdiction_code": OTHER}]}
    _refused(api, "POST", f"{SCREENING}/campaigns", user=_lab_district(api), json=body)


def probe_screening_campaign(api, f):
    _refused(api, "GET", f"{SCREENING}/campaigns/{_foreign_screening(api)['campaign']}")


def probe_screening_campaign_update(api, f):
    url = f"{SCREENING}/campaigns/{_foreign_screening(api)['campaign']}"
    _refused(api, "PATCH", url, user=_lab_district(api), json={"name": "y"})


def probe_screening_campaign_delete(api, f):
    foreign = _foreign_screening(api)
    _refused(api, "DELETE", f"{SCREENING}/campaigns/{foreign['campaign']}", user=_lab_district(api))


def probe_screening_campaign_plan(api, f):
    _refused(api, "GET", f"{SCREENING}/campaigns/{_foreign_screening(api)['campaign']}/plan")


def probe_screening_sites(api, f):
    _refused(api, "GET", f"{SCREENING}/campaigns/{_foreign_screening(api)['campaign']}/sites")


def probe_screening_site_create(api, f):
    foreign = _foreign_screening(api)
    body = {"name": "z", "jurisdiction_code": HOME, "capacity_per_hour": 10}
    _refused(api, "POST", f"{SCREENING}/campaigns/{foreign['campaign']}/sites", user=_lab_district(api), json=body)


def probe_screening_site_update(api, f):
    foreign = _foreign_screening(api)
    _refused(api, "PATCH", f"{SCREENING}/sites/{foreign['site']}", user=_lab_district(api), json={"samplers": 9})


def probe_screening_round_launch(api, f):
    foreign = _foreign_screening(api)
    _refused(api, "POST", f"{SCREENING}/campaigns/{foreign['campaign']}/rounds", user=_lab_district(api), json={})


def probe_screening_round(api, f):
    _refused(api, "GET", f"{SCREENING}/rounds/{_foreign_screening(api)['round']}")


def probe_screening_round_close(api, f):
    _refused(api, "POST", f"{SCREENING}/rounds/{_foreign_screening(api)['round']}/close", user=_lab_district(api))


def probe_screening_exemptions(api, f):
    _refused(api, "GET", f"{SCREENING}/rounds/{_foreign_screening(api)['round']}/exemptions")


def probe_screening_exempt(api, f):
    foreign = _foreign_screening(api)
    _refused(api, "POST", f"{SCREENING}/rounds/{foreign['round']}/exemptions", user=_lab_district(api),
             json={"person_id": foreign["spare"], "reason": "away"})


def probe_screening_sample(api, f):
    foreign = _foreign_screening(api)
    body = {"person_id": foreign["spare"], "tube_code": "T-probe", "collected_at": "2022-05-01T02:00:00Z"}
    _refused(api, "POST", f"{SCREENING}/rounds/{foreign['round']}/samples", user=_lab_district(api), json=body)


def probe_screening_samples_bulk(api, f):
    foreign = _foreign_screening(api)
    body = {"items": [{"person_id": foreign["spare"], "tube_code": "T-probe", "collected_at": "2022-05-01T02:00:00Z"}]}
    _refused(api, "POST", f"{SCREENING}/rounds/{foreign['round']}/samples/bulk", user=_lab_district(api), json=body)


def probe_screening_tubes(api, f):
    _refused(api, "GET", f"{SCREENING}/rounds/{_foreign_screening(api)['round']}/tubes")


def probe_screening_tube_open(api, f):
    foreign = _foreign_screening(api)
    _refused(api, "POST", f"{SCREENING}/rounds/{foreign['round']}/tubes", user=_lab_district(api),
             json={"code": "T-probe", "pool_size": 10})


def probe_screening_tube(api, f):
    _refused(api, "GET", f"{SCREENING}/tubes/{_foreign_screening(api)['tube']}")


def probe_screening_tube_send(api, f):
    foreign = _foreign_screening(api)
    _refused(api, "POST", f"{SCREENING}/tubes/{foreign['tube']}/send", user=_lab_district(api), json={})


def _unknown_tube(r, code):
    assert r.status_code == 422 and r.json()["errors"][0]["message"] == f"unknown tube {code!r}", r.text


def probe_screening_results(api, f):
    foreign = _foreign_screening(api)
    row = ROW.format(tube=foreign["tube_code"]).replace("30,31", "20,21")
    r = api.post(f"{SCREENING}/results", user=_lab_district(api), files={"file": ("r.csv", row.encode(), "text/csv")})
    _unknown_tube(r, foreign["tube_code"])


def probe_screening_results_fhir(api, f):
    foreign = _foreign_screening(api)
    bundle = {"resourceType": "Bundle", "entry": [{"resource": {
        "resourceType": "Observation", "specimen": {"identifier": {"value": foreign["tube_code"]}},
        "valueCodeableConcept": {"text": "negative"}, "performer": [{"display": "LAB9"}],
        "issued": "2022-05-01T20:00:00+08:00"}}]}
    _unknown_tube(api.post(f"{SCREENING}/results/fhir", user=_lab_district(api), json=bundle), foreign["tube_code"])


def probe_screening_resolve(api, f):
    _refused(api, "POST", f"{SCREENING}/rounds/{_foreign_screening(api)['round']}/resolve", user=_lab_district(api))


def probe_screening_resolution(api, f):
    _refused(api, "GET", f"{SCREENING}/rounds/{_foreign_screening(api)['round']}/resolution")


def probe_screening_coverage(api, f):
    _refused(api, "GET", f"{SCREENING}/rounds/{_foreign_screening(api)['round']}/coverage")
    home = _screening(api, HOME)
    _refused(api, "GET", f"{SCREENING}/rounds/{home['round']}/coverage?jurisdiction_code={OTHER}")
    r = api.get(f"{SCREENING}/rounds/{home['round']}/coverage", user="epi_district")
    grids = r.json()["grids"]
    assert grids and all(g["jurisdiction_code"].startswith(HOME) for g in grids)


def probe_screening_untested(api, f):
    _refused(api, "GET", f"{SCREENING}/rounds/{_foreign_screening(api)['round']}/untested")


def probe_screening_positive_pools(api, f):
    _refused(api, "GET", f"{SCREENING}/rounds/{_foreign_screening(api)['round']}/positive-pools")


def probe_screening_isolations(api, f):
    _foreign_screening(api)
    _screening(api, HOME)
    items = _list(api, f"{SCREENING}/isolations").json()["items"]
    assert len(items) == 3
    assert len(api.get(f"{SCREENING}/isolations", user="epi").json()["items"]) == 6


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
    "GET /api/v1/profiles": probe_profiles,
    "GET /api/v1/profiles/{profile_id}": probe_profile,
    "GET /api/v1/profiles/diff": probe_profile_diff,
    "GET /api/v1/profiles/effective": probe_profile_effective,
    "GET /api/v1/profiles/history": probe_profile_history,
    "POST /api/v1/profiles/selections": probe_profile_select,
    "POST /api/v1/profiles/overrides": probe_profile_override,
    "GET /api/v1/teams": probe_teams,
    "POST /api/v1/teams": probe_team_create,
    "GET /api/v1/teams/{team_id}": probe_team,
    "PUT /api/v1/teams/{team_id}/members": probe_team_members,
    "GET /api/v1/tasks": probe_tasks,
    "POST /api/v1/tasks": probe_task_create,
    "GET /api/v1/tasks/mine": probe_my_tasks,
    "GET /api/v1/tasks/board": probe_board,
    "POST /api/v1/tasks/apply-bundle": probe_apply_bundle,
    "POST /api/v1/tasks/bulk-assign": probe_bulk_assign,
    "POST /api/v1/tasks/bulk-close": probe_bulk_close,
    "GET /api/v1/tasks/{task_id}": probe_task,
    "PATCH /api/v1/tasks/{task_id}": probe_task_update,
    "POST /api/v1/tasks/{task_id}/assign": probe_task_assign,
    "POST /api/v1/tasks/{task_id}/complete": probe_task_complete,
    "POST /api/v1/tasks/{task_id}/notes": probe_task_notes,
    "POST /api/v1/tasks/{task_id}/attachments": probe_task_upload,
    "GET /api/v1/tasks/{task_id}/attachments/{attachment_id}": probe_task_download,
    "GET /api/v1/supervision": probe_supervision,
    "GET /api/v1/supervision/tasks": probe_supervision_tasks,
    "GET /api/v1/notifications": probe_notifications,
    "POST /api/v1/notifications/read": probe_notifications_read,
    "GET /api/v1/screening/plan": probe_screening_plan,
    "GET /api/v1/screening/campaigns": probe_screening_campaigns,
    "POST /api/v1/screening/campaigns": probe_screening_campaign_create,
    "GET /api/v1/screening/campaigns/{campaign_id}": probe_screening_campaign,
    "PATCH /api/v1/screening/campaigns/{campaign_id}": probe_screening_campaign_update,
    "DELETE /api/v1/screening/campaigns/{campaign_id}": probe_screening_campaign_delete,
    "GET /api/v1/screening/campaigns/{campaign_id}/plan": probe_screening_campaign_plan,
    "GET /api/v1/screening/campaigns/{campaign_id}/sites": probe_screening_sites,
    "POST /api/v1/screening/campaigns/{campaign_id}/sites": probe_screening_site_create,
    "PATCH /api/v1/screening/sites/{site_id}": probe_screening_site_update,
    "POST /api/v1/screening/campaigns/{campaign_id}/rounds": probe_screening_round_launch,
    "GET /api/v1/screening/rounds/{round_id}": probe_screening_round,
    "POST /api/v1/screening/rounds/{round_id}/close": probe_screening_round_close,
    "GET /api/v1/screening/rounds/{round_id}/exemptions": probe_screening_exemptions,
    "POST /api/v1/screening/rounds/{round_id}/exemptions": probe_screening_exempt,
    "POST /api/v1/screening/rounds/{round_id}/samples": probe_screening_sample,
    "POST /api/v1/screening/rounds/{round_id}/samples/bulk": probe_screening_samples_bulk,
    "GET /api/v1/screening/rounds/{round_id}/tubes": probe_screening_tubes,
    "POST /api/v1/screening/rounds/{round_id}/tubes": probe_screening_tube_open,
    "GET /api/v1/screening/tubes/{tube_id}": probe_screening_tube,
    "POST /api/v1/screening/tubes/{tube_id}/send": probe_screening_tube_send,
    "POST /api/v1/screening/results": probe_screening_results,
    "POST /api/v1/screening/results/fhir": probe_screening_results_fhir,
    "POST /api/v1/screening/rounds/{round_id}/resolve": probe_screening_resolve,
    "GET /api/v1/screening/rounds/{round_id}/resolution": probe_screening_resolution,
    "GET /api/v1/screening/rounds/{round_id}/coverage": probe_screening_coverage,
    "GET /api/v1/screening/rounds/{round_id}/untested": probe_screening_untested,
    "GET /api/v1/screening/rounds/{round_id}/positive-pools": probe_screening_positive_pools,
    "GET /api/v1/screening/isolations": probe_screening_isolations,
}
PROBES.update(__import__("scoping_tracing").PROBES)  # the tracing routes' probes (tests/api/scoping_tracing.py)
PROBES.update(__import__("scoping_chains").PROBES)  # chains and clusters (tests/api/scoping_chains.py)


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
        url = url.replace("{team_id}", "1").replace("{task_id}", "1").replace("{attachment_id}", "1")
        for name in ("campaign_id", "round_id", "site_id", "tube_id", "venue_id", "investigation_id", "entry_id",
                     "contact_id", "link_id", "key", "cluster_id"):
            url = url.replace(f"{{{name}}}", "1")
        r = api.request(method, url, json={} if method != "GET" else None)
        assert r.status_code == 401, route
        assert r.json()["code"] == "unauthorized"
