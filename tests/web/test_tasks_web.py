"""Task pages: the board (columns, overdue, scoping, bulk actions), a task's page, supervision, the bell."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import select

from fangkong.authz import SYSTEM
from fangkong.geo.models import Jurisdiction
from fangkong.response import jobs, queries, service
from fangkong.response.models import Task
from fangkong.response.schemas import TaskCreate
from webtools import field_error, row_attrs


def card_ids(page: str, column: str | None = None) -> list[int]:
    if column:
        page = page.split(f'id="col-{column}"', 1)[1].split("</section>", 1)[0]
    return [int(v) for v in re.findall(r'<article class="task-card[^"]*"[^>]*data-task-id="(\d+)"', page)]


def overdue_ids(page: str) -> list[int]:
    cards = re.findall(r'<article class="task-card[^"]*\boverdue\b[^"]*"[^>]*data-task-id="(\d+)"', page)
    return [int(v) for v in cards]


def new_task(in_db, code="320102", **kw) -> int:
    data = TaskCreate(title=kw.pop("title", "网页测试任务"), jurisdiction_code=code,
                      due_at=kw.pop("due_at", datetime(2022, 4, 1, tzinfo=timezone.utc)), **kw)
    return in_db(lambda s: service.create_task(session=s, actor=SYSTEM, data=data).id)


def task(in_db, task_id: int) -> Task:
    return in_db(lambda s: s.get(Task, task_id))


def test_board_has_four_columns_with_overdue_cards_highlighted(login):
    page = login("epi").get("/tasks/board").text
    for heading in ("待办", "进行中", "已完成", "已取消"):
        assert f"{heading} <span class=\"count\">" in page
    open_cards, late = card_ids(page, "open"), overdue_ids(page)
    assert open_cards and set(open_cards) & set(late)
    assert "已超时" in page and 'name="ids"' in page


def test_board_is_scoped_to_the_users_district(login, in_db):
    foreign = new_task(in_db, code="320104", title="秦淮区的任务")
    page = login("epi_district").get("/tasks/board").text
    ids = [i for col in ("open", "in_progress", "done", "cancelled") for i in card_ids(page, col)]
    assert ids and foreign not in ids
    codes = in_db(lambda s: set(s.scalars(select(Task.jurisdiction_code).where(Task.id.in_(ids)))))
    assert all(c.startswith("320102") for c in codes)
    assert login("epi_district").get(f"/tasks/{foreign}").status_code == 404


def test_board_filters_by_department(login):
    page = login("epi").get("/tasks/board?department=health").text
    assert "网络直报" in page and "流调队伍到达现场" not in page


def test_bulk_close_needs_a_reason_then_moves_tasks_to_cancelled(login, in_db):
    ids = [new_task(in_db, title=f"批量关闭{i}") for i in range(2)]
    web = login("epi")
    web.get("/tasks/board")
    refused = web.post("/tasks/bulk-close", {"ids": [str(i) for i in ids], "reason": " "})
    assert refused.status_code == 422 and field_error(refused.text, "reason") == "批量关闭任务需要填写原因"
    done = web.post("/tasks/bulk-close", {"ids": [str(i) for i in ids], "reason": "重复派发",
                                          "jurisdiction_code": "320102"})
    assert done.status_code == 303
    assert done.headers["location"] == "/tasks/board?jurisdiction_code=320102&flash=bulk_closed"
    assert [(task(in_db, i).status, task(in_db, i).cancel_reason) for i in ids] == [("cancelled", "重复派发")] * 2
    page = web.get(done.headers["location"]).text
    assert "任务已关闭。" in page and set(ids) <= set(card_ids(page, "cancelled"))
    assert field_error(web.post("/tasks/bulk-close", {"reason": "x"}).text, "ids") == "请至少选择一项任务"


def test_bulk_assign_to_a_team(login, in_db):
    ids = [new_task(in_db, title=f"批量分配{i}") for i in range(2)]
    team_id = in_db(lambda s: queries.teams.choices(session=s, actor=SYSTEM)[0].id)
    web = login("epi")
    web.get("/tasks/board")
    response = web.post("/tasks/bulk-assign", {"ids": [str(i) for i in ids], "assign_team_id": str(team_id)})
    assert response.status_code == 303
    assert {task(in_db, i).team_id for i in ids} == {team_id}


def test_grid_worker_cannot_bulk_close(login, in_db):
    task_id = new_task(in_db, code="320102001001")
    web = login("grid")
    page = web.get("/tasks/board").text
    assert 'id="bulk-form"' not in page
    assert web.post("/tasks/bulk-close", {"ids": [str(task_id)], "reason": "x"}).status_code == 403


def test_complete_with_note_and_file_then_download(login, in_db):
    task_id = new_task(in_db, title="上传佐证")
    web = login("epi")
    page = web.get(f"/tasks/{task_id}").text
    assert "任务 %d" % task_id in page and 'id="complete-form"' in page
    empty = web.post(f"/tasks/{task_id}/complete", {"note": ""})
    assert empty.status_code == 422 and "办结任务需要填写佐证说明或上传附件" in empty.text
    data = {"note": "已完成流调报告", "csrf_token": web.csrf}
    response = web.http.post(f"/tasks/{task_id}/complete", data=data,
                             files={"file": ("报告.txt", "流调报告正文".encode(), "text/plain")})
    assert response.status_code == 303, response.text
    page = web.get(f"/tasks/{task_id}").text
    assert "已完成" in page and "报告.txt" in page and "上传佐证" in page
    link = re.search(rf'href="(/tasks/{task_id}/attachments/\d+)"', page).group(1)
    download = web.get(link)
    assert download.status_code == 200 and download.content == "流调报告正文".encode()
    assert "attachment" in download.headers["content-disposition"]
    assert download.headers["x-content-type-options"] == "nosniff"


def test_start_note_reopen_and_due_change_on_the_page(login, in_db):
    task_id = new_task(in_db, title="页面操作")
    web = login("epi")
    web.get(f"/tasks/{task_id}")
    assert web.post(f"/tasks/{task_id}/start").status_code == 303
    assert web.post(f"/tasks/{task_id}/note", {"comment": "电话未接通"}).status_code == 303
    refused = web.post(f"/tasks/{task_id}/due", {"due_at": "2022-04-02T09:00", "due_reason": ""})
    assert refused.status_code == 422 and field_error(refused.text, "due_reason") == "调整截止时间需要填写原因"
    assert web.post(f"/tasks/{task_id}/due", {"due_at": "2022-04-02T09:00", "due_reason": "协查"}).status_code == 303
    assert task(in_db, task_id).due_at == datetime(2022, 4, 2, 1, tzinfo=timezone.utc)  # typed in Shanghai time
    page = web.get(f"/tasks/{task_id}").text
    assert "截止时间调整" in page and "电话未接通" in page and "进行中" in page


def test_times_are_shown_in_the_jurisdictions_zone(login, in_db):
    def set_zone(zone):
        def work(s):
            s.get(Jurisdiction, "320105").timezone = zone
        in_db(work)

    set_zone("Asia/Urumqi")
    try:
        task_id = new_task(in_db, code="320105", due_at=datetime(2022, 5, 1, 19, 30, tzinfo=timezone.utc))
        page = login("epi").get(f"/tasks/{task_id}").text
        assert "Asia/Urumqi" in page
        due = re.search(r'<dd id="task-due">([^<]*)</dd>', page).group(1)
        assert "01:30" in due and "5月2日" in due  # 19:30 UTC is 01:30 the next day in Urumqi (UTC+6)
    finally:
        set_zone(None)


def test_supervision_table_links_to_its_tasks(login):
    web = login("auditor")
    page = web.get("/supervision?from=2022-03-01&to=2022-05-31").text
    assert 'id="supervision-table"' in page and "按时完成" in page and "疾控" in page
    links = re.findall(r'href="(/supervision/tasks\?[^"]+outcome=late)"', page)
    assert links
    drill = web.get(links[0].replace("&amp;", "&"))
    assert drill.status_code == 200 and row_attrs(drill.text, "data-task-id")
    assert login("epi").get("/supervision").status_code == 403


def test_bell_counts_unread_notifications(login, in_db):
    in_db(lambda s: jobs.mark_overdue(session=s))  # the demo's backlog first
    task_id = new_task(in_db, code="320102", title="铃铛测试", due_at=datetime(2022, 4, 1, tzinfo=timezone.utc))
    in_db(lambda s: jobs.mark_overdue(session=s))
    web = login("commander")
    page = web.get("/").text
    count = re.search(r'id="bell-count">(\d+|99\+)', page)
    assert count, "the commander is escalated to and sees a count"
    listing = web.get("/notifications").text
    assert f"#{task_id} 铃铛测试" in listing and "已超时，提请您督办" in listing
    assert web.post("/notifications/read", {}).status_code == 303
    assert 'id="bell-count"' not in web.get("/").text


def test_my_tasks_lists_team_tasks(login):
    page = login("epi_district").get("/tasks/mine").text
    assert 'id="my-tasks"' in page and row_attrs(page, "data-task-id")
