"""Tracing in the demo: the simulated city's venues, check-ins and presence in the platform's stores,
an investigation and exposure search per traced case, and the transmission links the truth gives.

The simulator numbers persons and venues from 0; the demo database numbers persons from the first
id `insert_persons` gave (person ``i`` of the city is ``first_person_id + i``) and venues from 1
(venue id 0 is not a valid id), so the bulk files are renumbered on their way into the store.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.authz import SYSTEM
from fangkong.cases.models import Case
from fangkong.config import Settings
from fangkong.errors import Conflict
from fangkong.tracing import chains, triggers, venues
from fangkong.tracing.chains_schemas import LinkCreate
from fangkong.tracing.common import TRACED_CLASSIFICATIONS
from fangkong.tracing.engine import ingest_files
from fangkong.tracing.jobs import run_pending_searches

VENUE_OFFSET = 1
# The simulator's layers as the settings a transmission link records.
SETTINGS = {"household": "household", "school": "school", "work": "workplace", "venue": "venue",
            "community": "other"}
# Exposure searches the demo runs before serving (the most recent cases); the server's job runs the rest.
SEARCHES_UP_FRONT = 40


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
    links = _links(session, run_dir, first_person_id)
    run = run_pending_searches(session=session, settings=settings, limit=SEARCHES_UP_FRONT)
    return TracingSeed(venues=int(pq.read_metadata(city_dir / "venues.parquet").num_rows),
                       checkins=counts["checkins"], presence=counts["presence"], investigations=len(traced),
                       searches_done=len(run.done), links=links)
