from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from fangkong.auth import service as auth
from fangkong.deps import ApiActor, SessionDep, SettingsDep, client_ip

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token")
def issue_token(request: Request, session: SessionDep, settings: SettingsDep,
                username: Annotated[str, Form()], password: Annotated[str, Form()]) -> dict:
    """OAuth2 password flow: form fields `username`, `password` → a bearer token."""
    user = auth.authenticate(session=session, settings=settings, username=username, password=password,
                             ip=client_ip(request))
    return {"access_token": auth.issue_token(settings=settings, user=user), "token_type": "bearer",
            "expires_in": settings.token_ttl_minutes * 60}


@router.get("/me")
def me(actor: ApiActor) -> dict:
    from fangkong.authz.actions import ROLES

    return {"username": actor.username, "role": actor.role, "jurisdiction_code": actor.jurisdiction_code,
            "jurisdiction_level": actor.jurisdiction_level, "actions": sorted(ROLES[actor.role])}
