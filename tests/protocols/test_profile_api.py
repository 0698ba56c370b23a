"""/api/v1/profiles: list, show, diff, effective with provenance, selections, overrides, history."""

from __future__ import annotations

DEADLINE = "case_reporting.report_deadline_hours"


def test_list_show_and_diff(api):
    items = api.get("/api/v1/profiles", user="epi_district").json()["items"]
    assert [i["id"] for i in items] == ["who_generic", "ed8", "ed9", "twenty_measures", "ten_measures"]
    ed9 = api.get("/api/v1/profiles/ed9", user="epi_district").json()
    row = next(r for r in ed9["rows"] if r["path"] == DEADLINE)
    assert row["value"] == 2.0 and row["unit"] == "hour" and row["source"] == "report-v3"
    assert ed9["sources"]["report-v3"]["url"] == "sdjlnm.com/changshi/264054.html"
    assert any(not r["confirmed"] for r in ed9["rows"])
    assert api.get("/api/v1/profiles/ed7", user="epi_district").status_code == 404
    diff = api.get("/api/v1/profiles/diff?a=ed8&b=ed9&changed_only=true", user="epi_district").json()
    rows = {r["path"]: r for r in diff["rows"]}
    assert rows["contacts.close_contact.lookback_days"] == {"path": "contacts.close_contact.lookback_days", "a": 2,
                                                            "b": 4, "unit": "day", "changed": True}
    assert diff["changed"] == len(diff["rows"])


def test_select_override_effective_and_history(api):
    r = api.post("/api/v1/profiles/selections", user="commander",
                 json={"jurisdiction_code": "320102", "profile_id": "ed8", "effective_from": "2022-07-01",
                       "reason": "市指挥部通知"})
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "selection" and r.json()["effective_from"].startswith("2022-06-30T16:00")
    r = api.post("/api/v1/profiles/overrides", user="commander",
                 json={"jurisdiction_code": "320102001", "path": DEADLINE, "value": {"value": 1, "unit": "day"},
                       "effective_from": "2022-07-02T08:00:00+08:00", "reason": "街道试行"})
    assert r.status_code == 201, r.text
    assert r.json()["value"] == 24.0
    effective = api.get("/api/v1/profiles/effective?jurisdiction_code=320102001001001&at=2022-07-03T00:00:00Z",
                        user="epi_district").json()
    assert effective["profile_id"] == "ed8" and effective["basis"]["set_at_node"] == "320102"
    values = {v["path"]: v for v in effective["values"]}
    assert values[DEADLINE]["value"] == 24.0
    assert values[DEADLINE]["provenance"]["source"] == "override:320102001"
    assert values["contacts.close_contact.lookback_days"]["provenance"]["source"] == "profile:ed8"
    assert "readke.com" in values["contacts.close_contact.lookback_days"]["provenance"]["citation"]
    before = api.get("/api/v1/profiles/effective?jurisdiction_code=320102&at=2022-06-30T00:00:00Z",
                     user="epi_district").json()
    assert before["profile_id"] == "ed9" and before["basis"]["set_at_node"] is None
    history = api.get("/api/v1/profiles/history?jurisdiction_code=320102001", user="epi_district").json()["items"]
    assert [(h["kind"], h["jurisdiction_code"]) for h in history] == [("override", "320102001"),
                                                                     ("selection", "320102")]


def test_errors_name_their_field(api):
    r = api.post("/api/v1/profiles/overrides", user="commander",
                 json={"jurisdiction_code": "320102", "path": "nope.nothing", "value": 1, "reason": "x"})
    assert r.status_code == 422 and r.json()["field"] == "path"
    r = api.post("/api/v1/profiles/overrides", user="commander",
                 json={"jurisdiction_code": "320102", "path": DEADLINE, "value": "soon", "reason": "x"})
    assert r.status_code == 422 and r.json()["field"] == "value"
    r = api.post("/api/v1/profiles/selections", user="commander",
                 json={"jurisdiction_code": "320102", "profile_id": "ed9", "reason": ""})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = api.post("/api/v1/profiles/selections", user="epi_district",
                 json={"jurisdiction_code": "320102", "profile_id": "ed9", "reason": "x"})
    assert r.status_code == 403
