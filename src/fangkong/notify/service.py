"""Send notices through the configured channels; list and mark a user's in-app notifications."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fangkong.authz import Actor
from fangkong.config import Settings, get_settings
from fangkong.db import utcnow
from fangkong.errors import NotFound
from fangkong.kit.pagination import keyset_page
from fangkong.notify import registry
from fangkong.notify.base import Channel, ChannelError, Notice
from fangkong.notify.models import Notification

log = logging.getLogger("fangkong.notify")
Delivery = tuple[Channel, Notice]
ATTEMPTS = 3
BACKOFF_SECONDS = 0.5


def deliver(channel: Channel, notice: Notice, *, attempts: int = ATTEMPTS, backoff: float = BACKOFF_SECONDS) -> bool:
    """Send one notice; transient errors are retried with a growing pause, permanent ones are not."""
    for attempt in range(1, attempts + 1):
        try:
            channel.send(notice)
            return True
        except ChannelError as exc:
            if exc.permanent or attempt == attempts:
                log.warning("%s: notice %s for user %s not delivered (%s, %s)", channel.name, notice.kind,
                            notice.user_id, exc, "permanent" if exc.permanent else f"after {attempt} tries")
                return False
            time.sleep(backoff * 2 ** (attempt - 1))
    return False


def send(*, session: Session, notices: list[Notice], settings: Settings | None = None,
         outside: bool = True) -> list[Delivery]:
    """Run the in-transaction channels (in-app) now; return the outside deliveries to make after commit.

    With `outside=False` the outside channels are skipped (assignment notices inside a web request).
    """
    later: list[Delivery] = []
    if not notices:
        return later
    for channel in registry.channels(settings=settings or get_settings(), session=session):
        if channel.after_commit:
            later += [(channel, n) for n in notices] if outside else []
            continue
        for notice in notices:
            deliver(channel, notice)
    return later


def deliver_all(deliveries: list[Delivery]) -> tuple[int, int]:
    """Make the outside deliveries (after the unit of work committed): (sent, failed)."""
    sent = sum(deliver(channel, notice) for channel, notice in deliveries)
    return sent, len(deliveries) - sent


def list_mine(*, session: Session, actor: Actor, unread_only: bool = False, limit: int = 50,
              cursor: str | None = None) -> tuple[list[Notification], str | None]:
    stmt = select(Notification).where(Notification.user_id == actor.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return keyset_page(session, stmt, Notification.id, limit=limit, cursor=cursor)


def unread_count(*, session: Session, user_id: int | None) -> int:
    if user_id is None:
        return 0
    stmt = select(func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    return session.scalar(stmt) or 0


def mark_read(*, session: Session, actor: Actor, ids: list[int], all_: bool = False,
              now: datetime | None = None) -> int:
    """Mark the actor's notifications read (`ids`, or all); someone else's ids are not found."""
    mine = Notification.user_id == actor.id
    if not all_:
        wanted = set(ids)
        found = set(session.scalars(select(Notification.id).where(mine, Notification.id.in_(wanted))))
        if wanted - found:
            raise NotFound(f"no notification {min(wanted - found)}", field="ids")
    stmt = update(Notification).where(mine, Notification.read_at.is_(None)).values(read_at=now or utcnow())
    if not all_:
        stmt = stmt.where(Notification.id.in_(ids))
    return session.execute(stmt).rowcount or 0
