"""Interventions are plug-ins: a name, a declared parameter model, and hooks the model calls.

A scenario names an intervention by its `type` and gives its parameters; unknown types and
unknown or out-of-range parameters are errors that say which intervention and which key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

if TYPE_CHECKING:
    from fangkong.sim.model import Sim


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start_day: int = Field(0, ge=0, description="first day the intervention acts")
    end_day: int | None = Field(None, ge=0, description="last day it acts (inclusive); none: to the end")


class Intervention:
    """Base class. Subclasses set `name` and `Params` and override the hooks they need."""

    name: ClassVar[str]
    Params: ClassVar[type[Params]] = Params

    def __init__(self, params: Params):
        self.p = params

    def active(self, day: int) -> bool:
        return day >= self.p.start_day and (self.p.end_day is None or day <= self.p.end_day)

    def start(self, sim: Sim) -> None:
        """Called once before day 0, after the city and the seed infections are set up."""

    def before_day(self, sim: Sim, day: int) -> None:
        """Called at the start of each day, before anyone moves: closures, lockdowns, quarantine."""

    def after_day(self, sim: Sim, day: int) -> None:
        """Called after the day's transmission: testing, tracing."""


REGISTRY: dict[str, type[Intervention]] = {}


def register(cls: type[Intervention]) -> type[Intervention]:
    REGISTRY[cls.name] = cls
    return cls


class ScenarioError(ValueError):
    """A scenario that cannot run; the message says where."""


def make(spec: dict[str, Any], *, where: str = "intervention") -> Intervention:
    """Build an intervention from ``{"type": name, **params}``."""
    spec = dict(spec)
    kind = spec.pop("type", None)
    if kind not in REGISTRY:
        known = ", ".join(sorted(REGISTRY))
        raise ScenarioError(f"{where}: unknown intervention type {kind!r}; known types: {known}")
    cls = REGISTRY[kind]
    try:
        params = cls.Params(**spec)
    except ValidationError as exc:
        raise ScenarioError(f"{where} ({kind}): {problems(exc, cls.Params)}") from None
    return cls(params)


def problems(exc: ValidationError, model: type[BaseModel]) -> str:
    """The errors of a validation as one line, unknown keys listed with the known ones."""
    out = []
    for e in exc.errors():
        key = ".".join(str(p) for p in e["loc"])
        if e["type"] == "extra_forbidden":
            out.append(f"{key}: unknown parameter (known: {', '.join(model.model_fields)})")
        else:
            out.append(f"{key}: {e['msg']}")
    return "; ".join(out)
