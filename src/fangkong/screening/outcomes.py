"""What a resolved tube sets off, per member (protocols-china.md §3.3, "positive pool"):

- a positive or indeterminate pooled (or household) tube: every member is temporarily isolated on
  their own (an Isolation row the epidemiologist sees) and gets a single-tube re-check task with a
  deadline (the profile's `pool_recheck` SLA bundle, started at the lab's report);
- a positive single tube, or a positive re-check: the person becomes a case (below);
- a negative re-check: the isolation is released; an indeterminate one is re-checked again.

The case: an active case of the person (under treatment) gets the result in its notes; a released
one (confirmed or asymptomatic, recovered) becomes re-positive, as the case rules allow; otherwise a
new case is registered as asymptomatic (无症状感染者: nucleic acid positive, no symptoms known) with
its diagnosis at the lab's report, which starts the case's own report and investigation clocks.
Nothing here is done twice: the isolation row records what was done, and the tasks are idempotent.

These are the rules' doing, not the uploader's: a lab that uploads results may not edit cases, but
its positive result still updates one, and the members of a tube sampled in its district are
isolated wherever they live. The rules act under the uploader's name (so the audit log says whose
upload set them off) with the permissions and reach they need.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.authz import Actor
from fangkong.cases import service as cases
from fangkong.cases.schemas import CaseCreate, CaseUpdate, ClassifyRequest
from fangkong.errors import NotFound
from fangkong.response import bundles
from fangkong.screening.models import Isolation, Round, Sample, Tube

log = logging.getLogger("fangkong.screening")

RECHECK_BUNDLE = "pool_recheck"  # the profile's SLA bundle started by a positive pool (start event positive_pool)
RECHECK_RULE = "positive_pool"
FLAGGED = ("positive", "indeterminate")


@dataclass
class Outcome:
    isolations: int = 0
    tasks: int = 0
    released: int = 0
    cases: list[int] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.isolations += other.isolations
        self.tasks += other.tasks
        self.released += other.released
        self.cases += other.cases

    def as_dict(self) -> dict:
        return {"new_isolations": self.isolations, "new_tasks": self.tasks, "released": self.released,
                "cases": self.cases}


def rule_actor(actor: Actor) -> Actor:
    """The uploader's identity with the permissions and reach the rules need (see the module)."""
    return replace(actor, role="admin", jurisdiction_code="", jurisdiction_level="root")


def act_all(session: Session, actor: Actor, rnd: Round, kind: str, rows: list[tuple[Sample, Tube, str]]) -> Outcome:
    """The consequences of a stage's resolution, (sample, tube, person status) per person."""
    done = Outcome()
    flagged = [(sample, tube, status) for sample, tube, status in rows if kind == "recheck" or status == "recheck"]
    if not flagged:
        return done
    isolations = {i.person_id: i for i in session.scalars(select(Isolation).where(Isolation.round_id == rnd.id))}
    for sample, tube, status in flagged:
        act(session, actor, rnd, kind, sample, tube, status, isolations.get(sample.person_id), done)
    return done


def act(session: Session, actor: Actor, rnd: Round, kind: str, sample: Sample, tube: Tube, status: str,
        iso: Isolation | None, done: Outcome) -> None:
    """The consequence of one person's resolution in a stage (see the module's docstring)."""
    if kind == "screening":
        if status != "recheck" or (iso is not None and iso.status != "isolated"):
            return
        if iso is None:
            iso = _isolate(session, rnd, sample, tube)
            done.isolations += 1
        if tube.mode == "single" and tube.outcome == "positive":
            _to_case(session, actor, rnd, iso, sample, tube, done)
        else:
            done.tasks += _recheck_task(session, rule_actor(actor), iso, tube.reported_at)
    elif iso is not None and iso.status == "isolated":
        if status == "cleared":
            iso.status, iso.ended_at = "released", tube.reported_at
            done.released += 1
        elif status == "recheck" and tube.outcome == "positive":
            _to_case(session, actor, rnd, iso, sample, tube, done)
        elif status == "recheck":
            done.tasks += _recheck_task(session, rule_actor(actor), iso, tube.reported_at)


