"""Profile pages: list, one profile with sources, the diff, a jurisdiction's rules with their forms."""

from __future__ import annotations

import html
import re

from webtools import field_error

from fangkong.protocols import service as profiles

# A grid no other web test uses: changes made here affect nothing else in the shared demo folder.
GRID = "320105003002002"


def rows(page: str, table_id: str) -> dict[str, str]:
    table = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return {m.group(1): m.group(0) for m in re.finditer(r'<tr data-path="([^"]+)".*?</tr>', table, re.S)}


def test_profile_list_and_nav_link(login):
    page = login("grid").get("/profiles").text
    assert 'href="/profiles"' in page and "防控方案" in page
    for profile_id in ("ed8", "ed9", "twenty_measures", "ten_measures", "who_generic"):
        assert f'data-profile="{profile_id}"' in page
    assert "本辖区现行规则" in page


def test_profile_page_shows_values_sources_and_unconfirmed_flags(login):
    page = login("epi").get("/profiles/ed9").text
    values = rows(page, "profile-values")
    deadline = values["case_reporting.report_deadline_hours"]
    assert "2 小时" in deadline and "sdjlnm.com/changshi/264054.html" in html.unescape(deadline)
    restart = values["categories.close_contact.restart.adjacent_floors"]
    assert "unconfirmed" in restart and "未核实" in restart
    assert "unconfirmed" not in values["contacts.close_contact.lookback_days"]
    assert 'id="profile-sources"' in page and "fgc.hbeu.edu.cn" in page


def test_diff_page_highlights_changed_rows(login):
    web = login("epi")
    page = web.get("/profiles/diff?a=ed8&b=ed9").text
    diff = rows(page, "profile-diff")
    lookback = diff["contacts.close_contact.lookback_days"]
    assert 'class="changed"' in lookback and ">2 天<" in lookback and ">4 天<" in lookback
    assert 'class="unchanged"' in diff["case_reporting.report_deadline_hours"]
    only = rows(web.get("/profiles/diff?a=ed8&b=ed9&changed=1").text, "profile-diff")
    assert "case_reporting.report_deadline_hours" not in only and "contacts.close_contact.lookback_days" in only
    assert web.get("/profiles/diff?a=ed8&b=nope").status_code == 404


def test_jurisdiction_page_is_scoped(login):
    web = login("epi_district")
    assert web.get("/jurisdictions/320102/profile").status_code == 200
    assert web.get("/jurisdictions/320104/profile").status_code == 404
    page = web.get("/jurisdictions/320102/profile").text
    assert 'id="profile-select-form"' not in page  # an epidemiologist may read, not change


def test_commander_selects_and_overrides_with_reasons(login, in_db):
    web = login("commander")
    page = web.get(f"/jurisdictions/{GRID}/profile").text
    assert 'id="profile-select-form"' in page and 'id="profile-override-form"' in page
    refused = web.post(f"/jurisdictions/{GRID}/profile/select", {"profile_id": "ed9", "reason": ""})
    assert refused.status_code == 422 and field_error(refused.text, "reason")
    done = web.post(f"/jurisdictions/{GRID}/profile/select",
                    {"profile_id": "ed9", "effective_from": "2022-07-01", "reason": "网格试点"})
    assert done.status_code == 303
    bad_path = web.post(f"/jurisdictions/{GRID}/profile/override",
                        {"path": "screening.nothing", "value": "41", "reason": "x"})
    assert bad_path.status_code == 422 and field_error(bad_path.text, "path")
    done = web.post(f"/jurisdictions/{GRID}/profile/override",
                    {"path": "screening.ct_cutoff", "value": "38", "reason": "实验室试剂说明书", "effective_from": ""})
    assert done.status_code == 303 and done.headers["location"].endswith("flash=value_overridden")
    page = web.get(done.headers["location"]).text
    assert "已调整该取值" in page
    cutoff = rows(page, "effective-values")["screening.ct_cutoff"]
    assert "38" in cutoff and "overridden" in cutoff and GRID in cutoff
    history = page.split('id="profile-history"', 1)[1]
    assert "实验室试剂说明书" in history and "网格试点" in history
    effective = in_db(lambda s: profiles.effective_profile(session=s, jurisdiction_code=GRID))
    assert effective.get("screening.ct_cutoff") == 38 and effective.provenance("screening.ct_cutoff").reason == "实验室试剂说明书"


def test_rules_at_an_earlier_date(login):
    page = login("commander").get(f"/jurisdictions/{GRID}/profile?at=2022-01-01").text
    assert "平台默认方案" in page
    bad = login("commander").get(f"/jurisdictions/{GRID}/profile?at=yesterday")
    assert bad.status_code == 200 and field_error(bad.text, "at")
