"""Rule "case" for tracing: a case registered as, or classified to, confirmed or asymptomatic gets its
investigation and a pending exposure search, and the person's open contacts become converted."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from fangkong.authz import Actor
from fangkong.tracing import contacts, exposures, investigations
from fangkong.tracing.common import TRACED_CLASSIFICATIONS


def on_case(*, session: Session, actor: Actor, case: Any, event: str) -> None:
    if case.classification not in TRACED_CLASSIFICATIONS:
        return
    investigations.ensure_for_case(session=session, actor=actor, case=case)
    exposures.record_pending(session=session, actor=actor, case=case)
    contacts.on_case(session=session, actor=actor, case=case)
