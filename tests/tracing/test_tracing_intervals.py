"""fangkong.analytics.intervals against the published serial interval of Du et al. 2020 and the
EpiEstim discretisation (epi-methods.md §1 and §3)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from fangkong.analytics.intervals import discretised_gamma, fit_normal, serial_intervals, summarise

# Du et al. 2020, Table S5: serial interval (days) → number of the 468 pairs (epi-methods.md §3)
DU_2020 = {-11: 1, -10: 2, -9: 1, -8: 1, -6: 2, -5: 5, -4: 8, -3: 7, -2: 7, -1: 25, 0: 48, 1: 41, 2: 50,
           3: 37, 4: 50, 5: 30, 6: 33, 7: 23, 8: 20, 9: 16, 10: 16, 11: 14, 12: 4, 13: 6, 14: 6, 15: 7,
           16: 4, 17: 3, 20: 1}


@pytest.fixture
def du():
    return np.repeat(list(DU_2020), list(DU_2020.values()))


def test_du_2020_published_figures(du):
    s = summarise(du)
    assert s.n == 468 and s.negative == 59 and s.zero == 48 and round(s.negative_share, 3) == 0.126
    assert s.mean == pytest.approx(3.9573, abs=1e-4) and s.sd == pytest.approx(4.7460, abs=1e-4)
    # the paper: mean 3.96 (95% CI 3.53–4.39), SD 4.75 (4.46–5.07)
    assert [round(v, 2) for v in s.mean_ci] == [3.53, 4.39]
    assert [round(v, 2) for v in s.sd_ci] == [4.46, 5.07]
    assert (s.median, s.minimum, s.maximum) == (3.0, -11, 20)
    assert dict(zip(s.values, s.counts)) == DU_2020
    assert s.fit.mean == pytest.approx(s.mean) and s.fit.sd == pytest.approx(4.7460 * np.sqrt(467 / 468), abs=1e-4)


def test_bootstrap_is_seeded_and_close_to_the_recomputed_interval(du):
    s = summarise(du, bootstrap=2000, seed=3)
    # [RECOMPUTED] 5000 draws: mean 3.53–4.38, SD 4.38–5.09
    assert s.bootstrap_mean_ci == pytest.approx((3.53, 4.38), abs=0.05)
    assert s.bootstrap_sd_ci == pytest.approx((4.38, 5.09), abs=0.06)
    assert summarise(du, bootstrap=2000, seed=3).bootstrap_mean_ci == s.bootstrap_mean_ci


def test_the_normal_fit_is_the_maximum_likelihood():
    si = np.array([1, 2, 2, 3, 7])
    fit = fit_normal(si)
    assert fit.mean == 3.0 and fit.sd == pytest.approx(np.sqrt(((si - 3.0) ** 2).mean()))
    for mean, sd in [(3.1, fit.sd), (3.0, fit.sd * 1.1), (2.9, fit.sd * 0.9)]:
        other = -0.5 * (((si - mean) / sd) ** 2).sum() - si.size * np.log(sd * np.sqrt(2 * np.pi))
        assert other < fit.log_likelihood


def test_pairs_without_both_onsets_are_left_out():
    infector = [date(2022, 4, 1), None, date(2022, 4, 3), date(2022, 4, 10)]
    infectee = [date(2022, 4, 5), date(2022, 4, 6), None, date(2022, 4, 8)]
    assert serial_intervals(infector, infectee).tolist() == [4, -2]
    days = np.array(["2022-04-01", "NaT"], dtype="datetime64[D]")
    assert serial_intervals(days, days + 3).tolist() == [3]
    with pytest.raises(ValueError, match="same length"):
        serial_intervals([1, 2], [3])


def test_small_samples():
    assert summarise([]).n == 0 and summarise([]).fit is None
    one = summarise([4])
    assert one.mean == 4 and np.isnan(one.sd) and one.fit is None


def test_epiestim_discretised_gamma():
    # EpiEstim "Example 3": mean 2.6, SD 1.5 [PKG-TEST]
    w = discretised_gamma(2.6, 1.5, 40)
    assert w[:8] == pytest.approx([0, 0.2331721, 0.3585794, 0.1981108, 0.1033427, 0.05290518, 0.02682146,
                                   0.01351620], abs=1e-7)
    k = np.arange(41)
    mean = (k * w).sum()
    assert mean == pytest.approx(2.6, abs=1e-6) and np.sqrt((k * k * w).sum() - mean**2) == pytest.approx(1.55488, abs=1e-5)
    with pytest.raises(ValueError, match="above 1 day"):
        discretised_gamma(1.0, 1.5, 10)
