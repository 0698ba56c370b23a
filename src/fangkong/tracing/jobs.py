"""The tracing jobs: run the pending exposure searches (recorded when a case is confirmed), and look
for new cluster signals (cases linked to one venue or household within the profile's window)."""

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


@dataclass
class SignalRun:
    created: list[int]
    extended: list[int]
    cases_added: int

    def summary(self) -> str:
        return (f"{len(self.created)} cluster signals opened, {len(self.extended)} clusters extended "
                f"by {self.cases_added} cases")


def detect_cluster_signals(*, session: Session, settings: Settings | None = None, actor: Actor = SYSTEM) -> SignalRun:
    """Signals from itinerary visits and households as well as links, which open signals on save:
    a case's itinerary entry at a venue, or a household, may complete a signal with no new link."""
    from fangkong.tracing.clusters import detect_signals

    result = detect_signals(session=session, actor=actor)
    return SignalRun(created=list(result.created), extended=list(result.extended), cases_added=result.cases_added)
