"""Occupancy: exposure integrals and infector draws against brute force over pairs."""

from __future__ import annotations

import numpy as np

from fangkong.sim.occupancy import Occupancy


def toy(rng, n=400, venues=7):
    venue = rng.integers(0, venues, n)
    t_in = rng.integers(0, 1300, n)
    t_out = np.minimum(t_in + rng.integers(1, 300, n), 1440)
    order = np.lexsort((t_in, venue))
    return venue[order], t_in[order], t_out[order]


def test_exposure_is_the_sum_of_weight_times_overlap():
    rng = np.random.default_rng(1)
    venue, t_in, t_out = toy(rng)
    weight = rng.gamma(0.45, 1 / 0.45, venue.size)
    occupancy = Occupancy(venue, t_in, t_out, weight)
    q_venue, q_in, q_out = toy(rng, 300)
    overlap = np.clip(np.minimum(q_out[:, None], t_out[None, :]) - np.maximum(q_in[:, None], t_in[None, :]), 0, None)
    brute = ((q_venue[:, None] == venue[None, :]) * overlap * weight[None, :]).sum(axis=1)
    assert np.allclose(occupancy.exposure(q_venue, q_in, q_out), brute)


def test_draws_pick_sources_in_proportion_to_weight_times_overlap_at_a_shared_moment():
    rng = np.random.default_rng(2)
    venue = np.zeros(4, np.int64)
    t_in, t_out = np.array([0, 60, 100, 500]), np.array([120, 200, 130, 600])
    weight = np.array([1.0, 2.0, 5.0, 9.0])
    occupancy = Occupancy(venue, t_in, t_out, weight)
    q_in, q_out = np.array([90]), np.array([180])  # overlaps 30, 90, 30, 0 minutes
    exposure = occupancy.exposure(venue[:1], q_in, q_out)
    assert exposure[0] == 1 * 30 + 2 * 90 + 5 * 30
    n = 40_000
    chosen, moment = occupancy.draw(rng, np.zeros(n, np.int64), np.full(n, 90), np.repeat(exposure, n))
    share = np.bincount(chosen, minlength=4) / n
    assert np.allclose(share, np.array([30, 180, 150, 0]) / 360, atol=0.01)
    assert ((moment >= np.maximum(90, t_in[chosen])) & (moment < np.minimum(180, t_out[chosen]))).all()
