"""Test databases: SQLite by default, PostgreSQL when FANGKONG_TEST_DATABASE_URL is set.

A migrated, seeded template is built once per session; every test that asks for `db_url`
gets its own copy (a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL).
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import asyncio

import httpx
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from fangkong.app import create_app
from fangkong.config import Settings
from fangkong.db import make_engine, session_scope, upgrade
from fangkong.demo.seed import DEMO_PASSWORD

PG_URL = os.environ.get("FANGKONG_TEST_DATABASE_URL")
_counter = itertools.count()


def _pg_admin():
    return create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _release(url: str) -> None:
    make_engine(url).dispose()
    make_engine.cache_clear()
    from fangkong.db import session_factory

    session_factory.cache_clear()


@pytest.fixture(scope="session")
def template_url(tmp_path_factory) -> str:
    from fangkong.demo.city import build_city
    from fangkong.demo.seed import seed

    if PG_URL:
        name = f"fk_tmpl_{os.getpid()}"
        with _pg_admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = _pg_url(name)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'fangkong.db'}"
    upgrade(url)
    with session_scope(url) as session:
        seed(session=session, city=build_city(seed=7, persons=400, cases=60))
    _release(url)
    yield url
    if PG_URL:
        with _pg_admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def db_url(template_url, tmp_path) -> str:
    """A private copy of the seeded demo database (users: see fangkong.demo.seed.demo_logins)."""
    if PG_URL:
        name = f"fk_t_{os.getpid()}_{next(_counter)}"
        with _pg_admin().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template_url).database}"'))
        url = _pg_url(name)
    else:
        target = tmp_path / "fangkong.db"
        shutil.copy(make_url(template_url).database, target)
        url = f"sqlite:///{target}"
    yield url
    _release(url)
    if PG_URL:
        with _pg_admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=db_url, environment="test", jobs_enabled=False)


@pytest.fixture
def session(db_url):
    with session_scope(db_url) as s:
        yield s


@pytest.fixture
def actor_of(session):
    """actor_of(username) → the Actor of a demo user."""
    def make(username: str):
        from fangkong.auth import service as auth
        from fangkong.auth.models import User

        return auth.actor_for(session=session, user=session.scalar(select(User).where(User.username == username)))
    return make


@pytest.fixture
def user_id(session):
    from fangkong.auth.models import User

    return lambda username: session.scalar(select(User.id).where(User.username == username))


def data_file(tmp_path: Path, name: str, text_or_bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    if isinstance(text_or_bytes, bytes):
        path.write_bytes(text_or_bytes)
    else:
        path.write_bytes(text_or_bytes.encode(encoding))
    return path


@pytest.fixture
def api(settings):
    client = Api(settings)
    yield client
    client.close()



class Api:
    def __init__(self, settings):
        self.app = create_app(settings)
        self.tokens: dict[str, str] = {}
        self.loop = asyncio.new_event_loop()

    def request(self, method: str, url: str, *, user: str | None = None, **kwargs) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if user:
            headers["Authorization"] = f"Bearer {self.token(user)}"

        async def go():
            transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                return await client.request(method, url, headers=headers, **kwargs)

        return self.loop.run_until_complete(go())

    def token(self, user: str) -> str:
        if user not in self.tokens:
            r = self.request("POST", "/api/v1/auth/token", data={"username": user, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[user] = r.json()["access_token"]
        return self.tokens[user]

    def get(self, url, **kw):
        return self.request("GET", url, **kw)

    def post(self, url, **kw):
        return self.request("POST", url, **kw)

    def patch(self, url, **kw):
        return self.request("PATCH", url, **kw)

    def close(self):
        self.loop.close()
