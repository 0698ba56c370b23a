"""Builders for the tracing service tests: persons, confirmed cases, profiles, check-ins in the bulk store.

Dates are in July 2022 (ed9 era); times without a zone are Asia/Shanghai local time.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
from sqlalchemy import select

from fangkong.authz import SYSTEM
from fangkong.cases import service as cases
from fangkong.cases.schemas import CaseCreate
from fangkong.geo.models import Jurisdiction
from fangkong.people.models import Person
from fangkong.protocols import service as protocols

TZ = ZoneInfo("Asia/Shanghai")
ONSET = date(2022, 7, 8)
DIAGNOSED = datetime(2022, 7, 10, 10, 0, tzinfo=TZ)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def grids(session, actor) -> tuple[str, str]:
    """(a grid inside the actor's subtree, a grid outside it)."""
    codes = list(session.scalars(select(Jurisdiction.code).where(Jurisdiction.level == "grid")
                                 .order_by(Jurisdiction.code)))
    inside = next(c for c in codes if actor.covers(c))
    outside = next((c for c in codes if not actor.covers(c)), None)
    return inside, outside


def person(session, code: str, name: str = "测试", household: str | None = None) -> Person:
    p = Person(name=name, sex="unknown", jurisdiction_code=code, address="", household_code=household,
               phone="13812345678", resident_id=None)
    session.add(p)
    session.flush()
    return p


def confirmed_case(session, actor, code: str, *, classification: str = "confirmed", onset: date | None = ONSET,
                   sampling: date | None = None, diagnosed: datetime = DIAGNOSED, who: Person | None = None):
    who = who or person(session, code, "病例")
    data = CaseCreate(person_id=who.id, jurisdiction_code=code, classification=classification,
                      severity="mild" if classification == "confirmed" else None, onset_date=onset,
                      sampling_date=sampling, diagnosed_at=diagnosed, reported_at=diagnosed)
    return cases.create(session=session, actor=actor, data=data)


def use_profile(session, code: str, profile_id: str) -> None:
    protocols.select_profile(session=session, actor=SYSTEM, jurisdiction_code=code, profile_id=profile_id,
                             effective_from=date(2020, 1, 1), reason=f"test: {profile_id}")


def write_store(data_dir: Path, kind: str, rows: list[tuple]) -> None:
    """Rows (person_id, place_id, start, end) with local ISO times, ingested as the engine stores them."""
    from fangkong.tracing.engine import ingest_files

    place, start, end = (("venue_id", "time_in", "time_out") if kind == "checkins"
                         else ("cell_id", "time_start", "time_end"))
    path = data_dir / f"in-{kind}-{len(rows)}-{abs(hash(tuple(rows))) % 10**8}.csv"
    path.write_text("\n".join([f"person_id,{place},{start},{end}",
                               *(f"{r[0]},{r[1]},{r[2]},{r[3]}" for r in rows)]) + "\n", encoding="utf-8")
    report = ingest_files(data_dir=data_dir, kind=kind, files=[path], timezone="Asia/Shanghai")
    assert not report.problems, report.problems


def exposures_table(rows: list[tuple]) -> pa.Table:
    """A find_exposures result by hand: (index_person_id, person_id, kind, place_id, start, end, minutes)."""
    from fangkong.tracing.engine import EXPOSURE_SCHEMA

    cols = list(zip(*rows)) if rows else [[]] * 7
    return pa.table({
        "index_person_id": pa.array(cols[0], pa.int64()), "person_id": pa.array(cols[1], pa.int64()),
        "kind": pa.array(cols[2], pa.string()), "place_id": pa.array(cols[3], pa.int64()),
        "overlap_start": pa.array([datetime.fromisoformat(t) for t in cols[4]], pa.timestamp("us")),
        "overlap_end": pa.array([datetime.fromisoformat(t) for t in cols[5]], pa.timestamp("us")),
        "overlap_minutes": pa.array(cols[6], pa.float64())}, schema=EXPOSURE_SCHEMA)
