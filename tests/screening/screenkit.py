"""Screening service tests: a hand-built grid of residents, a campaign over it, a launched round.

Import the fixtures you use: `from screenkit import campaign, grid, round_  # noqa: F401`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from fangkong.authz import SYSTEM
from fangkong.geo import service as geo
from fangkong.interop.importers import insert_persons
from fangkong.screening import service
from fangkong.screening.schemas import AreaIn, CampaignCreate, RoundCreate

DISTRICT, COMMUNITY = "320102", "320102001001"
GRID = "320102001001009"  # a grid of our own under the demo city's first community: 12 residents
OTHER_GRID = "320102001001008"  # another of our own, 5 residents
START = datetime(2022, 5, 1, 0, 0, tzinfo=timezone.utc)
HEADER = "tube_id,result,ct_orf1ab,ct_n,lab_id,reported_at\n"


def at(hours: float) -> datetime:
    """`hours` after the round's start (UTC)."""
    return START + timedelta(hours=hours)


def add_grid(session, code: str, residents: int, *, household: int = 3) -> list[int]:
    """A new grid node under COMMUNITY with residents living `household` to an address; their ids."""
    geo.import_nodes(session=session, actor=SYSTEM, source="test", nodes=[geo.NodeRow(
        code=code, level="grid", name_zh=f"测试网格{code[-3:]}", name_en=f"Test grid {code[-3:]}", parent_code=COMMUNITY)])
    first = insert_persons(session, [dict(
        name=f"居民{code[-2:]}{i:02d}", sex="unknown", birth_date=None, resident_id=None, doc_type=None, doc_number=None,
        phone=f"1380000{code[-2:]}{i:02d}", jurisdiction_code=code, address=f"测试路{i // household + 1}号")
        for i in range(residents)], None)
    return list(range(first, first + residents))


@pytest.fixture
def grid(session):
    """The 12 residents of GRID (4 households of 3) and the 5 of OTHER_GRID."""
    return add_grid(session, GRID, 12), add_grid(session, OTHER_GRID, 5)


@pytest.fixture
def campaign(session, actor_of, grid):
    """A campaign of the lab over both grids: GRID 5-in-1 pooled, OTHER_GRID single tubes."""
    return service.create_campaign(session=session, actor=actor_of("lab"), data=CampaignCreate(
        name="玄武区测试筛查", jurisdiction_code=DISTRICT, assumed_prevalence=0.001,
        areas=[AreaIn(jurisdiction_code=GRID, mode="pooled", pool_size=5),
               AreaIn(jurisdiction_code=OTHER_GRID, mode="single")]))


@pytest.fixture
def round_(session, actor_of, campaign):
    return service.launch_round(session=session, actor=actor_of("lab"), campaign_id=campaign.id,
                                data=RoundCreate(starts_at=START))


def csv_file(tmp_path, name: str, *rows: str):
    """A results CSV with the canonical header and the given lines."""
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path
