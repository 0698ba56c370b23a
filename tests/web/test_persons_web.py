"""Person pages: masked search, edit with server-side validation, the duplicate review queue."""

from __future__ import annotations

import re

from fangkong.authz import SYSTEM
from fangkong.people import dedup, service as people
from webtools import field_error


def test_search_shows_masked_numbers(login):
    page = login("epi").get("/persons?q=王").text
    ids = re.findall(r'<td class="mono">([^<]*)</td>', page)
    assert ids and all("*" in v or v == "—" for v in ids)
    assert "查询将记入审计日志" in page


def test_person_edit_validates_on_the_server(login, in_db):
    found = in_db(lambda s: people.search(session=s, actor=SYSTEM, q="李", limit=1)[0][0])
    person = in_db(lambda s: people.get(session=s, actor=SYSTEM, person_id=found.id, audit_read=False))
    web = login("epi")
    page = web.get(f"/persons/{person.id}").text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = web.post(f"/persons/{person.id}/edit", {"phone": "12345", "version": version, "name": person.name})
    assert response.status_code == 422
    assert field_error(response.text, "phone") == "电话号码无效"
    response = web.post(f"/persons/{person.id}/edit", {"address": "南京市玄武区测试路1号", "version": version,
                                                        "name": person.name, "phone": ""})
    assert response.status_code == 303
    saved = in_db(lambda s: people.get(session=s, actor=SYSTEM, person_id=person.id, audit_read=False))
    assert saved.address == "南京市玄武区测试路1号" and saved.phone == person.phone  # blank phone: kept


def test_duplicate_queue_merge_and_dismiss(login, in_db):
    web = login("epi")
    page = web.get("/persons/duplicates").text
    pairs = re.findall(r'action="/persons/duplicates/(\d+)/dismiss"', page)
    assert len(pairs) >= 2
    assert web.post(f"/persons/duplicates/{pairs[0]}/dismiss").headers["location"].endswith("flash=dismissed")
    again = web.post(f"/persons/duplicates/{pairs[0]}/dismiss")
    assert again.status_code == 409
    keep, gone = re.findall(r'name="keep_id" value="(\d+)"><input type="hidden" name="merge_id" value="(\d+)"',
                            web.get("/persons/duplicates").text)[0]
    response = web.post("/persons/merge", {"keep_id": keep, "merge_id": gone})
    assert response.headers["location"].endswith("flash=merged")
    merged = in_db(lambda s: people.get(session=s, actor=SYSTEM, person_id=int(gone), audit_read=False))
    assert merged.merged_into_id == int(keep)
    assert "人员已合并" in web.get(response.headers["location"]).text


def test_duplicates_need_the_merge_permission(login):
    grid = login("grid")
    assert "/persons/duplicates" not in grid.get("/").text
    assert grid.get("/persons/duplicates").status_code == 403


def test_grid_worker_sees_only_their_community(login, in_db):
    web = login("grid")
    page = web.get("/persons").text
    for person_id in re.findall(r'data-href="/persons/(\d+)"', page):
        person = in_db(lambda s, pid=int(person_id): people.get(session=s, actor=SYSTEM, person_id=pid,
                                                                 audit_read=False))
        assert person.jurisdiction_code.startswith("320102001001")
    outsider = in_db(lambda s: dedup.list_candidates(session=s, actor=SYSTEM, limit=1)[0][0][1])
    if not outsider.jurisdiction_code.startswith("320102001001"):
        assert web.get(f"/persons/{outsider.id}").status_code == 404
