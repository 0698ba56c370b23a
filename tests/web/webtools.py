"""Helpers for the web tests: a cookie-keeping client on the ASGI app, and HTML probes."""

from __future__ import annotations

import asyncio
import html
import re

import httpx

from fangkong.demo.seed import DEMO_PASSWORD

_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_FIELD_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


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


def field_error(page: str, field: str) -> str | None:
    """The message shown beside a form field (the <p class="field-error" id="err-…">), or None."""
    found = re.search(rf'<p class="field-error" id="err-{re.escape(field.replace(".", "-"))}"[^>]*>([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else None


def row_attrs(page: str, name: str) -> list[str]:
    return [html.unescape(v) for v in re.findall(rf'{name}="([^"]*)"', page)]
