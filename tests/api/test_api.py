from sqlalchemy import select

from fangkong.cases.models import Case
from fangkong.db import session_scope


def test_openapi_is_published(api):
    spec = api.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1") and "/api/v1/cases" in spec["paths"]


def test_keyset_pages_cover_every_case_once(api, db_url):
    with session_scope(db_url) as s:
        expected = set(s.scalars(select(Case.id)))
    seen, cursor = [], None
    while True:
        r = api.get("/api/v1/cases?limit=7" + (f"&cursor={cursor}" if cursor else ""), user="admin").json()
        seen += [i["id"] for i in r["items"]]
        assert {"id", "classification", "jurisdiction_code", "onset_date", "report_date"} <= set(r["items"][0])
        cursor = r["next"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) and set(seen) == expected
    assert seen == sorted(seen, reverse=True)


def test_filters(api):
    items = api.get("/api/v1/cases?classification=confirmed&classification=asymptomatic&limit=200", user="admin").json()["items"]
    assert items and {i["classification"] for i in items} <= {"confirmed", "asymptomatic"}
    dated = api.get("/api/v1/cases?date_from=2022-04-25&date_to=2022-04-28&limit=200", user="admin").json()["items"]
    assert all("2022-04-25" <= i["onset_date"] <= "2022-04-28" for i in dated)
    district = api.get("/api/v1/cases?jurisdiction_code=320104&limit=200", user="admin").json()["items"]
    assert district and all(i["jurisdiction_code"].startswith("320104") for i in district)
    name = district[0]["person_name"]
    by_name = api.get(f"/api/v1/cases?q={name}", user="admin").json()["items"]
    assert by_name and all(i["person_name"].startswith(name) for i in by_name)
    late = api.get("/api/v1/cases?report_status=late&limit=200", user="admin").json()["items"]
    assert all(i["report_status"] == "late" for i in late)


def test_errors_are_json_with_code_message_field_and_no_trace(api):
    r = api.post("/api/v1/cases", json={"classification": "confirmed", "person_id": "abc"}, user="epi")
    body = r.json()
    assert r.status_code == 422 and body["code"] == "invalid" and body["field"] == "person_id"
    assert "Traceback" not in r.text
    r = api.get("/api/v1/cases?cursor=!!notacursor", user="epi")
    assert r.status_code == 422 and r.json()["field"] == "cursor"
    r = api.get("/api/v1/cases/999999", user="epi")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = api.post("/api/v1/persons", json={"name": "赵六", "jurisdiction_code": "320102001001001",
                                          "resident_id": "320102199001011234"}, user="epi")
    assert r.status_code == 422 and r.json()["field"] == "resident_id" and "check digit" in r.json()["message"]


def test_create_and_classify_through_the_api(api):
    person = {"name": "周杰", "sex": "male", "birth_date": "1979-01-18", "jurisdiction_code": "320102001001001",
              "phone": "13700001234"}
    r = api.post("/api/v1/cases", json={"person": person, "classification": "suspected",
                                        "diagnosed_at": "2022-04-30T10:00:00+08:00"}, user="epi_district")
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["person"]["phone"] == "137****1234" and case["report_status"] in ("open", "late")
    r = api.post(f"/api/v1/cases/{case['id']}/classification",
                 json={"classification": "confirmed", "severity": "mild"}, user="epi_district")
    assert r.status_code == 200 and [h["to_classification"] for h in r.json()["history"]] == ["suspected", "confirmed"]
    r = api.post(f"/api/v1/cases/{case['id']}/classification", json={"classification": "excluded"}, user="epi_district")
    assert r.status_code == 422 and r.json()["field"] == "reason"
    assert api.post(f"/api/v1/cases/{case['id']}/classification", json={"classification": "excluded"},
                    user="lab").status_code == 403


def test_export_is_masked_unless_unmasked_with_permission_and_audited(api):
    masked = api.get("/api/v1/cases/export.csv?classification=confirmed", user="commander")
    assert masked.status_code == 200 and masked.headers["content-type"].startswith("text/csv")
    lines = masked.text.lstrip("\ufeff").splitlines()
    header = lines[0].split(",")
    rid = header.index("resident_id")
    values = [line.split(",")[rid] for line in lines[1:] if line.split(",")[rid]]
    assert values and all("**********" in v for v in values)
    assert all(line.split(",")[header.index("classification")] == "confirmed" for line in lines[1:])
    plain = api.get("/api/v1/cases/export.csv?classification=confirmed&unmask=true", user="commander").text
    assert "**********" not in plain
    assert api.get("/api/v1/cases/export.csv", user="auditor").status_code == 403
    assert api.get("/api/v1/cases/export.csv?unmask=true", user="lab").status_code == 403
    entries = api.get("/api/v1/audit?action=case.export", user="admin").json()["items"]
    assert [e["detail"].split(";")[0].endswith("UNMASKED") for e in entries] == [True, False]


def test_jurisdiction_filter_covers_the_whole_subtree(api):
    city = api.get("/api/v1/cases?jurisdiction_code=320100&limit=200", user="admin").json()["items"]
    everything = api.get("/api/v1/cases?limit=200", user="admin").json()["items"]
    assert city and [i["id"] for i in city] == [i["id"] for i in everything]
    street = api.get("/api/v1/cases?jurisdiction_code=320102001&limit=200", user="admin").json()["items"]
    assert street and all(i["jurisdiction_code"].startswith("320102001") for i in street)
    persons = api.get("/api/v1/persons?jurisdiction_code=320100&limit=5", user="admin").json()["items"]
    assert len(persons) == 5
