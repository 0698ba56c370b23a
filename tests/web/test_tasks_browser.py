"""The task board in a real browser: overdue cards highlighted, two tasks bulk-closed with a reason.

Same fixtures as test_browser.py (Chromium via Playwright, outside requests blocked, page errors fail).
"""

from __future__ import annotations

import pytest
from test_browser import SHOTS, browser, live_url, visit  # noqa: F401 - shared browser fixtures

pytestmark = pytest.mark.browser


def test_bulk_close_two_overdue_tasks_on_the_board(visit):
    page = visit("epi").page
    page.goto(page.url + "tasks/board")
    page.wait_for_selector("#col-open .task-card.overdue")
    overdue = page.locator("#col-open .task-card.overdue")
    assert overdue.count() >= 2
    color = overdue.first.evaluate("el => getComputedStyle(el).borderLeftColor")
    assert color == "rgb(180, 35, 24)"  # var(--bad): the highlight is visible, not just a class
    picked = [overdue.nth(i).get_attribute("data-task-id") for i in range(2)]
    for task_id in picked:
        page.check(f"#task-{task_id} input.task-pick")
    page.fill("#f-reason", "浏览器测试：重复派发")
    page.click("#bulk-close")
    page.wait_for_url("**/tasks/board?flash=bulk_closed")
    assert "任务已关闭。" in page.inner_text(".flash")
    for task_id in picked:
        card = page.locator(f"#col-cancelled #task-{task_id}")
        assert card.count() == 1 and "overdue" not in (card.get_attribute("class") or "")
        assert page.locator(f"#col-open #task-{task_id}").count() == 0
    assert "已取消" in page.inner_text("#col-cancelled-title")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "task-board.png"), full_page=False)
