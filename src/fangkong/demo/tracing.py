"""Tracing in the demo: the simulated city's venues, check-ins and presence in the platform's stores,
an investigation and exposure search per traced case, and the transmission links the truth gives.

The simulator numbers persons and venues from 0; the demo database numbers persons from the first
id `insert_persons` gave (person ``i`` of the city is ``first_person_id + i``) and venues from 1
(venue id 0 is not a valid id), so the bulk files are renumbered on their way into the store.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow.dataset as pads

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.authz import SYSTEM
from fangkong.cases.models import Case
from fangkong.config import Settings
from fangkong.db import utcnow
from fangkong.errors import Conflict
from fangkong.tracing import chains, investigations, itinerary, triggers, venues
from fangkong.tracing.chains_schemas import LinkCreate
from fangkong.tracing.common import TRACED_CLASSIFICATIONS
from fangkong.tracing.models import Investigation
from fangkong.tracing.rules import aware, local_naive
from fangkong.tracing.schemas import ItineraryIn
from fangkong.tracing.engine import ingest_files
from fangkong.tracing.jobs import run_pending_searches

VENUE_OFFSET = 1
# The simulator's layers as the settings a transmission link records.
SETTINGS = {"household": "household", "school": "school", "work": "workplace", "venue": "venue",
            "community": "other"}
# Exposure searches the demo runs before serving (the most recent cases); the server's job runs the rest.
SEARCHES_UP_FRONT = 40
# A case's recalled visits that the demo writes into its itinerary (the first ones of its window).
ITINERARY_ENTRIES = 8
# Hours after diagnosis at which the demo's teams finish each step (uniform draws): mostly within the
# profile's 2/4/24 h, some late, so the clocks and the supervision figures show both.
STEP_HOURS = (("on_site", 0.3, 2.5), ("core_done", 1.5, 5.0), ("reported", 8.0, 28.0))
# The teams' work stops this long after the last diagnosis of the outbreak window, so the newest
# investigations are still in progress when the demo opens.
WORK_UNTIL_HOURS = 3


@dataclass
class TracingSeed:
    venues: int
    checkins: int
    presence: int
    investigations: int
    searches_done: int
    links: int


def _renumbered(src: Path, dst: Path, *, person_offset: int, venue: bool) -> int:
    """Copy the run's day files with the database's person (and venue) ids; returns the rows."""
    dst.mkdir(parents=True, exist_ok=True)
    rows = 0
    for path in sorted(src.glob("*.parquet")):
        table = pq.read_table(path)
        table = table.set_column(0, "person_id", pc.add(table["person_id"], person_offset))
        if venue:
            table = table.set_column(1, "venue_id", pc.add(table["venue_id"], VENUE_OFFSET))
        pq.write_table(table, dst / path.name)
        rows += len(table)
    return rows


def _venue_file(city_dir: Path, dst: Path) -> Path:
    v = pq.read_table(city_dir / "venues.parquet")
    table = pa.table({"venue_id": pc.add(v["venue_id"], VENUE_OFFSET), "place_code": v["place_code"],
                      "name": v["name"], "kind": v["type"], "lon": v["lon"], "lat": v["lat"],
                      "jurisdiction_code": v["jurisdiction_code"]})
    path = dst / "venues.csv"
    pacsv.write_csv(table, path)
    return path


def _links(session: Session, run_dir: Path, person_offset: int) -> int:
    """Links between demo cases that the simulator's truth says infected one another."""
    cases = dict(session.execute(select(Case.person_id, Case.id)
                                 .where(Case.classification.in_(TRACED_CLASSIFICATIONS))).all())
    truth = pq.read_table(run_dir / "infections.parquet",
                          columns=["infector_id", "infectee_id", "layer", "venue_id"]).to_pylist()
    made = 0
    for row in truth:
        if row["infector_id"] is None:
            continue
        infector = cases.get(row["infector_id"] + person_offset)
        infectee = cases.get(row["infectee_id"] + person_offset)
        if infector is None or infectee is None:
            continue
        layer = str(row["layer"])
        venue_id = row["venue_id"] + VENUE_OFFSET if layer == "venue" and row["venue_id"] is not None else None
        try:
            chains.create_link(session=session, actor=SYSTEM, data=LinkCreate(
                infector_case_id=infector, infectee_case_id=infectee, certainty="probable",
                setting=SETTINGS.get(layer, "other"), venue_id=venue_id,
                notes="demo: from the simulator's infection log"))
        except Conflict:
            continue  # a second infector or a cycle the truth cannot have; keep the first
        made += 1
    return made


