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
