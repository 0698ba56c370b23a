"""Fixed-seed baseline: key outputs of two pinned runs. A change in the numbers is a change in the
model or its random streams; if it is deliberate, regenerate with scripts/update-sim-baseline.py."""

from __future__ import annotations

import json
from pathlib import Path

from fangkong.sim import build_city, run_sim
from fangkong.sim.scenario import load_scenario

BASELINE = Path(__file__).with_name("baseline.json")
KEYS = ("infections", "diagnosed", "deaths", "peak_infectious", "tests", "visits", "checkins")


def baseline_outputs() -> dict:
    city = build_city(population=20_000, seed=2022)
    out = {"city": {"persons": city.n_persons, "households": city.n_households, "venues": city.n_venues}}
    for name in ("baseline", "ed9_response"):
        config, interventions = load_scenario(name)
        config = config.model_copy(update={"seed_infections": 40, "presence": False})
        result = run_sim(city=city, days=40, seed=7, config=config, interventions=interventions)
        summary = {k: result.summary[k] for k in KEYS}
        summary["household_sar"] = round(result.summary["household_sar"], 6)
        counts = result.infections.column("layer").value_counts().to_pylist()
        summary["layers"] = dict(sorted((d["values"], d["counts"]) for d in counts))
        out[name] = summary
    return out


def test_fixed_seed_outputs_match_the_baseline_file():
    expected = json.loads(BASELINE.read_text(encoding="utf-8"))
    assert baseline_outputs() == expected
