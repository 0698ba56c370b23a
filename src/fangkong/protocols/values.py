"""Sourced values: every number in a profile carries its unit and its source.

A value is written `{ value = 7, unit = "day", source = "ed9-gscdc" }` (optionally `confirmed = false`
for numbers the research notes mark ◦, and a `note`). The unit must be one the field allows; it is
converted to the field's canonical unit on load (a deadline of `{ value = 1, unit = "day" }` is
24 hours). A bare number, or a table without `source`, is refused: "missing source".
"""

from __future__ import annotations

from fractions import Fraction as _Fraction
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

MISSING_SOURCE = "missing source"


class Strict(BaseModel):
    """Every profile model refuses unknown keys, so a typo in a file is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_source(value: str, info: ValidationInfo) -> str:
    """A source names an entry of the profile's [sources] table (when validated as part of a profile)."""
    known = (info.context or {}).get("sources")
    if known is not None and value not in known:
        raise ValueError(f"unknown source {value!r}; add it to [sources]")
    return value


class Sourced(Strict):
    """Base of every sourced number: subclasses set the allowed units and the canonical one."""

    UNITS: ClassVar[dict[str, float]] = {}
    CANONICAL: ClassVar[str] = ""

    value: Any
    unit: str
    source: str = Field(min_length=1)
    confirmed: bool = True
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _needs_a_table(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError(f"{MISSING_SOURCE}: write {{ value = {data!r}, unit = \"{cls.CANONICAL}\", source = \"…\" }}")
        if "source" not in data:
            raise ValueError(MISSING_SOURCE)
        return data

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        if unit not in cls.UNITS:
            raise ValueError(f"unit {unit!r} is not allowed here; use {' or '.join(repr(u) for u in cls.UNITS)}")
        return unit

    @field_validator("source")
    @classmethod
    def _registered(cls, value: str, info: ValidationInfo) -> str:
        return check_source(value, info)

    @model_validator(mode="after")
    def _to_canonical(self) -> Sourced:
        factor = self.UNITS[self.unit]
        if factor == 1 and self.unit == self.CANONICAL:
            return self
        return self.model_copy(update={"value": self.scale(self.value, factor), "unit": self.CANONICAL})

    @staticmethod
    def scale(value: Any, factor: float) -> Any:
        return value * factor


class Hours(Sourced):
    """A deadline or interval; canonical unit hour (a day is 24 hours). Minutes are refused:
    the protocols set deadlines in hours, and a minute value is almost always a unit mistake."""

    UNITS = {"hour": 1, "day": 24}
    CANONICAL = "hour"
    value: float = Field(gt=0, le=24 * 365)

    @staticmethod
    def scale(value: Any, factor: float) -> Any:
        return float(value * factor)


class Days(Sourced):
    """A number of days (a period, a look-back window); canonical unit day."""

    UNITS = {"day": 1, "week": 7}
    CANONICAL = "day"
    value: int = Field(ge=0, le=366)


class DayNumbers(Sourced):
    """Day numbers within a phase (1 = the first day of the phase): the test days."""

    UNITS = {"day": 1}
    CANONICAL = "day"
    value: list[int] = Field(min_length=1)

    @field_validator("value")
    @classmethod
    def _increasing(cls, days: list[int]) -> list[int]:
        if days[0] < 1 or any(b <= a for a, b in zip(days, days[1:])):
            raise ValueError("day numbers start at 1 and increase")
        return days


class Minutes(Sourced):
    UNITS = {"minute": 1, "hour": 60}
    CANONICAL = "minute"
    value: float = Field(gt=0)


class Meters(Sourced):
    UNITS = {"m": 1, "km": 1000}
    CANONICAL = "m"
    value: float = Field(gt=0)


class Ct(Sourced):
    """A PCR cycle-threshold value."""

    UNITS = {"ct": 1}
    CANONICAL = "ct"
    value: float = Field(gt=0, le=50)


class Fraction(Sourced):
    """A share: `value = "1/3"` or `0.25` with unit fraction, or a number with unit percent."""

    UNITS = {"fraction": 1, "percent": 0.01}
    CANONICAL = "fraction"
    value: float = Field(gt=0)

    @field_validator("value", mode="before")
    @classmethod
    def _ratio_text(cls, value: Any) -> Any:
        if isinstance(value, str) and "/" in value:
            try:
                return float(_Fraction(value.replace(" ", "")))
            except (ValueError, ZeroDivisionError) as exc:
                raise ValueError(f"{value!r} is not a fraction like 1/3") from exc
        return value

    @model_validator(mode="after")
    def _to_canonical(self) -> Sourced:
        share = self.value / 100 if self.unit == "percent" else self.value
        if share > 1:
            raise ValueError(f"a share is at most 1 (100 percent), got {self.value} {self.unit}")
        return self if self.unit == "fraction" else self.model_copy(update={"value": share, "unit": "fraction"})


class Count(Sourced):
    """A whole number of things; subclasses made by `counted()` fix which things."""

    value: int = Field(ge=0)


class CountList(Sourced):
    """Several whole numbers of the same things (e.g. validated pool sizes 5, 10, 20)."""

    value: list[int] = Field(min_length=1)


class Rate(Sourced):
    """A positive ratio such as people per sampling site; subclasses made by `rated()` fix the unit."""

    value: float = Field(gt=0)


def counted(unit: str) -> type[Count]:
    """A Count whose only unit is `unit` (e.g. counted("swab"))."""
    return type(f"Count_{unit}", (Count,), {"UNITS": {unit: 1}, "CANONICAL": unit, "__module__": __name__})


def counted_list(unit: str) -> type[CountList]:
    return type(f"CountList_{unit}", (CountList,), {"UNITS": {unit: 1}, "CANONICAL": unit, "__module__": __name__})


def rated(unit: str) -> type[Rate]:
    return type(f"Rate_{unit}", (Rate,), {"UNITS": {unit: 1}, "CANONICAL": unit, "__module__": __name__})


Swabs = counted("swab")
SwabList = counted_list("swab")
Tests = counted("test")
Rounds = counted("round")
Cases = counted("case")
Floors = counted("floor")
Rooms = counted("room")
Sites = counted("site")
Staff = counted("person")
PeoplePerSite = rated("person_per_site")
PeoplePerSampler = rated("person_per_sampler")
RoomsPer10k = rated("room_per_10k_people")
IsoleesPerTeam = rated("isolee_per_team")
Population = rated("person")
