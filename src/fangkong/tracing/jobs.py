"""The tracing job: run the pending exposure searches (recorded when a case is confirmed)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.authz import SYSTEM, Actor
from fangkong.config import Settings
from fangkong.tracing.exposures import run_search
from fangkong.tracing.models import ExposureSearch

BATCH = 20  # searches per run: a minute's job stays short; the next run takes the rest


@dataclass
class SearchRun:
    done: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    contacts: int = 0

    def summary(self) -> str:
        return f"{len(self.done)} exposure searches done, {len(self.failed)} failed, {self.contacts} new contacts"


def run_pending_searches(*, session: Session, settings: Settings, actor: Actor = SYSTEM,
                         limit: int = BATCH) -> SearchRun:
    """Run up to `limit` pending searches, oldest first, over the bulk store in `settings.data_dir`."""
    ids = list(session.scalars(select(ExposureSearch.id).where(ExposureSearch.status == "pending")
                               .order_by(ExposureSearch.id).limit(limit)))
    run = SearchRun()
    for search_id in ids:
        search = run_search(session=session, search_id=search_id, data_dir=settings.data_dir, actor=actor)
        (run.done if search.status == "done" else run.failed).append(search.id)
        run.contacts += search.contacts_created or 0
    return run
