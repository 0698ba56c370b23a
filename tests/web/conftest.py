"""Web UI tests: one demo data folder per session, served in-process (HTTP tests) or by uvicorn (browser).

The folder is built once with the real seeding code; tests that change records pick records no
other test depends on, so the shared folder stays usable in any order.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from webtools import WebClient

from fangkong.app import create_app
from fangkong.auth import service as auth
from fangkong.authz import SYSTEM
from fangkong.config import Settings
from fangkong.db import session_scope, upgrade
from fangkong.demo.seed import DEMO_PASSWORD


@pytest.fixture(scope="session")
def web_data_dir(tmp_path_factory) -> Path:
    from fangkong.demo.city import build_city
    from fangkong.demo.seed import seed

    data_dir = tmp_path_factory.mktemp("webdemo")
    settings = Settings(data_dir=data_dir, environment="demo")
    upgrade(settings.url)
    with session_scope(settings.url) as session:
        seed(session=session, city=build_city(seed=2022, persons=2000, cases=200))
    return data_dir


@pytest.fixture(scope="session")
def web_settings(web_data_dir) -> Settings:
    return Settings(data_dir=web_data_dir, environment="demo", jobs_enabled=False)


@pytest.fixture(scope="session")
def web_app(web_settings):
    return create_app(web_settings)


@pytest.fixture
def in_db(web_settings):
    """in_db(lambda session: ...) runs one short unit of work (services audit reads, so they write:
    a session held open across web requests would lock SQLite)."""

    def run(work):
        with session_scope(web_settings.url) as session:
            return work(session)

    return run


@pytest.fixture
def client(web_app) -> Iterator[WebClient]:
    web = WebClient(web_app)
    yield web
    web.http.close()


@pytest.fixture
def login(web_app) -> Iterator:
    """login("epi") → a signed-in WebClient."""
    made: list[WebClient] = []

    def make(username: str) -> WebClient:
        web = WebClient(web_app)
        made.append(web)
        response = web.login(username)
        assert response.status_code == 303, response.text
        return web

    yield make
    for web in made:
        web.http.close()


@pytest.fixture
def new_user(web_settings):
    """A throw-away user (for tests that lock accounts or save a language)."""

    def make(role: str = "epidemiologist", jurisdiction_code: str = "320100") -> str:
        username = f"t_{secrets.token_hex(4)}"
        with session_scope(web_settings.url) as session:
            auth.create_user(session=session, actor=SYSTEM, username=username, password=DEMO_PASSWORD,
                             role=role, jurisdiction_code=jurisdiction_code)
        return username

    return make


@pytest.fixture(scope="session")
def screening_rounds(web_settings) -> dict:
    """Two launched screening rounds of the lab in the demo city: one over two grids of the first
    district (320102; grid 1 pooled 5-in-1, grid 2 single tubes) and one in another district (320105)."""
    from sqlalchemy import select

    from fangkong.auth.models import User
    from fangkong.geo.models import Jurisdiction
    from fangkong.screening import service
    from fangkong.screening.schemas import AreaIn, CampaignCreate, RoundCreate

    with session_scope(web_settings.url) as session:
        lab = auth.actor_for(session=session, user=session.scalar(select(User).where(User.username == "lab")))
        grids = list(session.scalars(select(Jurisdiction.code).where(
            Jurisdiction.level == "grid", Jurisdiction.code.startswith("320102001001")).order_by(Jurisdiction.code)))
        other = session.scalar(select(Jurisdiction.code).where(
            Jurisdiction.level == "grid", Jurisdiction.code.startswith("320105")).order_by(Jurisdiction.code))
        here = service.create_campaign(session=session, actor=lab, data=CampaignCreate(
            name="玄武区网页测试筛查", jurisdiction_code="320102",
            areas=[AreaIn(jurisdiction_code=grids[0], mode="pooled", pool_size=5),
                   AreaIn(jurisdiction_code=grids[1], mode="single")]))
        there = service.create_campaign(session=session, actor=lab, data=CampaignCreate(
            name="另一区网页测试筛查", jurisdiction_code="320105", areas=[AreaIn(jurisdiction_code=other)]))
        first = service.launch_round(session=session, actor=lab, campaign_id=here.id, data=RoundCreate())
        second = service.launch_round(session=session, actor=lab, campaign_id=there.id, data=RoundCreate())
        return {"round": first.id, "campaign": here.id, "other_round": second.id, "grids": grids[:2]}


@pytest.fixture
def screen(web_settings, screening_rounds, tmp_path):
    """Sample residents of a grid into tubes and send them (`screen.sample`), upload their results
    (`screen.results`) — through the screening services, as the lab."""
    import itertools
    from datetime import datetime, timezone

    from sqlalchemy import exists, select

    from fangkong.auth.models import User
    from fangkong.people.models import Person
    from fangkong.screening import results, sampling
    from fangkong.screening.models import Sample
    from fangkong.screening.schemas import SampleCreate

    round_id = screening_rounds["round"]
    counter = itertools.count()

    def lab(session):
        return auth.actor_for(session=session, user=session.scalar(select(User).where(User.username == "lab")))

    class Screen:
        def sample(self, grid: str, n: int, pool: int = 5) -> list[str]:
            """n untested residents of the grid into new tubes of `pool`; the tubes' codes (sent)."""
            with session_scope(web_settings.url) as session:
                actor = lab(session)
                done = exists().where(Sample.round_id == round_id, Sample.person_id == Person.id)
                people = list(session.scalars(select(Person.id).where(
                    Person.jurisdiction_code == grid, Person.merged_into_id.is_(None), ~done)
                    .order_by(Person.id).limit(n)))
                assert len(people) == n, "the demo grid has too few untested residents left"
                batch = f"W{secrets.token_hex(3).upper()}"
                codes = []
                for i, pid in enumerate(people):
                    code = f"{batch}-{next(counter) if pool == 1 else i // pool}"
                    sampling.record_sample(session=session, actor=actor, round_id=round_id,
                                           data=SampleCreate(person_id=pid, tube_code=code))
                    if code not in codes:
                        codes.append(code)
                tubes, _ = sampling.list_tubes(session=session, actor=actor, round_id=round_id, status="open", limit=200)
                for tube in tubes:
                    if tube.code in codes:
                        sampling.send_tube(session=session, actor=actor, tube_id=tube.id)
                return codes

        def results(self, codes: list[str], result: str = "negative"):
            now = datetime.now(timezone.utc).isoformat()
            path = tmp_path / f"results-{secrets.token_hex(3)}.csv"
            path.write_text("tube_id,result,ct_orf1ab,ct_n,lab_id,reported_at\n" + "".join(
                f"{c},{result},,,LAB1,{now}\n" for c in codes), encoding="utf-8")
            with session_scope(web_settings.url) as session:
                return results.upload_file(session=session, actor=lab(session), path=path)

    return Screen()
