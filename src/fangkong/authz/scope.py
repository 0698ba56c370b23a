"""The one place where queries are limited to the actor's jurisdiction subtree."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_

from fangkong.geo.levels import MAX_CODE_LENGTH, prefix


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in user, or the system itself (CLI, jobs)."""

    id: int | None
    username: str
    role: str
    jurisdiction_code: str
    jurisdiction_level: str
    language: str = "zh_Hans"
    ip: str | None = None

    @property
    def scope_prefix(self) -> str:
        return prefix(self.jurisdiction_code, self.jurisdiction_level)

    def covers(self, code: str | None) -> bool:
        return code is not None and code.startswith(self.scope_prefix)


def in_subtree(column: ColumnElement, code_prefix: str) -> ColumnElement[bool]:
    # A range rather than LIKE so both SQLite and PostgreSQL use the btree index on the code.
    upper = code_prefix + "9" * (MAX_CODE_LENGTH - len(code_prefix))
    return and_(column >= code_prefix, column <= upper)


def scoped(stmt: Select, actor: Actor, column: ColumnElement) -> Select:
    """Limit `stmt` to rows whose jurisdiction `column` lies in the actor's subtree."""
    return stmt.where(in_subtree(column, actor.scope_prefix))


SYSTEM = Actor(id=None, username="system", role="admin", jurisdiction_code="", jurisdiction_level="root")
