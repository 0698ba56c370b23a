"""Resolution of a round with the bulk engine (`fangkong.screening.engine.resolve`), written once there.

A round resolves in two stages, each one engine run over the round's own rows: the screening
samples (each person's latest, in pooled, household or single tubes) and the single-tube re-check
samples of the persons isolated from a positive or indeterminate tube. The engine checks the rows
(pool sizes, duplicates, results for tubes without samples, Ct values, reports before collection)
and resolves every tube and person; this module feeds it and turns its answer into stored state
(outcomes.py: isolations, re-check tasks, cases).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.authz import Actor, require
from fangkong.config import get_settings
from fangkong.db import utcnow
from fangkong.errors import Conflict
from fangkong.screening import outcomes, progress
from fangkong.screening.engine import Problem, Resolution
from fangkong.screening.engine import resolve as engine_resolve
from fangkong.screening.models import Round, Sample, Tube, TubeResult
from fangkong.screening.service import get_round

KINDS = ("screening", "recheck")
RESULT_FIELDS = ("tube_id", "result", "ct_orf1ab", "ct_n", "lab_id", "reported_at")
TEXT = pa.string()


@dataclass
class Stage:
    """One stage of a round as the engine sees it: counted samples, their tubes, stored results."""

    round: Round
    kind: str
    samples: dict[int, Sample] = field(default_factory=dict)  # person_id → the sample that counts
    tubes: dict[str, Tube] = field(default_factory=dict)  # tube code → tube
    stored: list[dict[str, str | None]] = field(default_factory=list)

    @property
    def pool_size(self) -> int:
        return max((t.pool_size for t in self.tubes.values()), default=1)


def zone() -> str:
    """Lab times without a zone are local time of the platform (FANGKONG_TIMEZONE), as in every import."""
    return get_settings().timezone


def load_stage(session: Session, rnd: Round, kind: str) -> Stage:
    stage = Stage(round=rnd, kind=kind)
    rows = session.execute(select(Sample, Tube).join(Tube, Tube.id == Sample.tube_id).where(
        Sample.round_id == rnd.id, Sample.kind == kind, Sample.replaced_by_id.is_(None)).order_by(Sample.id))
    for sample, tube in rows:
        stage.samples[sample.person_id] = sample
        stage.tubes[tube.code] = tube
    by_id = {t.id: code for code, t in stage.tubes.items()}
    for result in session.scalars(select(TubeResult).where(TubeResult.round_id == rnd.id,
                                                           TubeResult.tube_id.in_(list(by_id) or [0]))):
        stage.stored.append(stored_cells(result, by_id[result.tube_id]))
    return stage


def stored_cells(result: TubeResult, code: str) -> dict[str, str | None]:
    return {"tube_id": code, "result": result.result, "ct_orf1ab": _number(result.ct_orf1ab),
            "ct_n": _number(result.ct_n), "lab_id": result.lab_id, "reported_at": result.reported_at.isoformat()}


def _number(value: float | None) -> str | None:
    return None if value is None else repr(value)


def _samples_table(stage: Stage) -> pa.Table:
    rows = sorted(stage.samples.values(), key=lambda s: s.id)
    codes = {t.id: code for code, t in stage.tubes.items()}
    return pa.table({
        "sample_id": pa.array([s.id for s in rows], pa.int64()),
        "person_id": pa.array([s.person_id for s in rows], pa.int64()),
        "tube_id": pa.array([codes[s.tube_id] for s in rows], TEXT),
        "site_id": pa.array([f"site-{s.site_id}" if s.site_id else "none" for s in rows], TEXT),
        "collected_at": pa.array([s.collected_at.isoformat() for s in rows], TEXT),
    })


def results_table(rows: Iterable[dict[str, str | None]]) -> pa.Table:
    rows = list(rows)
    return pa.table({name: pa.array([(r.get(name) or None) for r in rows], TEXT) for name in RESULT_FIELDS})


def run(stage: Stage, new_rows: list[dict[str, str | None]] = ()) -> Resolution:
    """The engine over the stage's samples and results: the stored rows, then the new ones (rows s+1..s+n,
    so that a new result contradicting a stored one is the row reported)."""
    return engine_resolve(samples=_samples_table(stage), results=results_table([*stage.stored, *new_rows]),
                   pool_size=stage.pool_size, ct_threshold=stage.round.ct_threshold, engine="duckdb", timezone=zone())


def _utc(local: datetime | None) -> datetime | None:
    """An engine time (local wall time, no zone) as an aware UTC time."""
    return None if local is None else local.replace(tzinfo=ZoneInfo(zone())).astimezone(timezone.utc)


def _store_tubes(stage: Stage, res: Resolution) -> None:
    for row in res.tubes.to_pylist():
        tube = stage.tubes[str(row["tube_id"])]
        tube.outcome, tube.min_ct, tube.turnaround_hours = row["status"], row["min_ct"], row["turnaround_hours"]
        tube.reported_at = _utc(row["reported_at"])
        if row["lab_id"] is not None:
            tube.lab_id = str(row["lab_id"])
        if tube.reported_at is not None and tube.status != "sent":
            tube.status, tube.sent_at = "sent", tube.sent_at or tube.reported_at  # a result seals the tube


def _store_people(stage: Stage, res: Resolution) -> list[tuple[Sample, str]]:
    statuses = []
    for row in res.person_status.to_pylist():
        sample = stage.samples[row["person_id"]]
        sample.status = row["status"]  # unchanged values are not written
        statuses.append((sample, row["status"]))
    return statuses


def apply(session: Session, actor: Actor, stage: Stage, res: Resolution) -> outcomes.Outcome:
    """Store the engine's answer for the stage and act on it (isolate, re-check tasks, cases, release)."""
    _store_tubes(stage, res)
    statuses = _store_people(stage, res)
    session.flush()
    codes = {t.id: t for t in stage.tubes.values()}
    if stage.kind == "screening":
        progress.set_outcomes(session, round_id=stage.round.id,
                              statuses=[(s.jurisdiction_code, status) for s, status in statuses])
    done = outcomes.act_all(session, actor, stage.round, stage.kind,
                            [(sample, codes[sample.tube_id], status) for sample, status in statuses])
    summary = dict(stage.round.summary or {})
    summary[stage.kind] = res.summary
    stage.round.summary, stage.round.resolved_at = summary, utcnow()
    session.flush()
    return done


def problem_text(problem: Problem) -> str:
    return f"{problem.file} row {problem.row}, {problem.field}: {problem.message}" if problem.row else str(problem)


def resolve(*, session: Session, actor: Actor, round_id: int) -> outcomes.Outcome:
    """Resolve a round on demand (uploads resolve the rounds they touch)."""
    rnd = get_round(session=session, actor=actor, round_id=round_id, action="screening.results")
    require(actor, "screening.results", rnd)
    return resolve_round(session=session, actor=actor, rnd=rnd)


def resolve_round(*, session: Session, actor: Actor, rnd: Round) -> outcomes.Outcome:
    """Both stages over the stored rows (after a correction, or on demand)."""
    total = outcomes.Outcome()
    for kind in KINDS:
        stage = load_stage(session, rnd, kind)
        if not stage.samples:
            continue
        res = run(stage)
        if res.problems:
            raise Conflict(f"round {rnd.number} cannot be resolved: {problem_text(res.problems[0])}")
        total.add(apply(session, actor, stage, res))
    return total