def _isolate(session: Session, rnd: Round, sample: Sample, tube: Tube) -> Isolation:
    reason = "indeterminate" if tube.outcome == "indeterminate" else (
        "positive" if tube.mode == "single" else "positive_pool")
    iso = Isolation(round_id=rnd.id, person_id=sample.person_id, tube_id=tube.id, reason=reason, status="isolated",
                    jurisdiction_code=sample.jurisdiction_code, started_at=tube.reported_at)
    session.add(iso)
    session.flush()
    return iso


def _recheck_task(session: Session, actor: Actor, iso: Isolation, start: datetime) -> int:
    """The single-tube re-check task of one isolated member, due by the profile's deadline."""
    try:
        bundle, profile_id = bundles.profile_bundle(session=session, jurisdiction_code=iso.jurisdiction_code,
                                                    bundle_id=RECHECK_BUNDLE, at=start)
    except NotFound:
        log.info("no %s bundle in the profile of %s: no re-check task", RECHECK_BUNDLE, iso.jurisdiction_code)
        return 0
    created, _ = bundles.apply_bundle(session=session, actor=actor, subject_type="screening_isolation",
                                      subject_id=iso.id, jurisdiction_code=iso.jurisdiction_code,
                                      bundle_id=RECHECK_BUNDLE, start_at=start, rule=RECHECK_RULE, bundle=bundle,
                                      profile_id=profile_id)
    iso.recheck_due_at = max(due for _, due in bundles.expand(bundle, start))
    return len(created)


def _note(rnd: Round, tube: Tube) -> str:
    ct = f", Ct {tube.min_ct:g}" if tube.min_ct is not None else ""
    return (f"区域核酸筛查 campaign {rnd.campaign_id} round {rnd.number}: {tube.kind} tube {tube.code} "
            f"{tube.outcome}{ct} (reported {tube.reported_at:%Y-%m-%d %H:%M}Z)")


def _to_case(session: Session, actor: Actor, rnd: Round, iso: Isolation, sample: Sample, tube: Tube,
             done: Outcome) -> None:
    if iso.case_id is None:
        iso.case_id = ensure_case(session=session, actor=rule_actor(actor), person_id=sample.person_id,
                                  note=_note(rnd, tube), collected_at=sample.collected_at,
                                  reported_at=tube.reported_at)
        done.cases.append(iso.case_id)
    iso.status, iso.ended_at = "case", tube.reported_at


def ensure_case(*, session: Session, actor: Actor, person_id: int, note: str, collected_at: datetime,
                reported_at: datetime) -> int:
    """The person's case for a positive screening result: updated, made re-positive, or registered."""
    keys = cases.list_statement(actor=actor, person_id=person_id, keys_only=True)
    for case_id in session.scalars(keys.order_by(keys.selected_columns[0].desc())):
        case = cases.get(session=session, actor=actor, case_id=case_id)
        if case.classification == "excluded":
            continue
        if case.outcome == "under_treatment":
            cases.update(session=session, actor=actor, case_id=case.id, data=CaseUpdate(
                notes=f"{case.notes}\n{note}".strip()[:4000],
                sampling_date=case.sampling_date or cases.local_date(collected_at)))
            return case.id
        if case.outcome == "recovered" and case.classification in ("confirmed", "asymptomatic"):
            cases.classify(session=session, actor=actor, case_id=case.id,
                           data=ClassifyRequest(classification="repositive", reason=note))
            return case.id
        break
    case = cases.create(session=session, actor=actor, data=CaseCreate(
        person_id=person_id, classification="asymptomatic", sampling_date=cases.local_date(collected_at),
        diagnosed_at=reported_at, notes=note))
    return case.id
