"""Response tests: actors from the demo users and teams made by the admin."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fangkong.auth import service as auth
from fangkong.auth.models import User
from fangkong.response import teams
from fangkong.response.schemas import TeamCreate


@pytest.fixture
def actor_of(session):
    def make(username: str):
        user = session.scalar(select(User).where(User.username == username))
        return auth.actor_for(session=session, user=user)
    return make


@pytest.fixture
def user_id(session):
    return lambda username: session.scalar(select(User.id).where(User.username == username))


@pytest.fixture
def team(session, actor_of):
    """team(name, department, code, members=[usernames]) → a new team made by the admin."""

    def make(name: str, department: str, code: str, members: tuple[str, ...] = ()):
        admin = actor_of("admin")
        ids = [session.scalar(select(User.id).where(User.username == m)) for m in members]
        return teams.create_team(session=session, actor=admin, data=TeamCreate(
            name=name, department=department, jurisdiction_code=code, member_ids=ids))
    return make
