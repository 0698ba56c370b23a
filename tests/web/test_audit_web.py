"""The audit log page: who may read it, filters and the field-level diffs."""

from __future__ import annotations

import re

from fangkong.audit import service as audit
from fangkong.authz import SYSTEM
from fangkong.cases import service as cases


def test_audit_log_needs_audit_read(login):
    assert login("epi").get("/audit").status_code == 403
    assert "审计日志" not in login("epi").get("/").text.split("<main")[0]
    assert login("auditor").get("/audit").status_code == 200


def test_case_update_shows_field_diff(login, in_db):
    case_id = in_db(lambda s: cases.list_cases(session=s, actor=SYSTEM, limit=1, jurisdiction_code="320105",
                                               classification=["asymptomatic"])[0][0].id)
    epi = login("epi")
    version = re.search(r'name="version" value="(\d+)"', epi.get(f"/cases/{case_id}").text).group(1)
    assert epi.post(f"/cases/{case_id}/edit", {"version": version, "notes": "审计差异测试"}).status_code == 303
    auditor = login("auditor")
    page = auditor.get(f"/audit?action=case.update&resource_type=case&resource_id={case_id}").text
    rows = re.findall(r'<tr data-action="([^"]+)" data-resource="([^"]+)">', page)
    assert rows and set(rows) == {("case.update", f"case:{case_id}")}
    assert '<span class="key">notes</span>' in page and '<span class="new">审计差异测试</span>' in page


def test_audit_filters_by_user_and_date(login):
    auditor = login("auditor")
    page = auditor.get("/audit?username=auditor&action=login").text
    assert set(re.findall(r'data-action="([^"]+)"', page)) == {"login"}
    assert "没有符合筛选条件的记录" in auditor.get("/audit?date_from=2000-01-01&date_to=2000-01-02").text
    assert "日期无效" in auditor.get("/audit?date_from=yesterday").text


def test_audit_keyset_paging(login, in_db):
    def many(session):
        for i in range(60):
            audit.record(session=session, actor=SYSTEM, action="test.paging", resource_type="case",
                         resource_id=i, jurisdiction_code="320100")

    in_db(many)
    auditor = login("auditor")
    first = auditor.get("/audit?action=test.paging").text
    link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = auditor.get(link).text
    ids = lambda page: [int(i) for i in re.findall(r'data-resource="case:(\d+)"', page)]  # noqa: E731
    assert len(ids(first)) == 50 and len(ids(second)) == 10 and "action=test.paging" in link
    assert max(ids(second)) < min(ids(first))
