"""Channel names → their classes ("module:Class"), loaded only when configured."""

from __future__ import annotations

from importlib import import_module

from sqlalchemy.orm import Session

from fangkong.config import Settings
from fangkong.notify.base import Channel

CHANNELS: dict[str, str] = {
    "in_app": "fangkong.notify.channels.in_app:InAppChannel",
    "webhook": "fangkong.notify.channels.webhook:WebhookChannel",
}


def load(name: str) -> type[Channel]:
    module, _, cls = CHANNELS[name].partition(":")
    return getattr(import_module(module), cls)


def channels(*, settings: Settings, session: Session | None) -> list[Channel]:
    """The channels FANGKONG_NOTIFY_CHANNELS names, in that order."""
    return [load(name)(settings=settings, session=session) for name in settings.notify_channel_names]
