"""The task API end to end: bundles from the real profile, evidence uploads, bulk actions, supervision."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from fangkong.auth.models import User
from fangkong.db import session_scope

HOME = "320102"


def uid(api, username):
    with session_scope(api.app.state.settings.url) as s:
        return s.scalar(select(User.id).where(User.username == username))


def make(api, user="epi", **kw):
    body = {"title": "API 任务", "jurisdiction_code": HOME, "due_in_hours": 4, **kw}
    r = api.post("/api/v1/tasks", json=body, user=user)
    assert r.status_code == 201, r.text
    return r.json()


def test_apply_the_profiles_investigation_bundle(api):
    body = {"bundle_id": "investigation", "subject_type": "case", "subject_id": "api-1", "jurisdiction_code": HOME,
            "start_at": "2022-05-01T23:30:00+08:00"}
    r = api.post("/api/v1/tasks/apply-bundle", json=body, user="epi")
    assert r.status_code == 201, r.text
    created = r.json()["created"]
    due = {t["step_key"]: t["due_at"] for t in created}
    assert due == {"team_on_site": "2022-05-01T17:30:00Z", "core_information": "2022-05-01T19:30:00Z",
                   "investigation_report": "2022-05-02T15:30:00Z"}
    assert {t["team_name"] for t in created} == {"玄武区疾控组"} and {t["department"] for t in created} == {"cdc"}
    again = api.post("/api/v1/tasks/apply-bundle", json=body, user="epi").json()
    assert again["created"] == [] and sorted(again["existing"]) == sorted(t["id"] for t in created)
    detail = api.get(f"/api/v1/tasks/{created[0]['id']}", user="epi").json()
    assert detail["profile_id"] == "ed9" and detail["bundle_id"] == "investigation" and detail["created_by"] == "epi"
    assert detail["time_zone"] == "Asia/Shanghai" and detail["timeline"][0]["kind"] == "created"
    missing = api.post("/api/v1/tasks/apply-bundle", json={**body, "bundle_id": "no_such"}, user="epi")
    assert missing.status_code == 404 and missing.json()["field"] == "bundle_id"


def test_create_patch_complete_with_evidence(api):
    task = make(api, priority="high", subject_type="case", subject_id="1")
    assert task["status"] == "open" and task["priority"] == "high" and not task["overdue"]
    bad = api.patch(f"/api/v1/tasks/{task['id']}", json={"due_at": "2030-01-01T00:00:00+08:00"}, user="epi")
    assert bad.status_code == 422 and bad.json()["field"] == "reason"
    ok = api.patch(f"/api/v1/tasks/{task['id']}", json={"due_at": "2030-01-01T00:00:00+08:00", "reason": "延期",
                                                        "status": "in_progress", "version": task["version"]},
                   user="epi")
    assert ok.status_code == 200 and ok.json()["status"] == "in_progress"
    assert ok.json()["due_at"] == "2029-12-31T16:00:00Z"
    stale = api.patch(f"/api/v1/tasks/{task['id']}", json={"priority": "low", "version": task["version"]}, user="epi")
    assert stale.status_code == 409
    assert api.post(f"/api/v1/tasks/{task['id']}/complete", json={}, user="epi").status_code == 422
    upload = api.post(f"/api/v1/tasks/{task['id']}/attachments", user="epi",
                      files={"file": ("../../etc/照片.jpg", b"\xff\xd8jpeg", "image/jpeg")})
    assert upload.status_code == 201, upload.text
    att = upload.json()
    assert att["file_name"] == "照片.jpg" and att["size"] == 6 and len(att["sha256"]) == 64
    done = api.post(f"/api/v1/tasks/{task['id']}/complete", json={}, user="epi")  # the file is the evidence
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["completed_at"]
    got = api.get(f"/api/v1/tasks/{task['id']}/attachments/{att['id']}", user="epi")
    assert got.status_code == 200 and got.content == b"\xff\xd8jpeg"
    kinds = [e["kind"] for e in api.get(f"/api/v1/tasks/{task['id']}", user="epi").json()["timeline"]]
    assert kinds == ["created", "due", "status", "evidence", "status"]


def test_attachment_size_limit(api):
    api.app.state.settings.attachment_max_mb = 0.001  # about 1 KB
    task = make(api)
    r = api.post(f"/api/v1/tasks/{task['id']}/attachments", user="epi",
                 files={"file": ("big.bin", b"x" * 5000, "application/octet-stream")})
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    folder = api.app.state.settings.data_dir / "attachments" / str(task["id"])
    assert not any(folder.iterdir()) if folder.exists() else True


def test_list_filters_and_keyset_paging(api):
    ids = [make(api, title=f"分页{i}", subject_type="case", subject_id="page-test")["id"] for i in range(3)]
    first = api.get("/api/v1/tasks?subject_type=case&subject_id=page-test&limit=2", user="epi").json()
    second = api.get(f"/api/v1/tasks?subject_type=case&subject_id=page-test&limit=2&cursor={first['next']}",
                     user="epi").json()
    assert [t["id"] for t in first["items"] + second["items"]] == sorted(ids, reverse=True)
    assert second["next"] is None
    overdue = api.get("/api/v1/tasks?overdue=true&limit=200", user="epi").json()["items"]
    assert overdue and all(t["overdue"] for t in overdue)
    assert api.get("/api/v1/tasks?status=bogus", user="epi").status_code == 422


def test_bulk_close_and_assign(api):
    a, b = make(api)["id"], make(api)["id"]
    team = api.post("/api/v1/teams", json={"name": "API 测试组", "department": "community", "jurisdiction_code": HOME,
                                           "member_ids": [uid(api, "grid")]}, user="admin").json()
    r = api.post("/api/v1/tasks/bulk-assign", json={"ids": [a, b], "team_id": team["id"]}, user="epi")
    assert r.json() == {"changed": [a, b], "skipped": []}
    assert api.post("/api/v1/tasks/bulk-close", json={"ids": [a, b], "reason": ""}, user="epi").status_code == 422
    r = api.post("/api/v1/tasks/bulk-close", json={"ids": [a, b], "reason": "合并处理"}, user="epi")
    assert r.json() == {"changed": [a, b], "skipped": []}
    r = api.post("/api/v1/tasks/bulk-close", json={"ids": [a], "reason": "again"}, user="epi")
    assert r.json() == {"changed": [], "skipped": [a]}
    assert api.post("/api/v1/tasks/bulk-close", json={"ids": [a], "reason": "x"}, user="grid").status_code == 403
    grid_notes = api.get("/api/v1/notifications", user="grid").json()
    assert grid_notes["unread"] >= 2 and {n["kind"] for n in grid_notes["items"]} >= {"assigned"}


def test_teams_and_members(api):
    team = api.post("/api/v1/teams", json={"name": "API 成员组", "department": "lab", "jurisdiction_code": HOME},
                    user="commander")
    assert team.status_code == 201 and team.json()["members"] == []
    team_id = team.json()["id"]
    r = api.request("PUT", f"/api/v1/teams/{team_id}/members", json={"user_ids": [uid(api, "epi_district")]},
                    user="commander")
    assert [m["username"] for m in r.json()["members"]] == ["epi_district"]
    dup = api.post("/api/v1/teams", json={"name": "API 成员组", "department": "lab", "jurisdiction_code": HOME},
                   user="commander")
    assert dup.status_code == 409
    bad = api.post("/api/v1/teams", json={"name": "x", "department": "army", "jurisdiction_code": HOME},
                   user="commander")
    assert bad.status_code == 422
    listed = api.get(f"/api/v1/teams?department=lab&jurisdiction_code={HOME}", user="epi").json()["items"]
    assert team_id in [t["id"] for t in listed]


def test_my_tasks_board_and_notifications(api):
    me = uid(api, "epi_district")
    task = make(api, assignee_id=me)
    mine = api.get("/api/v1/tasks/mine", user="epi_district").json()["items"]
    assert task["id"] in [t["id"] for t in mine]
    board = api.get("/api/v1/tasks/board?per_column=5", user="epi_district").json()
    assert set(board["columns"]) == {"open", "in_progress", "done", "cancelled"}
    assert all(len(c) <= 5 for c in board["columns"].values()) and board["counts"]["open"] >= 1
    notes = api.get("/api/v1/notifications?unread=true", user="epi_district").json()
    mine_note = next(n for n in notes["items"] if n["task_id"] == task["id"])
    assert mine_note["kind"] == "assigned"
    r = api.post("/api/v1/notifications/read", json={"ids": [mine_note["id"]]}, user="epi_district")
    assert r.status_code == 200 and r.json()["marked"] == 1 and r.json()["unread"] == notes["unread"] - 1
    r = api.post("/api/v1/notifications/read", json={"all": True}, user="epi_district")
    assert r.json()["unread"] == 0


def test_supervision_api_and_drill_down(api):
    today = datetime.now().date()
    week = f"from={(today - timedelta(days=60)).isoformat()}&to={(today + timedelta(days=2)).isoformat()}"
    make(api)
    report = api.get(f"/api/v1/supervision?{week}", user="auditor")
    assert report.status_code == 200, report.text
    data = report.json()
    assert data["jurisdiction_code"] == "320100" and data["time_zone"] == "Asia/Shanghai"
    total = data["totals"]
    assert total["due"] == total["on_time"] + total["late"] + total["open_overdue"] + total["open_not_due"]
    drill = api.get(f"/api/v1/supervision/tasks?{week}&outcome=open_not_due&limit=500", user="auditor").json()
    assert len(drill["items"]) == total["open_not_due"]
    assert api.get(f"/api/v1/supervision?{week}", user="epi").status_code == 403
    assert api.get("/api/v1/supervision?from=2022-05-08&to=2022-05-01", user="auditor").status_code == 422
    assert api.get("/api/v1/supervision?from=yesterday&to=2022-05-01", user="auditor").json()["field"] == "from"
