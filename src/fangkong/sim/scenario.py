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
from fangkong.sim.interventions.base import Intervention, ScenarioError, make
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
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ScenarioError(f"{name}: {problems}") from None
    interventions = [make(spec, where=f"{name}: interventions[{i}]") for i, spec in enumerate(specs)]
    return config, interventions


def load_scenario(path: Path, *, base: RunConfig | None = None) -> tuple[RunConfig, list[Intervention]]:
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    return parse_scenario(document, name=str(path), base=base)
