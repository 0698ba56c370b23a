"""Scientific validation of the simulator against deterministic anchors (epi-methods.md §8).

Homogeneous mode: one city-wide community layer, no age effects, every infectious person making
Poisson effective contacts with uniformly random residents, so the classic results apply.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from fangkong.sim import RunConfig, build_city, run_sim
from fangkong.sim.disease import Disease, generation_interval, mean_infectious_weight


@pytest.fixture(scope="module")
def big_city():
    return build_city(population=400_000, seed=5)


def final_size(r0: float) -> float:
    return brentq(lambda z: z - 1 + np.exp(-r0 * z), 1e-9, 1.0)


@pytest.mark.parametrize("r0", [1.5, 2.0, 3.0])
def test_final_attack_rate_matches_the_final_size_equation(big_city, r0):
    config = RunConfig(homogeneous=True, r0=r0, seed_infections=100, write_visits=False, presence=False)
    result = run_sim(city=big_city, days=400, seed=3, config=config)
    rows = result.rows
    assert rows[-1].E + rows[-1].I == 0, "the epidemic must be over"
    attack = result.summary["attack_rate"]
    assert attack == pytest.approx(final_size(r0), rel=0.02)


@pytest.mark.parametrize("r0", [1.5, 2.0, 3.0])
def test_early_growth_rate_gives_r0_through_wallinga_lipsitch(big_city, r0):
    config = RunConfig(homogeneous=True, r0=r0, seed_infections=200, write_visits=False, presence=False)
    result = run_sim(city=big_city, days=150, seed=4, config=config)
    incidence = result.to_df()["new_infections"].to_numpy(float)
    cumulative = np.cumsum(incidence)
    # The exponential phase: after the seeds' own generation, before 3% of the city is infected.
    lo, hi = np.searchsorted(cumulative, 1500), np.searchsorted(cumulative, 0.03 * big_city.n_persons)
    assert hi - lo >= 8
    r = np.polyfit(np.arange(lo, hi), np.log(incidence[lo:hi]), 1)[0]
    g = generation_interval(result.sim.disease)
    implied = 1.0 / np.sum(g * np.exp(-r * np.arange(g.size)))
    assert implied == pytest.approx(r0, rel=0.10)


def test_r0_calibration_uses_the_mean_infectious_period():
    disease = Disease(by_age=False)
    g = generation_interval(disease)
    assert g.sum() == pytest.approx(1.0)
    assert g[0] == 0.0  # nobody infects on the day they are infected
    # Covasim's durations: about 4.5 latent days then about 8.7 infectious days.
    assert 7.0 < mean_infectious_weight(disease) < 10.0
    assert 7.0 < float(np.sum(g * np.arange(g.size))) < 11.0


def test_household_secondary_attack_rate_is_reported():
    city = build_city(population=30_000, seed=8)
    result = run_sim(city=city, days=60, seed=2, config=RunConfig(seed_infections=50, presence=False))
    sar = result.summary["household_sar"]
    assert 0.0 < sar < 1.0
    infections = result.infections.to_pandas()
    household = infections[infections["layer"] == "household"]
    # Every household infection joins two members of the same household.
    assert (city.household[household["infectee_id"]] == city.household[household["infector_id"].astype(int)]).all()
