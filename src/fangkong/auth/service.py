"""Users, login with lock-out, API bearer tokens and web sessions."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import replace
from datetime import timedelta

import jwt
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.auth.models import User, WebSession
from fangkong.auth.passwords import hash_password, password_problem, verify_password
from fangkong.authz import Actor
from fangkong.authz.actions import ROLES
from fangkong.config import Settings
from fangkong.db import utcnow
from fangkong.errors import Conflict, Invalid, Locked, Unauthorized
from fangkong.geo import service as geo
from fangkong.geo.models import Jurisdiction

_DUMMY_HASH = hash_password("timing-equaliser")


def actor_for(*, session: Session, user: User, ip: str | None = None) -> Actor:
    level = session.scalar(select(Jurisdiction.level).where(Jurisdiction.code == user.jurisdiction_code))
    if level is None:
        raise Unauthorized("the user's jurisdiction no longer exists")
    return Actor(id=user.id, username=user.username, role=user.role, jurisdiction_code=user.jurisdiction_code,
                 jurisdiction_level=level, language=user.language or "zh_Hans", ip=ip)


# Verified bearer tokens → actor, for a short while: saves the user and jurisdiction look-ups on
# every API call (a third of a list request's CPU in benchmarks/README.md). A change to a user
# (role, language, deactivation, token revocation) in this process drops its entries at once;
# other server processes see it within ACTOR_CACHE_SECONDS.
ACTOR_CACHE_SECONDS = 30.0
_ACTOR_CACHE_MAX = 10_000
_actor_cache: dict[str, tuple[float, Actor]] = {}
_actor_lock = threading.Lock()


def actor_from_token(*, session: Session, settings: Settings, token: str, ip: str | None = None) -> Actor:
    """The actor a bearer token stands for (verified; cached briefly)."""
    now = time.monotonic()
    with _actor_lock:
        hit = _actor_cache.get(token)
    if hit and hit[0] > now:
        return replace(hit[1], ip=ip)
    user = user_from_token(session=session, settings=settings, token=token)
    actor = actor_for(session=session, user=user, ip=None)
    with _actor_lock:
        if len(_actor_cache) >= _ACTOR_CACHE_MAX:
            _actor_cache.clear()
        _actor_cache[token] = (now + ACTOR_CACHE_SECONDS, actor)
    return replace(actor, ip=ip)


def forget_user(user_id: int) -> None:
    """Drop cached actors of a user whose role, language or access just changed."""
    with _actor_lock:
        for token in [t for t, (_, a) in _actor_cache.items() if a.id == user_id]:
            del _actor_cache[token]


def create_user(
    *, session: Session, actor: Actor | None, username: str, password: str, role: str,
    jurisdiction_code: str, display_name: str = "", is_default_password: bool = False,
) -> User:
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; roles are {', '.join(ROLES)}", field="role")
    if not username or len(username) > 64 or not username.replace("_", "").replace(".", "").replace("-", "").isalnum():
        raise Invalid("a user name is 1–64 letters, digits, '.', '-' or '_'", field="username")
    problem = password_problem(password, username=username)
    if problem:
        raise Invalid(problem, field="password")
    geo.get(session=session, code=jurisdiction_code)
    if actor is not None and not actor.covers(jurisdiction_code):
        raise Invalid("a user can only be created inside your jurisdiction", field="jurisdiction_code")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username} already exists", field="username")
    user = User(username=username, password_hash=hash_password(password), role=role,
                jurisdiction_code=jurisdiction_code, display_name=display_name or username,
                password_is_default=is_default_password)
    session.add(user)
    session.flush()
    audit.record(session=session, actor=actor, action="user.create", resource_type="user", resource_id=user.id,
                 jurisdiction_code=jurisdiction_code, changes={"role": [None, role]}, username="system")
    return user


def authenticate(*, session: Session, settings: Settings, username: str, password: str, ip: str | None = None) -> User:
    """Check a password; repeated failures lock the account for a while. Every attempt is audited."""
    user = session.scalar(select(User).where(User.username == username))
    now = utcnow()
    if user is None or not user.is_active:
        verify_password(password, _DUMMY_HASH)  # same cost as a real check: no user enumeration by timing
        audit.record(session=session, actor=None, action="login.failed", resource_type="user",
                     detail=f"unknown or inactive user {username[:64]!r}", username=username[:64])
        _commit_audit(session)
        raise Unauthorized("wrong user name or password")
    if user.locked_until and user.locked_until > now:
        audit.record(session=session, actor=None, action="login.locked", resource_type="user", resource_id=user.id,
                     jurisdiction_code=user.jurisdiction_code, username=user.username)
        _commit_audit(session)
        raise Locked(f"account locked until {user.locked_until:%Y-%m-%d %H:%M} UTC after repeated failed logins")
    if not verify_password(password, user.password_hash):
        user.failed_logins += 1
        detail = f"failure {user.failed_logins} of {settings.login_max_failures}"
        if user.failed_logins >= settings.login_max_failures:
            user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
            user.failed_logins = 0
            detail += f"; locked for {settings.login_lockout_minutes} min"
        audit.record(session=session, actor=None, action="login.failed", resource_type="user", resource_id=user.id,
                     jurisdiction_code=user.jurisdiction_code, detail=detail, username=user.username)
        _commit_audit(session)
        raise Unauthorized("wrong user name or password")
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session=session, actor=None, action="login", resource_type="user", resource_id=user.id,
                 jurisdiction_code=user.jurisdiction_code, username=user.username, detail=f"from {ip or 'cli'}")
    return user


def _commit_audit(session: Session) -> None:
    # A failed login raises, which would roll the request back: the attempt must be kept anyway.
    session.commit()


def issue_token(*, settings: Settings, user: User) -> str:
    now = utcnow()
    claims = {"sub": str(user.id), "ver": user.token_version, "iat": int(now.timestamp()),
              "exp": int((now + timedelta(minutes=settings.token_ttl_minutes)).timestamp())}
    return jwt.encode(claims, settings.resolved_secret(), algorithm="HS256")


def user_from_token(*, session: Session, settings: Settings, token: str) -> User:
    try:
        claims = jwt.decode(token, settings.resolved_secret(), algorithms=["HS256"])
    except jwt.PyJWTError as exc:
        raise Unauthorized("invalid or expired token") from exc
    user = session.get(User, int(claims.get("sub", 0)))
    if user is None or not user.is_active or claims.get("ver") != user.token_version:
        raise Unauthorized("invalid or expired token")
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_web_session(*, session: Session, settings: Settings, user: User) -> tuple[str, WebSession]:
    """A new browser session; returns the cookie value (only its digest is stored)."""
    token = secrets.token_urlsafe(32)
    row = WebSession(id=_digest(token), user_id=user.id, csrf_token=secrets.token_urlsafe(24),
                     expires_at=utcnow() + timedelta(minutes=settings.session_ttl_minutes))
    session.add(row)
    session.execute(delete(WebSession).where(WebSession.expires_at < utcnow()))
    return token, row


def web_session(*, session: Session, token: str) -> tuple[WebSession, User] | None:
    row = session.get(WebSession, _digest(token))
    if row is None or row.expires_at < utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return row, user


def close_web_session(*, session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id == _digest(token)))


def set_language(*, session: Session, user: User, language: str) -> None:
    from fangkong.i18n import LANGUAGES

    if language not in LANGUAGES:
        raise Invalid(f"language must be one of {', '.join(LANGUAGES)}", field="language")
    user.language = language
    forget_user(user.id)


def users_with_default_passwords(*, session: Session) -> list[str]:
    return list(session.scalars(select(User.username).where(User.password_is_default.is_(True), User.is_active.is_(True))))


def count_users(*, session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0
