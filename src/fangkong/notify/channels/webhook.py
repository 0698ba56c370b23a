"""Webhook: POST each notice as JSON to FANGKONG_NOTIFY_WEBHOOK_URL (an SMS or IM gateway, a duty system).

Body: {"kind", "user_id", "username", "task_id", "message", "data", "sent_at"}. A 2xx answer is
success; 408, 429, 5xx and network errors are transient (retried); other 4xx are permanent.
"""

from __future__ import annotations

import httpx

from fangkong.db import utcnow
from fangkong.notify.base import Channel, ChannelError, Notice

TIMEOUT_SECONDS = 5.0


class WebhookChannel(Channel):
    name = "webhook"
    # Tests hand in an httpx transport (httpx.MockTransport); production uses the network.
    transport: httpx.BaseTransport | None = None

    def send(self, notice: Notice) -> None:
        url = self.settings.notify_webhook_url
        if not url:
            raise ChannelError("FANGKONG_NOTIFY_WEBHOOK_URL is not set", permanent=True)
        body = {"kind": notice.kind, "user_id": notice.user_id, "username": notice.username,
                "task_id": notice.task_id, "message": notice.message, "data": notice.data,
                "sent_at": utcnow().isoformat()}
        try:
            with httpx.Client(transport=self.transport, timeout=TIMEOUT_SECONDS) as client:
                response = client.post(url, json=body)
        except httpx.HTTPError as exc:
            raise ChannelError(f"webhook unreachable: {exc.__class__.__name__}", permanent=False) from exc
        status = response.status_code
        if status < 300:
            return
        transient = status in (408, 429) or status >= 500
        raise ChannelError(f"webhook answered {status}", permanent=not transient)
