"""Response tests: teams made by the admin (actors from the demo users: tests/conftest.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fangkong.auth.models import User
from fangkong.response import teams
from fangkong.response.schemas import TeamCreate


@pytest.fixture
def team(session, actor_of):
    """team(name, department, code, members=[usernames]) → a new team made by the admin."""

    def make(name: str, department: str, code: str, members: tuple[str, ...] = ()):
        admin = actor_of("admin")
        ids = [session.scalar(select(User.id).where(User.username == m)) for m in members]
        return teams.create_team(session=session, actor=admin, data=TeamCreate(
            name=name, department=department, jurisdiction_code=code, member_ids=ids))
    return make
