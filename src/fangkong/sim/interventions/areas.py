"""Place-based measures: risk-area lockdown of grids or communities, and venue closure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field, field_validator

from fangkong.protocols import diff
from fangkong.protocols.loader import get_profile
from fangkong.sim.city.model import VENUE_TYPES
from fangkong.sim.interventions.base import Intervention, Params, ScenarioError, register

if TYPE_CHECKING:
    from fangkong.sim.model import Sim


def _lift_days(profile_id: str) -> int:
    """Days without a new case after which a high-risk area steps down (the profile's first downgrade)."""
    downgrades = diff.plain(get_profile(profile_id), "risk_areas.levels.high.downgrade") or []
    days = [d["no_new_days"] for d in downgrades if d.get("no_new_days")]
    if not days:
        raise ScenarioError(f"lockdown: profile {profile_id!r} gives no days for lifting a high-risk area")
    return int(max(days))


@register
class Lockdown(Intervention):
    """A case's home grid or community becomes a high-risk area (高风险区, 足不出户): residents stay
    home until the profile's number of days has passed without a new case living there."""

    name = "lockdown"

    class Params(Params):
        level: Literal["grid", "community"] = "community"
        profile: str = Field("ed9", description="protocol profile giving the days until the area is lifted")
        lift_after_days: int | None = Field(None, ge=1, description="override the profile's days")

    def start(self, sim: Sim) -> None:
        try:
            self.lift = self.p.lift_after_days or _lift_days(self.p.profile)
        except KeyError as exc:
            raise ScenarioError(f"lockdown: unknown profile {self.p.profile!r}") from exc
        city = sim.city
        self.area = city.grid if self.p.level == "grid" else city.grid_community[city.grid]
        size = len(city.grid_codes) if self.p.level == "grid" else len(city.community_codes)
        self.last_case = np.full(size, -1_000_000, np.int64)
        self.locked_days = 0

    def before_day(self, sim: Sim, day: int) -> None:
        locked = (day - self.last_case) <= self.lift
        sim.people.locked[:] = locked[self.area] if self.active(day) else False
        self.locked_days += int(locked.sum())

    def after_day(self, sim: Sim, day: int) -> None:
        reported = sim.today.reported
        if self.active(day) and reported.size:
            self.last_case[self.area[reported]] = day


@register
class VenueClosure(Intervention):
    """Close every venue of the given types between start_day and end_day."""

    name = "venue_closure"

    class Params(Params):
        types: list[str] = Field(min_length=1, description="venue types to close")

        @field_validator("types")
        @classmethod
        def _known(cls, types: list[str]) -> list[str]:
            unknown = sorted(set(types) - set(VENUE_TYPES))
            if unknown:
                raise ValueError(f"unknown venue types {unknown}; known: {', '.join(VENUE_TYPES)}")
            return types

    def start(self, sim: Sim) -> None:
        codes = [VENUE_TYPES.index(t) for t in self.p.types]
        self.mask = np.isin(sim.city.venue_type, codes)

    def before_day(self, sim: Sim, day: int) -> None:
        if self.active(day):
            sim.venue_open &= ~self.mask
