"""`allowed(actor, action, resource)`: the one permission check, and it always says why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fangkong.authz.actions import ACTIONS, ROLES
from fangkong.authz.scope import Actor
from fangkong.errors import Forbidden, NotFound


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def allowed(actor: Actor, action: str, resource: Any = None) -> Decision:
    """May `actor` do `action` (on `resource`, anything with a `jurisdiction_code`)?"""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if action not in ROLES.get(actor.role, frozenset()):
        return Decision(False, f"role {actor.role} does not grant {action}")
    if resource is not None:
        code = getattr(resource, "jurisdiction_code", None)
        if not actor.covers(code):
            return Decision(False, f"{code} is outside jurisdiction {actor.jurisdiction_code}")
        return Decision(True, f"role {actor.role} grants {action} within {actor.jurisdiction_code}")
    return Decision(True, f"role {actor.role} grants {action}")


def require(actor: Actor, action: str, resource: Any = None) -> None:
    """Raise unless allowed; a record outside the actor's subtree is reported as not found."""
    decision = allowed(actor, action, resource)
    if decision:
        return
    if resource is not None and action in ROLES.get(actor.role, frozenset()):
        raise NotFound("no such record")
    raise Forbidden(decision.reason)
