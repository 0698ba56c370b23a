"""Web request dependencies: the cookie session → `WebActor`, CSRF on every unsafe method, the language."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from fangkong.auth import service as auth
from fangkong.auth.models import User, WebSession
from fangkong.authz import Actor, allowed
from fangkong.config import Settings
from fangkong.deps import SettingsDep, client_ip, get_session
from fangkong.errors import Forbidden, Unauthorized
from fangkong.geo import service as geo
from fangkong.i18n import pick_language
from fangkong.notify import service as notify

SESSION_COOKIE = "fk_session"
LANG_COOKIE = "fk_lang"
# Before login there is no session to hold a CSRF token: the login and language forms use a
# double-submit cookie instead (the form must echo the cookie's random value).
ANON_CSRF_COOKIE = "fk_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# scope="function": commit before the response goes out, so a redirect never races the commit.
WebSessionDep = Annotated[Session, Depends(get_session, scope="function")]


class LoginRequired(Unauthorized):
    code = "login_required"


@dataclass(frozen=True)
class WebState:
    """What every page needs to know about the signed-in user."""

    actor: Actor
    user: User
    display_name: str
    jurisdiction_name: str
    csrf_token: str
    language: str
    unread: int = 0  # unread in-app notifications (the bell)

    def can(self, action: str, resource: Any = None) -> bool:
        return bool(allowed(self.actor, action, resource))


async def read_form(request: Request) -> FormData:
    """The posted form (parsed once per request and shared); empty for GET."""
    if request.method in SAFE_METHODS:
        return FormData()
    return await request.form()


WebForm = Annotated[FormData, Depends(read_form)]


def request_language(request: Request, settings: Settings, user_language: str | None = None) -> str:
    return pick_language(user_language=user_language, cookie=request.cookies.get(LANG_COOKIE),
                         accept=request.headers.get("accept-language"), default=settings.default_language)


def check_csrf(request: Request, form: FormData, expected: str | None) -> None:
    """The form field `csrf_token` or the `X-CSRF-Token` header must carry the expected token."""
    sent = str(form.get("csrf_token") or request.headers.get("x-csrf-token") or "")
    if not expected or not sent or not secrets.compare_digest(sent, expected):
        raise Forbidden("the form's security token is missing or out of date; reload the page and try again",
                        code="csrf")


def current_session(request: Request, session: Session) -> tuple[WebSession, User] | None:
    token = request.cookies.get(SESSION_COOKIE)
    return auth.web_session(session=session, token=token) if token else None


def get_web_actor(request: Request, session: WebSessionDep, settings: SettingsDep, form: WebForm) -> Actor:
    """The signed-in user as an Actor; no session → LoginRequired (the pages redirect to /login)."""
    request.state.language = request_language(request, settings)
    found = current_session(request, session)
    if found is None:
        raise LoginRequired("please sign in")
    row, user = found
    if request.method not in SAFE_METHODS:
        check_csrf(request, form, row.csrf_token)
    actor = auth.actor_for(session=session, user=user, ip=client_ip(request))
    node = geo.get(session=session, code=actor.jurisdiction_code)
    language = request_language(request, settings, user.language)
    request.state.language = language
    request.state.csrf_token = row.csrf_token
    request.state.web = WebState(actor=actor, user=user, display_name=user.display_name or user.username,
                                 jurisdiction_name=node.name_en if language == "en" and node.name_en else node.name_zh,
                                 csrf_token=row.csrf_token, language=language,
                                 unread=notify.unread_count(session=session, user_id=user.id))
    return actor


WebActor = Annotated[Actor, Depends(get_web_actor)]


def anonymous_csrf(request: Request) -> str:
    """The double-submit token for forms shown before login (kept in the fk_csrf cookie)."""
    token = request.cookies.get(ANON_CSRF_COOKIE) or secrets.token_urlsafe(24)
    request.state.csrf_token = token
    return token


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: never redirect a user off the platform after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def is_partial(request: Request, target: str) -> bool:
    """An HTMX request that only wants the fragment swapped into element `target`."""
    return (request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == target
            and request.headers.get("hx-history-restore-request") != "true")
