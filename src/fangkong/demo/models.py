"""The public record types of the demo city (re-exported by :mod:`fangkong.demo.city`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fangkong.demo.simulation import DemoRun
    from fangkong.sim.city.model import City

__all__ = ["DemoCase", "DemoCity", "DemoJurisdiction", "DemoPerson", "DemoSimulation"]


@dataclass(frozen=True)
class DemoJurisdiction:
    code: str
    level: str  # 'province','city','district','street','community','grid'
    name_zh: str
    name_en: str
    parent_code: str | None
    # GeoJSON geometry dict (Polygon), None for the province. Left out of the hash (a dict
    # cannot be hashed) but compared by ==.
    geometry: dict | None = field(hash=False)


@dataclass(frozen=True)
class DemoPerson:
    resident_id: str  # 18 characters, or '' for a planted duplicate without an ID
    name: str
    sex: str  # 'male'/'female'
    birth_date: date
    phone: str  # 11-digit mainland mobile, e.g. '13812345678'
    jurisdiction_code: str  # a grid code
    address: str  # e.g. '南京市玄武区梅园街道长江路社区12栋3单元402'
    household: int


@dataclass(frozen=True)
class DemoCase:
    person_index: int  # index into DemoCity.persons
    classification: str  # 'confirmed','asymptomatic','suspected','excluded'
    severity: str | None  # confirmed only: 'mild','severe','critical'
    origin: str  # 'local','imported','import_related'
    onset_date: date | None  # None for asymptomatic
    sampling_date: date
    diagnosed_at: datetime  # timezone-aware UTC
    reported_at: datetime | None  # timezone-aware UTC; None = not yet reported
    outcome: str  # 'under_treatment','recovered','died'


@dataclass
class DemoSimulation:
    """The simulated city and run the demo records come from (see fangkong.demo.city.write_simulation)."""

    city: City
    run: DemoRun


@dataclass
class DemoCity:
    jurisdictions: list[DemoJurisdiction]
    persons: list[DemoPerson]
    cases: list[DemoCase]
    center: tuple[float, float]  # (lon, lat)
    # Left out of == (its arrays cannot be compared that way); the records above are what count.
    simulation: DemoSimulation | None = field(default=None, compare=False, repr=False)
