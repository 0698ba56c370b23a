"""Request dependencies shared by API and web routes: settings, the unit of work, the actor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from fangkong.auth import service as auth
from fangkong.authz import Actor
from fangkong.config import Settings
from fangkong.db import session_scope
from fangkong.errors import Unauthorized


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def get_session(settings: SettingsDep) -> Iterator[Session]:
    """One unit of work per request: commit once at the end, roll back on any error."""
    with session_scope(settings.url) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def get_api_actor(request: Request, session: SessionDep, settings: SettingsDep,
                  token: Annotated[str | None, Depends(_bearer)]) -> Actor:
    if not token:
        raise Unauthorized("missing bearer token; POST /api/v1/auth/token first")
    return auth.actor_from_token(session=session, settings=settings, token=token, ip=client_ip(request))


ApiActor = Annotated[Actor, Depends(get_api_actor)]
