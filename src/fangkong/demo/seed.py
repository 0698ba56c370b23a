"""Load a generated demo city into an empty operational store, with demo users."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from fangkong.auth import service as auth
from fangkong.authz import SYSTEM
from fangkong.demo.city import DemoCity
from fangkong.demo.response import seed_response
from fangkong.geo import service as geo
from fangkong.interop.case_import import insert_cases
from fangkong.interop.importers import insert_persons
from fangkong.people import dedup

DEMO_PASSWORD = "demo-pass-2022"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    jurisdiction_code: str
    note: str


def demo_logins(city: DemoCity) -> list[DemoLogin]:
    city_code = next(j.code for j in city.jurisdictions if j.level == "city")
    district = next(j for j in city.jurisdictions if j.level == "district")
    community = next(j for j in city.jurisdictions if j.level == "community" and j.parent_code.startswith(district.code))
    return [
        DemoLogin("admin", "admin", city_code, "everything in the city"),
        DemoLogin("commander", "commander", city_code, "city headquarters, read-only with unmasking"),
        DemoLogin("epi", "epidemiologist", city_code, "city CDC epidemiologist"),
        DemoLogin("epi_district", "epidemiologist", district.code, f"{district.name_en} only"),
        DemoLogin("lab", "lab_operator", city_code, "laboratory"),
        DemoLogin("quarantine", "quarantine_manager", city_code, "quarantine sites"),
        DemoLogin("grid", "grid_worker", community.code, f"{community.name_en} only"),
        DemoLogin("supply", "supply_officer", city_code, "supplies; aggregate views only"),
        DemoLogin("auditor", "auditor", city_code, "read-only, audit log"),
    ]


def seed(*, session: Session, city: DemoCity) -> list[DemoLogin]:
    """Store the city's tree, persons, cases and demo users; passwords are flagged as demo ones."""
    nodes = [geo.NodeRow(code=j.code, level=j.level, name_zh=j.name_zh, name_en=j.name_en,
                         parent_code=j.parent_code, geometry=j.geometry, row=i)
             for i, j in enumerate(city.jurisdictions, start=1)]
    geo.import_nodes(session=session, actor=SYSTEM, nodes=nodes, source="demo city")
    first_id = insert_persons(session, [
        dict(name=p.name, sex=p.sex, birth_date=p.birth_date, resident_id=p.resident_id or None, doc_type=None,
             doc_number=None, phone=p.phone or None, jurisdiction_code=p.jurisdiction_code, address=p.address,
             household_code=f"H{p.household:08d}")
        for p in city.persons], None)
    insert_cases(session, [
        dict(external_id=None, person_id=first_id + c.person_index,
             jurisdiction_code=city.persons[c.person_index].jurisdiction_code,
             classification=c.classification, severity=c.severity, origin=c.origin, onset_date=c.onset_date,
             sampling_date=c.sampling_date, diagnosed_at=c.diagnosed_at, reported_at=c.reported_at,
             outcome=c.outcome, outcome_date=None, notes="")
        for c in city.cases], None)
    dedup.detect_since(session=session, min_id=first_id)
    logins = demo_logins(city)
    for login in logins:
        auth.create_user(session=session, actor=None, username=login.username, password=DEMO_PASSWORD,
                         role=login.role, jurisdiction_code=login.jurisdiction_code, is_default_password=True)
    seed_response(session=session, city=city)
    return logins
