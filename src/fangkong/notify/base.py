"""The one interface every notification channel implements.

A channel is a plug-in: copy `channels/webhook.py`, give the class a new `name`, list it in
`fangkong.notify.registry.CHANNELS` and in FANGKONG_NOTIFY_CHANNELS. `send` raises `ChannelError`
with `permanent=True` when trying again cannot help (bad address, refused payload) and
`permanent=False` when it may (timeout, server busy); the dispatcher retries only the latter.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from fangkong.config import Settings


@dataclass(frozen=True)
class Notice:
    """One notification for one user: what the channels send."""

    user_id: int
    username: str
    kind: str  # assigned | overdue | escalated
    message: str
    task_id: int | None = None
    # Machine-readable details for outside systems (task title, due time, jurisdiction…).
    data: dict[str, Any] = field(default_factory=dict)


class ChannelError(Exception):
    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


class Channel(ABC):
    name: ClassVar[str]
    # False: the channel writes inside the unit of work (in-app rows); True: it talks to the outside
    # and is only called once the unit of work has committed, so a rolled-back job sends nothing.
    after_commit: ClassVar[bool] = True

    def __init__(self, *, settings: Settings, session: Session | None = None):
        self.settings = settings
        self.session = session

    @abstractmethod
    def send(self, notice: Notice) -> None:
        """Deliver one notice, or raise ChannelError(permanent=...)."""
