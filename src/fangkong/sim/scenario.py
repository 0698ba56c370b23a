"""Scenario files: a TOML document with run settings and a list of interventions.

    start_date = 2022-03-01
    seed_infections = 20
    scan_compliance = 0.9

    [layers]
    venue = 0.01

    [[interventions]]
    type = "mass_screening"
    start_day = 10
    every_days = 2
    pool_size = 10

Unknown keys anywhere are errors naming the file and the key.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

import fangkong.sim.interventions  # noqa: F401 - registers the built-in interventions
from fangkong.sim.interventions.base import Intervention, ScenarioError, make, problems
from fangkong.sim.params import RunConfig


def parse_scenario(document: dict[str, Any], *, name: str = "scenario",
                   base: RunConfig | None = None) -> tuple[RunConfig, list[Intervention]]:
    document = dict(document)
    specs = document.pop("interventions", [])
    if not isinstance(specs, list):
        raise ScenarioError(f"{name}: interventions must be a list of tables ([[interventions]])")
    merged = {**(base.model_dump() if base else {}), **document}
    try:
        config = RunConfig(**merged)
    except ValidationError as exc:
        raise ScenarioError(f"{name}: {problems(exc, RunConfig)}") from None
    interventions = [make(spec, where=f"{name}: interventions[{i}]") for i, spec in enumerate(specs)]
    return config, interventions


BUILTIN = Path(__file__).with_name("scenarios")
DEFAULT_SCENARIO = "baseline"


def builtin_scenarios() -> list[str]:
    return sorted(p.stem for p in BUILTIN.glob("*.toml"))


def resolve_scenario(value: str | Path) -> Path:
    """A scenario file path, or the name of a built-in scenario (`baseline`, `ed9_response`, ...)."""
    path = Path(value)
    if path.is_file():
        return path
    if (BUILTIN / f"{value}.toml").is_file():
        return BUILTIN / f"{value}.toml"
    raise ScenarioError(f"{value}: no such scenario file, and not a built-in scenario "
                        f"({', '.join(builtin_scenarios())})")


def load_scenario(path: str | Path, *, base: RunConfig | None = None) -> tuple[RunConfig, list[Intervention]]:
    path = resolve_scenario(path)
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    return parse_scenario(document, name=str(path), base=base)
