"""Tracing pages in a real browser: an investigation's itinerary added with HTMX and drawn on the map,
its clocks counting down, its report in English; the chain graph drawn with ECharts, a chain opened
from the aggregated view; contacts confirmed in bulk.

Same fixtures as test_browser.py (Chromium via Playwright, outside requests blocked, page errors fail);
the seeded investigations, links and contacts come from test_tracing_web.py.
"""

from __future__ import annotations

import re

import pytest
from test_browser import SHOTS, browser, live_url, visit  # noqa: F401 - shared browser fixtures
from test_tracing_web import tracing_data  # noqa: F401 - the seeded tracing records

pytestmark = pytest.mark.browser

CHART = "echarts.getInstanceByDom(document.getElementById('chain-graph'))"


def _add_stop(page, name: str, lat: str, lon: str, start: str) -> None:
    page.select_option("#entry-form #f-kind", "place")
    page.fill("#entry-form #f-place_name", name)
    page.fill("#entry-form #f-lat", lat)
    page.fill("#entry-form #f-lon", lon)
    page.fill("#entry-form #f-start_at", start)
    page.click("#entry-save")


def test_investigation_itinerary_map_clocks_and_english_report(visit, tracing_data):
    page = visit("epi").page
    inv = tracing_data["browser_inv"]
    page.goto(page.url + f"tracing/investigations/{inv}")
    page.wait_for_selector('#itinerary-map[data-ready="1"]', timeout=15000)
    assert page.get_attribute("#itinerary-map", "data-markers") == "0"
    assert page.locator("#clocks .clock").count() == 3
    page.wait_for_function("document.querySelector('#clock-report .countdown, #clock-report .clock-done')"
                           " && document.querySelector('#clock-report').innerText.length > 0")
    countdown = page.locator("#clocks time.countdown")
    if countdown.count():  # a running clock ticks in the browser: its text changes within two seconds
        before = countdown.first.inner_text()
        page.wait_for_function("t => document.querySelector('#clocks time.countdown').textContent !== t",
                               arg=before, timeout=5000)
        assert re.search(r"\d+:\d\d:\d\d", countdown.first.inner_text())
    page.evaluate("window.__marker = 1")  # gone if the page reloads

    _add_stop(page, "浏览器测试 超市", "32.0500", "118.7800", "2022-04-10T09:30")
    page.wait_for_selector("#itinerary-table tr[data-entry]", timeout=10000)
    page.wait_for_selector('#itinerary-map[data-markers="1"]', timeout=10000)
    _add_stop(page, "浏览器测试 诊所", "32.0600", "118.7950", "2022-04-10T14:00")
    page.wait_for_selector('#itinerary-map[data-markers="2"]', timeout=10000)
    rows = page.locator("#itinerary-table tbody tr[data-entry]")
    assert rows.count() == 2 and "浏览器测试 超市" in rows.nth(0).inner_text() and "诊所" in rows.nth(1).inner_text()
    assert page.locator("#itinerary-map .stop-marker").count() == 2
    assert [t.strip() for t in page.locator("#itinerary-map .stop-marker").all_inner_texts()] == ["1", "2"]
    assert page.locator("#itinerary-map path.leaflet-interactive").count() == 1  # the line between the stops
    assert page.locator("#itinerary-map .leaflet-tile").count() == 0  # no tiles unless configured
    rows.nth(0).get_by_role("button").click()  # edit the first stop in place
    page.wait_for_selector('#entry-form[action$="/itinerary/' + rows.nth(0).get_attribute("data-entry") + '"]')
    assert page.input_value("#entry-form #f-place_name") == "浏览器测试 超市"
    page.fill("#entry-form #f-place_name", "浏览器测试 菜市场")
    page.click("#entry-save")
    page.wait_for_function("document.querySelector('#itinerary-table tbody tr').innerText.includes('菜市场')")
    assert page.locator("#itinerary-map .stop-marker").count() == 2
    assert page.evaluate("window.__marker") == 1  # added and changed without a reload
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "tracing-investigation.png"), full_page=True)

    page.click("#report-link")
    page.wait_for_url(f"**/tracing/investigations/{inv}/report")
    assert "流行病学调查报告" in page.inner_text("#report h1")
    page.click("#report-lang-en")
    page.wait_for_url("**/report?lang=en")
    assert page.inner_text("#report h1") == "Epidemiological investigation report"
    assert page.get_attribute("html", "lang") == "en"
    itinerary = page.inner_text("#report-itinerary")
    assert "浏览器测试 菜市场" in itinerary and "Place" in itinerary
    page.screenshot(path=str(SHOTS / "tracing-report-en.png"), full_page=True)


