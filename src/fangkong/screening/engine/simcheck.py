"""The engine against the simulator's truth: one 10-in-1 round on a simulated outbreak.

The simulator's ``mass_screening`` intervention writes a round as labs would
(``observed/screening/DATE-samples.parquet`` and ``DATE-results.parquet``, docs/sim.md) and the
true infection log (``infections.parquet``: ``pcr_detectable_from`` / ``_until``, inclusive days).
With per-swab sensitivity 1 and full coverage, resolving the round must put every sampled person
who is PCR-detectable that day on ``recheck``, and no tube without a detectable member may be
positive. Members of a positive tube who are not infected are rechecked too, by design (pooling
at collection, epi-methods.md §6); they are counted, not errors.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fangkong.screening.engine import resolve

ROUND = {"type": "mass_screening", "pool_size": 10, "sensitivity": 1.0, "coverage": 1.0, "every_days": 1}


def simulate_round(*, population: int, seed: int, day: int, seed_infections: int, out: Path) -> tuple[Path, Path, pa.Table]:
    """Run the outbreak to `day` with one screening round on `day`; (samples, results, infections)."""
    from fangkong.sim import build_city, run_sim
    from fangkong.sim.scenario import parse_scenario

    config, interventions = parse_scenario({
        "seed_infections": seed_infections, "presence": False, "write_visits": False,
        "interventions": [{**ROUND, "start_day": day, "end_day": day}]})
    result = run_sim(city=build_city(population=population, seed=seed), days=day + 1, seed=seed, config=config,
                     interventions=interventions, out=out)
    (samples,) = sorted((out / "observed" / "screening").glob("*-samples.parquet"))
    return samples, samples.with_name(samples.name.replace("-samples", "-results")), result.infections


def detectable_on(infections: pa.Table, day: date) -> np.ndarray:
    """Person ids PCR-detectable on `day` (both bounds inclusive)."""
    on = pa.scalar(day, pa.date32())
    mask = pc.and_(pc.less_equal(infections["pcr_detectable_from"], on),
                   pc.greater_equal(infections["pcr_detectable_until"], on))
    return np.unique(infections.filter(mask)["infectee_id"].to_numpy())


def check_round(*, population: int, seed: int, out: Path, day: int = 12, seed_infections: int = 200,
                engine: str = "duckdb") -> dict[str, Any]:
    """Simulate, resolve the round with the engine, and compare with the truth."""
    samples_path, results_path, infections = simulate_round(population=population, seed=seed, day=day,
                                                            seed_infections=seed_infections, out=out)
    started = time.perf_counter()
    res = resolve(samples=samples_path, results=results_path, pool_size=ROUND["pool_size"], engine=engine)
    resolve_s = time.perf_counter() - started
    if not res.valid:
        raise RuntimeError(f"the simulator's round does not validate: {[str(p) for p in res.problems[:5]]}")
    samples = pq.read_table(samples_path, columns=["person_id", "tube_id"])
    sampled = samples["person_id"].to_numpy()
    detectable = detectable_on(infections, date.fromisoformat(samples_path.name[:10]))
    infected = np.unique(infections["infectee_id"].to_numpy())
    recheck = res.person_status.filter(pc.equal(res.person_status["status"], "recheck"))["person_id"].to_numpy()
    found = np.isin(sampled, detectable)
    positive = res.tubes.filter(pc.equal(res.tubes["status"], "positive"))["tube_id"].to_numpy()
    tubes_with_detectable = np.unique(samples["tube_id"].to_numpy()[found])
    return {
        "persons": population, "sampled": int(sampled.size), "tubes": len(res.tubes), "infected_so_far": int(infected.size),
        "detectable_on_day": int(detectable.size), "detectable_sampled": int(found.sum()),
        "detectable_not_sampled": int(detectable.size - found.sum()),  # isolated or in a facility: not eligible
        "positive_tubes": int(positive.size), "tubes_with_detectable_member": int(tubes_with_detectable.size),
        "recheck": int(recheck.size),
        "missed_detectable": int(np.setdiff1d(sampled[found], recheck).size),  # must be 0
        "positive_tubes_without_detectable_member": int(np.setdiff1d(positive, tubes_with_detectable).size),  # 0
        "recheck_not_infected": int(np.setdiff1d(recheck, infected).size),
        "recheck_infected_not_detectable": int(np.intersect1d(np.setdiff1d(recheck, detectable), infected).size),
        "resolve_s": round(resolve_s, 3),
    }
