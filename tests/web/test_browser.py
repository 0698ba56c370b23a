"""The pages in a real browser (Chromium via Playwright): chart, map, HTMX filters, an edit and its audit.

Needs Chromium (`apt-get install chromium fonts-noto-cjk`). Without it these tests are skipped
locally and fail in CI. Every request that leaves 127.0.0.1 is blocked: the UI must work offline.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from fangkong.app import create_app
from fangkong.demo.seed import DEMO_PASSWORD

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/fangkong-shots")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_url(web_settings) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(web_settings), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed; browser tests must run in CI (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install -y chromium fonts-noto-cjk); "
                    "set CI=1 to make this a failure")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """One signed-in browser context, with outside requests blocked and page errors collected."""

    def __init__(self, browser, base: str):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._only_local)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _only_local(self, route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def login(self, username: str) -> Visit:
        self.page.goto(f"{self.base}/login")
        self.page.fill("#f-username", username)
        self.page.fill("#f-password", DEMO_PASSWORD)
        self.page.click("form[action='/login'] button[type=submit]")
        self.page.wait_for_url(f"{self.base}/")
        return self

    def close(self) -> None:
        assert not self.errors, self.errors
        assert not self.blocked, f"the page tried to reach outside: {self.blocked}"
        self.context.close()


@pytest.fixture
def visit(browser, live_url) -> Iterator:
    opened: list[Visit] = []

    def make(username: str) -> Visit:
        opened.append(Visit(browser, live_url).login(username))
        return opened[-1]

    yield make
    for v in opened:
        v.close()


def test_dashboard_draws_the_epi_curve_and_the_map(visit):
    page = visit("epi").page
    page.wait_for_selector('#epi-curve[data-ready="1"]', timeout=15000)
    assert page.locator("#epi-curve canvas, #epi-curve svg").count() >= 1
    page.wait_for_selector('#case-map[data-ready="1"]', timeout=15000)
    districts = page.evaluate("JSON.parse(document.getElementById('dashboard-data').textContent).map.features.length")
    assert districts >= 3 and page.locator("#case-map path.leaflet-interactive").count() == districts
    assert page.locator("#case-map .leaflet-tile").count() == 0  # no tile layer unless configured
    assert "南京市疫情态势" in page.inner_text("h1")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)


def test_case_list_filters_by_classification_with_htmx(visit):
    page = visit("epi").page
    page.goto(page.url + "cases")
    page.get_by_label("无症状感染者").check()
    page.wait_for_url("**/cases?classification=asymptomatic**")
    page.wait_for_function("""() => {
        const rows = [...document.querySelectorAll('#case-table tbody tr[data-classification]')];
        return rows.length > 0 && rows.every(r => r.dataset.classification === 'asymptomatic');
    }""")
    badges = page.locator("#case-table tbody td .badge.cls-asymptomatic").count()
    assert badges == page.locator("#case-table tbody tr").count()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "cases.png"), full_page=True)


def test_edit_a_case_and_find_it_in_the_audit_log(visit):
    epi = visit("epi").page
    epi.goto(epi.url + "cases?classification=confirmed&report_status=late")
    epi.locator("#case-table tbody tr a").first.click()
    epi.wait_for_selector("#case-edit-form")
    case_id = epi.url.rstrip("/").rsplit("/", 1)[1]
    note = f"浏览器测试备注 {case_id}"
    epi.fill("#f-notes", note)
    epi.select_option("#f-outcome", "recovered")
    epi.click("#case-edit-form button[type=submit]")
    epi.wait_for_url(f"**/cases/{case_id}?flash=saved")
    assert epi.inner_text("#case-notes") == note
    assert epi.inner_text("#case-outcome").startswith("治愈")

    auditor = visit("auditor").page
    auditor.goto(auditor.url + f"audit?action=case.update&resource_id={case_id}")
    row = auditor.locator(f'#audit-table tr[data-resource="case:{case_id}"]').first
    assert "case.update" in row.inner_text()
    assert row.locator(".diff .new", has_text=note).count() == 1
    assert row.locator(".diff .key", has_text="outcome").count() == 1


def test_profile_diff_page_highlights_the_changes(visit):
    page = visit("epi").page
    page.goto(page.url + "profiles")
    page.select_option("#f-a", "ed8")
    page.select_option("#f-b", "ed9")
    page.click("#diff-form button[type=submit]")
    page.wait_for_url("**/profiles/diff?a=ed8&b=ed9")
    table = page.locator("#profile-diff")
    lookback = table.locator('tr[data-path="contacts.close_contact.lookback_days"]')
    assert lookback.get_attribute("class") == "changed"
    assert lookback.locator(".side-a").inner_text() == "2 天" and lookback.locator(".side-b").inner_text() == "4 天"
    same = table.locator('tr[data-path="case_reporting.report_deadline_hours"]')
    background = "el => getComputedStyle(el).backgroundColor"
    assert lookback.evaluate(background) != same.evaluate(background)  # changed rows are highlighted
    assert table.locator("tr.changed").count() > 50
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "profile-diff.png"), full_page=False)


def test_screening_round_map_and_progress_update_without_reload(visit, screen, screening_rounds):
    page = visit("epi_district").page
    page.goto(page.url + f"screening/rounds/{screening_rounds['round']}")
    page.wait_for_selector('#screening-map[data-ready="1"]', timeout=15000)
    assert page.locator("#screening-map path.leaflet-interactive").count() == len(screening_rounds["grids"])
    assert page.locator("#screening-map .leaflet-tile").count() == 0
    coverage, cleared = page.inner_text("#stat-coverage"), page.inner_text("#stat-cleared")
    assert coverage.endswith("%")
    page.evaluate("window.__marker = 1")  # gone if the page reloads
    codes = screen.sample(screening_rounds["grids"][1], 3, pool=1)
    screen.results(codes)
    page.wait_for_function("""([coverage, cleared]) =>
        document.getElementById('stat-coverage').textContent.trim() !== coverage &&
        document.getElementById('stat-cleared').textContent.trim() !== cleared""",
                           arg=[coverage.strip(), cleared.strip()], timeout=15000)
    page.wait_for_selector('#screening-map[data-refreshed]', timeout=15000)
    assert page.evaluate("window.__marker") == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "screening-round.png"), full_page=True)
