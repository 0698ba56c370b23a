"""Sign in, sign out and the UI language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from fangkong.auth import service as auth
from fangkong.deps import SettingsDep, client_ip
from fangkong.errors import Invalid, Locked, Unauthorized
from fangkong.i18n import LANGUAGES
from fangkong.web.deps import (
    ANON_CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE, WebActor, WebForm, WebSessionDep, anonymous_csrf, check_csrf,
    current_session, request_language, safe_next,
)
from fangkong.web.labels import N_
from fangkong.web.templating import gettext, render

router = APIRouter()
YEAR = 365 * 24 * 3600
LOGIN_ERRORS = {
    "wrong": N_("Wrong user name or password."),
    "locked": N_("This account is locked after repeated failed sign-ins. Try again later or ask an administrator."),
}


def _login_page(request: Request, *, next_url: str, username: str = "", error: str = "",
                status_code: int = 200) -> Response:
    token = anonymous_csrf(request)
    message = gettext(request, LOGIN_ERRORS[error]) if error else ""
    response = render(request, "login.html", {"next": next_url, "username": username, "error": message},
                      status_code=status_code)
    response.set_cookie(ANON_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request))
    return response


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/login")
def login_form(request: Request, settings: SettingsDep, next: str = "/") -> Response:
    request.state.language = request_language(request, settings)
    return _login_page(request, next_url=safe_next(next))


@router.post("/login")
def login(request: Request, session: WebSessionDep, settings: SettingsDep, form: WebForm) -> Response:
    request.state.language = request_language(request, settings)
    check_csrf(request, form, request.cookies.get(ANON_CSRF_COOKIE))
    username, next_url = str(form.get("username", "")).strip(), safe_next(str(form.get("next") or "/"))
    try:
        user = auth.authenticate(session=session, settings=settings, username=username,
                                 password=str(form.get("password", "")), ip=client_ip(request))
    except Locked:
        return _login_page(request, next_url=next_url, username=username, error="locked", status_code=423)
    except Unauthorized:
        return _login_page(request, next_url=next_url, username=username, error="wrong", status_code=401)
    token, _row = auth.open_web_session(session=session, settings=settings, user=user)
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=settings.session_ttl_minutes * 60, httponly=True,
                        samesite="lax", secure=_secure(request))
    if user.language:
        response.set_cookie(LANG_COOKIE, user.language, max_age=YEAR, samesite="lax", secure=_secure(request))
    response.delete_cookie(ANON_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, session: WebSessionDep, actor: WebActor) -> Response:
    auth.close_web_session(session=session, token=request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login?flash=logged_out", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/language")
def set_language(request: Request, session: WebSessionDep, form: WebForm) -> Response:
    """Switch the UI language: saved on the user when signed in, and in a cookie either way."""
    language = str(form.get("language", ""))
    if language not in LANGUAGES:
        raise Invalid(f"language must be one of {', '.join(LANGUAGES)}", field="language")
    found = current_session(request, session)
    check_csrf(request, form, found[0].csrf_token if found else request.cookies.get(ANON_CSRF_COOKIE))
    if found:
        auth.set_language(session=session, user=found[1], language=language)
    response = RedirectResponse(safe_next(str(form.get("next") or "/")), status_code=303)
    response.set_cookie(LANG_COOKIE, language, max_age=YEAR, samesite="lax", secure=_secure(request))
    return response
