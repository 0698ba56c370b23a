"""Tracing pages without a browser: investigations (clocks, itinerary by HTMX, status, report in two
languages), contacts with bulk actions, chain graph and timeline data, clusters; jurisdiction limits."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from fangkong.auth import service as auth
from fangkong.auth.models import User
from fangkong.cases.models import Case
from fangkong.db import session_scope
from fangkong.people.models import Person

FIRST_DISTRICT = "320102"  # epi_district's district in the demo city


def _actor(session, username: str):
    return auth.actor_for(session=session, user=session.scalar(select(User).where(User.username == username)))


def _cases(session, *, inside: bool, n: int) -> list[Case]:
    where = Case.jurisdiction_code.startswith(FIRST_DISTRICT) if inside else ~Case.jurisdiction_code.startswith(
        FIRST_DISTRICT)
    return list(session.scalars(select(Case).where(where, Case.classification == "confirmed",
                                                   Case.diagnosed_at.is_not(None)).order_by(Case.id).limit(n)))


def _link_chain(session, actor, case_ids: list[int]) -> int:
    """Links a → b, a → c, b → d …: a small tree over the cases through the chains service; links made."""
    from fangkong.tracing import chains
    from fangkong.tracing.chains_schemas import LinkCreate

    for i, infectee in enumerate(case_ids[1:], start=1):
        chains.create_link(session=session, actor=actor, data=LinkCreate(
            infector_case_id=case_ids[(i - 1) // 2], infectee_case_id=infectee,
            certainty=("confirmed", "probable", "possible")[i % 3]))
    return len(case_ids) - 1


_SEEDED: dict[str, dict] = {}


@pytest.fixture(scope="session")
def tracing_data(web_settings) -> dict:
    """The seeded records, made once per demo database (test_tracing_browser.py imports this fixture too)."""
    if web_settings.url not in _SEEDED:
        _SEEDED[web_settings.url] = _seed(web_settings)
    return _SEEDED[web_settings.url]


def _seed(web_settings) -> dict:
    """Investigations of three confirmed cases of the first district (the third for the browser tests)
    and one of another district; the first
    with two itinerary stops and three contacts; a tree of links over twelve cases of the first district
    (one chain); a cluster of four of them and one in another district."""
    from fangkong.tracing import clusters as tracing_clusters
    from fangkong.tracing import contacts, investigations, itinerary
    from fangkong.tracing.chains_schemas import ClusterCreate
    from fangkong.tracing.schemas import ContactCreate, ItineraryIn

    with session_scope(web_settings.url) as session:
        epi = _actor(session, "epi")
        inside, outside = _cases(session, inside=True, n=12), _cases(session, inside=False, n=1)
        invs = [investigations.ensure_for_case(session=session, actor=epi, case=c) for c in (*inside[:3], *outside)]
        start = (inside[0].diagnosed_at or datetime.now(timezone.utc)) - timedelta(days=2)
        for hours, name, lon, lat in ((0, "新街口商场", 118.7840, 32.0420), (5, "鼓楼医院门诊", 118.7790, 32.0600)):
            itinerary.add(session=session, actor=epi, investigation_id=invs[0].id, data=ItineraryIn(
                kind="place", place_name=name, lon=lon, lat=lat, start_at=start + timedelta(hours=hours),
                end_at=start + timedelta(hours=hours + 1)))
        neighbours = list(session.scalars(select(Person.id).where(
            Person.jurisdiction_code.startswith(FIRST_DISTRICT), Person.id != inside[0].person_id,
            Person.merged_into_id.is_(None)).order_by(Person.id.desc()).limit(3)))
        made = [contacts.create(session=session, actor=epi, data=ContactCreate(
            source_case_id=inside[0].id, person_id=pid, exposure=exposure,
            last_exposure_at=start + timedelta(hours=1))).id
            for pid, exposure in zip(neighbours, ("household", "shared_meal", "same_place"))]
        links = _link_chain(session, epi, [c.id for c in inside])
        clusters = [tracing_clusters.create(session=session, actor=epi, data=ClusterCreate(
            name=name, kind="workplace", case_ids=[c.id for c in group])).id
            for name, group in (("网页测试聚集 甲", inside[:4]), ("网页测试聚集 乙", outside))]
        return {"inv": invs[0].id, "inv2": invs[1].id, "browser_inv": invs[2].id, "other_inv": invs[3].id,
                "case": inside[0].id, "other_case": outside[0].id, "contacts": made,
                "chain_cases": [c.id for c in inside], "links": links, "cluster": clusters[0],
                "other_cluster": clusters[1]}


def data_block(page: str, name: str) -> dict:
    raw = re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', page, re.S).group(1)
    return json.loads(html.unescape(raw))


def test_nav_and_investigation_list(login, tracing_data):
    page = login("epi").get("/tracing/investigations")
    assert page.status_code == 200
    assert 'href="/tracing/investigations" aria-current="page"' in page.text and "流调" in page.text
    assert f'data-investigation="{tracing_data["inv"]}"' in page.text
    assert f'data-investigation="{tracing_data["other_inv"]}"' in page.text
    assert 'data-clock="on_site"' in page.text
    district = login("epi_district").get("/tracing/investigations").text
    assert f'data-investigation="{tracing_data["inv"]}"' in district
    assert f'data-investigation="{tracing_data["other_inv"]}"' not in district


def test_investigation_page_shows_clocks_itinerary_and_contacts(login, tracing_data):
    page = login("epi").get(f"/tracing/investigations/{tracing_data['inv']}")
    assert page.status_code == 200, page.text
    text = page.text
    for key in ("on_site", "core", "report"):
        assert f'id="clock-{key}"' in text
    assert "流调队伍到达现场" in text or "到达现场" in text
    points = data_block(text, "itinerary-data")["points"]
    assert [p["name"] for p in points] == ["新街口商场", "鼓楼医院门诊"] and [p["seq"] for p in points] == [1, 2]
    assert text.count('data-entry="') == 2
    assert 'id="case-contacts"' in text and text.count("data-contact=") == 3
    assert f'href="/tracing/investigations/{tracing_data["inv"]}/report"' in text


def test_case_page_links_to_its_investigation(login, tracing_data):
    web = login("epi")
    page = web.get(f"/cases/{tracing_data['case']}").text
    assert f'href="/tracing/cases/{tracing_data["case"]}/investigation"' in page
    response = web.get(f"/tracing/cases/{tracing_data['case']}/investigation")
    assert response.status_code == 303
    assert response.headers["location"] == f"/tracing/investigations/{tracing_data['inv']}"


def test_another_districts_investigation_is_not_found(login, tracing_data):
    web = login("epi_district")
    other = tracing_data["other_inv"]
    for url in (f"/tracing/investigations/{other}", f"/tracing/investigations/{other}/report",
                f"/tracing/investigations/{other}/itinerary",
                f"/tracing/cases/{tracing_data['other_case']}/investigation"):
        assert web.get(url).status_code == 404, url
    response = web.post(f"/tracing/investigations/{other}/itinerary", {"kind": "place", "place_name": "x",
                                                                       "start_at": "2022-04-01T10:00"},
                        headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert web.get(f"/tracing/investigations/{tracing_data['inv']}").status_code == 200


def test_add_an_itinerary_entry_with_htmx_and_see_the_form_errors(login, tracing_data):
    web = login("epi")
    inv = tracing_data["inv2"]
    web.get(f"/tracing/investigations/{inv}")
    hx = {"HX-Request": "true", "HX-Target": "itinerary"}
    bad = web.post(f"/tracing/investigations/{inv}/itinerary", {"kind": "transport", "start_at": "2022-04-01T10:00",
                                                                 "place_name": ""}, headers=hx)
    assert bad.status_code == 200 and 'id="itinerary"' in bad.text and "<html" not in bad.text
    assert "出行方式" in bad.text or "err-transport_mode" in bad.text
    good = web.post(f"/tracing/investigations/{inv}/itinerary", {
        "kind": "transport", "start_at": "2022-04-01T10:00", "end_at": "2022-04-01T12:30", "transport_mode": "train",
        "transport_no": "G7012", "carriage": "5", "seat": "12F", "place_name": "", "address": "", "notes": ""},
        headers=hx)
    assert good.status_code == 200 and "G7012" in good.text and "12F" in good.text
    entry = re.search(r'data-entry="(\d+)"', good.text).group(1)
    form = web.get(f"/tracing/investigations/{inv}/itinerary/{entry}/edit", headers=hx)
    assert 'value="G7012"' in form.text and 'value="2022-04-01T10:00"' in form.text
    changed = web.post(f"/tracing/investigations/{inv}/itinerary/{entry}", {
        "kind": "transport", "start_at": "2022-04-01T10:00", "end_at": "2022-04-01T12:30", "transport_mode": "train",
        "transport_no": "G7012", "carriage": "6", "seat": "12F", "place_name": "", "address": "", "notes": ""},
        headers=hx)
    assert "车厢 6" in changed.text or "6" in changed.text


def test_status_moves_forward_and_stamps_the_clock(login, tracing_data):
    web = login("epi")
    inv = tracing_data["inv2"]
    page = web.get(f"/tracing/investigations/{inv}").text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = web.post(f"/tracing/investigations/{inv}/status", {"status": "on_site", "version": version})
    assert response.status_code == 303
    page = web.get(f"/tracing/investigations/{inv}").text
    clock = re.search(r'<div class="clock clock-(\w+)" data-clock="on_site"', page).group(1)
    assert clock in ("met", "late")
    assert 'data-status="on_site"' not in page and 'data-status="core_done"' in page


def test_report_in_chinese_and_in_english(login, tracing_data):
    web = login("epi")
    url = f"/tracing/investigations/{tracing_data['inv']}/report"
    zh = web.get(url)
    assert zh.status_code == 200 and "流行病学调查报告" in zh.text and "新街口商场" in zh.text
    en = web.get(url + "?lang=en")
    assert en.status_code == 200 and '<html lang="en">' in en.text
    assert "Epidemiological investigation report" in en.text and "Close contact" in en.text
    assert "流行病学调查报告" not in en.text
    # the override is for this page only: the user's language stays
    assert '<html lang="zh-Hans">' in web.get(url).text


def test_contacts_list_masks_ids_and_filters(login, tracing_data):
    web = login("epi")
    page = web.get(f"/tracing/contacts?case_id={tracing_data['case']}")
    assert page.status_code == 200
    rows = re.findall(r'<tr data-contact="(\d+)"', page.text)
    assert sorted(map(int, rows)) == sorted(tracing_data["contacts"])
    ids = re.findall(r'<td class="mono">([^<]*)</td>', page.text)
    assert ids and all("*" in v or v == "—" for v in ids)
    close = web.get(f"/tracing/contacts?case_id={tracing_data['case']}&category=close",
                    headers={"HX-Request": "true", "HX-Target": "contact-results"})
    assert "<html" not in close.text
    assert re.findall(r'<tr data-contact="\d+" data-category="(\w+)"', close.text) == ["close", "close"]


def test_bulk_confirm_and_assign_contacts(login, tracing_data, in_db):
    from fangkong.response.models import Team

    web = login("epi")
    web.get("/tracing/contacts")
    hx = {"HX-Request": "true", "HX-Target": "contact-results"}
    ids = tracing_data["contacts"][:2]
    none = web.post("/tracing/contacts/bulk", {"action": "confirm", "filter_case_id": str(tracing_data["case"])},
                    headers=hx)
    assert none.status_code == 200 and 'id="err-ids"' in none.text
    done = web.http.post("/tracing/contacts/bulk", headers={**hx, "X-CSRF-Token": web.csrf},
                         data={"action": "confirm", "ids": [str(i) for i in ids],
                               "filter_case_id": str(tracing_data["case"])})
    assert done.status_code == 200 and 'data-action="confirm" data-changed="2"' in done.text
    team = in_db(lambda s: s.scalar(select(Team.id).where(Team.jurisdiction_code == FIRST_DISTRICT,
                                                          Team.department == "cdc")))
    assigned = web.http.post("/tracing/contacts/bulk", headers={**hx, "X-CSRF-Token": web.csrf},
                             data={"action": "assign", "assign_team_id": str(team), "ids": [str(i) for i in ids],
                                   "filter_case_id": str(tracing_data["case"])})
    assert 'data-action="assign" data-changed="2"' in assigned.text
    assert web.get(f"/tracing/contacts?team_id={team}").text.count('<tr data-contact="') == 2


def test_another_district_cannot_act_on_contacts(login, tracing_data, in_db):
    from fangkong.tracing.models import Contact

    web = login("epi_district")
    web.get("/tracing/contacts")
    assert web.get(f"/tracing/contacts?case_id={tracing_data['other_case']}").text.count('<tr data-contact="') == 0
    theirs = in_db(lambda s: s.scalar(select(Contact.id).where(~Contact.jurisdiction_code.startswith(FIRST_DISTRICT))))
    if theirs is None:  # no contact outside the first district yet: make one through the service as the city user
        from fangkong.tracing import contacts
        from fangkong.tracing.schemas import ContactCreate

        def make(session):
            case = session.get(Case, tracing_data["other_case"])
            person = session.scalar(select(Person.id).where(Person.id != case.person_id).order_by(Person.id))
            return contacts.create(session=session, actor=_actor(session, "epi"), data=ContactCreate(
                source_case_id=case.id, person_id=person, exposure="household")).id

        theirs = in_db(make)
    response = web.http.post("/tracing/contacts/bulk", headers={"HX-Request": "true", "X-CSRF-Token": web.csrf},
                             data={"action": "confirm", "ids": [str(theirs)]})
    assert response.status_code == 200 and 'id="err-ids"' in response.text and 'id="bulk-done"' not in response.text
    assert in_db(lambda s: s.get(Contact, theirs).confirmed) is False


def test_chain_graph_draws_every_case_of_the_chain(login, tracing_data):
    web = login("epi")
    case = tracing_data["chain_cases"][3]
    page = web.get(f"/tracing/chains?case={case}")
    assert page.status_code == 200, page.text
    data = data_block(page.text, "chain-data")
    assert data["mode"] == "full"
    assert sorted(n["case_id"] for n in data["nodes"]) == sorted(tracing_data["chain_cases"])
    assert len(data["links"]) == tracing_data["links"]
    assert {lk["certainty"] for lk in data["links"]} == {"confirmed", "probable", "possible"}
    roots = [n for n in data["nodes"] if n["generation"] == 0]
    assert [n["case_id"] for n in roots] == [tracing_data["chain_cases"][0]]
    assert data["words"]["case"] == "病例 %(id)s"
    assert f'href="/tracing/chains/timeline?chain={min(tracing_data["chain_cases"])}"' in page.text


def test_chain_graph_aggregates_beyond_the_node_limit(login, tracing_data):
    page = login("epi").get("/tracing/chains?limit=5")
    assert page.status_code == 200
    data = data_block(page.text, "chain-data")
    assert data["mode"] == "aggregated" and len(data["nodes"]) <= 5
    assert sum(n["cases"] for n in data["nodes"]) >= len(tracing_data["chain_cases"])
    assert {n["kind"] for n in data["nodes"]} <= {"case", "generation", "chain", "size_group"}
    assert 'id="aggregate-note"' in page.text


def test_chain_pages_are_scoped_and_check_their_input(login, tracing_data):
    web = login("epi")
    assert 'id="err-case"' in web.get("/tracing/chains?case=abc").text
    district = login("epi_district")
    page = district.get("/tracing/chains")
    assert page.status_code == 200
    assert len(data_block(page.text, "chain-data")["nodes"]) >= len(tracing_data["chain_cases"])
    other = district.get(f"/tracing/chains?case={tracing_data['other_case']}")
    assert other.status_code == 200 and 'id="err-case"' in other.text  # not theirs: shown as not found


def test_timeline_orders_cases_by_generation(login, tracing_data):
    page = login("epi").get(f"/tracing/chains/timeline?case={tracing_data['chain_cases'][0]}")
    assert page.status_code == 200
    rows = data_block(page.text, "timeline-data")["cases"]
    assert sorted(r["id"] for r in rows) == sorted(tracing_data["chain_cases"])
    generations = [r["generation"] for r in rows]
    assert generations == sorted(generations) and generations[0] == 0
    assert all(r["diagnosed"] for r in rows)
    everything = data_block(login("epi").get("/tracing/chains/timeline").text, "timeline-data")["cases"]
    assert {r["id"] for r in rows} <= {r["id"] for r in everything}


def test_clusters_list_detail_and_status(login, tracing_data):
    web = login("epi")
    page = web.get("/tracing/clusters").text
    assert f'data-cluster="{tracing_data["cluster"]}"' in page and "网页测试聚集 甲" in page
    district = login("epi_district")
    listed = district.get("/tracing/clusters").text
    assert f'data-cluster="{tracing_data["other_cluster"]}"' not in listed
    assert district.get(f"/tracing/clusters/{tracing_data['other_cluster']}").status_code == 404
    detail = web.get(f"/tracing/clusters/{tracing_data['cluster']}").text
    assert detail.count('<tr data-case="') == 4 and 'data-status="cluster"' in detail
    dismiss = web.post(f"/tracing/clusters/{tracing_data['other_cluster']}/status", {"status": "closed"})
    assert dismiss.status_code == 422 and 'role="alert"' in dismiss.text
    confirmed = web.post(f"/tracing/clusters/{tracing_data['cluster']}/status", {"status": "cluster"})
    assert confirmed.status_code in (303, 422)
    if confirmed.status_code == 303:
        assert 'id="cluster-status"' in web.get(f"/tracing/clusters/{tracing_data['cluster']}").text


def test_the_exposure_search_button_finds_a_venue_contact(login, tracing_data, web_settings, in_db, tmp_path):
    """A check-in of the case's person and an overlapping one of another resident in the bulk store: the
    button runs the search, the fragment shows the exposure and the other resident becomes a contact."""
    from zoneinfo import ZoneInfo

    from fangkong.tracing.engine import ingest_files
    from fangkong.tracing.models import Contact, Investigation

    def facts(session):
        inv = session.get(Investigation, tracing_data["inv2"])
        case = session.get(Case, inv.case_id)
        other = session.scalar(select(Person.id).where(Person.id != case.person_id).order_by(Person.id.desc()))
        return case.id, case.person_id, other, inv.window_end

    case_id, person, other, end = in_db(facts)
    local = end.astimezone(ZoneInfo(web_settings.timezone)).replace(tzinfo=None) - timedelta(days=1)
    at = local.replace(hour=10, minute=0, second=0, microsecond=0)
    rows = [(person, at, at + timedelta(hours=1)), (other, at + timedelta(minutes=30), at + timedelta(hours=2))]
    path = tmp_path / "checkins.csv"
    path.write_text("person_id,venue_id,time_in,time_out\n" + "".join(
        f"{p},987654,{a.isoformat(sep=' ')},{b.isoformat(sep=' ')}\n" for p, a, b in rows), encoding="utf-8")
    ingest_files(data_dir=web_settings.data_dir, kind="checkins", files=[path], timezone=web_settings.timezone)

    web = login("epi")
    web.get(f"/tracing/investigations/{tracing_data['inv2']}")
    response = web.post(f"/tracing/investigations/{tracing_data['inv2']}/search", {},
                        headers={"HX-Request": "true", "HX-Target": "search-box"})
    assert response.status_code == 200 and 'id="search-box"' in response.text and "<html" not in response.text
    assert 'data-status="done"' in response.text, response.text
    assert re.search(r'id="search-rows">\s*1\s*<', response.text)
    found = in_db(lambda s: s.scalar(select(Contact.category).where(Contact.source_case_id == case_id,
                                                                    Contact.person_id == other)))
    assert found in ("venue_exposed", "general")
    assert login("grid").post(f"/tracing/investigations/{tracing_data['inv2']}/search", {}).status_code in (403, 404)


def test_read_only_roles_see_the_pages_without_the_forms(login, tracing_data):
    commander = login("commander")
    page = commander.get(f"/tracing/investigations/{tracing_data['inv']}").text
    assert 'id="clocks"' in page and 'id="itinerary-table"' in page
    assert 'id="entry-form"' not in page and 'id="transitions"' not in page and 'id="run-search"' not in page
    contacts = commander.get(f"/tracing/contacts?case_id={tracing_data['case']}").text
    assert 'id="bulk-confirm"' in contacts  # commanders manage contacts (contact.manage)
    auditor = login("auditor").get(f"/tracing/contacts?case_id={tracing_data['case']}")
    assert auditor.status_code in (200, 403)
    if auditor.status_code == 200:
        assert 'class="contact-pick"' not in auditor.text
    supply = login("supply")
    for url in ("/tracing/investigations", "/tracing/contacts", "/tracing/chains", "/tracing/chains/timeline",
                "/tracing/clusters", f"/tracing/investigations/{tracing_data['inv']}"):
        assert supply.get(url).status_code == 403, url
    assert 'href="/tracing/investigations"' not in supply.get("/").text


def test_recategorise_needs_a_reason_and_hand_over_makes_a_placement_request(login, tracing_data, in_db):
    from fangkong.tracing.models import PlacementRequest

    web = login("epi")
    web.get("/tracing/contacts")
    hx = {"HX-Request": "true", "HX-Target": "contact-results", "X-CSRF-Token": web.csrf}
    contact = tracing_data["contacts"][1]
    refused = web.http.post("/tracing/contacts/bulk", headers=hx, data={
        "action": "recategorise", "new_category": "general", "reason": "", "ids": [str(contact)]})
    assert refused.status_code == 200 and "请说明变更类别的理由" in refused.text
    assert f'value="{contact}" aria-label' in refused.text and "checked" in refused.text  # still picked
    handed = web.http.post("/tracing/contacts/bulk", headers=hx, data={"action": "handover", "ids": [str(contact)]})
    assert 'data-action="handover" data-changed="1"' in handed.text
    assert in_db(lambda s: s.scalar(select(PlacementRequest.status).where(PlacementRequest.contact_id == contact))) \
        == "requested"
    again = web.http.post("/tracing/contacts/bulk", headers=hx, data={"action": "handover", "ids": [str(contact)]})
    assert 'data-changed="0"' in again.text  # handed over once
