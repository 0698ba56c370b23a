"""Channels: in-app rows, the webhook's permanent and transient errors, retries, delivery after commit."""

from __future__ import annotations

import json

import httpx
import pytest

from fangkong.config import Settings
from fangkong.notify import registry, service as notify
from fangkong.notify.base import ChannelError, Notice
from fangkong.notify.channels.webhook import WebhookChannel

NOTICE = Notice(user_id=7, username="epi", kind="overdue", message="#12 流调报告", task_id=12,
                data={"due_at": "2022-05-10T12:00:00+00:00"})


def _webhook(handler, url="http://hooks.test/fangkong") -> WebhookChannel:
    channel = WebhookChannel(settings=Settings(notify_channels="in_app,webhook", notify_webhook_url=url))
    channel.transport = httpx.MockTransport(handler)
    return channel


def test_webhook_posts_the_notice_as_json():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, str(request.url), json.loads(request.content)))
        return httpx.Response(204)

    _webhook(handler).send(NOTICE)
    method, url, body = seen[0]
    assert (method, url) == ("POST", "http://hooks.test/fangkong")
    assert body["kind"] == "overdue" and body["task_id"] == 12 and body["message"] == "#12 流调报告"
    assert body["username"] == "epi" and body["data"]["due_at"].startswith("2022-05-10")


@pytest.mark.parametrize("status, permanent", [(400, True), (404, True), (410, True), (408, False), (429, False),
                                               (500, False), (503, False)])
def test_webhook_errors_are_permanent_or_transient(status, permanent):
    with pytest.raises(ChannelError) as exc:
        _webhook(lambda r: httpx.Response(status)).send(NOTICE)
    assert exc.value.permanent is permanent


def test_network_errors_are_transient():
    def handler(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ChannelError) as exc:
        _webhook(handler).send(NOTICE)
    assert exc.value.permanent is False


def test_transient_errors_are_retried_and_permanent_ones_are_not():
    calls = []

    def flaky(request):
        calls.append(1)
        return httpx.Response(503 if len(calls) < 3 else 200)

    assert notify.deliver(_webhook(flaky), NOTICE, backoff=0) is True and len(calls) == 3
    calls.clear()

    def refused(request):
        calls.append(1)
        return httpx.Response(400)

    assert notify.deliver(_webhook(refused), NOTICE, backoff=0) is False and len(calls) == 1
    calls.clear()
    assert notify.deliver(_webhook(lambda r: calls.append(1) or httpx.Response(500)), NOTICE, backoff=0) is False
    assert len(calls) == notify.ATTEMPTS


def test_settings_refuse_unknown_channels_and_a_webhook_without_url():
    with pytest.raises(ValueError):
        Settings(notify_channels="in_app,pager")
    with pytest.raises(ValueError):
        Settings(notify_channels="webhook")
    with pytest.raises(ValueError):
        Settings(notify_channels="webhook", notify_webhook_url="ftp://x")
    assert Settings().notify_channel_names == ["in_app"]


def test_send_stores_in_app_now_and_returns_outside_deliveries(session, user_id):
    from sqlalchemy import select

    from fangkong.notify.models import Notification

    settings = Settings(notify_channels="in_app,webhook", notify_webhook_url="http://hooks.test/x")
    notice = Notice(user_id=user_id("epi"), username="epi", kind="overdue", message="#1 x")
    later = notify.send(session=session, notices=[notice], settings=settings)
    assert [(c.name, n.kind) for c, n in later] == [("webhook", "overdue")]
    session.flush()
    row = session.scalars(select(Notification).where(Notification.user_id == user_id("epi"))).all()[-1]
    assert (row.kind, row.message, row.read_at) == ("overdue", "#1 x", None)
    assert notify.send(session=session, notices=[notice], settings=settings, outside=False) == []


def test_registry_lists_each_channel_once():
    assert set(registry.CHANNELS) == {"in_app", "webhook"}
    assert registry.load("webhook") is WebhookChannel
