"""UI languages: zh-Hans by default, zh-Hant and English on request; catalogues complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from webtools import WebClient

from fangkong.i18n import LOCALE_DIR

PLACEHOLDER = re.compile(r"%\(\w+\)s")


def test_simplified_chinese_is_the_default(login):
    page = login("epi").get("/cases").text
    assert '<html lang="zh-Hans">' in page
    assert "<title>病例 · 防控</title>" in page and "确诊病例" in page


def test_switching_language_is_saved_on_the_user(login, new_user, web_app):
    username = new_user()
    web = login(username)
    web.get("/cases")
    response = web.post("/language", {"language": "en", "next": "/cases?classification=confirmed"})
    assert response.status_code == 303 and response.headers["location"] == "/cases?classification=confirmed"
    page = web.get("/cases").text
    assert '<html lang="en">' in page and ">Cases<" in page and "Confirmed" in page
    fresh = WebClient(web_app)  # another browser: no language cookie, the saved choice still applies
    try:
        fresh.login(username)
        assert ">Cases<" in fresh.get("/cases").text
    finally:
        fresh.http.close()
    web.post("/language", {"language": "zh_Hant", "next": "/"})
    page = web.get("/cases?classification=confirmed").text
    assert '<html lang="zh-Hant">' in page and "確診病例" in page and "确诊" not in page
    assert "登出" in page


def test_traditional_chinese_browser_gets_zh_hant_and_others_the_default(client):
    assert "登入" in client.get("/login", headers={"Accept-Language": "zh-TW,zh;q=0.9"}).text
    assert "登录" in client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).text
    assert "登录" in client.get("/login").text


def test_language_switch_before_login_uses_a_cookie(client):
    client.get("/login")
    response = client.post("/language", {"language": "en", "next": "/login"})
    assert response.status_code == 303
    assert "Sign in" in client.get("/login").text


def test_error_pages_speak_the_users_language(login, new_user):
    web = login("epi")
    response = web.get("/no-such-page")
    assert response.status_code == 404 and "页面不存在" in response.text
    assert web.get("/cases/not-a-number").status_code == 404
    response = web.get("/audit")
    assert response.status_code == 403 and "您没有执行此操作的权限" in response.text
    english = login(new_user())
    english.get("/")
    english.post("/language", {"language": "en", "next": "/"})
    assert "Page not found" in english.get("/no-such-page").text


def test_api_errors_stay_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.headers["content-type"].startswith("application/json")


def _catalogue(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=language)


@pytest.mark.parametrize("language", ["zh_Hans", "zh_Hant"])
def test_chinese_catalogues_are_complete(language):
    with (LOCALE_DIR / "messages.pot").open("rb") as fh:
        template = {m.id for m in read_po(fh) if m.id}
    catalogue = _catalogue(language)
    ids = {m.id for m in catalogue if m.id}
    assert template <= ids, f"run scripts/extract-messages.sh: {sorted(template - ids)[:5]}"
    for message in catalogue:
        if not message.id:
            continue
        assert message.string and not message.fuzzy, f"{language}: untranslated {message.id!r}"
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(message.id)), message.id


def test_templates_have_no_untranslated_extraction_gaps():
    """Every _() in the templates is in the template catalogue (extract-messages.sh was run)."""
    with (LOCALE_DIR / "messages.pot").open("rb") as fh:
        known = {m.id for m in read_po(fh) if m.id}
    templates = Path(LOCALE_DIR).parent / "templates"
    used = set()
    for path in templates.rglob("*.html"):
        used |= set(re.findall(r'_\("((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8")))
    assert used <= known, sorted(used - known)


def test_traditional_catalogue_uses_traditional_characters():
    simplified_only = set("确诊报录网络个区这为证号码页设时员检测变")
    for message in _catalogue("zh_Hant"):
        if message.id:
            assert not simplified_only & set(message.string), (message.id, message.string)