def _graph(page) -> dict:
    page.wait_for_selector('#chain-graph[data-ready="1"]', timeout=20000)
    return page.evaluate(f"""() => {{ const o = {CHART}.getOption().series[0];
        return {{nodes: o.data.length, links: o.links.length, layout: o.layout,
                 kinds: o.data.map(d => d.raw.kind), ids: o.data.map(d => d.id)}}; }}""")


def test_chain_graph_renders_the_seeded_chain(visit, tracing_data):
    page = visit("epi").page
    page.goto(page.url + f"tracing/chains?case={tracing_data['chain_cases'][5]}")
    drawn = _graph(page)
    assert drawn["nodes"] == len(tracing_data["chain_cases"]) and drawn["links"] == tracing_data["links"]
    assert sorted(drawn["ids"]) == sorted(f"c{i}" for i in tracing_data["chain_cases"])
    assert page.locator("#chain-graph canvas").count() >= 1
    page.select_option("#color-by", "generation")
    page.wait_for_selector('#chain-graph[data-color-by="generation"]')
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "tracing-chain.png"), full_page=False)


def test_aggregated_graph_opens_a_chain(visit, tracing_data):
    page = visit("epi").page
    page.goto(page.url + "tracing/chains?limit=5")
    drawn = _graph(page)
    assert page.get_attribute("#chain-graph", "data-mode") == "aggregated" and drawn["layout"] == "none"
    assert 1 <= drawn["nodes"] <= 5 and page.locator("#aggregate-note").is_visible()
    # Click the node that stands for the seeded chain (by its place on the canvas).
    key = min(tracing_data["chain_cases"])
    target = page.evaluate(f"""key => {{ const chart = {CHART};
        const data = chart.getModel().getSeriesByIndex(0).getData();
        for (let i = 0; i < data.count(); i++) {{
            const raw = data.getRawDataItem(i).raw;
            if (raw.chain === key) {{
                const p = chart.convertToPixel({{seriesIndex: 0}}, data.getItemLayout(i));
                const box = document.getElementById('chain-graph').getBoundingClientRect();
                return [box.left + p[0], box.top + p[1]]; }} }}
        return null; }}""", key)
    assert target is not None, "the aggregated view has no node for the seeded chain"
    page.mouse.click(target[0], target[1])
    page.wait_for_url(f"**/tracing/chains?chain={key}", timeout=10000)
    opened = _graph(page)
    assert page.get_attribute("#chain-graph", "data-mode") == "full"
    assert opened["nodes"] == len(tracing_data["chain_cases"])


def test_timeline_draws_the_chain(visit, tracing_data):
    page = visit("epi").page
    page.goto(page.url + f"tracing/chains/timeline?chain={min(tracing_data['chain_cases'])}")
    page.wait_for_selector('#chain-timeline[data-ready="1"]', timeout=15000)
    assert page.get_attribute("#chain-timeline", "data-cases") == str(len(tracing_data["chain_cases"]))
    points = page.evaluate("echarts.getInstanceByDom(document.getElementById('chain-timeline'))"
                           ".getOption().series.map(s => s.data.length)")
    assert points[2] == len(tracing_data["chain_cases"])  # a diagnosis for every case
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "tracing-timeline.png"), full_page=True)


def test_contacts_confirmed_in_bulk_without_a_reload(visit, tracing_data):
    page = visit("epi").page
    page.goto(page.url + f"tracing/contacts?case_id={tracing_data['case']}")
    contact = tracing_data["contacts"][2]
    row = f'#contact-table tr[data-contact="{contact}"]'
    page.wait_for_selector(row)
    assert page.locator(f"{row} .confirmed-mark").count() == 0
    assert "*" in page.locator(f"{row} td.mono").first.inner_text()  # the ID number is masked
    page.evaluate("window.__marker = 1")
    page.check(f'{row} input.contact-pick')
    assert page.inner_text("#picked-count") == "1"
    page.click("#bulk-confirm")
    page.wait_for_selector('#bulk-done[data-action="confirm"]', timeout=10000)
    assert page.get_attribute("#bulk-done", "data-changed") == "1"
    assert page.locator(f"{row} .confirmed-mark").count() == 1
    assert page.evaluate("window.__marker") == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "tracing-contacts.png"), full_page=False)
