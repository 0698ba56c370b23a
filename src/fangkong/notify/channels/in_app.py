"""In-app: the notice becomes a row the user sees under the bell, in the same unit of work."""

from __future__ import annotations

from fangkong.notify.base import Channel, ChannelError, Notice
from fangkong.notify.models import Notification


class InAppChannel(Channel):
    name = "in_app"
    after_commit = False

    def send(self, notice: Notice) -> None:
        if self.session is None:
            raise ChannelError("the in-app channel needs a database session", permanent=True)
        self.session.add(Notification(user_id=notice.user_id, task_id=notice.task_id, kind=notice.kind,
                                      message=notice.message))
