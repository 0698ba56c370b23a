"""Sign-in, sign-out, CSRF and the session cookie."""

from __future__ import annotations

from webtools import WebClient


def test_pages_redirect_to_login_when_signed_out(client: WebClient):
    response = client.get("/cases?classification=confirmed")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fcases%3Fclassification%3Dconfirmed"
    assert client.get("/").headers["location"] == "/login"


def test_htmx_request_without_session_gets_hx_redirect(client: WebClient):
    response = client.get("/cases", headers={"HX-Request": "true", "HX-Target": "case-results"})
    assert response.headers["HX-Redirect"].startswith("/login")


def test_login_sets_session_cookie_and_logout_closes_it(client: WebClient):
    response = client.login("epi", next_url="/cases")
    assert response.status_code == 303 and response.headers["location"] == "/cases"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("fk_session="))
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    token = client.http.cookies["fk_session"]
    assert client.get("/").status_code == 200
    assert client.post("/logout").headers["location"] == "/login?flash=logged_out"
    assert client.get("/").status_code == 303
    client.http.cookies.set("fk_session", token)  # the old cookie is dead on the server too
    assert client.get("/cases").status_code == 303


def test_wrong_password_is_refused_with_a_message(client: WebClient):
    response = client.login("epi", password="not-the-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert "fk_session" not in client.http.cookies


def test_repeated_failures_lock_the_account(client: WebClient, new_user):
    username = new_user()
    for _ in range(5):
        assert client.login(username, password="wrong-password-1").status_code == 401
    response = client.login(username)  # even the right password, while locked
    assert response.status_code == 423
    assert "账户已被锁定" in response.text


def test_login_never_redirects_off_site(client: WebClient):
    assert client.login("epi", next_url="//evil.example/").headers["location"] == "/"


def test_post_without_csrf_token_is_forbidden(login):
    web = login("epi")
    response = web.post("/cases/1/edit", {"notes": "x"}, csrf=False)
    assert response.status_code == 403
    assert "表单安全令牌缺失或已过期" in response.text
    response = web.post("/cases/1/edit", {"notes": "x"}, csrf=False, headers={"X-CSRF-Token": "forged"})
    assert response.status_code == 403
    assert web.post("/logout", csrf=False).status_code == 403


def test_login_form_needs_its_own_csrf_token(client: WebClient):
    response = client.http.post("/login", data={"username": "epi", "password": "demo-pass-2022"})
    assert response.status_code == 403


def test_htmx_header_token_is_accepted(login):
    web = login("epi")
    web.get("/cases/2")
    response = web.http.post("/cases/2/unmask", headers={"X-CSRF-Token": web.csrf, "HX-Request": "true",
                                                         "HX-Target": "person-card"})
    assert response.status_code == 200
    assert 'id="person-card"' in response.text and "<html" not in response.text