def seed_tracing(*, session: Session, settings: Settings, city_dir: Path, run_dir: Path,
                 first_person_id: int) -> TracingSeed:
    """Venues, bulk check-ins and presence, investigations with exposure searches, and links."""
    data_dir = Path(settings.data_dir)
    with tempfile.TemporaryDirectory(prefix="fangkong-demo-") as tmp:
        tmp_dir = Path(tmp)
        venues.import_venues(session=session, actor=SYSTEM, path=_venue_file(city_dir, tmp_dir))
        counts = {}
        for kind, has_venue in (("checkins", True), ("presence", False)):
            if not (run_dir / kind).is_dir():
                counts[kind] = 0
                continue
            counts[kind] = _renumbered(run_dir / kind, tmp_dir / kind, person_offset=first_person_id,
                                       venue=has_venue)
            ingest_files(data_dir=data_dir, kind=kind, files=[tmp_dir / kind], timezone=settings.timezone)
    traced = list(session.scalars(select(Case).where(Case.classification.in_(TRACED_CLASSIFICATIONS))
                                  .order_by(Case.diagnosed_at.desc(), Case.id.desc())))
    for case in reversed(traced):  # oldest first, so the job takes the searches in diagnosis order
        triggers.on_case(session=session, actor=SYSTEM, case=case, event="created")
    session.flush()
    invs = {i.case_id: i for i in session.scalars(select(Investigation))}
    _itineraries(session, invs, data_dir, settings.timezone, traced)
    _team_work(session, invs, traced)
    links = _links(session, run_dir, first_person_id)
    run = run_pending_searches(session=session, settings=settings, limit=SEARCHES_UP_FRONT)
    return TracingSeed(venues=int(pq.read_metadata(city_dir / "venues.parquet").num_rows),
                       checkins=counts["checkins"], presence=counts["presence"], investigations=len(traced),
                       searches_done=len(run.done), links=links)


def _itineraries(session: Session, invs: dict[int, Investigation], data_dir: Path, timezone: str,
                 cases: list[Case]) -> None:
    """Each case's own check-ins inside its look-back window, as the investigator would recall them."""
    zone = ZoneInfo(timezone)
    store = pads.dataset(data_dir / "bulk" / "checkins", format="parquet", partitioning="hive")
    persons = [c.person_id for c in cases]
    rows = store.to_table(columns=["person_id", "venue_id", "time_in", "time_out"],
                          filter=pads.field("person_id").isin(persons)).sort_by([("time_in", "ascending")])
    by_person: dict[int, list[dict]] = {}
    for row in rows.to_pylist():
        by_person.setdefault(row["person_id"], []).append(row)
    for case in cases:
        inv = invs.get(case.id)
        if inv is None or inv.window_start is None:
            continue
        start, end = local_naive(inv.window_start, zone), local_naive(inv.window_end, zone)
        visits = [v for v in by_person.get(case.person_id, []) if v["time_in"] < end and v["time_out"] > start]
        for v in visits[:ITINERARY_ENTRIES]:
            itinerary.add(session=session, actor=SYSTEM, investigation_id=inv.id, data=ItineraryIn(
                kind="venue", venue_id=v["venue_id"], start_at=aware(v["time_in"], zone),
                end_at=aware(v["time_out"], zone), notes="demo: from the case's check-ins"))


def _team_work(session: Session, invs: dict[int, Investigation], cases: list[Case]) -> None:
    """The steps the teams have finished, at seeded random delays after diagnosis."""
    rng = np.random.default_rng(2022)
    last = max((c.diagnosed_at for c in cases if c.diagnosed_at is not None), default=None)
    if last is None:
        return
    now = min(utcnow(), last + timedelta(hours=WORK_UNTIL_HOURS))
    for case in sorted(cases, key=lambda c: c.id):
        inv = invs.get(case.id)
        if inv is None or case.diagnosed_at is None:
            continue
        hours = 0.0
        for status, low, high in STEP_HOURS:
            hours = max(hours, float(rng.uniform(low, high)))
            at = case.diagnosed_at + timedelta(hours=hours)
            if at > now:
                break
            investigations.advance(session=session, actor=SYSTEM, investigation_id=inv.id, status=status, at=at)
