"""`fangkong teams create`, `fangkong jobs run`, and the jobs loop in the app's lifespan."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from fangkong import scheduler
from fangkong.cli import app
from fangkong.db import session_scope
from fangkong.notify.channels.webhook import WebhookChannel
from fangkong.notify.models import Notification
from fangkong.response.models import Task, Team, TeamMember

runner = CliRunner()


@pytest.fixture
def cli_env(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("FANGKONG_DATABASE_URL", db_url)
    monkeypatch.setenv("FANGKONG_JOBS_ENABLED", "false")
    return ["--data-dir", str(tmp_path)]


def test_teams_create(cli_env, db_url):
    ok = runner.invoke(app, ["teams", "create", "--name", "玄武区流调一组", "--department", "cdc",
                             "--jurisdiction", "320102", "--member", "epi_district", "--member", "grid", *cli_env])
    assert ok.exit_code == 0, ok.output
    assert "created team" in ok.output and "epi_district, grid" in ok.output
    with session_scope(db_url) as s:
        team = s.scalar(select(Team).where(Team.name == "玄武区流调一组"))
        assert team.department == "cdc" and team.jurisdiction_code == "320102"
        assert len(s.scalars(select(TeamMember).where(TeamMember.team_id == team.id)).all()) == 2
    dup = runner.invoke(app, ["teams", "create", "--name", "玄武区流调一组", "--department", "cdc",
                              "--jurisdiction", "320102", *cli_env])
    assert dup.exit_code == 1 and "exists" in dup.output
    who = runner.invoke(app, ["teams", "create", "--name", "x", "--department", "cdc", "--jurisdiction", "320102",
                              "--member", "nobody", *cli_env])
    assert who.exit_code == 1 and "no user nobody" in who.output
    dept = runner.invoke(app, ["teams", "create", "--name", "x", "--department", "army", "--jurisdiction", "320102",
                               *cli_env])
    assert dept.exit_code == 1 and "department" in dept.output
    where = runner.invoke(app, ["teams", "create", "--name", "x", "--department", "cdc", "--jurisdiction", "999999",
                                *cli_env])
    assert where.exit_code == 1 and "jurisdiction" in where.output


def test_jobs_run_marks_overdue_once(cli_env, db_url):
    first = runner.invoke(app, ["jobs", "run", *cli_env])
    assert first.exit_code == 0, first.output
    assert "mark_overdue:" in first.output and "0 tasks newly overdue" not in first.output
    with session_scope(db_url) as s:
        marked = s.scalars(select(Task.id).where(Task.overdue_notified_at.is_not(None))).all()
        assert marked and s.scalar(select(Notification.id).where(Notification.kind == "escalated"))
    second = runner.invoke(app, ["jobs", "run", *cli_env])
    assert "mark_overdue: 0 tasks newly overdue" in second.output


def test_outside_channels_are_sent_after_the_job_commits(settings, monkeypatch):
    sent = []

    def hook(request: httpx.Request) -> httpx.Response:
        # Sent after commit: the task is already marked in the database when the webhook arrives.
        body = json.loads(request.content)
        with session_scope(settings.url) as s:
            sent.append((body["kind"], s.get(Task, body["task_id"]).overdue_notified_at is not None))
        return httpx.Response(200)

    monkeypatch.setattr(WebhookChannel, "transport", httpx.MockTransport(hook))
    settings = settings.model_copy(update={"notify_channels": "in_app,webhook",
                                           "notify_webhook_url": "http://hooks.test/x"})
    result = scheduler.run_once(settings)
    assert "outside:" in result["mark_overdue"] and sent
    assert {kind for kind, _ in sent} >= {"escalated"} and all(marked for _, marked in sent)


def test_a_failing_job_is_reported_not_raised(settings, monkeypatch):
    def broken(**kw):
        raise RuntimeError("boom")

    monkeypatch.setattr("fangkong.response.jobs.mark_overdue", broken)
    assert scheduler.run_once(settings)["mark_overdue"] == "failed (see the log)"


def test_serve_runs_the_jobs_in_its_lifespan_unless_disabled(settings, monkeypatch):
    from fangkong.app import create_app

    calls = []
    monkeypatch.setattr(scheduler, "run_once", lambda s, now=None: calls.append(s) or {})

    async def lifespan(app_):
        async with app_.router.lifespan_context(app_):
            for _ in range(100):
                if calls:
                    break
                await asyncio.sleep(0.01)

    asyncio.run(lifespan(create_app(settings.model_copy(update={"jobs_enabled": True}))))
    assert len(calls) == 1
    calls.clear()
    asyncio.run(lifespan(create_app(settings)))  # the test settings turn the jobs off
    assert calls == []
