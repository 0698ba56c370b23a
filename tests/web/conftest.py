"""Web UI tests: one demo data folder per session, served in-process (HTTP tests) or by uvicorn (browser).

The folder is built once with the real seeding code; tests that change records pick records no
other test depends on, so the shared folder stays usable in any order.
"""

from __future__ import annotations

import asyncio
import html
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fangkong.app import create_app
from fangkong.auth import service as auth
from fangkong.authz import SYSTEM
from fangkong.config import Settings
from fangkong.db import session_scope, upgrade
from fangkong.demo.seed import DEMO_PASSWORD

_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_FIELD_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


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
    return Settings(data_dir=web_data_dir, environment="demo")


@pytest.fixture(scope="session")
def web_app(web_settings):
    return create_app(web_settings)


@pytest.fixture
def db(web_settings) -> Iterator:
    """A unit of work on the test folder's database, for looking things up through the services."""
    with session_scope(web_settings.url) as session:
        yield session


class _SyncHttp:
    """httpx.AsyncClient on the app through ASGITransport, driven from synchronous tests."""

    def __init__(self, app):
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        self.cookies = self.client.cookies

    def request(self, method: str, url: str, **kw) -> httpx.Response:
        return self.loop.run_until_complete(self.client.request(method, url, **kw))

    def get(self, url: str, **kw) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw) -> httpx.Response:
        return self.request("POST", url, **kw)

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


class WebClient:
    """A browser-like client: keeps cookies, finds the CSRF token on the last page it read."""

    def __init__(self, app):
        self.http = _SyncHttp(app)
        self.csrf = ""

    def get(self, url: str, **kw):
        response = self.http.get(url, **kw)
        found = _META_CSRF.search(response.text) or _FIELD_CSRF.search(response.text)
        if found:
            self.csrf = html.unescape(found.group(1))
        return response

    def post(self, url: str, data: dict | None = None, *, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            if not self.csrf:
                self.get("/login" if "fk_session" not in self.http.cookies else "/cases?q=0")
            data.setdefault("csrf_token", self.csrf)
        return self.http.post(url, data=data, **kw)

    def login(self, username: str, password: str = DEMO_PASSWORD, next_url: str = "/"):
        self.get("/login")
        response = self.post("/login", {"username": username, "password": password, "next": next_url})
        self.csrf = ""
        return response


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


def field_error(page: str, field: str) -> str | None:
    """The message shown beside a form field (the <p class="field-error" id="err-…">), or None."""
    found = re.search(rf'<p class="field-error" id="err-{re.escape(field.replace(".", "-"))}"[^>]*>([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else None


def row_attrs(page: str, name: str) -> list[str]:
    return [html.unescape(v) for v in re.findall(rf'{name}="([^"]*)"', page)]
