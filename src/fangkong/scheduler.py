"""Scheduled jobs: every minute from `fangkong serve` (a background task of the app's lifespan, off with
FANGKONG_JOBS_ENABLED=false), once from `fangkong jobs run`.

Each job runs in its own unit of work; outside notifications (webhook…) go out after it commits.
With several web workers, leave the setting on in one of them (on PostgreSQL concurrent runs skip
each other's locked rows, so nothing is notified twice either way).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime

from fastapi import FastAPI

from fangkong.config import Settings
from fangkong.db import session_scope

log = logging.getLogger("fangkong.jobs")
INTERVAL_SECONDS = 60


def run_once(settings: Settings, now: datetime | None = None) -> dict[str, str]:
    """Run every job once; returns a one-line summary per job (a failed job is logged, the others run)."""
    from fangkong.notify import service as notify
    from fangkong.response.jobs import mark_overdue
    from fangkong.tracing.jobs import detect_cluster_signals, run_pending_searches

    results = {}
    try:
        with session_scope(settings.url) as session:
            run = mark_overdue(session=session, now=now, settings=settings)
        sent, failed = notify.deliver_all(run.outside)
        results["mark_overdue"] = run.summary() + (f"; outside: {sent} sent, {failed} failed" if run.outside else "")
    except Exception:  # noqa: BLE001 - a job must not take the server down
        log.exception("job mark_overdue failed")
        results["mark_overdue"] = "failed (see the log)"
    for name, job in (("exposure_searches", run_pending_searches), ("cluster_signals", detect_cluster_signals)):
        results[name] = _tracing_job(settings, name, job)
    return results


def _tracing_job(settings: Settings, name: str, job) -> str:
    try:
        with session_scope(settings.url) as session:
            return job(session=session, settings=settings).summary()
    except Exception:  # noqa: BLE001 - a job must not take the server down
        log.exception("job %s failed", name)
        return "failed (see the log)"


async def _every_minute(settings: Settings) -> None:
    while True:
        await asyncio.to_thread(run_once, settings)
        await asyncio.sleep(INTERVAL_SECONDS)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    task = asyncio.create_task(_every_minute(settings)) if settings.jobs_enabled else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
