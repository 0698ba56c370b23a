"""Screening pages: the campaigns list, a round's page (numbers, map data, table by grid), its HTMX
progress fragment while results arrive, and the jurisdiction limits."""

from __future__ import annotations

import html
import json
import re


def stat(page: str, name: str) -> str:
    return html.unescape(re.search(rf'id="stat-{name}">([^<]*)<', page).group(1)).strip()


def map_data(page: str) -> dict:
    raw = re.search(r'<script type="application/json" id="screening-data">(.*?)</script>', page, re.S).group(1)
    return json.loads(html.unescape(raw))


def test_campaigns_list_shows_rounds_and_the_nav_link(login, screening_rounds):
    page = login("epi").get("/screening")
    assert page.status_code == 200
    assert 'href="/screening" aria-current="page"' in page.text
    assert "玄武区网页测试筛查" in page.text and "另一区网页测试筛查" in page.text
    assert f'href="/screening/rounds/{screening_rounds["round"]}"' in page.text
    district = login("epi_district").get("/screening").text
    assert "玄武区网页测试筛查" in district and "另一区网页测试筛查" not in district


def test_round_page_renders_for_an_epidemiologist(login, screening_rounds):
    rid = screening_rounds["round"]
    page = login("epi").get(f"/screening/rounds/{rid}")
    assert page.status_code == 200, page.text
    text = page.text
    assert f'hx-get="/screening/rounds/{rid}/progress"' in text and 'hx-trigger="every 5s"' in text
    assert 'id="screening-map"' in text and 'id="grid-table"' in text
    for grid in screening_rounds["grids"]:
        assert f'data-grid="{grid}"' in text
    features = map_data(text)["map"]["features"]
    assert {f["properties"]["code"] for f in features} == set(screening_rounds["grids"])
    assert all(f["geometry"] for f in features)
    assert int(stat(text, "roster").replace(",", "")) > 0
    assert "应检人数" in text and "实验室待出结果管数" in text and "6 小时内" in text


def test_a_round_outside_the_users_jurisdiction_is_not_found(login, screening_rounds):
    web = login("epi_district")
    assert web.get(f"/screening/rounds/{screening_rounds['other_round']}").status_code == 404
    assert web.get(f"/screening/rounds/{screening_rounds['other_round']}/progress").status_code == 404
    assert web.get(f"/screening/rounds/{screening_rounds['round']}").status_code == 200
    assert login("supply").get("/screening").status_code in (200, 403)


def test_the_progress_fragment_follows_samples_and_results(login, screen, screening_rounds):
    rid = screening_rounds["round"]
    web = login("epi_district")
    url = f"/screening/rounds/{rid}/progress"

    def numbers():
        response = web.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200 and "<html" not in response.text
        return {k: int(stat(response.text, k).replace(",", "")) for k in ("sampled", "pending", "cleared")}

    before = numbers()
    codes = screen.sample(screening_rounds["grids"][0], 5)
    sampled = numbers()
    assert sampled["sampled"] == before["sampled"] + 5 and sampled["pending"] == before["pending"] + len(codes)
    report = screen.results(codes)
    assert report.stored == len(codes)
    after = numbers()
    assert after["pending"] == sampled["pending"] - len(codes)
    assert after["cleared"] == sampled["cleared"] + 5
